/**
 * The bytes of Linux's table of TCP listeners: the request's layout and the reading of answers the
 * kernel can give. The real exchange is proven by both backends' conformance suites; here the
 * answers are built by hand, to reach the error and edge paths a live kernel rarely takes.
 */
import { isIPv6 } from 'node:net';
import { endianness } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  tcpListenerAnswerEnded,
  tcpListenerRequest,
  tcpListenersFromAnswer,
  validateTcpListenerQuery,
} from '../src/tcp-listener-table.js';

const LE = endianness() === 'LE';

/** One netlink message of `type` around `payload`, padded to 4 bytes. */
function message(type: number, payload: Uint8Array): Buffer {
  const length = 16 + payload.length;
  const bytes = Buffer.alloc((length + 3) & ~3);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  view.setUint32(0, length, LE);
  view.setUint16(4, type, LE);
  bytes.set(payload, 16);
  return bytes;
}

/** An `inet_diag_msg` for a listener, with an `INET_DIAG_SKV6ONLY` attribute when given. */
function listener(family: 2 | 10, address: number[], port: number, v6only?: 0 | 1): Buffer {
  const body = Buffer.alloc(72 + (v6only === undefined ? 0 : 8));
  const view = new DataView(body.buffer, body.byteOffset);
  body[0] = family;
  body[1] = 10;
  view.setUint16(4, port, false);
  body.set(address, 8);
  view.setUint32(64, 1000, LE);
  view.setUint32(68, 424242, LE);
  if (v6only !== undefined) {
    view.setUint16(72, 5, LE);
    view.setUint16(74, 11, LE);
    body[76] = v6only;
  }
  return message(20, body);
}

const done = () => message(3, Buffer.alloc(4));

describe("Linux's table of TCP listeners, as bytes", () => {
  it('asks for one family, LISTEN only, on one port in network order', () => {
    const request = tcpListenerRequest(6, 0x1f90);
    const view = new DataView(request.buffer, request.byteOffset);
    expect(request.length).toBe(72);
    expect(view.getUint32(0, LE)).toBe(72);
    expect(view.getUint16(4, LE)).toBe(20);
    expect(view.getUint16(6, LE)).toBe(0x301);
    expect(request[16]).toBe(10);
    expect(request[17]).toBe(6);
    expect(view.getUint32(20, LE)).toBe(1 << 10);
    expect([request[24], request[25]]).toEqual([0x1f, 0x90]);
    expect(tcpListenerRequest(4, 80)[16]).toBe(2);
  });

  it('reads IPv4 and IPv6 listeners, IPv6 text as Node writes it, and the IPv6-only flag', () => {
    const mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1];
    const loopback6 = [...Array(15).fill(0), 1];
    const answer = Buffer.concat([
      listener(2, [127, 0, 0, 2], 8080),
      listener(10, loopback6, 8081, 1),
      listener(10, mapped, 8082, 0),
      listener(10, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1], 8083, 0),
      done(),
    ]);
    const found = tcpListenersFromAnswer(answer, 'test');
    expect(found).toEqual([
      { family: 4, address: '127.0.0.2', port: 8080, uid: 1000, inode: 424242, ipv6Only: false },
      { family: 6, address: '::1', port: 8081, uid: 1000, inode: 424242, ipv6Only: true },
      {
        family: 6,
        address: '::ffff:127.0.0.1',
        port: 8082,
        uid: 1000,
        inode: 424242,
        ipv6Only: false,
      },
      {
        family: 6,
        address: '2001:db8::1:0:0:1',
        port: 8083,
        uid: 1000,
        inode: 424242,
        ipv6Only: false,
      },
    ]);
    for (const { address, family } of found) if (family === 6) expect(isIPv6(address)).toBe(true);
  });

  it("knows an answer's end: DONE or ERROR ends it, listeners alone do not", () => {
    expect(tcpListenerAnswerEnded(listener(2, [127, 0, 0, 1], 1))).toBe(false);
    expect(tcpListenerAnswerEnded(Buffer.concat([listener(2, [127, 0, 0, 1], 1), done()]))).toBe(
      true,
    );
    expect(tcpListenerAnswerEnded(message(2, Buffer.alloc(20)))).toBe(true);
  });

  it("turns the kernel's error message into a system error with its errno", () => {
    const payload = Buffer.alloc(20);
    new DataView(payload.buffer, payload.byteOffset).setInt32(0, -1, LE);
    expect(() => tcpListenersFromAnswer(message(2, payload), 'test')).toThrow(
      expect.objectContaining({ code: 'EPERM', errno: 1, syscall: 'recv', backend: 'test' }),
    );
  });

  it('refuses an answer cut before its end, or a message longer than the bytes', () => {
    expect(() => tcpListenersFromAnswer(listener(2, [127, 0, 0, 1], 1), 'test')).toThrow(
      /ended early/,
    );
    const cut = Buffer.concat([listener(2, [127, 0, 0, 1], 1), done()]).subarray(0, 90);
    expect(() => tcpListenersFromAnswer(cut, 'test')).toThrow(/ended early/);
  });

  it('checks its arguments, then the platform', () => {
    expect(validateTcpListenerQuery(6, 0, 'linux', 'test')).toEqual({ family: 6, port: 0 });
    expect(() => validateTcpListenerQuery(6, 70000, 'linux', 'test')).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => validateTcpListenerQuery(4, 80, 'darwin', 'test')).toThrow(
      expect.objectContaining({ code: 'ERR_LOOPFAST_UNSUPPORTED_PLATFORM' }),
    );
  });
});
