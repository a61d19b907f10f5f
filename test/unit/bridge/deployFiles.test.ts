import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseBridgeArgs } from '../../../src/bridge/args';

// The repository root from the compiled test (out/test/unit/bridge → ../../../..).
const ROOT = path.join(__dirname, '..', '..', '..', '..');
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');

/** The items of the first YAML block list under `key:` (one scalar per "- " line; comments skipped). */
function yamlList(text: string, key: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === `${key}:`);
  assert.ok(start >= 0, `no ${key}: list`);
  const indent = /^\s*/.exec(lines[start + 1] ?? '')![0];
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l.trim().startsWith('#')) continue;
    if (!l.startsWith(`${indent}- `)) break;
    out.push(l.slice(indent.length + 2).trim().replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

describe('deploy files (docs/deploy.md) stay in step with the bridge', () => {
  it('the Kubernetes Deployment: its arguments parse, probes hit /healthz and /readyz, the grace period covers the drain', () => {
    const d = read('deploy/k8s/deployment.yaml');
    const args = yamlList(d, 'args');
    const r = parseBridgeArgs(args);
    assert.strictEqual(r.kind, 'ok', JSON.stringify(r));
    if (r.kind !== 'ok') return;
    assert.strictEqual(r.args.logFormat, 'json');
    assert.match(d, /livenessProbe:\s+httpGet:\s+path: \/healthz/);
    assert.match(d, /readinessProbe:\s+httpGet:\s+path: \/readyz/);
    const grace = Number(/terminationGracePeriodSeconds: (\d+)/.exec(d)?.[1]);
    const preStop = Number(/setTimeout\(\(\) => \{\}, (\d+)\)/.exec(d)?.[1]) / 1000;
    // preStop + drain + the close's 2 s grace for editors, with a margin.
    assert.ok(grace >= preStop + r.args.drainTimeoutMs / 1000 + 5, `grace ${grace} s < preStop ${preStop} + drain ${r.args.drainTimeoutMs / 1000} + 5`);
    assert.match(d, /readOnlyRootFilesystem: true/);
    assert.match(d, /runAsNonRoot: true/);
  });

  it('the systemd unit: ExecStart parses, the stop timeout covers the drain', () => {
    const u = read('deploy/systemd/oncall-bridge.service');
    const exec = /^ExecStart=((?:[^\n]*\\\n)*[^\n]*)$/m.exec(u)?.[1]?.replace(/\\\n/g, ' ');
    assert.ok(exec);
    const argv = exec.trim().split(/\s+/).slice(2).map((a) => a.replace('%d', '/run/credentials/x').replace('%S', '/var/lib'));
    const r = parseBridgeArgs(argv);
    assert.strictEqual(r.kind, 'ok', JSON.stringify(r));
    if (r.kind !== 'ok') return;
    assert.ok(Number(/TimeoutStopSec=(\d+)/.exec(u)?.[1]) >= r.args.drainTimeoutMs / 1000 + 5);
  });

  it('the Dockerfile: non-root, the bundle only, a health check on /healthz', () => {
    const f = read('deploy/Dockerfile');
    assert.match(f, /^USER node$/m);
    assert.match(f, /HEALTHCHECK[\s\S]*\/healthz/);
    assert.doesNotMatch(f.split(/^FROM /m).at(-1)!, /node_modules/, 'the runtime stage copies no node_modules');
    assert.match(f, /^ENTRYPOINT \["node", "\/app\/dist\/bridge.js"\]$/m);
  });
});
