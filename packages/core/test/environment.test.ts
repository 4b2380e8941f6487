import { describe, expect, it } from 'vitest';
import {
  BACKEND_ENV,
  isKillSwitchOn,
  KILL_SWITCH_ENV,
  KILL_SWITCH_OFF_VALUES,
  KILL_SWITCH_ON_VALUES,
  killSwitchState,
} from '../src/index.js';

describe('environment', () => {
  it('names the variables', () => {
    expect(KILL_SWITCH_ENV).toBe('LOOPFAST_DISABLE');
    expect(BACKEND_ENV).toBe('LOOPFAST_BACKEND');
  });

  it.each([
    ['1', true],
    ['true', true],
    [' YES ', true],
    ['on', true],
    ['0', false],
    ['false', false],
    ['', false],
    ['maybe', false],
    [undefined, false],
  ])('%o -> %s', (value, expected) => {
    expect(isKillSwitchOn({ [KILL_SWITCH_ENV]: value })).toBe(expected);
  });

  it('reads the process environment by default', () => {
    const saved = process.env[KILL_SWITCH_ENV];
    try {
      process.env[KILL_SWITCH_ENV] = '1';
      expect(isKillSwitchOn()).toBe(true);
      delete process.env[KILL_SWITCH_ENV];
      expect(isKillSwitchOn()).toBe(false);
    } finally {
      if (saved !== undefined) process.env[KILL_SWITCH_ENV] = saved;
    }
  });

  it.each([
    [undefined, 'off'],
    ['', 'off'],
    ['0', 'off'],
    [' Off ', 'off'],
    ['NO', 'off'],
    ['false', 'off'],
    ['Yes', 'on'],
    [' 1', 'on'],
    ['maybe', 'unknown'],
    ['2', 'unknown'],
    ['disable', 'unknown'],
  ])('LOOPFAST_DISABLE=%j is %s', (value, state) => {
    expect(killSwitchState(value)).toBe(state);
  });

  it('turns on with exactly the on values, and every known value is on or off', () => {
    for (const value of KILL_SWITCH_ON_VALUES) {
      expect(isKillSwitchOn({ [KILL_SWITCH_ENV]: value.toUpperCase() })).toBe(true);
    }
    for (const value of KILL_SWITCH_OFF_VALUES) {
      expect(isKillSwitchOn({ [KILL_SWITCH_ENV]: value })).toBe(false);
      expect(KILL_SWITCH_ON_VALUES).not.toContain(value);
    }
  });
});
