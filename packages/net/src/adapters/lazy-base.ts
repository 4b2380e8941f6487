/**
 * A base class that stands in for one of Node's classes (`http.Agent`, `https.Agent`) until the
 * first instance is made, so that importing `@loopfast/net` loads nothing of Node's HTTP stack.
 *
 * @module
 */

/** The stand-in, typed as the real class, and the real class, loaded on first call. */
export interface LazyBase<C> {
  /** The base class to extend: the real one to the type checker and to the API reference. */
  readonly base: C;
  /** The real class; loads it (and puts it behind `base`) on the first call. */
  real(): C;
}

/**
 * A stand-in for the class `load` returns. On the first construction it loads that class, puts
 * it behind itself (its prototype and its statics), and builds each instance with the real
 * constructor for the class being constructed (`new.target`: a subclass of the stand-in).
 */
export function lazyBase<C extends abstract new (...args: never[]) => object>(
  load: () => C,
): LazyBase<C> {
  let loaded: C | undefined;
  const real = (): C => {
    if (loaded === undefined) {
      loaded = load();
      Object.setPrototypeOf(Stand.prototype, loaded.prototype);
      Object.setPrototypeOf(Stand, loaded);
    }
    return loaded;
  };
  function Stand(this: unknown, ...args: unknown[]): object {
    return Reflect.construct(
      real() as unknown as new (
        ...a: unknown[]
      ) => object,
      args,
      new.target,
    );
  }
  return { base: Stand as unknown as C, real };
}

/**
 * Calls `callback(null, socket)` once `socket` emits `ready` (`'connect'`, `'secureConnect'`),
 * or `callback(error, null)` on its first error before that: the shape undici's connectors
 * answer in.
 */
export function answerWhenReady<S extends NodeJS.EventEmitter>(
  socket: S,
  ready: 'connect' | 'secureConnect',
  callback: (...args: [error: null, socket: S] | [error: Error, socket: null]) => void,
): void {
  const onError = (error: Error) => callback(error, null);
  socket.once('error', onError);
  socket.once(ready, () => {
    socket.off('error', onError);
    callback(null, socket);
  });
}
