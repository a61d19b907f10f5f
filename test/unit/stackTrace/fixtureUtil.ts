import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixture } from '../../testUtil/paths';

export const tracesDir = fixture('stacktraces');

export interface ExpectedFrame {
  file?: string;
  line?: number;
  column?: number;
  function?: string;
  inApp?: boolean;
  className?: string;
  module?: string;
}

export interface ExpectedTrace {
  language?: string;
  relation?: string;
  errorType?: string;
  message?: string;
  frameCount?: number;
  frames: ExpectedFrame[];
  causes?: ExpectedTrace[];
  omittedFrames?: number;
  truncated?: boolean;
}

export interface TraceFixture {
  runtime: string;
  name: string;
  text: string;
  expected: ExpectedTrace;
}

/** Every captured or hand-written trace with its hand-written expectation sidecar. */
export function loadTraceFixtures(): TraceFixture[] {
  const out: TraceFixture[] = [];
  for (const runtime of fs.readdirSync(tracesDir).sort()) {
    const dir = path.join(tracesDir, runtime);
    if (runtime === 'programs' || !fs.statSync(dir).isDirectory()) continue;
    for (const f of fs.readdirSync(dir).sort()) {
      if (!f.endsWith('.txt')) continue;
      const name = f.slice(0, -4);
      const expPath = path.join(dir, `${name}.expected.json`);
      if (!fs.existsSync(expPath)) throw new Error(`missing ${runtime}/${name}.expected.json`);
      out.push({
        runtime,
        name,
        text: fs.readFileSync(path.join(dir, f), 'utf8'),
        expected: JSON.parse(fs.readFileSync(expPath, 'utf8')) as ExpectedTrace,
      });
    }
  }
  return out;
}

/** Names of the fixtures written by hand, as listed in the fixtures README. */
export function handWrittenFixtures(): Set<string> {
  const readme = fs.readFileSync(path.join(tracesDir, 'README.md'), 'utf8');
  const set = new Set<string>();
  for (const m of readme.matchAll(/^- `([\w-]+\/[\w.-]+)\.txt`/gm)) set.add(m[1]!);
  return set;
}
