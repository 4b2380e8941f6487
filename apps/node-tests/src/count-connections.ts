/**
 * A preload of the frameworks' runner (`--import`, through `NODE_OPTIONS`, so the processes a
 * suite starts load it too): counts the connections the process's servers accept, from Node's
 * `net.server.socket` channel, and, when loopfast's preload runs too, how many of them came over
 * the fast path, from loopfast's own per-socket status (`fastPathInfo`). It keeps its counts in
 * `<pid>.json` in the directory `FRAMEWORK_COUNT_DIR` names, written at each connection: a run
 * killed at its time limit still has them.
 *
 * It loads nothing of Node's network stack itself: the channel is subscribed by name, and
 * `@loopfast/net` (the module `FRAMEWORK_COUNT_NET` names, only when the preload runs) is loaded
 * at the first accepted connection, when the preload has loaded it already.
 *
 * @module
 */
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { join } from 'node:path';

/** One process's counts, as its file holds them. */
export interface ProcessCount {
  /** The process id. */
  readonly pid: number;
  /** Connections its servers accepted. */
  readonly connections: number;
  /** Of those, the ones accepted over the fast path (the rendezvous on Linux and macOS). */
  readonly fastPath: number;
  /** The mechanism of the fast-path connections, by name, with their number. */
  readonly mechanisms: Record<string, number>;
  /** The others' reasons (`fastPathInfo(socket).reason`), with their number. */
  readonly reasons: Record<string, number>;
}

const directory = process.env.FRAMEWORK_COUNT_DIR;
const netModule = process.env.FRAMEWORK_COUNT_NET;

if (directory) {
  const file = join(directory, `${process.pid}.json`);
  let connections = 0;
  let fastPath = 0;
  const mechanisms: Record<string, number> = {};
  const reasons: Record<string, number> = {};
  let fastPathInfo:
    | ((socket: Socket) => { state: string; mechanism: string | null; reason: string })
    | null = null;
  const save = () => {
    const count: ProcessCount = { pid: process.pid, connections, fastPath, mechanisms, reasons };
    writeFileSync(file, JSON.stringify(count));
  };
  const classify = ({ socket }: { socket: Socket }) => {
    if (!netModule) return;
    // The status is read now: a server forgets what it gave its TCP connections when it closes.
    fastPathInfo ??= (
      createRequire(import.meta.url)(netModule) as { fastPathInfo: typeof fastPathInfo }
    ).fastPathInfo;
    const info = fastPathInfo?.(socket);
    if (info?.state === 'enabled') {
      fastPath++;
      const mechanism = info.mechanism ?? 'unknown';
      mechanisms[mechanism] = (mechanisms[mechanism] ?? 0) + 1;
    } else if (info) {
      reasons[info.reason] = (reasons[info.reason] ?? 0) + 1;
    }
  };
  subscribe('net.server.socket', (message) => {
    connections++;
    classify(message as { socket: Socket });
    save();
  });
}
