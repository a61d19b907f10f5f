/**
 * Validation of protocol frames (docs/protocol.md). Both directions share one shape of answer:
 * `{ ok: true, value }` with only known fields, or `{ ok: false, error }` whose error names the
 * field path, e.g. `alert.severity: expected one of critical|high|warning|info, got "urgent"`.
 * Nothing here throws: a peer controls the input, and a bad frame must never take the connection
 * (or the extension host) down.
 */
import * as v from 'valibot';
import { fastServerMessage } from './fastPath';
import { CLIENT_MESSAGE_SCHEMAS, SERVER_MESSAGE_SCHEMAS } from './schemas';
import type { ClientMessage, ServerMessage } from './types';
import { errorText } from '../util/errors';

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Largest text frame we look at, in UTF-16 code units. Matches the socket's 256 MiB maxPayload: a
 * 100k-alert snapshot is around 80 MB (bench/), and anything bigger than the limit is a broken or hostile peer.
 */
export const MAX_FRAME_CHARS = 256 * 1024 * 1024;

/** Reasons are logged and shown in "Show Logs"; a megabyte-long `got ...` helps nobody. */
const MAX_REASON_CHARS = 300;

/** Parses and validates one text frame from the server. Never throws. */
export function decodeServerMessage(data: string): DecodeResult<ServerMessage> {
  return decodeWith(data, SERVER_MESSAGE_SCHEMAS, fastServerMessage);
}

/** Parses and validates one text frame from a client. Never throws. */
export function decodeClientMessage(data: string): DecodeResult<ClientMessage> {
  return decodeWith(data, CLIENT_MESSAGE_SCHEMAS);
}

/** Serialises a message for the wire. The inverse of the decoders for every valid message. */
export function encodeMessage(msg: ServerMessage | ClientMessage): string {
  return JSON.stringify(msg);
}

/**
 * `fast`: a check of the hot message types that answers exactly what the schema would, or undefined to leave the
 * frame to the schema (fastPath.ts). It may reuse `json`, which nothing else holds.
 */
function decodeWith<T>(
  data: string,
  schemas: Readonly<Record<string, v.GenericSchema<unknown, T>>>,
  fast?: (type: string, json: Record<string, unknown>) => T | undefined,
): DecodeResult<T> {
  try {
    if (typeof data !== 'string') return fail(`message: expected a text frame, got ${describe(data)}`);
    if (data.length > MAX_FRAME_CHARS) return fail(`message: too large (${data.length} characters, limit ${MAX_FRAME_CHARS})`);
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch (e) {
      return fail(`message: not valid JSON (${errorText(e)})`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      return fail(`message: expected a JSON object, got ${describe(json)}`);
    }
    const type = (json as { type?: unknown }).type;
    // Only a failure names the known types; building the list for every frame cost measurable ingest time.
    const known = (): string => Object.keys(schemas).join('|');
    if (typeof type !== 'string') {
      return fail(type === undefined ? `type: missing (expected one of ${known()})` : `type: expected one of ${known()}, got ${describe(type)}`);
    }
    // Own-property lookup: `type: "constructor"` must not find Object.prototype.constructor.
    const schema = Object.hasOwn(schemas, type) ? schemas[type] : undefined;
    if (!schema) return fail(`type: unknown message type ${clip(JSON.stringify(type))} (expected one of ${known()})`);
    const quick = fast?.(type, json as Record<string, unknown>);
    if (quick !== undefined) return { ok: true, value: quick };
    const r = v.safeParse(schema, json, { abortEarly: true });
    if (r.success) return { ok: true, value: r.output };
    const issue = r.issues[0];
    return fail(issue ? formatIssue(issue) : 'message: invalid');
  } catch (e) {
    // Last line of defence (e.g. a RangeError from pathological input): report, never throw.
    return fail(`message: could not be decoded (${errorText(e)})`);
  }
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}

/** `alerts[3].labels.team: expected string, got 5` */
function formatIssue(issue: v.BaseIssue<unknown>): string {
  const path = formatPath(issue.path);
  let reason: string;
  if (issue.kind === 'schema' && issue.received === 'undefined') {
    // valibot reports a missing key as a key issue on the parent object (or a variant's discriminator).
    reason = 'missing required field';
  } else if (issue.kind === 'schema' && !issue.message.startsWith('Invalid ')) {
    reason = issue.message; // one of our own messages (picklists, variants)
  } else if (issue.kind === 'schema') {
    reason = `expected ${issue.expected ?? 'a different type'}, got ${issue.received}`;
  } else if (issue.message.startsWith('Invalid ')) {
    reason = `${issue.message.replace(/^Invalid /, 'invalid ')}`;
  } else {
    reason = issue.message;
  }
  return clip(`${path || 'message'}: ${reason}`);
}

const IDENT_RE = /^[A-Za-z_$][\w$]*$/;

function formatPath(path: v.BaseIssue<unknown>['path']): string {
  let out = '';
  for (const item of path ?? []) {
    const key = item.key;
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENT_RE.test(key)) out += out ? `.${key}` : key;
    else out += `[${clip(JSON.stringify(String(key)), 60)}]`;
  }
  return out;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return clip(JSON.stringify(x), 80);
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return `${typeof x} ${String(x)}`;
  return typeof x === 'object' ? 'an object' : typeof x;
}

function clip(s: string, max = MAX_REASON_CHARS): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
