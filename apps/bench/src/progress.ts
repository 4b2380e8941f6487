/**
 * The progress display on stderr: on a terminal, one line redrawn in place with a bar, the
 * scenario, round, mode and elapsed time; elsewhere, a plain line per scenario (per round when
 * asked for explicitly), so logs stay readable.
 *
 * @module
 */
import type { ProgressEvent } from './runner.js';

/** Something that shows progress. */
export interface Progress {
  update(event: ProgressEvent): void;
  /** Clears the live line, if any. */
  done(): void;
}

function clock(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** One line of progress text (without control characters). */
export function progressLine(event: ProgressEvent, width = 20): string {
  const fraction = event.total === 0 ? 1 : event.step / event.total;
  const filled = Math.round(fraction * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const round = event.round === 0 ? 'warm-up' : `round ${event.round}/${event.rounds}`;
  return `${bar} ${String(Math.round(fraction * 100)).padStart(3)}%  ${event.scenario} · ${round} · ${event.series} · ${clock(event.elapsedMs)}`;
}

/**
 * A progress display for `stream`. `'auto'` draws a live line on a terminal and a line per
 * scenario elsewhere; `'on'` off a terminal writes a line per round; `'off'` shows nothing.
 */
export function createProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
  setting: 'auto' | 'on' | 'off',
): Progress {
  if (setting === 'off') return { update() {}, done() {} };
  if (stream.isTTY) {
    let drawn = false;
    return {
      update(event) {
        const line = progressLine(event);
        const columns = stream.columns || 100;
        stream.write(`\r\x1b[2K${[...line].slice(0, Math.max(20, columns - 1)).join('')}`);
        drawn = true;
      },
      done() {
        if (drawn) stream.write('\r\x1b[2K');
      },
    };
  }
  let last = '';
  return {
    update(event) {
      const key = setting === 'on' ? `${event.scenario} ${event.round}` : event.scenario;
      if (key === last) return;
      last = key;
      stream.write(`${progressLine(event)}\n`);
    },
    done() {},
  };
}
