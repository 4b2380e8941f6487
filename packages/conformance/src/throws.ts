import { type Backend, LoopfastSystemError } from '@loopfast/core';
import { expect } from 'vitest';

/** Runs `call` and returns what it threw, failing the test if it did not throw. */
export function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

/** `call` throws core's system error with `code` (and `syscall`, when given) naming `backend`. */
export function expectSystemError(
  call: () => unknown,
  backend: Backend,
  code: string,
  syscall?: string,
): void {
  const error = thrownBy(call);
  expect(error).toBeInstanceOf(LoopfastSystemError);
  expect(error).toMatchObject({ code, backend: backend.name, ...(syscall ? { syscall } : {}) });
  expect(typeof (error as LoopfastSystemError).errno).toBe('number');
}
