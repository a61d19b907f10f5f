import { Worker } from 'node:worker_threads';
import type { ICalFeedError, ICalFeedErrorCode, ICalFeedOptions, ICalParseResult } from './ical';
import type { ICalWorkerInput } from './icalWorker';
import { errorText } from '../util/errors';

/**
 * Runs {@link parseICalFeed} in a worker thread with a wall-clock limit and a heap limit. The parse is
 * synchronous and ical.js can loop for ever on some recurrence rules (kewisch/ical.js#1038), so no check
 * inside it can be relied on: on timeout the worker is terminated (which interrupts running JavaScript)
 * and the feed fails with `timeout`. Type-only imports from ./ical keep ical.js out of the caller's bundle.
 */
export interface IsolationLimits {
  /** The worker script: dist/icalWorker.js in the extension, out/src/core/schedule/icalWorker.js in tests. */
  workerPath: string;
  /** Wall-clock limit for one feed, worker start included. Default 15 s (a 5 MB feed parses in ~3–7 s on a busy machine). */
  timeoutMs?: number;
  /** Old-generation heap limit of the worker. Default 384 MB. */
  maxHeapMb?: number;
  /** Stops the parse (the extension is deactivating); the result is then `crashed`. */
  signal?: AbortSignal;
}

export const DEFAULT_PARSE_TIMEOUT_MS = 15_000;

const fail = (code: ICalFeedErrorCode, message: string): ICalParseResult => ({ ok: false, error: { kind: 'ICalFeedError', code, message } satisfies ICalFeedError });

export function parseICalFeedInWorker(text: string, options: ICalFeedOptions, limits: IsolationLimits): Promise<ICalParseResult> {
  const timeoutMs = limits.timeoutMs ?? DEFAULT_PARSE_TIMEOUT_MS;
  return new Promise<ICalParseResult>((resolve) => {
    let settled = false;
    let worker: Worker | undefined;
    const done = (r: ICalParseResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Whatever happened, the thread goes: a finished worker exits by itself, a looping one is interrupted.
      // The result is delivered once it is gone, so a caller never has two parses of one feed running.
      const stopping = worker?.terminate() ?? Promise.resolve(0);
      void stopping.catch(() => undefined).then(() => resolve(r));
    };
    const timer = setTimeout(
      () => done(fail('timeout', `Reading the iCal feed took longer than ${Math.round(timeoutMs / 1000)} s and was stopped (a recurrence rule that never ends?); the feed is skipped.`)),
      timeoutMs,
    );
    try {
      const input: ICalWorkerInput = { text, options };
      worker = new Worker(limits.workerPath, { workerData: input, resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb ?? 384 } });
    } catch (e) {
      done(fail('crashed', `Could not start the iCal parser: ${errorText(e)}`));
      return;
    }
    worker.unref();
    const w = worker;
    if (limits.signal?.aborted) done(fail('crashed', 'The iCal parse was cancelled.'));
    limits.signal?.addEventListener('abort', () => done(fail('crashed', 'The iCal parse was cancelled.')), { once: true });
    w.on('message', (m: unknown) => done(isResult(m) ? m : fail('crashed', 'The iCal parser returned an unexpected value.')));
    w.on('error', (e: Error & { code?: string }) =>
      done(
        e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? fail('tooComplex', 'Reading the iCal feed needed more memory than allowed and was stopped; the feed is skipped.')
          : fail('crashed', `The iCal parser failed: ${e.message}`),
      ),
    );
    w.on('exit', (code) => done(fail('crashed', `The iCal parser stopped (exit code ${code}) without a result.`)));
  });
}

function isResult(m: unknown): m is ICalParseResult {
  if (!m || typeof m !== 'object') return false;
  const r = m as { ok?: unknown; rotation?: unknown; error?: unknown };
  return r.ok === true ? typeof r.rotation === 'object' && r.rotation !== null : r.ok === false && typeof r.error === 'object' && r.error !== null;
}
