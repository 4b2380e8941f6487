/**
 * `@loopfast/core`: constants, IOC macros, the error table and error classes, the supported-option
 * table, loopback and platform helpers, and the {@link Backend} interface. Pure TypeScript.
 *
 * @packageDocumentation
 */
export * from './argument-errors.js';
export * from './backend.js';
export * from './environment.js';
export * from './error-table.js';
export * from './errors.js';
export * from './fast-path-options.js';
export * from './ioctl-codes.js';
export * from './loopback.js';
export * from './socket-constants.js';
export * from './unix-path.js';
export * from './validate.js';
export * from './windows-version.js';
