/**
 * Shared pieces of the fuzz, chaos and soak suites: run budgets, a watch on unhandled rejections and
 * uncaught exceptions, and generators of hostile input (mutated protocol frames, wrong types, huge
 * numbers, deep nesting, big strings, invalid UTF-8, prototype-pollution keys).
 */
import * as assert from 'node:assert/strict';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import fc from 'fast-check';

/** A fixed seed per run unless FUZZ_SEED is set, so a failure is reproducible; fast-check prints seed and path. */
export function fuzzParams(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : undefined;
  return { numRuns, ...(seed !== undefined && Number.isFinite(seed) ? { seed } : {}), endOnFailure: true, verbose: 1 };
}

/**
 * Fails the current suite if any promise rejection goes unhandled or any exception reaches the process
 * while it runs. Call inside a `describe`.
 */
export function watchProcessErrors(): { readonly count: () => number } {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown): void => void seen.push(reason);
  const onException = (err: unknown): void => void seen.push(err);
  before(() => {
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
  });
  after(async () => {
    // Rejections are reported after a macrotask: give them the chance to show up.
    await new Promise((r) => setTimeout(r, 20));
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    assert.deepEqual(seen.map(String), [], 'no unhandled rejection or uncaught exception while the suite ran');
  });
  return { count: () => seen.length };
}

/** Runs a full GC when possible (flags can be set at run time; `gc` is then reachable through a new context). */
export function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (() => void) | undefined;
  gc?.();
}

export const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** Object.prototype carries nothing a payload could have put there. */
export function assertPrototypesClean(): void {
  const probe = {} as Record<string, unknown>;
  for (const k of ['polluted', 'isAdmin', 'x', 'title', 'type', 'seq']) assert.equal(probe[k], undefined, `Object.prototype.${k} was polluted`);
  assert.equal(Object.getPrototypeOf(probe), Object.prototype);
  assert.equal(Object.keys(Object.prototype).length, 0);
}

// ---------------------------------------------------------------- generators

/** JSON-ish values of any type, including the awkward ones: huge/odd numbers, big strings, forbidden keys. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -1, -0, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 1.5, 'NaN'),
    fc.double(),
    fc.integer(),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom('', '__proto__', 'constructor', '2025-02-30T00:00:00Z', '2025-03-14T09:00:00Z', 'command:workbench.action.terminal.new', '../../etc/passwd', '\u202e', '\u001b[31m'),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...FORBIDDEN_KEYS, 'type', 'seq', 'alert', 'id'), fc.string({ maxLength: 8 })), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Serialises JSON with `__proto__` written as a real own key (JSON.stringify of an object literal cannot). */
export function withProtoKeys(json: string, payload = '{"polluted":"yes","isAdmin":true}'): string[] {
  const out: string[] = [];
  // Insert `"__proto__": payload` after every `{`.
  for (let i = json.indexOf('{'); i >= 0 && out.length < 6; i = json.indexOf('{', i + 1)) {
    const rest = json.slice(i + 1).trimStart();
    const sep = rest.startsWith('}') ? '' : ',';
    out.push(`${json.slice(0, i + 1)}"__proto__":${payload}${sep}${json.slice(i + 1)}`);
    out.push(`${json.slice(0, i + 1)}"constructor":{"prototype":${payload}}${sep}${json.slice(i + 1)}`);
  }
  return out;
}

/** Paths to every value inside `x` (for replacing one of them). */
function paths(x: unknown, prefix: Array<string | number> = [], out: Array<Array<string | number>> = [], depth = 0): Array<Array<string | number>> {
  if (depth > 12 || out.length > 400) return out;
  if (Array.isArray(x)) x.forEach((v, i) => { out.push([...prefix, i]); paths(v, [...prefix, i], out, depth + 1); });
  else if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) { out.push([...prefix, k]); paths(v, [...prefix, k], out, depth + 1); }
  return out;
}

