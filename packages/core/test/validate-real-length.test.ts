/**
 * `validateBytes` measures a view by its real length and recognises only real `Uint8Array`s:
 * what a native call reads must be what was checked.
 */
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { byteLengthOf, isUint8Array, validateBytes } from '../src/internal.js';

class LyingView extends Uint8Array {
  override get byteLength(): number {
    return 4;
  }
}

describe('real lengths', () => {
  it('byteLengthOf ignores an overriding getter', () => {
    const view = new LyingView(2048);
    expect(view.byteLength).toBe(4);
    expect(byteLengthOf(view)).toBe(2048);
    expect(byteLengthOf(Buffer.alloc(7).subarray(2))).toBe(5);
  });

  it('validateBytes checks the real length and returns the view itself', () => {
    expect(() => validateBytes(new LyingView(2048), 'value', 1, 1024)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    const honest = new LyingView(8);
    expect(validateBytes(honest, 'value', 1, 1024)).toBe(honest);
  });

  it('only real Uint8Arrays are Uint8Arrays: any realm, never a proxy or a look-alike', () => {
    expect(isUint8Array(Buffer.alloc(1))).toBe(true);
    expect(isUint8Array(runInNewContext('new Uint8Array(3)'))).toBe(true);
    expect(isUint8Array(new Proxy(new Uint8Array(4), {}))).toBe(false);
    expect(isUint8Array(Object.create(Uint8Array.prototype))).toBe(false);
    expect(isUint8Array(new Int8Array(4))).toBe(false);
    expect(isUint8Array(null)).toBe(false);
    for (const fake of [new Proxy(new Uint8Array(4), {}), Object.create(Uint8Array.prototype)]) {
      expect(() => validateBytes(fake, 'value', 1, 1024)).toThrow(
        expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }),
      );
    }
  });
});
