import { describe, expect, it } from 'vitest';
import {
  BACKEND_ENV,
  isKillSwitchOn,
  isKnownKillSwitchValue,
  KILL_SWITCH_ENV,
  KILL_SWITCH_OFF_VALUES,
  KILL_SWITCH_ON_VALUES,
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
    [undefined, true],
    ['', true],
    ['0', true],
    [' Off ', true],
    ['NO', true],
    ['false', true],
    ['Yes', true],
    ['maybe', false],
    ['2', false],
    ['disable', false],
  ])('knows LOOPFAST_DISABLE=%j: %s', (value, known) => {
    expect(isKnownKillSwitchValue(value)).toBe(known);
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
