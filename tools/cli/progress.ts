/**
 * A progress bar for long operations (cli-progress), drawn on stderr only when it is a terminal,
 * so piped and scripted output stays clean.
 */
import { Presets, SingleBar } from 'cli-progress';
import { terminalStream } from '../local/local-lambda';
import type { OutputStream } from './io';

export interface Progress {
  /** Sets the position (and the total, when it changed). */
  update(value: number, total?: number): void;
  /** Moves one step on. */
  increment(): void;
  /** Removes the bar. */
  stop(): void;
}

const NONE: Progress = { update: () => undefined, increment: () => undefined, stop: () => undefined };

/** A bar labelled `label` on `stream` when it is a TTY, else a no-op. */
export function progressBar(stream: OutputStream, label: string, total: number): Progress {
  if (!stream.isTTY) return NONE;
  // Keep drawing on the terminal while an in-process handler's output is redirected.
  const target = stream === process.stderr ? terminalStream(process.stderr) : (stream as NodeJS.WriteStream);
  const bar = new SingleBar(
    { stream: target, format: `${label} [{bar}] {value}/{total}`, hideCursor: true, clearOnComplete: true, etaBuffer: 20 },
    Presets.shades_classic,
  );
  bar.start(Math.max(total, 1), 0);
  let current = 0;
  return {
    update(value, newTotal) {
      current = value;
      if (newTotal !== undefined) bar.setTotal(Math.max(newTotal, 1));
      bar.update(value);
    },
    increment() {
      current += 1;
      bar.update(current);
    },
    stop() {
      bar.stop();
    },
  };
}
