import { describe, expect, it } from 'vitest';
import {
  isIPv4MappedAddress,
  isLocalhostName,
  isLoopbackAddress,
  isWildcardAddress,
} from '../src/index.js';
import { classifyHost } from '../src/internal.js';

describe('isLoopbackAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '127.1.2.3',
    '::1',
    '0:0:0:0:0:0:0:1',
    '0000:0000:0000:0000:0000:0000:0000:0001',
    '::1%lo',
    '::ffff:127.0.0.1',
    '::ffff:127.9.8.7',
    '0:0:0:0:0:ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::FFFF:7F00:0001',
  ])('%s is loopback', (address) => {
    expect(isLoopbackAddress(address)).toBe(true);
  });

  it.each([
    '128.0.0.1',
    '10.0.0.1',
    '0.0.0.0',
    '::',
    '::2',
    '1::1',
    '::ffff:128.0.0.1',
    '::ffff:10.0.0.1',
    '::127.0.0.1',
    'fe80::1',
    '::ffff:0:127.0.0.1',
    'localhost',
    '127.0.0.1.example.com',
    '',
    '127.0.0',
  ])('%s is not a loopback literal', (address) => {
    expect(isLoopbackAddress(address)).toBe(false);
  });

  it('rejects a non-string', () => {
    expect(() => isLoopbackAddress(0x7f000001 as unknown as string)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });
});

describe('isIPv4MappedAddress', () => {
  it('knows the mapped forms and nothing else', () => {
    expect(isIPv4MappedAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isIPv4MappedAddress('::ffff:7f00:1')).toBe(true);
    expect(isIPv4MappedAddress('::FFFF:10.0.0.1')).toBe(true);
    expect(isIPv4MappedAddress('::1')).toBe(false);
    expect(isIPv4MappedAddress('127.0.0.1')).toBe(false);
    expect(isIPv4MappedAddress('::127.0.0.1')).toBe(false);
    expect(isIPv4MappedAddress('ffff::1')).toBe(false);
  });
});

describe('isWildcardAddress', () => {
  it('knows both wildcards in any spelling', () => {
    expect(isWildcardAddress('0.0.0.0')).toBe(true);
    expect(isWildcardAddress('::')).toBe(true);
    expect(isWildcardAddress('0:0:0:0:0:0:0:0')).toBe(true);
    expect(isWildcardAddress('::1')).toBe(false);
    expect(isWildcardAddress('0.0.0.1')).toBe(false);
    expect(isWildcardAddress('any')).toBe(false);
  });
});

describe('isLocalhostName', () => {
  it('takes localhost and names under .localhost, in any case', () => {
    expect(isLocalhostName('localhost')).toBe(true);
    expect(isLocalhostName('LocalHost.')).toBe(true);
    expect(isLocalhostName('api.localhost')).toBe(true);
  });

  it('does not match names that merely contain it', () => {
    expect(isLocalhostName('localhost.example.com')).toBe(false);
    expect(isLocalhostName('notlocalhost')).toBe(false);
    expect(isLocalhostName('mylocalhost')).toBe(false);
    expect(isLocalhostName('127.0.0.1')).toBe(false);
  });
});

describe('classifyHost', () => {
  it.each([
    ['127.0.0.1', 'loopback-address'],
    ['::1', 'loopback-address'],
    ['0.0.0.0', 'wildcard-address'],
    ['::', 'wildcard-address'],
    ['192.0.2.1', 'other-address'],
    ['2001:db8::1', 'other-address'],
    ['localhost', 'localhost-name'],
    ['example.com', 'other-name'],
  ])('%s is %s', (host, kind) => {
    expect(classifyHost(host)).toBe(kind);
  });
});
