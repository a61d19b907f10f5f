import { parentPort, workerData } from 'node:worker_threads';
import { parseICalFeed, type ICalFeedOptions, type ICalParseResult } from './ical';

/**
 * Worker entry (bundled as dist/icalWorker.js): parses one feed and posts the result. It runs in a
 * worker so that a recurrence rule that never ends (kewisch/ical.js#1038) or a feed that needs gigabytes
 * can be stopped by the parent (icalIsolated.ts) without touching the extension host's thread.
 */
export interface ICalWorkerInput {
  text: string;
  options: ICalFeedOptions;
}

const input = workerData as ICalWorkerInput;
const result: ICalParseResult = parseICalFeed(input.text, input.options);
parentPort?.postMessage(result);
