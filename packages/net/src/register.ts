/**
 * `@loopfast/net/register`: the preload. Loading it (`node --import @loopfast/net/register`,
 * `node --require @loopfast/net/register`, or either in `NODE_OPTIONS` so child processes,
 * `cluster` workers and worker threads get it too) sends every TCP client and server of the
 * process through loopfast with the fast path asked for. `LOOPFAST_DISABLE=1` leaves Node's
 * `net` untouched. Loading it more than once, or beside an import of `@loopfast/net`, changes
 * nothing more.
 *
 * @module
 */
import { installPreload } from './preload/install.js';

installPreload();
