/* eslint-disable @typescript-eslint/no-explicit-any -- these tests build deliberately malformed messages */
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeClientMessage, decodeServerMessage, encodeMessage, MAX_FRAME_CHARS, type DecodeResult } from '../../../src/core/protocol/decode';
import { isIsoTime } from '../../../src/core/protocol/schemas';
import type { ClientMessage, ServerMessage } from '../../../src/core/protocol/types';
import { clientExamples, makeAlert, serverExamples } from '../../mocks/protocolExamples';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every field path in a JSON value, as [segments, value] (arrays descend into their first element). */
function fieldPaths(value: Json, prefix: Array<string | number> = []): Array<[Array<string | number>, Json]> {
  const out: Array<[Array<string | number>, Json]> = [];
  if (Array.isArray(value)) {
    if (value.length > 0) {
      out.push([[...prefix, 0], value[0]!]);
      out.push(...fieldPaths(value[0]!, [...prefix, 0]));
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push([[...prefix, k], v]);
      out.push(...fieldPaths(v, [...prefix, k]));
    }
  }
  return out;
}

const showPath = (p: Array<string | number>): string => p.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');

function withValue(root: Json, path: Array<string | number>, value: Json | undefined): Json {
  const copy = structuredClone(root) as any;
  let node = copy;
  for (const seg of path.slice(0, -1)) node = node[seg];
  const last = path.at(-1)!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy as Json;
}

/** A value of the wrong JSON type for whatever `v` is. */
function wrongTypeFor(v: Json): Json {
  if (typeof v === 'string') return 12345;
  if (typeof v === 'number') return 'not a number';
  if (typeof v === 'boolean') return 'yes';
  if (v === null) return 7;
  return 'not a container';
}

function expectError<T>(r: DecodeResult<T>, startsWith: string, includes?: string): void {
  assert.equal(r.ok, false, `expected a rejection starting with ${startsWith}`);
  if (r.ok) return;
  assert.ok(r.error.startsWith(startsWith), `error "${r.error}" should start with "${startsWith}"`);
  if (includes) assert.ok(r.error.includes(includes), `error "${r.error}" should include "${includes}"`);
}

// Fields that may be absent (checked against types.ts); every other field must be reported as
// "missing required field". Paths are normalised: array positions become [].
const OPTIONAL_ALERT = ['snoozedUntil', 'notes', 'notes[].id', 'notes[].author', 'timeline', 'timeline[].actor', 'timeline[].text', 'description', 'environment', 'resolvedAt', 'acknowledgedBy', 'acknowledgedBy.handle', 'acknowledgedAt', 'assignees[].id', 'assignees[].email', 'assignees[].handle', 'assignees[].timeZone', 'escalation', 'escalation.policy', 'escalation.nextEscalationAt', 'escalation.targets[].email', 'runbookUrl', 'url', 'labels.team', 'labels.region', 'stackTrace', 'release', 'commitSha'];
const OPTIONAL_ONCALL = ['rotations[].role', 'rotations[].pair', 'rotations[].timeZone', 'rotations[].shifts[].person.email'];
const OPTIONAL_DEPLOY = ['previousSha', 'author.email', 'url', 'status'];
const OPTIONAL = new Set([
  ...OPTIONAL_ALERT.map((p) => `snapshot:alerts[].${p}`),
  ...OPTIONAL_ALERT.map((p) => `snapshotChunk:alerts[].${p}`),
  ...OPTIONAL_ALERT.map((p) => `alert:alert.${p}`),
  ...OPTIONAL_ONCALL.map((p) => `snapshot:oncall.${p}`),
  ...OPTIONAL_ONCALL.map((p) => `oncall:oncall.${p}`),
  ...OPTIONAL_DEPLOY.map((p) => `snapshot:deploys[].${p}`),
  ...OPTIONAL_DEPLOY.map((p) => `deploy:deploy.${p}`),
  'alertResolved:alertResolved.resolvedBy',
  'result:error',
  'ack:actor',
  'ack:actor.email',
  'annotate:annotation.service',
  'annotate:annotation.actor',
  'hello:protocolMinor',
  'hello:unsupportedActions',
  'hello:unsupportedActions.override',
  'oncall:oncall.people',
  'oncall:oncall.people[].id',
  'oncall:oncall.people[].email',
  'oncall:oncall.people[].timeZone',
  'snooze:actor',
  'snooze:actor.email',
  'escalate:level',
  'note:actor',
  'override:userId',
]);

/** Fields of a one-of object: removing the only one set is reported on the object, not as a missing field. */
const EXACTLY_ONE: Record<string, string> = { 'reassign:to.userId': 'to: expected exactly one of userId, escalationLevel, policyId' };

