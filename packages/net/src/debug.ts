import { debuglog } from 'node:util';

/** Logs each fast-path decision when `NODE_DEBUG=loopfast` is set. */
export const debug = debuglog('loopfast');
