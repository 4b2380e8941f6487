/**
 * The options `@loopfast/net` adds to Node's, read and validated once, early; the rest of the
 * package sees only the normalized result.
 *
 * @module
 */
import {
  invalidArgTypeError,
  invalidArgValueError,
  validateBoolean,
} from '@loopfast/core/internal';
import { type BackendOption, validateBackendOption } from './backend-choice.js';

/**
 * What happens when a fast-path socket on Windows is given a socket option the control code does
 * not support: warn once, throw, or let it pass.
 */
export type OptionPolicy = 'warn' | 'throw' | 'allow';

/** The options loopfast adds to `net.connect` and `net.createServer`. */
export interface LoopfastOptions {
  /**
   * Ask for the loopback fast path. Off by default, as Microsoft's "SIO_LOOPBACK_FAST_PATH Control
   * Code" page has it: both ends must ask.
   */
  loopbackFastPath?: boolean;
  /**
   * The backend: a `Backend` object, `'napi'`, `'ffi'`, or `'auto'` (the default:
   * `LOOPFAST_BACKEND` if set, else `@loopfast/napi`, else `@loopfast/ffi`).
   */
  backend?: BackendOption;
  /**
   * What happens when a fast-path socket is given an option outside the control code's supported
   * list (`setNoDelay`, `setKeepAlive`, or the `noDelay` / `keepAlive` options): `'warn'` (the
   * default: one process warning per option, code `LOOPFAST_UNSUPPORTED_OPTION`), `'throw'`
   * (an error with code `ERR_LOOPFAST_UNSUPPORTED_OPTION`), or `'allow'`.
   */
  optionPolicy?: OptionPolicy;
}

/** What a socket or server asked for, normalized. */
export interface FastPathSettings {
  /** `loopbackFastPath` as given (false by default). */
  readonly requested: boolean;
  /** The backend to use. */
  readonly backend: BackendOption;
  /** The platform whose mechanism applies (the running one, except in tests). */
  readonly platform: NodeJS.Platform;
  /** The environment the kill switch and backend override are read from. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Defaults a factory fixes for every call it makes; the call's own options win. */
export interface LoopfastDefaults extends LoopfastOptions {
  /** The platform whose mechanism applies; the running one unless a test says otherwise. */
  platform?: NodeJS.Platform;
  /** The environment to read `LOOPFAST_DISABLE` and `LOOPFAST_BACKEND` from. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The outcome of reading options: loopfast's part, and what is left for Node. */
export interface ReadOptions<T> {
  readonly settings: FastPathSettings;
  readonly policy: OptionPolicy;
  readonly netOptions: T;
}

const POLICIES: readonly OptionPolicy[] = ['warn', 'throw', 'allow'];

function validatePolicy(value: unknown, name: string): OptionPolicy {
  if (!POLICIES.includes(value as OptionPolicy)) {
    throw invalidArgValueError(name, value, "must be 'warn', 'throw' or 'allow'");
  }
  return value as OptionPolicy;
}

/**
 * Validates loopfast's options where they are fixed for later calls (a factory's defaults, an
 * agent's, a connector's), so a mistake fails where it is made, with the name it was given
 * (`name`), rather than at the first connection. Node's own options are left to Node.
 */
export function validateLoopfastOptions(options: unknown, name: string): LoopfastOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) {
    throw invalidArgTypeError(name, 'of type object', options);
  }
  const { loopbackFastPath, backend, optionPolicy } = options as LoopfastOptions;
  if (loopbackFastPath !== undefined) validateBoolean(loopbackFastPath, `${name}.loopbackFastPath`);
  if (backend !== undefined) validateBackendOption(backend, `${name}.backend`);
  if (optionPolicy !== undefined) validatePolicy(optionPolicy, `${name}.optionPolicy`);
  return options as LoopfastOptions;
}

/** Whether `options` holds one of loopfast's own options. */
function hasLoopfastOption(options: object): boolean {
  return (
    Object.hasOwn(options, 'loopbackFastPath') ||
    Object.hasOwn(options, 'backend') ||
    Object.hasOwn(options, 'optionPolicy')
  );
}

/** A copy of `options` without loopfast's own options, for Node. */
function withoutLoopfastOptions<T extends object>(options: T & LoopfastOptions): T {
  const { loopbackFastPath, backend, optionPolicy, ...netOptions } = options;
  return netOptions as T;
}

/** Splits loopfast's options from Node's and validates them. */
export function readLoopfastOptions<T extends object>(
  options: T & LoopfastOptions,
  defaults: LoopfastDefaults,
): ReadOptions<T> {
  const { loopbackFastPath, backend, optionPolicy } = options;
  // Node's own copy is enough when there is nothing to take out: this is on every connection's
  // path, and `http` hands over options objects of many keys.
  const netOptions = hasLoopfastOption(options) ? withoutLoopfastOptions(options) : options;
  const requested = validateBoolean(
    loopbackFastPath ?? defaults.loopbackFastPath ?? false,
    'options.loopbackFastPath',
  );
  return {
    settings: {
      requested,
      backend: validateBackendOption(backend ?? defaults.backend ?? 'auto'),
      platform: defaults.platform ?? process.platform,
      env: defaults.env ?? process.env,
    },
    policy: validatePolicy(optionPolicy ?? defaults.optionPolicy ?? 'warn', 'options.optionPolicy'),
    netOptions: netOptions as T,
  };
}

/**
 * Whether a call leaves loopfast nothing to do: the fast path is not asked for, by the defaults
 * or by the options (`first`, the call's first argument), and no loopfast option needs checking.
 * Such a call goes to Node untouched, so it costs what `node:net` costs and fails as it fails.
 */
export function leavesItToNode(defaults: LoopfastDefaults, first: unknown): boolean {
  if (defaults.loopbackFastPath === true) return false;
  if (typeof first !== 'object' || first === null) return true;
  const options = first as LoopfastOptions;
  return (
    (options.loopbackFastPath === undefined || options.loopbackFastPath === false) &&
    options.backend === undefined &&
    options.optionPolicy === undefined
  );
}

/**
 * An agent's options split in two: loopfast's, as the defaults of every connection the agent
 * makes (`loopbackFastPath` true unless set to false), and the rest for the agent itself.
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for a wrong loopfast option.
 */
export function splitAgentOptions<T extends LoopfastOptions>(
  options: T,
): { readonly defaults: LoopfastDefaults; readonly agentOptions: Omit<T, keyof LoopfastOptions> } {
  validateLoopfastOptions(options, 'options');
  const { loopbackFastPath = true, backend, optionPolicy, ...agentOptions } = options;
  return {
    defaults: {
      loopbackFastPath,
      ...(backend === undefined ? {} : { backend }),
      ...(optionPolicy === undefined ? {} : { optionPolicy }),
    },
    agentOptions,
  };
}