function isOptional(type: string, path: Array<string | number>): boolean {
  return OPTIONAL.has(`${type}:${showPath(path).replace(/\[\d+\]/g, '[]')}`);
}

const decoders = {
  server: (s: string) => decodeServerMessage(s) as DecodeResult<unknown>,
  client: (s: string) => decodeClientMessage(s) as DecodeResult<unknown>,
};

describe('protocol decode', () => {
  for (const [side, examples] of [['server', serverExamples], ['client', clientExamples]] as const) {
    const decode = decoders[side];
    describe(`${side} messages`, () => {
      for (const [type, example] of Object.entries(examples) as Array<[string, ServerMessage | ClientMessage]>) {
        describe(type, () => {
          it('decodes the documented example unchanged (round trip)', () => {
            const r = decode(encodeMessage(example));
            assert.deepEqual(r, { ok: true, value: example });
          });

          const paths = fieldPaths(example as unknown as Json).filter(([p]) => p[0] !== 'type');
          it('rejects a wrong type in every field, naming the field path', () => {
            assert.ok(paths.length > 0);
            for (const [path, value] of paths) {
              const bad = withValue(example as unknown as Json, path, wrongTypeFor(value));
              expectError(decode(JSON.stringify(bad)), `${showPath(path)}: `);
            }
          });

          it('reports every missing required field and accepts missing optional ones', () => {
            for (const [path] of paths) {
              if (typeof path.at(-1) === 'number') continue;
              const r = decode(JSON.stringify(withValue(example as unknown as Json, path, undefined)));
              const oneOf = EXACTLY_ONE[`${type}:${showPath(path)}`];
              if (oneOf) assert.deepEqual(r, { ok: false, error: oneOf });
              else if (isOptional(type, path)) assert.equal(r.ok, true, `${showPath(path)} should be optional: ${r.ok ? '' : r.error}`);
              else assert.deepEqual(r, { ok: false, error: `${showPath(path)}: missing required field` });
            }
          });

          it('ignores unknown extra fields and does not pass them on', () => {
            const extended = { ...(example as object), futureField: { nested: true } };
            const r = decode(JSON.stringify(extended));
            assert.deepEqual(r, { ok: true, value: example });
          });
        });
      }
    });
  }

  describe('field rules', () => {
    const alertMsg = (overrides: Record<string, unknown>) => JSON.stringify({ type: 'alert', seq: 1, alert: { ...makeAlert(), ...overrides } });

    it('names the allowed severities and the value it got', () => {
      assert.deepEqual(decodeServerMessage(alertMsg({ severity: 'urgent' })), {
        ok: false,
        error: 'alert.severity: expected one of critical|high|warning|info, got "urgent"',
      });
    });

    it('rejects unknown statuses', () => {
      expectError(decodeServerMessage(alertMsg({ status: 'open' })), 'alert.status: expected one of triggered|acknowledged|resolved');
    });

    for (const seq of [-1, 1.5, '3', Number.MAX_SAFE_INTEGER + 2]) {
      it(`rejects seq ${JSON.stringify(seq)}`, () => {
        expectError(decodeServerMessage(JSON.stringify({ type: 'alert', seq, alert: makeAlert() })), 'seq: ');
      });
    }

    it('accepts seq 0', () => {
      assert.equal(decodeServerMessage(JSON.stringify({ type: 'alert', seq: 0, alert: makeAlert() })).ok, true);
    });

    for (const t of ['yesterday', '2025-13-01T00:00:00Z', '2025-02-30T00:00:00Z', '2025-03-14T25:00:00Z', '2025-03-14T09:00:00', '2025-03-14 09:00:00Z', '2025-03-14', '']) {
      it(`rejects the time ${JSON.stringify(t)}`, () => {
        expectError(decodeServerMessage(alertMsg({ startedAt: t })), 'alert.startedAt: expected an ISO-8601 time');
      });
    }

    it('accepts times with offsets and fractions', () => {
      for (const t of ['2025-03-14T09:00:00Z', '2025-03-14T09:00:00.123Z', '2025-03-14T10:00:00+01:00', '2024-02-29T23:59:59-05:30']) {
        assert.ok(isIsoTime(t), t);
        assert.equal(decodeServerMessage(alertMsg({ startedAt: t })).ok, true, t);
      }
    });

    it('isIsoTime agrees with a calendar round trip on every date and time field (leap years, month ends, offsets)', () => {
      // The reference: the check as first written (regex, then a Date.UTC round trip for the day of the month).
      const reference = (t: string): boolean => {
        const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/.exec(t);
        if (!m) return false;
        const [y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, oh = 0, om = 0] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
        if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60 || oh > 23 || om > 59) return false;
        // setUTCFullYear takes years 0–99 as they are (Date.UTC maps them to 1900–1999, where 0000-02-29 rolls over).
        const day = new Date(0);
        day.setUTCFullYear(y, mo - 1, d);
        if (day.getUTCDate() !== d) return false;
        return !Number.isNaN(Date.parse(t));
      };
      const two = (n: number): string => String(n).padStart(2, '0');
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }),
          fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }),
          fc.constantFrom('Z', '.5Z', '.123456789Z', '+', '-', 'z', ''), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }),
          (y, mo, d, h, mi, sec, zone, oh, om) => {
            const tz = zone === '+' || zone === '-' ? `${zone}${two(oh)}:${two(om)}` : zone;
            const t = `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(sec)}${tz}`;
            assert.equal(isIsoTime(t), reference(t), t);
          },
        ),
        { numRuns: 20000 },
      );
      for (const t of ['2024-02-29T00:00:00Z', '2000-02-29T00:00:00Z', '2023-04-30T23:59:59+23:59']) assert.equal(isIsoTime(t), true, t);
      for (const t of ['2023-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2023-04-31T00:00:00Z', '2023-04-30T00:00:00+24:00', '2023-04-30T00:00:00-00:60']) assert.equal(isIsoTime(t), false, t);
    });

    for (const sha of ['xyz1234', 'abc12', 'a'.repeat(41), 'g123456', '']) {
      it(`rejects the sha ${JSON.stringify(sha)}`, () => {
        expectError(decodeServerMessage(alertMsg({ commitSha: sha })), 'alert.commitSha: expected a hex commit sha of 7-40 characters');
        expectError(
          decodeServerMessage(JSON.stringify({ ...serverExamples.deploy, deploy: { ...(serverExamples.deploy as any).deploy, previousSha: sha } })),
          'deploy.previousSha: ',
        );
      });
    }

    it('normalises upper-case shas to lower case', () => {
      const r = decodeServerMessage(alertMsg({ commitSha: 'ABCDEF0123' }));
      assert.ok(r.ok && r.value.type === 'alert');
      assert.equal(r.value.alert.commitSha, 'abcdef0123');
    });

    it('requires labels to map strings to strings', () => {
      expectError(decodeServerMessage(alertMsg({ labels: { team: 5 } })), 'alert.labels.team: expected string, got 5');
      expectError(decodeServerMessage(alertMsg({ labels: { 'k8s.io/app': null } })), 'alert.labels["k8s.io/app"]: ');
      expectError(decodeServerMessage(alertMsg({ labels: ['a'] })), 'alert.labels: ');
    });

    it('reports array positions in paths', () => {
      const msg = { ...serverExamples.snapshot, alerts: [makeAlert(), makeAlert({ id: 'a-2', severity: 'nope' as any })] };
      expectError(decodeServerMessage(JSON.stringify(msg)), 'alerts[1].severity: expected one of');
    });

    it('checks numbers with meaning: protocol, tier level, delay, lastSeq', () => {
      expectError(decodeServerMessage(JSON.stringify({ ...serverExamples.hello, protocol: 0 })), 'protocol: expected a positive integer');
      const oncall = structuredClone((serverExamples.oncall as any).oncall);
      oncall.policies[0].tiers[0].delayMinutes = -1;
      expectError(decodeServerMessage(JSON.stringify({ type: 'oncall', seq: 1, oncall })), 'oncall.policies[0].tiers[0].delayMinutes: ');
      oncall.policies[0].tiers[0].delayMinutes = 5;
      oncall.policies[0].tiers[0].targets[0] = { type: 'team', teamId: 'x' };
      expectError(decodeServerMessage(JSON.stringify({ type: 'oncall', seq: 1, oncall })), 'oncall.policies[0].tiers[0].targets[0].type: expected one of rotation|person, got "team"');
      expectError(decodeClientMessage('{"type":"resume","lastSeq":-2}'), 'lastSeq: expected an integer >= -1, got -2');
      assert.equal(decodeClientMessage('{"type":"resume","lastSeq":-1}').ok, true);
    });

    it('rejects empty ids and empty ack lists', () => {
      expectError(decodeClientMessage('{"type":"ack","requestId":"r","alertIds":[]}'), 'alertIds: expected at least one alert id');
      expectError(decodeClientMessage('{"type":"ack","requestId":"","alertIds":["a"]}'), 'requestId: expected a non-empty string');
      expectError(decodeServerMessage(alertMsg({ id: '' })), 'alert.id: expected a non-empty string');
    });

    it('accepts a snapshot without on-call state (null) but not a missing one', () => {
      assert.equal(decodeServerMessage(JSON.stringify({ ...serverExamples.snapshot, oncall: null })).ok, true);
    });
  });

  describe('envelope', () => {
    const cases: Array<[string, string]> = [
      ['{', 'message: not valid JSON'],
      ['', 'message: not valid JSON'],
      ['[]', 'message: expected a JSON object, got an array'],
      ['null', 'message: expected a JSON object, got null'],
      ['"hello"', 'message: expected a JSON object'],
      ['42', 'message: expected a JSON object'],
      ['{}', 'type: missing'],
      ['{"type":7}', 'type: expected one of'],
      ['{"type":"bogus"}', 'type: unknown message type "bogus"'],
      ['{"type":"constructor"}', 'type: unknown message type "constructor"'],
      ['{"type":"__proto__"}', 'type: unknown message type "__proto__"'],
      ['{"type":"toString"}', 'type: unknown message type "toString"'],
    ];
    for (const [input, error] of cases) {
      it(`rejects ${JSON.stringify(input)}`, () => {
        expectError(decodeServerMessage(input), error);
        expectError(decodeClientMessage(input), error);
      });
    }

    it('keeps server and client types apart', () => {
      expectError(decodeServerMessage(encodeMessage(clientExamples.ack)), 'type: unknown message type "ack"');
      expectError(decodeClientMessage(encodeMessage(serverExamples.alert)), 'type: unknown message type "alert"');
    });

    it('does not throw on deep nesting or huge input', () => {
      const deep = '{"type":"alert","x":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
      assert.equal(decodeServerMessage(deep).ok, false);
      expectError(decodeServerMessage('['.repeat(1_000_000)), 'message: not valid JSON');
      expectError(decodeServerMessage(' '.repeat(MAX_FRAME_CHARS + 1)), 'message: too large');
    });

    it('keeps error texts short even for huge values', () => {
      const r = decodeServerMessage(JSON.stringify({ type: 'alert', seq: 1, alert: { ...makeAlert(), severity: 'x'.repeat(100_000) } }));
      assert.ok(!r.ok && r.error.length <= 300, r.ok ? '' : `${r.error.length}`);
    });

    it('never throws, whatever the input (property)', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ type: 'alert', seq: 1, alert: v }))), (s) => {
          const a = decodeServerMessage(s);
          const b = decodeClientMessage(s);
          return typeof a.ok === 'boolean' && typeof b.ok === 'boolean';
        }),
        { numRuns: 300 },
      );
    });

    it('round-trips generated alerts', () => {
      fc.assert(
        fc.property(
          fc.record({ title: fc.string(), service: fc.string(), labels: fc.dictionary(fc.string().filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k)), fc.string(), { noNullPrototype: true }) }),
          (o) => {
            const msg: ServerMessage = { type: 'alert', seq: 3, alert: makeAlert(o) };
            assert.deepEqual(decodeServerMessage(encodeMessage(msg)), { ok: true, value: msg });
          },
        ),
        { numRuns: 100 },
      );
    });
  });

  describe('prototype pollution', () => {
    afterEach(() => {
      assert.equal(({} as any).polluted, undefined, 'Object.prototype was polluted');
    });

    it('drops __proto__, constructor and prototype label keys and keeps a plain prototype', () => {
      const raw = `{"type":"alert","seq":1,"alert":${JSON.stringify(makeAlert({ labels: { team: 'x' } })).replace(
        '"labels":{',
        '"labels":{"__proto__":{"polluted":"yes"},"constructor":"c","prototype":"p",',
      )}}`;
      const r = decodeServerMessage(raw);
      assert.ok(r.ok && r.value.type === 'alert', r.ok ? '' : r.error);
      const labels = r.value.alert.labels;
      assert.equal(Object.getPrototypeOf(labels), Object.prototype);
      assert.deepEqual(Object.keys(labels), ['team']);
      assert.equal((labels as any).polluted, undefined);
    });

    it('drops __proto__ keys anywhere else in a message', () => {
      const raw = `{"__proto__":{"polluted":"yes"},"type":"alert","seq":1,"alert":${JSON.stringify(makeAlert()).replace('{', '{"__proto__":{"polluted":"yes"},')}}`;
      const r = decodeServerMessage(raw);
      assert.ok(r.ok && r.value.type === 'alert');
      assert.equal(Object.getPrototypeOf(r.value), Object.prototype);
      assert.equal(Object.getPrototypeOf(r.value.alert), Object.prototype);
      assert.equal((r.value.alert as any).polluted, undefined);
      assert.ok(!Object.hasOwn(r.value.alert, '__proto__'));
    });
  });
});