function setAt(root: unknown, path: Array<string | number>, value: unknown, remove: boolean): unknown {
  const copy = structuredClone(root);
  let cur = copy as Record<string | number, unknown>;
  for (let i = 0; i < path.length - 1; i++) cur = cur[path[i]!] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove) {
    if (Array.isArray(cur)) {
      // No splice: a generated own "constructor" key on the array would break Array species lookup.
      const arr = cur as unknown[];
      for (let j = Number(last); j < arr.length - 1; j++) arr[j] = arr[j + 1];
      arr.length = Math.max(0, arr.length - 1);
    } else delete cur[last];
  } else if (Array.isArray(cur) && last === 'length') {
    // A JSON array cannot carry a "length" key of its own (and redefining it throws): no such input exists.
  } else {
    // defineProperty so "__proto__" becomes an own key, as JSON.parse would make it.
    Object.defineProperty(cur, last, { value, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

export type Mutation =
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'remove'; at: number }
  | { kind: 'addKey'; at: number; key: string; value: unknown }
  | { kind: 'truncate'; at: number }
  | { kind: 'splice'; at: number; del: number; insert: string }
  | { kind: 'nest'; depth: number }
  | { kind: 'bytes'; at: number; bytes: number[] }
  | { kind: 'proto'; at: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: hostileValue }),
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('addKey' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom(...FORBIDDEN_KEYS), fc.string({ maxLength: 6 })), value: hostileValue }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), del: fc.nat(8), insert: fc.string({ unit: 'binary', maxLength: 8 }) }),
  fc.record({ kind: fc.constant('nest' as const), depth: fc.integer({ min: 1, max: 5000 }) }),
  fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('proto' as const), at: fc.nat() }),
);

/** Applies mutations to a JSON value, then to its text: the result is a frame a hostile peer could send. */
export function mutate(base: unknown, muts: readonly Mutation[]): string {
  let value = base;
  let text: string | undefined;
  for (const m of muts) {
    if (text === undefined && (m.kind === 'replace' || m.kind === 'remove' || m.kind === 'addKey')) {
      const ps = paths(value);
      if (ps.length === 0) continue;
      const p = ps[m.at % ps.length]!;
      if (m.kind === 'addKey') {
        const parent = p.slice(0, -1);
        value = setAt(value, [...parent, m.key], m.value, false);
      } else value = setAt(value, p, m.kind === 'replace' ? m.value : undefined, m.kind === 'remove');
      continue;
    }
    text ??= JSON.stringify(value);
    switch (m.kind) {
      case 'truncate':
        text = text.slice(0, m.at % (text.length + 1));
        break;
      case 'splice': {
        const i = m.at % (text.length + 1);
        text = text.slice(0, i) + m.insert + text.slice(i + m.del);
        break;
      }
      case 'nest':
        text = `${'['.repeat(m.depth)}${text}${']'.repeat(m.depth)}`;
        break;
      case 'bytes': {
        // Invalid UTF-8 as the socket layer would hand it over (decoded with replacement characters).
        const buf = Buffer.from(text, 'utf8');
        const i = m.at % (buf.length + 1);
        text = Buffer.concat([buf.subarray(0, i), Buffer.from(m.bytes), buf.subarray(i)]).toString('utf8');
        break;
      }
      case 'proto': {
        const variants = withProtoKeys(text);
        if (variants.length) text = variants[m.at % variants.length]!;
        break;
      }
      default:
        break;
    }
  }
  return text ?? JSON.stringify(value);
}

/** A frame: a mutated example, or raw garbage. */
export function hostileFrame(examples: readonly unknown[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...examples), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([ex, ms]) => mutate(ex, ms)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    { weight: 1, arbitrary: hostileValue.map((x) => JSON.stringify(x) ?? 'undefined') },
    { weight: 1, arbitrary: fc.constantFrom(...examples).map((ex) => withProtoKeys(JSON.stringify(ex))[0] ?? '{}') },
  );
}

/** A few big inputs every decoder must take in stride: 10 MB strings, deep nesting, long arrays. */
export function bigFrames(example: Record<string, unknown>): Array<[string, string]> {
  const ten = 'A'.repeat(10 * 1024 * 1024);
  const json = JSON.stringify(example);
  return [
    ['10 MB string value', JSON.stringify({ ...example, type: ten })],
    ['10 MB garbage', ten],
    ['10 MB of open brackets', '['.repeat(10 * 1024 * 1024)],
    ['100k-deep nesting', `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`],
    ['10 MB of invalid UTF-8 decoded', Buffer.alloc(10 * 1024 * 1024, 0xc3).toString('utf8')],
    ['truncated 10 MB', `${json.slice(0, -1)},"x":"${ten}`],
    ['1e400 numbers', json.replace(/\d+/g, '1e400')],
  ];
}
