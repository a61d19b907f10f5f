// The decoder's fast path for alert events and snapshot parts (src/core/protocol/fastPath.ts) against the valibot
// schemas it stands in for: whatever it accepts, the schema accepts with a deep-equal value; everything it passes
// on (undefined) still gets the schema's answer through decodeServerMessage. And it does accept the common frames
// (a fast path that never answered would pass every other check here while costing a little more than nothing).
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import * as v from 'valibot';
import { decodeServerMessage } from '../../../src/core/protocol/decode';
import { fastServerMessage } from '../../../src/core/protocol/fastPath';
import { ALERT_LIMITS } from '../../../src/core/protocol/limits';
import { AlertEventSchema, AlertResolvedSchema, SnapshotChunkSchema } from '../../../src/core/protocol/schemas';
import type { Alert } from '../../../src/core/protocol/types';
import { makeAlert } from '../../mocks/protocolExamples';

type Json = Record<string, unknown>;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** Every field the protocol has, set. */
function fullAlert(): Alert {
  return makeAlert({
    resolvedAt: '2025-03-14T09:10:00.5+01:00',
    resolvedBy: { name: 'Carol', id: 'u3' },
    acknowledgedBy: { name: 'Alice', handle: '@alice' },
    acknowledgedAt: '2025-03-14T09:00:00Z',
    snoozedUntil: '2025-03-14T10:00:00Z',
    notes: [{ id: 'n1', text: 'looking', author: { name: 'Alice' }, at: '2025-03-14T09:01:00Z' }, { text: 'no author', at: '2025-03-14T09:02:00Z' }],
    timeline: [{ at: '2025-03-14T08:58:00Z', kind: 'triggered' }, { at: '2025-03-14T09:00:00Z', kind: 'acknowledged', actor: { name: 'Alice' }, text: 'ack' }],
  });
}

const OPTIONAL: Array<keyof Alert> = ['description', 'environment', 'resolvedAt', 'resolvedBy', 'acknowledgedBy', 'acknowledgedAt', 'escalation', 'runbookUrl', 'url', 'stackTrace', 'release', 'commitSha', 'snoozedUntil', 'notes', 'timeline'];

/** What the schema makes of `msg`, and what the fast path does (each on its own copy: the fast path consumes its input). */
function both(msg: Json): { schema: v.SafeParseResult<typeof AlertEventSchema | typeof SnapshotChunkSchema | typeof AlertResolvedSchema>; fast: unknown } {
  const schemaOf = msg.type === 'snapshotChunk' ? SnapshotChunkSchema : msg.type === 'alertResolved' ? AlertResolvedSchema : AlertEventSchema;
  const schema = v.safeParse(schemaOf, clone(msg), { abortEarly: true });
  // The decoder calls the fast path only with a string type (any other is refused before it).
  const fast = typeof msg.type === 'string' ? fastServerMessage(msg.type, clone(msg)) : undefined;
  return { schema, fast };
}

function assertAgrees(msg: Json): void {
  const { schema, fast } = both(msg);
  if (fast === undefined) return;
  assert.ok(schema.success, `the fast path accepted what the schema rejects: ${JSON.stringify(msg).slice(0, 400)}\n${schema.success ? '' : JSON.stringify(schema.issues[0]?.message)}`);
  assert.deepStrictEqual(fast, schema.output);
}

function assertFastAndEqual(msg: Json): void {
  const { schema, fast } = both(msg);
  assert.ok(schema.success, `a valid frame: ${JSON.stringify(msg).slice(0, 300)}`);
  assert.notEqual(fast, undefined, `the fast path answers the common frame ${JSON.stringify(msg).slice(0, 300)}`);
  assert.deepStrictEqual(fast, schema.output);
}

/** A valid alert: some optional fields left out, maybe over the limits, maybe an upper-case sha. */
const arbValidAlert: fc.Arbitrary<Alert> = fc
  .record({
    drop: fc.subarray(OPTIONAL),
    longTitle: fc.boolean(),
    upperSha: fc.boolean(),
    manyLabels: fc.boolean(),
    manyNotes: fc.boolean(),
    status: fc.constantFrom('triggered', 'acknowledged', 'resolved' as const),
    severity: fc.constantFrom('critical', 'high', 'warning', 'info' as const),
    title: fc.string({ maxLength: 40 }),
    labelValue: fc.string({ maxLength: 20 }),
  })
  .map((o) => {
    const a = fullAlert() as unknown as Json;
    for (const k of o.drop) delete a[k];
    a.status = o.status;
    a.severity = o.severity;
    a.title = o.longTitle ? 'x'.repeat(ALERT_LIMITS.maxTitleChars + 50) : o.title;
    a.labels = { ...(a.labels as Json), odd: o.labelValue };
    if (o.manyLabels) for (let i = 0; i < ALERT_LIMITS.maxLabels + 5; i++) (a.labels as Json)[`l${i}`] = String(i);
    if (o.manyNotes) a.notes = Array.from({ length: ALERT_LIMITS.maxNotes + 3 }, (_, i) => ({ text: `n${i}`, at: '2025-03-14T09:01:00Z' }));
    if (o.upperSha && typeof a.commitSha === 'string') a.commitSha = a.commitSha.toUpperCase();
    return a as unknown as Alert;
  });

