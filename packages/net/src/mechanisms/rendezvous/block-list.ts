/**
 * A client's `blockList`, as Node honours it: Node refuses a connect to an address the socket's
 * list blocks, with its own error and events, so the rendezvous leaves such a connect to Node.
 *
 * @module
 */
import { BlockList, isIP, createServer as netCreateServer } from 'node:net';

let honoured: boolean | undefined;

/**
 * Whether this Node honours `blockList` (from Node 22.13; earlier versions ignore the option, so
 * the rendezvous does too): where it does, a server refuses one that is not a list.
 */
function blockListsHonoured(): boolean {
  if (honoured === undefined) {
    try {
      netCreateServer({ blockList: {} } as never).close();
      honoured = false;
    } catch {
      honoured = true;
    }
  }
  return honoured;
}

/**
 * Whether the `blockList` of a connect's `options`, where this Node honours it, blocks the IP
 * literal `address`.
 */
export function blockedByList(options: object, address: string): boolean {
  const { blockList } = options as { blockList?: unknown };
  if (blockList === undefined || !(blockList instanceof BlockList) || !blockListsHonoured()) {
    return false;
  }
  return blockList.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}
