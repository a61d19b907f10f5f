/**
 * Traces as log shippers deliver them (journald, syslog, compose, Heroku, kubectl --prefix, CloudWatch,
 * Cloud Logging — test/fixtures/stacktraces/<runtime>/<name>-<shipper>.txt, see scripts/capture-log-shippers.sh)
 * resolve to the same workspace files and lines as the trace printed by the program itself, and never to
 * another file.
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseStackTrace, StackTraceResolver, topInAppFrame, WorkspaceFileIndex } from '../../../src/core/stackTrace';
import { loadTraceFixtures, tracesDir } from './fixtureUtil';

const SHIPPERS = ['journald', 'syslog3164', 'syslog5424', 'compose', 'heroku', 'kubectl', 'cloudwatch', 'gcloud'];

/** The traced programs as a workspace (they ran from /tmp/oncall-stacktraces/app/<runtime>/...). */
function programFiles(): string[] {
  const root = path.join(tracesDir, 'programs');
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk('');
  return out;
}

describe('stack traces from log shippers resolve like the program printed them', () => {
  const fixtures = loadTraceFixtures();
  const byName = new Map(fixtures.map((f) => [`${f.runtime}/${f.name}`, f]));
  const shipped = fixtures.filter((f) => SHIPPERS.some((s) => f.name.endsWith(`-${s}`)));
  const resolver = new StackTraceResolver(WorkspaceFileIndex.fromPaths(programFiles(), path.join(tracesDir, 'programs')));

  it('has every shipper for each captured base trace', () => {
    const bases = new Set(shipped.map((f) => `${f.runtime}/${f.name.replace(/-[a-z0-9]+$/, '')}`));
    assert.ok(bases.size >= 2, [...bases].join(', '));
    for (const b of bases) for (const s of SHIPPERS) assert.ok(byName.has(`${b}-${s}`), `${b}-${s}`);
  });

  for (const fx of shipped) {
    const base = `${fx.runtime}/${fx.name.replace(/-[a-z0-9]+$/, '')}`;
    it(`${fx.runtime}/${fx.name}: same frames, files and lines as ${base}`, async () => {
      const plain = byName.get(base);
      assert.ok(plain, `missing ${base}.txt`);
      const want = await resolver.resolve(parseStackTrace(plain.text));
      const got = await resolver.resolve(parseStackTrace(fx.text));
      const top = topInAppFrame(want);
      assert.ok(top?.resolved !== undefined, `${base}: the plain trace resolves its top frame`);
      assert.ok(top.resolved.path.startsWith(`${fx.runtime}/`), top.resolved.path);
      const loc = (r: typeof want): Array<string | undefined> => r.frames.map((f) => (f.resolved === undefined ? undefined : `${f.resolved.path}:${f.resolved.line}`));
      assert.deepStrictEqual(loc(got), loc(want));
      assert.deepStrictEqual(topInAppFrame(got)?.resolved, top.resolved);
    });
  }
});