/** Walks to a random spot of `x` and replaces, removes or adds something there. */
function mutate(x: unknown, path: number[], replacement: unknown, op: number): unknown {
  if (typeof x !== 'object' || x === null) return replacement;
  const keys = Array.isArray(x) ? x.map((_, i) => i) : Object.keys(x);
  const [step, ...rest] = path;
  if (step === undefined || keys.length === 0) {
    if (Array.isArray(x)) return op % 2 ? [...x, replacement] : [];
    const o = { ...(x as Json) };
    const keysOf = ['extra', '__proto__', 'constructor', 'name', 'id', 'type'];
    Object.defineProperty(o, keysOf[op % keysOf.length]!, { value: replacement, enumerable: true, configurable: true, writable: true });
    return o;
  }
  const k = keys[step % keys.length]!;
  if (Array.isArray(x)) {
    const out = [...x];
    out[k as number] = mutate(out[k as number], rest, replacement, op);
    return out;
  }
  const o = { ...(x as Json) };
  if (rest.length === 0 && op % 3 === 0) delete o[k as string];
  else o[k as string] = mutate(o[k as string], rest, replacement, op);
  return o;
}

const arbFrame: fc.Arbitrary<Json> = fc.oneof(
  fc.record({ alert: arbValidAlert, seq: fc.nat(), hidden: fc.option(fc.boolean(), { nil: undefined }), omitted: fc.option(fc.nat(), { nil: undefined }) }).map(({ alert, seq, hidden, omitted }) => ({
    type: 'alert',
    seq,
    alert,
    ...(hidden !== undefined ? { hidden } : {}),
    ...(omitted !== undefined ? { omitted } : {}),
  })),
  fc.record({ seq: fc.nat(), id: fc.string({ minLength: 1, maxLength: 8 }), by: fc.option(fc.record({ name: fc.string(), id: fc.string() }), { nil: undefined }), omitted: fc.option(fc.nat(), { nil: undefined }) }).map(({ seq, id, by, omitted }) => ({
    type: 'alertResolved',
    seq,
    alertResolved: { id, resolvedAt: '2025-03-14T09:10:00+02:00', ...(by ? { resolvedBy: by } : {}) },
    ...(omitted !== undefined ? { omitted } : {}),
  })),
  fc.record({ alerts: fc.array(arbValidAlert, { maxLength: 4 }), count: fc.integer({ min: 1, max: 5 }), seq: fc.nat() }).chain(({ alerts, count, seq }) =>
    fc.integer({ min: 0, max: count - 1 }).map((index) => ({ type: 'snapshotChunk', seq, index, count, alerts })),
  ),
);

describe('protocol fast path (alert and alertResolved events, snapshot parts)', () => {
  it('answers valid frames exactly as the schema does (optional fields, caps, upper-case shas)', () => {
    fc.assert(fc.property(arbFrame, (f) => assertFastAndEqual(f)), { numRuns: 2000 });
  });

  it('never accepts what the schema rejects, nor answers differently, on mutated frames', () => {
    const odd = fc.oneof(fc.jsonValue(), fc.constantFrom('', 'X', '2025-02-30T00:00:00Z', '2025-03-14T09:00:60Z', '9FCEB02', -1, 1.5, 2 ** 53, [], {}, null, true, 'critical'));
    fc.assert(
      fc.property(arbFrame, fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), odd, fc.nat(), (f, path, replacement, op) => {
        assertAgrees(mutate(f, path, replacement, op) as Json);
      }),
      { numRuns: 20000 },
    );
  });

  it('passes on what it does not know, and the schema still decides (unknown keys, forbidden label keys, index ≥ count)', () => {
    const alert = clone(fullAlert()) as unknown as Json;
    const cases: Json[] = [
      { type: 'alert', seq: 1, alert: { ...alert, newerField: 1 } },
      { type: 'alert', seq: 1, alert, extra: true },
      { type: 'alert', seq: 1, alert: { ...alert, labels: JSON.parse('{"__proto__":"x","team":"a"}') } },
      { type: 'snapshotChunk', seq: 1, index: 2, count: 2, alerts: [alert] },
    ];
    for (const c of cases) {
      assert.equal(fastServerMessage(String(c.type), clone(c)), undefined, JSON.stringify(c).slice(0, 200));
      assertAgrees(c);
    }
    // Through the decoder: the unknown field is dropped (by the schema), the forbidden label key too.
    const r = decodeServerMessage(JSON.stringify(cases[0]));
    assert.ok(r.ok && r.value.type === 'alert' && !('newerField' in r.value.alert));
    const bad = decodeServerMessage(JSON.stringify(cases[3]));
    assert.ok(!bad.ok && bad.error.startsWith('index: expected an index below count'), JSON.stringify(bad));
  });

  it('the decoder\'s errors are the schema\'s, word for word', () => {
    const r = decodeServerMessage(JSON.stringify({ type: 'alert', seq: 1, alert: { ...fullAlert(), severity: 'urgent' } }));
    assert.deepEqual(r, { ok: false, error: 'alert.severity: expected one of critical|high|warning|info, got "urgent"' });
  });
});
