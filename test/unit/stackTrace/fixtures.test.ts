import * as assert from 'node:assert';
import { parseStackTrace, type ParsedTrace, type StackFrame } from '../../../src/core/stackTrace';
import { handWrittenFixtures, loadTraceFixtures, type ExpectedFrame, type ExpectedTrace } from './fixtureUtil';

function checkFrame(actual: StackFrame | undefined, exp: ExpectedFrame, where: string): void {
  assert.ok(actual, `${where}: missing frame`);
  if (exp.file !== undefined) {
    assert.ok(actual.file?.endsWith(exp.file) || actual.file?.startsWith(exp.file), `${where}: file ${actual.file} should end with ${exp.file}`);
  }
  if (exp.file === undefined && exp.line === undefined && 'file' in exp) assert.strictEqual(actual.file, undefined);
  for (const k of ['line', 'column', 'function', 'inApp', 'className', 'module'] as const) {
    if (exp[k] !== undefined) assert.strictEqual(actual[k], exp[k], `${where}: ${k}`);
  }
}

function checkTrace(actual: ParsedTrace, exp: ExpectedTrace, where: string): void {
  if (exp.language !== undefined) assert.strictEqual(actual.language, exp.language, `${where}: language`);
  if (exp.relation !== undefined) assert.strictEqual(actual.relation, exp.relation, `${where}: relation`);
  if ('errorType' in exp) assert.strictEqual(actual.errorType, exp.errorType, `${where}: errorType`);
  if (exp.message !== undefined) assert.strictEqual(actual.message, exp.message, `${where}: message`);
  if (exp.frameCount !== undefined) assert.strictEqual(actual.frames.length, exp.frameCount, `${where}: frame count`);
  if (exp.omittedFrames !== undefined) assert.strictEqual(actual.omittedFrames, exp.omittedFrames, `${where}: omittedFrames`);
  if (exp.truncated !== undefined) assert.strictEqual(actual.truncated, exp.truncated, `${where}: truncated`);
  exp.frames.forEach((f, i) => checkFrame(actual.frames[i], f, `${where} frame #${i}`));
  const causes = actual.causes ?? [];
  assert.strictEqual(causes.length, exp.causes?.length ?? 0, `${where}: number of causes`);
  (exp.causes ?? []).forEach((c, i) => checkTrace(causes[i]!, c, `${where} cause #${i}`));
}

describe('parseStackTrace on real fixtures', () => {
  const fixtures = loadTraceFixtures();
  const hand = handWrittenFixtures();

  for (const fx of fixtures) {
    it(`${fx.runtime}/${fx.name}${hand.has(`${fx.runtime}/${fx.name}`) ? ' (hand-written)' : ''}`, () => {
      checkTrace(parseStackTrace(fx.text), fx.expected, `${fx.runtime}/${fx.name}`);
    });
  }

  it('has at least 10 captured fixtures per runtime that can run here, and 10 hand-written browser ones', () => {
    const captured = new Map<string, number>();
    for (const fx of fixtures) {
      if (hand.has(`${fx.runtime}/${fx.name}`)) continue;
      captured.set(fx.runtime, (captured.get(fx.runtime) ?? 0) + 1);
    }
    for (const rt of ['node', 'python', 'java', 'go', 'ruby', 'php', 'rust', 'dotnet']) {
      assert.ok((captured.get(rt) ?? 0) >= 10, `${rt}: ${captured.get(rt) ?? 0} captured fixtures`);
    }
    assert.ok(fixtures.filter((f) => f.runtime === 'browser').length >= 10);
  });

  it('every hand-written fixture listed in the README exists', () => {
    const names = new Set(fixtures.map((f) => `${f.runtime}/${f.name}`));
    for (const h of hand) assert.ok(names.has(h), h);
  });
});
