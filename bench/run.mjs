// npm run bench — measures the figures of issue #9, prints one table and writes bench/RESULTS.md.
// Reports, never asserts. Every comparing figure is a ratio measured side by side in the same run (this
// machine is shared and noisy); absolute numbers are a guide. Generated data lives in bench/.data/ and is
// reused. Builds go to .tmp/ (never dist/ or out/, which other runs use).
// Env: BENCH_STORM_TRIALS=3 (storm trials; medians reported)  BENCH_ONLY=ingest,traces,suspects,fanout,fanout10k,cluster3,host,bundle  BENCH_HOST=4.139.1  BENCH_STORM=100000  VERBOSE=1
//      BENCH_EDITORS=10000 BENCH_FANOUT_EPS=10 (fanout10k: editors on one replica; cluster3: over 3 replicas behind nginx; events/s while measuring latency)
//      BENCH_HOST_PARTS=activation|storm (host: the activation phase only / activation and the storm, for iterating on them)
import { execFileSync, fork, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = path.join(root, '.tmp');
const build = path.join(tmp, 'bench-build');
const extDir = path.join(tmp, 'bench-ext');
const data = path.join(root, 'bench', '.data');
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const verbose = !!process.env.VERBOSE;
const want = (k) => !only || only.has(k);
const log = (...a) => console.error('[bench]', ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** rows: { figure, floor, ours, ratio, goal, status } */
const rows = [];
const notes = [];
let vscodeVersion = 'not run';

// ---------------------------------------------------------------- build

async function buildAll() {
  fs.mkdirSync(build, { recursive: true });
  const common = { bundle: true, format: 'cjs', platform: 'node', target: 'node20', external: ['vscode', 'bufferutil', 'utf-8-validate'], logLevel: 'warning', sourcemap: 'inline', sourcesContent: false };
  await esbuild.build({ ...common, entryPoints: [path.join(root, 'bench/src/node.ts')], outfile: path.join(build, 'node.js') });
  await esbuild.build({ ...common, entryPoints: [path.join(root, 'bench/src/host.ts')], outfile: path.join(build, 'host.js') });
  // The extension exactly as shipped (production), through the project's own build script, into a private folder.
  fs.rmSync(extDir, { recursive: true, force: true });
  fs.mkdirSync(extDir, { recursive: true });
  execFileSync(process.execPath, [path.join(root, 'esbuild.config.mjs'), '--production', '--metafile', `--outdir=${path.join(extDir, 'dist')}`], { cwd: root, stdio: verbose ? 'inherit' : 'ignore' });
  for (const f of ['package.json', 'package.nls.json']) fs.copyFileSync(path.join(root, f), path.join(extDir, f));
  // The only change to the shipped manifest: no activation events, so the bench harness activates it itself,
  // at the same point and the same way as the empty floor extension (activation is a ratio to that floor).
  const manifest = JSON.parse(fs.readFileSync(path.join(extDir, 'package.json'), 'utf8'));
  manifest.activationEvents = [];
  fs.writeFileSync(path.join(extDir, 'package.json'), JSON.stringify(manifest, null, 2));
  fs.cpSync(path.join(root, 'media'), path.join(extDir, 'media'), { recursive: true });
}

// ---------------------------------------------------------------- processes

function startBenchBridge(extra = [], cmd = 'bridge') {
  const child = spawn(process.execPath, ['--max-old-space-size=4096', path.join(build, 'node.js'), cmd, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (verbose) child.stderr.on('data', (d) => process.stderr.write('[bridge] ' + d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bench bridge did not start')), 20000);
    child.on('exit', (c) => reject(new Error(`bench bridge exited ${c}`)));
    child.stdout.on('data', (d) => {
      const m = String(d).match(/bench-bridge listening (ws:\/\/\S+)/);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const url = m[1];
      resolve({
        url, http: url.replace(/^ws/, 'http').replace(/\/$/, ''), child,
        stop: () => new Promise((r) => { if (child.exitCode !== null) return r(); child.once('exit', () => r()); child.kill('SIGTERM'); setTimeout(() => child.kill('SIGKILL'), 3000).unref(); }),
      });
    });
  });
}

let ctlN = 0;
async function ctl(bridge, route) {
  // The bridge refuses browser-shaped requests on unauthenticated routes: a JSON body, as its own clients send.
  // A unique body each time: a clustered replica de-duplicates POST routes by body (as it does webhook redeliveries).
  const res = await fetch(`${bridge.http}/bench/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n: ++ctlN, pid: process.pid }) });
  const body = await res.json().catch(() => ({}));
  if (body.duplicate) throw new Error(`bench bridge took /bench/${route} as a duplicate delivery`);
  // A refused control request must fail the row with the bridge's reason, not leave a consumer waiting for events.
  if (!res.ok || body.error) throw new Error(`bench bridge refused /bench/${route}: HTTP ${res.status} ${body.error ?? ''}`.trim());
  return body;
}

/**
 * A bench child process speaking JSON over IPC. `next()` rejects with a reason a reader can act on: the child
 * exited (with its code/signal), or it gave no answer in time (then with its own progress report, when it
 * still answers a `status` query).
 */
function forkNode(args, execArgv = [], label = args.slice(0, 3).filter((a) => !a.startsWith('--')).join(' ') || args[0]) {
  const child = fork(path.join(build, 'node.js'), args, { stdio: ['ignore', verbose ? 'inherit' : 'ignore', 'inherit', 'ipc'], execArgv });
  const queue = [];
  const waiters = [];
  const statusWaiters = [];
  let exited;
  child.on('message', (m) => {
    if (m && m.status !== undefined && statusWaiters.length) return statusWaiters.shift()(m.status);
    if (waiters.length) waiters.shift().resolve(m);
    else queue.push(m);
  });
  child.on('exit', (code, signal) => {
    exited = `${label} exited (${signal ?? `code ${code}`})`;
    for (const w of waiters.splice(0)) w.reject(new Error(exited));
  });
  const status = () => new Promise((resolve) => {
    const t = setTimeout(() => resolve('no status answer'), 3000);
    statusWaiters.push((s) => { clearTimeout(t); resolve(JSON.stringify(s)); });
    try { child.send({ status: true }); } catch { resolve('not reachable'); }
  });
  return {
    child,
    label,
    next: (timeoutMs = 60000) => {
      if (queue.length) return Promise.resolve(queue.shift());
      if (exited) return Promise.reject(new Error(exited));
      return new Promise((resolve, reject) => {
        const w = {
          resolve: (m) => { clearTimeout(t); resolve(m); },
          reject: (e) => { clearTimeout(t); reject(e); },
        };
        const t = setTimeout(async () => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`no answer from ${label} within ${timeoutMs} ms; its state: ${await status()}`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
    send: (m) => child.send(m),
    kill: () => child.kill('SIGKILL'),
  };
}

function runJson(args, timeoutMs) {
  const out = execFileSync(process.execPath, ['--max-old-space-size=4096', path.join(build, 'node.js'), ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop());
}

// ---------------------------------------------------------------- generated data (git fast-import)

/** Streams a fast-import script into `git fast-import` (with backpressure). */
async function fastImport(dir, gen) {
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  const p = spawn('git', ['fast-import', '--quiet'], { cwd: dir, stdio: ['pipe', 'ignore', 'inherit'] });
  const done = new Promise((resolve, reject) => p.on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`fast-import exited ${c}`)))));
  for (const chunk of gen()) if (!p.stdin.write(chunk)) await new Promise((r) => p.stdin.once('drain', r));
  p.stdin.end();
  await done;
}

const data1 = (s) => `data ${Buffer.byteLength(s)}\n${s}\n`;

async function ensureWorkspace() {
  const dir = path.join(data, 'ws200k');
  if (fs.existsSync(path.join(dir, '.bench-ok'))) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  log('generating the 200k-file workspace (once)…');
  const t = Date.now();
  await fastImport(dir, function* () {
    yield `blob\nmark :1\n${data1('export const x = 1;\n')}`;
    yield `commit refs/heads/main\ncommitter Bench <bench@example.com> 1700000000 +0000\n${data1('200k files')}`;
    let buf = '';
    for (let i = 0; i < 200_000; i++) {
      // 40 packages × 250 folders × 20 → unique paths; ~20k distinct basenames, ~10 files each (like index.ts).
      const pkg = i % 40, d = Math.floor(i / 40), dir = d % 250, rest = Math.floor(d / 250);
      buf += `M 100644 :1 packages/p${pkg}/src/d${dir}/m${rest}_${(i * 31) % 997}.ts\n`;
      if (buf.length > 1 << 20) { yield buf; buf = ''; }
    }
    yield buf + '\n';
  });
  execFileSync('git', ['checkout', '-q', '-f', 'main'], { cwd: dir });
  fs.writeFileSync(path.join(dir, '.git', 'info', 'exclude'), '.bench-ok\n');
  fs.writeFileSync(path.join(dir, '.bench-ok'), '');
  log(`  done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return dir;
}

async function ensureRepo() {
  const dir = path.join(data, 'repo100k');
  if (fs.existsSync(path.join(dir, '.bench-ok'))) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  log('generating the 100k-commit repository (once)…');
  const t = Date.now();
  const FILES = 1000, LINES = 24, COMMITS = 100_000;
  const files = Array.from({ length: FILES }, (_, f) => Array.from({ length: LINES }, (_, l) => (l % 6 === 0 ? `export function fn${l}() {` : l % 6 === 5 ? '}' : `  step(${f}, ${l}, 0);`)));
  let x = 12345;
  const rnd = (n) => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % n; };
  await fastImport(dir, function* () {
    let buf = '';
    for (let c = 0; c < COMMITS; c++) {
      const when = 1600000000 + c * 60;
      buf += `commit refs/heads/main\nmark :${c + 1}\nauthor Dev ${c % 50} <dev${c % 50}@example.com> ${when} +0000\ncommitter Dev ${c % 50} <dev${c % 50}@example.com> ${when} +0000\n${data1(`change ${c}`)}`;
      if (c > 0) buf += `from :${c}\n`;
      const touched = c === 0 ? files.map((_, i) => i) : [rnd(FILES), ...(rnd(2) ? [rnd(FILES)] : [])];
      for (const f of touched) {
        if (c > 0) for (let k = 0, n = 1 + rnd(3); k < n; k++) { const l = 1 + rnd(LINES - 2); if (l % 6 !== 0 && l % 6 !== 5) files[f][l] = `  step(${f}, ${l}, ${c});`; }
        buf += `M 100644 inline src/area${f % 20}/file${f}.ts\n${data1(files[f].join('\n') + '\n')}`;
      }
      buf += '\n';
      if (buf.length > 1 << 20) { yield buf; buf = ''; }
    }
    yield buf;
  });
  fs.writeFileSync(path.join(dir, '.bench-ok'), '');
  log(`  done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return dir;
}

// ---------------------------------------------------------------- figures

/** A measured number (JSON turns NaN into null, and `null >= 0` is true). */
const num = (x) => typeof x === 'number' && Number.isFinite(x);
const fmt = (n, d = 1) => (n === undefined || n === null || Number.isNaN(n) ? 'n/a' : Number(n).toFixed(d));
/** A figure that could not be measured: the measured cell says why, the status is FAIL (never a silent MISS). */
const failRow = (figure, why, goal = '') => rows.push({ figure, floor: '', ours: `failed: ${String(why).replace(/\|/g, '/').slice(0, 300)}`, ratio: '', goal, status: 'FAIL' });
/** One figure: its floor (measured in the same run, or — when the goal is absolute), ours, the ratio, the goal; status judged on the ratio. */
const row = (figure, floor, ours, ratio, goal, ok) => rows.push({ figure, floor, ours, ratio, goal, status: ok === undefined ? 'report' : ok ? 'ok' : 'MISS' });

async function ingest() {
  const bridge = await startBenchBridge(['--replay', '200000', '--max-client-buffer', String(2 ** 31)]);
  // BENCH_PROF_DIR=<dir>: the client writes a V8 CPU profile there (clean exit at the end), for finding where ingest goes.
  const profDir = process.env.BENCH_PROF_DIR;
  const client = forkNode(['ingest', '--mode', 'client', '--url', bridge.url], profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [], 'ingest client (AlertClient)');
  const raw = forkNode(['ingest', '--mode', 'raw', '--url', bridge.url], [], 'ingest raw (ws+JSON.parse)');
  try {
    await client.next();
    await raw.next();
    const ratios = [], cl = [], rw = [];
    for (let round = 0; round < 3; round++) {
      const { from, to } = await ctl(bridge, 'burst?n=30000');
      client.send({ go: { to } });
      raw.send({ go: { from, to } });
      const [c, r] = await Promise.all([client.next(120000), raw.next(120000)]);
      const cr = c.result.events / (c.result.ms / 1000), rr = r.result.events / (r.result.ms / 1000);
      cl.push(cr); rw.push(rr); ratios.push(cr / rr);
      if (verbose) log('ingest round', round, Math.round(cr), Math.round(rr), c.result.stats);
    }
    const ratio = median(ratios);
    row('ingest throughput (AlertClient → validation → store; floor: raw ws + JSON.parse, concurrently)', `${fmt(median(rw) / 1000)}k ev/s`, `${fmt(median(cl) / 1000)}k ev/s`, `${fmt(ratio, 2)}× floor`, '≥ 0.5× floor', ratio >= 0.5);
    if (profDir) { client.child.send({ exit: true }); await new Promise((r) => client.child.once('exit', r)); }
    return { ratios, client: cl, raw: rw };
  } finally {
    client.kill(); raw.kill();
    await bridge.stop();
  }
}

async function traces() {
  const dir = await ensureWorkspace();
  const r = runJson(['traces', '--dir', dir], 180000);
  row('trace index build (200k files; floor: raw git ls-files)', `${fmt(r.rawMs, 0)} ms`, `${fmt(r.buildMs, 0)} ms`, `${fmt(r.buildMs / r.rawMs, 2)}× floor; ${fmt(r.buildMs / 1500, 2)}× goal`, '≤ 1.5 s', r.buildMs <= 1500);
  row('trace resolution (50 frames, per trace)', '—', `p50 ${fmt(r.traceP50, 2)} ms, p99 ${fmt(r.traceP99, 2)} ms`, `${fmt(r.traceP99 / 20, 2)}× goal (p99)`, '≤ 20 ms', r.traceP99 <= 20);
  return r;
}

async function ensureSmallRepo() {
  const dir = path.join(data, 'repo-small');
  if (fs.existsSync(path.join(dir, '.bench-ok'))) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  const FILES = 40, LINES = 24, COMMITS = 300;
  const files = Array.from({ length: FILES }, (_, f) => Array.from({ length: LINES }, (_, l) => (l % 6 === 0 ? `export function fn${l}() {` : l % 6 === 5 ? '}' : `  step(${f}, ${l}, 0);`)));
  let x = 777;
  const rnd = (n) => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % n; };
  await fastImport(dir, function* () {
    let buf = '';
    for (let c = 0; c < COMMITS; c++) {
      const when = 1600000000 + c * 600;
      buf += `commit refs/heads/main\nmark :${c + 1}\nauthor Dev ${c % 5} <dev${c % 5}@example.com> ${when} +0000\ncommitter Dev ${c % 5} <dev${c % 5}@example.com> ${when} +0000\n${data1(`change ${c}`)}`;
      if (c > 0) buf += `from :${c}\n`;
      const touched = c === 0 ? files.map((_, i) => i) : [rnd(FILES), ...(rnd(2) ? [rnd(FILES)] : [])];
      for (const f of touched) {
        if (c > 0) for (let k = 0, n = 1 + rnd(3); k < n; k++) { const l = 1 + rnd(LINES - 2); if (l % 6 !== 0 && l % 6 !== 5) files[f][l] = `  step(${f}, ${l}, ${c});`; }
        buf += `M 100644 inline src/area${f % 5}/file${f}.ts\n${data1(files[f].join('\n') + '\n')}`;
      }
      buf += '\n';
    }
    yield buf;
  });
  fs.writeFileSync(path.join(dir, '.bench-ok'), '');
  return dir;
}

async function suspects() {
  // Small repository (300 commits), a 30-commit deploy: median of 15 alerts.
  const small = runJson(['suspects', '--dir', await ensureSmallRepo(), '--range', '30', '--rounds', '15'], 300000);
  row('suspect commits per alert (30-commit range, 300-commit repo; floor: raw git log -p)', `${fmt(small.rawMs, 0)} ms`, `${fmt(small.suspectsMs, 0)} ms`, `${fmt(small.suspectsMs / small.rawMs, 2)}× floor; ${fmt(small.suspectsMs / 100, 2)}× goal`, '≤ 100 ms', small.suspectsMs <= 100);
  const dir = await ensureRepo();
  const r = runJson(['suspects', '--dir', dir], 300000);
  row('suspect commits (1,000-commit range, 100k-commit repo; floor: raw git log -p)', `${fmt(r.rawMs, 0)} ms`, `${fmt(r.suspectsMs, 0)} ms`, `${fmt(r.suspectsMs / r.rawMs, 2)}× floor; ${fmt(r.suspectsMs / 300, 2)}× goal`, '≤ 300 ms, ≤ 3× raw', r.suspectsMs <= 300 && r.ratio <= 3);
  return { small, large: r };
}

async function fanout() {
  const bridge = await startBenchBridge();
  const procs = [forkNode(['fanout', '--url', bridge.url, '--count', '250']), forkNode(['fanout', '--url', bridge.url, '--count', '250'])];
  try {
    for (const p of procs) await p.next(60000);
    const before = await ctl(bridge, 'stats');
    const { total } = await ctl(bridge, 'rate?eps=1000&seconds=5');
    let rss = before.rss;
    let missed = 0;
    // A bridge too busy to answer in time (Node's 408) is a sample lost, not a failed run.
    for (let i = 0; i < 16; i++) { await sleep(500); try { rss = Math.max(rss, (await ctl(bridge, 'stats')).rss); } catch { missed++; } }
    for (const p of procs) p.send({ stop: true });
    const res = await Promise.all(procs.map((p) => p.next(60000)));
    const received = res.reduce((s, r) => s + r.result.received, 0);
    const p99 = Math.max(...res.map((r) => r.result.p99));
    const p50 = median(res.map((r) => r.result.p50));
    const closed = res.reduce((s, r) => s + r.result.closedEarly, 0);
    const delivered = received / (total * 500);
    row('bridge fan-out (500 clients, 1,000 ev/s, 5 s)', '—', `p50 ${fmt(p50, 0)} ms, p99 ${fmt(p99, 0)} ms; RSS ${fmt(rss / 1048576, 0)} MB (+${fmt((rss - before.rss) / 1048576, 0)})`, `${fmt(delivered * 100, 1)}% delivered, ${closed} dropped${missed ? `; ${missed} of 16 RSS samples lost to a busy bridge` : ''}`, 'report', undefined);
    return { p50, p99, rss, delivered, closed };
  } finally {
    for (const p of procs) p.kill();
    await bridge.stop();
  }
}

/**
 * Fan-out on one replica with many editors (issue 20): RSS per idle editor, then p99 source → editor while events
 * flow, for the bridge and for the floor (a raw `ws` server broadcasting the same frames to as many clients) in
 * the same run. Clients live in 4 child processes (each under its own fd limit).
 */
async function fanoutAt(cmd, editors, eps, seconds, extra = [], phase = undefined) {
  const server = await startBenchBridge(cmd === 'bridge' ? ['--max-clients', String(editors + 100), ...extra] : [], cmd);
  return fanoutOn(server, server.url, cmd, editors, eps, seconds, () => server.stop(), phase?.(server));
}

/**
 * The measurement of fanoutAt on servers already running: editors dial `clientsUrl` (a bridge, or nginx in front
 * of replicas), `ctlServer` takes /bench/stats and /bench/rate. `phase` hooks (optional) run around the event phase.
 */
async function fanoutOn(ctlServer, clientsUrl, cmd, editors, eps, seconds, stop, phase = {}) {
  const server = ctlServer;
  const parts = 4;
  const procs = Array.from({ length: parts }, (_, i) => forkNode(['fanout', '--url', clientsUrl, '--count', String(Math.floor(editors / parts) + (i < editors % parts ? 1 : 0))], [], `${cmd} clients ${i + 1}`));
  try {
    await sleep(1000);
    const base = (await ctl(server, 'stats')).rss;
    for (const p of procs) await p.next(300000);
    await sleep(3000); // let the handshakes' garbage go
    const idle = await ctl(server, 'stats');
    const before = phase.before ? await phase.before() : undefined;
    const { total } = await ctl(server, `rate?eps=${eps}&seconds=${seconds}`);
    let rss = idle.rss;
    let missed = 0;
    const until = Date.now() + seconds * 1000 + 5000;
    while (Date.now() < until) {
      await sleep(500);
      // A server too busy to answer in time (Node's 408 after its header timeout) is a sample lost, not a failed run.
      try { rss = Math.max(rss, (await ctl(server, 'stats')).rss); } catch { missed++; }
    }
    await sleep(2000);
    try { rss = Math.max(rss, (await ctl(server, 'stats')).rss); } catch { missed++; }
    const after = phase.after ? await phase.after(before) : undefined;
    for (const p of procs) p.send({ stop: true });
    const res = await Promise.all(procs.map((p) => p.next(120000)));
    const received = res.reduce((s, r) => s + r.result.received, 0);
    return {
      editors, eps, total, base, idle: idle.rss, busy: rss, perIdleEditor: (idle.rss - base) / editors,
      p99: Math.max(...res.map((r) => r.result.p99)), p50: median(res.map((r) => r.result.p50)),
      delivered: received / (total * editors), closed: res.reduce((s, r) => s + r.result.closedEarly, 0),
      redials: res.reduce((s, r) => s + (r.result.redials ?? 0), 0), missedStats: missed, phase: after,
    };
  } finally {
    for (const p of procs) p.kill();
    await stop();
  }
}

async function fanout10k() {
  const editors = Number(process.env.BENCH_EDITORS || 10000);
  const eps = Number(process.env.BENCH_FANOUT_EPS || 10);
  const seconds = 10;
  const floor = await fanoutAt('floor', editors, eps, seconds);
  const ours = await fanoutAt('bridge', editors, eps, seconds);
  for (const [name, r] of [['floor', floor], ['bridge', ours]]) {
    if (!num(r.perIdleEditor) || !num(r.p99) || !(r.delivered > 0)) throw new Error(`${name}: not measured (${JSON.stringify(r)})`);
  }
  const kb = (x) => `${fmt(x / 1024, 1)} KB`;
  const n = fmt(editors, 0);
  row(`fan-out, ${n} idle editors on one replica: RSS per editor (floor: raw ws server, same clients)`, kb(floor.perIdleEditor), `${kb(ours.perIdleEditor)} (RSS ${fmt(ours.idle / 1048576, 0)} MB)`, `${fmt(ours.perIdleEditor / floor.perIdleEditor, 2)}× floor; ${fmt(ours.perIdleEditor / 102400, 2)}× goal`, '≤ 100 KB per idle editor', ours.perIdleEditor <= 102400);
  row(`fan-out, ${n} editors, ${eps} ev/s for ${seconds} s: peak RSS`, `${fmt(floor.busy / 1048576, 0)} MB`, `${fmt(ours.busy / 1048576, 0)} MB`, `${fmt(ours.busy / floor.busy, 2)}× floor`, '< 1 GB', ours.busy < 2 ** 30);
  row(`fan-out, ${n} editors, ${eps} ev/s: source → editor (floor: raw ws broadcast)`, `p50 ${fmt(floor.p50, 0)} ms, p99 ${fmt(floor.p99, 0)} ms; ${fmt(floor.delivered * 100, 1)}% delivered`, `p50 ${fmt(ours.p50, 0)} ms, p99 ${fmt(ours.p99, 0)} ms; ${fmt(ours.delivered * 100, 1)}% delivered, ${ours.closed} dropped; handshakes redialled: ${ours.redials} (floor ${floor.redials}); RSS samples lost to a busy server: ${ours.missedStats} (floor ${floor.missedStats})`, `${fmt(ours.p99 / floor.p99, 2)}× floor p99`, 'report', undefined);
  return { floor, ours };
}

// ---------------------------------------------------------------- cluster (issue 20)

const REDIS_BIN = '/usr/bin/redis-server';
const REDIS_CLI = '/usr/bin/redis-cli';
const NGINX_BIN = '/usr/sbin/nginx';

/** Installs a real server through the project's own setup script when missing (as the cluster suite does). */
function ensureServer(bin, script) {
  if (fs.existsSync(bin)) return;
  execFileSync('bash', [path.join(root, 'scripts', script)], { stdio: verbose ? 'inherit' : 'ignore', timeout: 15 * 60_000 });
  if (!fs.existsSync(bin)) throw new Error(`${bin} missing after scripts/${script}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

async function waitPort(port, what, child) {
  const deadline = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const ok = await new Promise((r) => { const s = net.connect(port, '127.0.0.1', () => { s.destroy(); r(true); }); s.on('error', () => r(false)); });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} not listening on ${port} within 20 s`);
    await sleep(50);
  }
}

function stopChild(child, signal = 'SIGTERM') {
  return new Promise((r) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return r();
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(t); r(); });
    child.kill(signal);
  });
}

/** CPU seconds a process has used (utime + stime of /proc/<pid>/stat); NaN when it is gone. */
function procCpu(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // USER_HZ is 100 on Linux
  } catch { return NaN; }
}

/** The machine's busy share (all cores, from /proc/stat) between two readings: is the box saturated? */
function machineTicks() {
  const [, ...v] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const idle = v[3] + (v[4] || 0);
  return { idle, total: v.reduce((a, b) => a + b, 0) };
}

/** Per-process CPU % of one core over a phase, and the machine's busy %: `groups` maps a name to pids. */
function cpuPhase(groups) {
  const read = () => Object.fromEntries(Object.entries(groups()).map(([k, pids]) => [k, pids.reduce((a, p) => a + procCpu(p), 0)]));
  return {
    before: () => ({ at: Date.now(), cpu: read(), m: machineTicks() }),
    after: (b) => {
      const secs = (Date.now() - b.at) / 1000;
      const now = read();
      const m = machineTicks();
      const pct = Object.fromEntries(Object.entries(now).map(([k, v]) => [k, ((v - b.cpu[k]) / secs) * 100]));
      return { ...b, pct, machineBusyPct: (1 - (m.idle - b.m.idle) / (m.total - b.m.total)) * 100 };
    },
  };
}

const cpuText = (c) => `CPU during events (% of one core): ${Object.entries(c.pct).map(([k, v]) => `${k} ${fmt(v, 0)}`).join(', ')}; machine ${fmt(c.machineBusyPct, 0)}% busy (${os.cpus().length} cores)`;

/** Redis's own CPU seconds (INFO cpu: used_cpu_sys + used_cpu_user). */
function redisCpu(port) {
  const out = execFileSync(REDIS_CLI, ['-p', String(port), 'INFO', 'cpu'], { encoding: 'utf8', timeout: 10000 });
  const f = (k) => Number(out.match(new RegExp(`^${k}:([0-9.]+)`, 'm'))?.[1]);
  const cpu = f('used_cpu_sys') + f('used_cpu_user');
  if (!num(cpu)) throw new Error(`redis INFO cpu unreadable: ${out.slice(0, 200)}`);
  return cpu;
}

/**
 * Three clustered replicas (bench/src/node.ts bridge --redis, the CLI's Cluster) behind nginx rendered from the
 * shipped deploy/nginx/oncall-bridge.conf (only its placeholders replaced), 10,000 editors dialling nginx, events at
 * a fixed rate from the leader; against a single in-memory bridge with the same editors, rate and heartbeat, same run.
 * fds: nginx holds two per editor (client + upstream), ~20,000 plus its own — at or above a 20,000 fd limit (this
 * machine's hard limit, which setrlimit may not raise here even as root: EPERM in this container). So nginx runs two workers, each under its own
 * limit (worker_rlimit_nofile = the hard limit), with `reuseport` on the listen line so the kernel spreads editors
 * over them; worker_connections follows the limit. Replicas (~3,400 sockets each) and client processes fit as they are.
 */
const NGINX_WORKERS = 2;
async function cluster3() {
  const editors = Number(process.env.BENCH_EDITORS || 10000);
  const eps = Number(process.env.BENCH_FANOUT_EPS || 10);
  const seconds = 10;
  const hb = ['--heartbeat-ms', '30000'];
  ensureServer(REDIS_BIN, 'setup-redis.sh');
  ensureServer(NGINX_BIN, 'setup-nginx.sh');
  const nofile = Number(execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim()) || 20000;
  if (editors * 2 > nofile * NGINX_WORKERS * 0.8) throw new Error(`${editors} editors need ~${editors * 2} fds in nginx; ${NGINX_WORKERS} workers × ${nofile} (ulimit -Hn) leave too little headroom — lower BENCH_EDITORS`);
  const single = await fanoutAt('bridge', editors, eps, seconds, hb, (server) => cpuPhase(() => ({ bridge: [server.child.pid] })));
  const dir = path.join(tmp, 'bench-cluster');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const redisPort = await freePort();
  const redis = spawn(REDIS_BIN, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes'], { stdio: ['ignore', 'ignore', verbose ? 'inherit' : 'ignore'] });
  const replicas = [];
  let nginx;
  try {
    await waitPort(redisPort, 'redis-server', redis);
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      replicas.push(await startBenchBridge(['--redis', `redis://127.0.0.1:${redisPort}`, '--port', String(port), '--leader-lease-ms', '3000', '--max-clients', String(editors + 100), ...hb]));
    }
    const nginxPort = await freePort();
    // reuseport: the kernel spreads the editors over nginx's two workers (see the fd note above).
    let site = fs.readFileSync(path.join(root, 'deploy', 'nginx', 'oncall-bridge.conf'), 'utf8').replaceAll('@LISTEN@', `127.0.0.1:${nginxPort} reuseport`);
    replicas.forEach((r, i) => { site = site.replaceAll(`@REPLICA_${i + 1}@`, new URL(r.http).host); });
    if (/@[A-Z_0-9]+@/.test(site)) throw new Error('deploy/nginx/oncall-bridge.conf has a placeholder the bench does not fill');
    fs.writeFileSync(path.join(dir, 'oncall-bridge.conf'), site);
    const t = (n) => path.join(dir, n);
    fs.writeFileSync(t('nginx.conf'), [
      `worker_processes ${NGINX_WORKERS};`, `pid ${t('nginx.pid')};`, `error_log ${t('logs/error.log')} warn;`,
      `worker_rlimit_nofile ${nofile};`, `events { worker_connections ${nofile - 100}; }`,
      'http {', '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${t(k)};`),
      `  include ${t('oncall-bridge.conf')};`, '}', '',
    ].join('\n'));
    nginx = spawn(NGINX_BIN, ['-p', dir, '-c', t('nginx.conf'), '-e', t('logs/error.log'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', verbose ? 'inherit' : 'ignore'] });
    await waitPort(nginxPort, 'nginx', nginx);
    // The leader drives the events, as the leader runs the source's work in the product.
    let leader;
    for (const deadline = Date.now() + 20000; !leader && Date.now() < deadline; await sleep(200)) {
      for (const r of replicas) if ((await ctl(r, 'stats').catch(() => ({}))).leader) leader = r;
    }
    if (!leader) throw new Error('no replica took the leader lease within 20 s');
    const nginxWorkers = execFileSync('ps', ['-o', 'pid=', '--ppid', String(nginx.pid)], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    const cpu = cpuPhase(() => ({ ...Object.fromEntries(replicas.map((r, i) => [`replica ${i + 1}${r === leader ? ' (leader)' : ''}`, [r.child.pid]])), nginx: nginxWorkers }));
    const ours = await fanoutOn(leader, `ws://127.0.0.1:${nginxPort}/`, 'cluster', editors, eps, seconds, async () => undefined, {
      before: async () => ({ redis: redisCpu(redisPort), at: Date.now(), spread: await Promise.all(replicas.map(async (r) => (await ctl(r, 'stats')).clients)), cpu: cpu.before() }),
      after: async (b) => ({ ...b, redisPct: ((redisCpu(redisPort) - b.redis) / ((Date.now() - b.at) / 1000)) * 100, cpu: cpu.after(b.cpu) }),
    });
    const errLog = fs.readFileSync(t('logs/error.log'), 'utf8');
    const nginxErrors = errLog.split('\n').filter((l) => /\[(error|crit|alert|emerg)\]/.test(l));
    if (nginxErrors.length) notes.push(`cluster3: nginx logged ${nginxErrors.length} errors, first: ${nginxErrors[0].slice(0, 200)}`);
    for (const [name, r] of [['single bridge', single], ['cluster', ours]]) {
      if (!num(r.p99) || !(r.delivered > 0)) throw new Error(`${name}: not measured (${JSON.stringify({ ...r, phase: undefined })})`);
    }
    const n = fmt(editors, 0);
    const p = ours.phase;
    row(`3 replicas (--redis) behind nginx (shipped config), ${n} editors spread ${p.spread.join('/')}, ${eps} ev/s for ${seconds} s: source → editor (floor: one in-memory bridge, same editors, rate, 30 s pings)`,
      `p50 ${fmt(single.p50, 0)} ms, p99 ${fmt(single.p99, 0)} ms; ${fmt(single.delivered * 100, 1)}% delivered, ${single.closed} dropped`,
      `p50 ${fmt(ours.p50, 0)} ms, p99 ${fmt(ours.p99, 0)} ms; ${fmt(ours.delivered * 100, 1)}% delivered, ${ours.closed} dropped; handshakes redialled ${ours.redials} (floor ${single.redials}); Redis CPU ${fmt(p.redisPct, 1)}% of one core`,
      `${fmt(ours.p99 / single.p99, 2)}× floor p99`, 'report', undefined);
    notes.push(`cluster3, single in-memory bridge: ${cpuText(single.phase)}`);
    notes.push(`cluster3, 3 replicas: ${cpuText(p.cpu)}; redis ${fmt(p.redisPct, 1)}`);
    return { single, ours };
  } finally {
    for (const r of replicas) await r.stop();
    await stopChild(nginx, 'SIGQUIT');
    await stopChild(redis);
  }
}

/** bench/floor-ext as a .vsix (the runner installs it into the host): the empty extension + the floor tree's view. */
function buildFloorVsix() {
  const dir = path.join(tmp, 'bench-floor-ext');
  const vsix = path.join(tmp, 'bench-floor.vsix');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(path.join(root, 'bench', 'floor-ext'), dir, { recursive: true });
  execFileSync(path.join(root, 'node_modules', '.bin', 'vsce'), ['package', '--allow-missing-repository', '--skip-license', '-o', vsix], { cwd: dir, stdio: verbose ? 'inherit' : 'ignore' });
  return vsix;
}

async function host() {
  const hostVer = process.env.BENCH_HOST || '4.139.1';
  const floorVsix = buildFloorVsix();
  const { runInCodeServer } = await import(path.join(root, 'test/host/codeServerRunner.mjs'));
  // The runner opens the workbench with playwright's default 30 s navigation timeout, which a loaded 2-core
  // machine often exceeds (runner error, no figures). The bench gives it 180 s, without touching the shared
  // runner: its `chromium` is the same module instance, so the contexts it launches are reached here.
  const { chromium } = await import('playwright-core');
  if (!chromium.__benchPatched) {
    const launch = chromium.launchPersistentContext.bind(chromium);
    chromium.launchPersistentContext = async (...a) => {
      const ctx = await launch(...a);
      ctx.setDefaultNavigationTimeout(180_000);
      return ctx;
    };
    chromium.__benchPatched = true;
  }
  const bridge = await startBenchBridge(['--max-client-buffer', String(2 ** 31)]);
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'oncall-bench-ws-'));
  const outFile = path.join(tmp, 'bench-host.json');
  fs.rmSync(outFile, { force: true });
  try {
    fs.mkdirSync(path.join(ws, '.vscode'));
    fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'oncall.serverUrl': bridge.url }, null, 2));
    const once = () => runInCodeServer({
      root, host: hostVer, workspace: ws, verbose, timeoutSec: 400, installVsix: floorVsix,
      extensionDevelopmentPath: extDir,
      extensionTestsPath: path.join(build, 'host.js'),
      env: { BENCH_OUT: outFile, BENCH_CTL: bridge.http, BENCH_TMP: ws, BENCH_STORM: process.env.BENCH_STORM || '100000', BENCH_HOST_PARTS: process.env.BENCH_HOST_PARTS || '', BENCH_HOST_PROFILE: process.env.BENCH_HOST_PROFILE || '', BENCH_TMP_DIR: tmp },
    });
    let code = await once();
    if (code === 1 && !fs.existsSync(outFile)) {
      // Exit 1 before any result = the runner could not open the workbench (page load timed out on a loaded machine).
      notes.push('host: the first code-server run failed to open the workbench (runner error); retried once');
      code = await once();
    }
    const codes = { 1: 'the runner could not open the workbench (see its error above)', 2: 'the host run timed out', 3: 'code-server exited' };
    if (!fs.existsSync(outFile)) throw new Error(`the host run wrote no results (exit ${code}: ${codes[code] ?? 'the harness failed'})`);
    const r = JSON.parse(fs.readFileSync(outFile, 'utf8'));
    vscodeVersion = `${r.vscode} (code-server ${hostVer}, extension host Node ${r.node})`;
    if (r.error) notes.push(`host run error: ${r.error.split('\n')[0]}`);
    // A figure the run did not reach says so (with the host's error), instead of vanishing from the table.
    const why = r.error ? r.error.split('\n')[0] : 'not measured';
    const l = r.latency, f = r.floor;
    // BENCH_HOST_PARTS=activation ran the activation phase only: the other host rows are not expected.
    const partial = process.env.BENCH_HOST_PARTS === 'activation';
    if (partial) notes.push('host: activation phase only (BENCH_HOST_PARTS=activation)');
    if (process.env.BENCH_HOST_PARTS === 'storm') notes.push('host: activation and storm phases only (BENCH_HOST_PARTS=storm)');
    if (!partial && l && f && !(num(l.treeP99) && num(f.treeP99))) {
      failRow('alert → tree (vs minimal TreeDataProvider)', `no tree refresh observed: ours ${l.observed}/${l.events} alerts (fetches ${JSON.stringify(l.fetched ?? {})}), floor ${f.observed}/${f.events}`, 'p99 ≤ 1.2× floor');
    }
    if (l && !(num(l.statusP99) && num(l.transportP99))) failRow('alert → status bar (vs transport)', `no status bar update observed for ${l.events} alerts`, 'p99 ≤ transport + 50 ms');
    if (l && f && num(l.treeP99) && num(f.treeP99)) {
      const ratio = l.treeP99 / f.treeP99;
      row(`alert → tree p99 (${l.eps} ev/s, ${l.events} alerts; floor: minimal TreeDataProvider, same host)`, `${fmt(f.treeP99, 0)} ms (p50 ${fmt(f.treeP50, 0)})`, `${fmt(l.treeP99, 0)} ms (p50 ${fmt(l.treeP50, 0)})`, `${fmt(ratio, 2)}× floor`, '≤ 1.2× floor', ratio <= 1.2);
    }
    if (l && num(l.statusP99) && num(l.transportP99)) {
      const over = l.statusP99 - l.transportP99;
      row(`alert → status bar p99 (${l.eps} ev/s; floor: transport into the store)`, `${fmt(l.transportP99, 0)} ms (p50 ${fmt(l.transportP50, 0)})`, `${fmt(l.statusP99, 0)} ms (p50 ${fmt(l.statusP50, 0)})`, `floor +${fmt(over, 0)} ms (${fmt(l.statusP99 / l.transportP99, 2)}×)`, '≤ floor + 50 ms', over <= 50);
    }
    if (!partial && process.env.BENCH_HOST_PARTS !== 'storm' && (!l || !f)) failRow('alert → tree / status bar latency (vs floor)', why, 'tree ≤ 1.2× floor; status ≤ transport + 50 ms');
    const s = r.storm;
    if (s) {
      row(`storm heap delta (${s.alerts} alerts, after GC)`, '—', `${fmt(s.heapDeltaMB, 0)} MB (peak +${fmt(s.heapPeakDeltaMB, 0)} MB; snapshot ${fmt(r.stormSnapshotBytes / 1048576, 0)} MB applied ${fmt(s.connectToSnapshotMs, 0)} ms after connecting)`, `${fmt(s.heapDeltaMB / 150, 2)}× goal`, '≤ 150 MB', s.heapDeltaMB <= 150);
      // Each storm figure is the median of the trials (BENCH_STORM_TRIALS, default 3): one trial swings 3-5x here.
      const tr = Array.isArray(s.trials) ? s.trials : [];
      const of = (k) => (tr.length > 1 ? ` (median of ${tr.length}: ${tr.map((t) => fmt(t[k], 0)).join(', ')})` : '');
      // Ours = snapshot in the model → our refresh fired; the rest is VS Code's (debounce, IPC, the renderer).
      const split = (ours, total) => (num(ours) ? `; ours ${fmt(ours, 0)} ms to the refresh, VS Code ${fmt(total - ours, 0)} ms to the fetch` : '');
      row('storm: time to first tree page (after the snapshot is in: its end applied, the model holding the storm)', '—', `${fmt(s.firstPageMs, 0)} ms${of('firstPageMs')}${split(s.firstPageOursMs, s.firstPageMs)}`, `${fmt(s.firstPageMs / 100, 2)}× goal`, '≤ 100 ms', s.firstPageMs <= 100);
      // Shown as it comes: the first page after the snapshot's first part (the user sees alerts from then on).
      if (num(s.firstPartPageMs)) row(`storm: first tree page after the snapshot's first part is in the model (${fmt(s.firstPartAfterMs, 0)} ms after connecting)`, '—', `${fmt(s.firstPartPageMs, 0)} ms${of('firstPartPageMs')}`, '—', 'report', undefined);
      const ack = s.ack;
      if (!ack) failRow('storm: ack 1,000 selected', why, 'tree ≤ 100 ms after the store');
      else if (!(num(ack.treeMs))) failRow('storm: ack 1,000 selected', `${ack.acked}/${ack.selected} acked, result ${fmt(ack.resultMs, 0)} ms, store ${fmt(ack.storeMs, 0)} ms, the tree did not refresh within 20 s`, 'tree ≤ 100 ms after the store');
      else {
        // The issue's figure: from the store having all 1,000 acks to the tree showing them.
        const treeAfterStore = ack.treeMs - ack.storeMs;
        row('storm: ack 1,000 selected → tree (after the store has all acks)', '—', `${fmt(treeAfterStore, 0)} ms (request → result ${fmt(ack.resultMs, 0)}, → store ${fmt(ack.storeMs, 0)}, → tree ${fmt(ack.treeMs, 0)} ms)${of('ackAfterStoreMs')}${split(s.ackOursMs, treeAfterStore)}`, `${fmt(treeAfterStore / 100, 2)}× goal`, '≤ 100 ms', treeAfterStore <= 100);
      }
    } else if (!partial) {
      failRow(`storm (${process.env.BENCH_STORM || '100000'} alerts)`, r.stormSnapshotBytes ? `snapshot ${fmt(r.stormSnapshotBytes / 1048576, 0)} MB not applied: ${why}` : why, '≤ 150 MB, first page ≤ 100 ms');
    }
    if (r.hostActivateMs !== undefined && r.emptyActivateMs !== undefined) {
      const ratio = r.hostActivateMs / r.emptyActivateMs;
      row('activation (ext.activate(): code load + activate(); floor: empty extension, same host)', `${fmt(r.emptyActivateMs, 1)} ms`, `${fmt(r.hostActivateMs, 1)} ms (activate() body ${fmt(r.activateMs, 1)} ms; extension.js cold eval ${fmt(r.bundleLoadMs, 1)} ms)`, `${fmt(ratio, 2)}× floor`, '≤ 2× floor', ratio <= 2);
      // What activation leaves for later is shown, not hidden: the features built on first need (here the first
      // connection event), loading dist/lazy-features.js and building them, added to activation against the same floor.
      // activate() starts the extension on the next tick (dist/lazy-startup.js: context, status bar, connection),
      // then the features come on first need: each added to activation against the same floor.
      const st = r.started;
      const startMs = st && num(st.ms) ? st.ms : 0;
      if (st && num(st.ms)) {
        const total = r.hostActivateMs + st.ms;
        row(`activation + start (status bar, connection, schedule; ${st.why}, ${fmt(st.afterActivationMs, 0)} ms after activate(); floor: empty extension)`, `${fmt(r.emptyActivateMs, 1)} ms`, `${fmt(total, 1)} ms (load + build ${fmt(st.ms, 1)} ms; lazy-startup.js cold eval ${fmt(r.startBundleLoadMs, 1)} ms)`, `${fmt(total / r.emptyActivateMs, 2)}× floor`, 'report', undefined);
      }
      const lb = r.lazyBuilt;
      if (lb && num(lb.ms)) {
        const total = r.hostActivateMs + startMs + lb.ms;
        row(`activation + start + features built on first need (${lb.why}, ${fmt(lb.afterActivationMs, 0)} ms after activate(); floor: empty extension)`, `${fmt(r.emptyActivateMs, 1)} ms`, `${fmt(total, 1)} ms (features load + build ${fmt(lb.ms, 1)} ms; lazy-features.js cold eval ${fmt(r.lazyBundleLoadMs, 1)} ms)`, `${fmt(total / r.emptyActivateMs, 2)}× floor`, 'report', undefined);
      }
      if (num(r.connectedAfterMs)) row('activate() → connected (to the bench bridge on loopback, hello received)', '—', `${fmt(r.connectedAfterMs, 0)} ms`, '—', 'report', undefined);
    } else {
      failRow('activation (vs empty extension)', why, '≤ 2× empty extension');
    }
    return r;
  } finally {
    await bridge.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

function bundle() {
  const file = path.join(extDir, 'dist', 'extension.js');
  const size = fs.statSync(file).size;
  const meta = JSON.parse(fs.readFileSync(path.join(extDir, 'dist', 'meta-extension.json'), 'utf8'));
  const inputs = Object.values(meta.outputs).find((o) => o.entryPoint === 'src/extension.ts').inputs;
  const groups = new Map();
  for (const [p, v] of Object.entries(inputs)) {
    const m = p.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
    const key = m ? m[1] : p.split('/').slice(0, 3).join('/');
    groups.set(key, (groups.get(key) ?? 0) + v.bytesInOutput);
  }
  const top = [...groups].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${fmt(v / 1024, 0)} KB`);
  notes.push(`bundle's biggest inputs: ${top.join(', ')}`);
  // Loaded on first use (esbuild.config.mjs lazyLibs), not at activation: listed so the total stays visible.
  const lazy = fs.readdirSync(path.join(extDir, 'dist')).filter((f) => /^lazy-.*\.js$/.test(f)).map((f) => `${f} ${fmt(fs.statSync(path.join(extDir, 'dist', f)).size / 1024, 0)} KB`);
  if (lazy.length) notes.push(`loaded on first use, next to extension.js: ${lazy.join(', ')}`);
  row('bundle size dist/extension.js (production)', '—', `${fmt(size / 1024, 0)} KB`, `${fmt(size / 1024 / 300, 2)}× goal`, '≤ 300 KB', size <= 300 * 1024);
  return { size, top };
}

// ---------------------------------------------------------------- main

const results = {};
const t0 = Date.now();
await buildAll();
fs.mkdirSync(data, { recursive: true });
for (const [name, fn] of [['bundle', bundle], ['ingest', ingest], ['traces', traces], ['suspects', suspects], ['host', host], ['fanout', fanout], ['fanout10k', fanout10k], ['cluster3', cluster3]]) {
  if (!want(name)) continue;
  const t = Date.now();
  log(`${name}…`);
  try {
    results[name] = await fn();
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    notes.push(`${name} failed: ${why}`);
    failRow(name, why);
    log(e);
  }
  log(`  ${name} took ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

const cpus = os.cpus();
const machine = `${cpus.length} cores (${cpus[0]?.model ?? '?'}), ${fmt(os.totalmem() / 2 ** 30, 0)} GiB RAM, load ${os.loadavg().map((x) => x.toFixed(2)).join('/')}`;
const header = ['figure', 'floor (same run)', 'ours', 'ratio', 'goal', 'status'];
const lines = [header, ...rows.map((r) => [r.figure, r.floor, r.ours, r.ratio, r.goal, r.status])];
const widths = header.map((_, i) => Math.max(...lines.map((l) => String(l[i]).length)));
const table = lines.map((l, j) => {
  const s = '| ' + l.map((c, i) => String(c).padEnd(widths[i])).join(' | ') + ' |';
  return j === 0 ? s + '\n|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|' : s;
}).join('\n');
console.log(table);
for (const n of notes) console.log(`- ${n}`);
const md = `# Benchmark results

Written by \`npm run bench\` (bench/run.mjs). Each figure's floor is measured in the same run (same host, same event rate) and its status is judged on the ratio to that floor (goals of issue #22); figures without a floor have absolute goals. Absolute numbers are a guide only (shared, noisy machine). FAIL = not measured, the reason is in the row. The benchmark reports, it does not assert. See bench/README.md for what each floor is.

- date: ${new Date().toISOString()}
- machine: ${machine} (${os.platform()} ${os.release()})
- Node: ${process.version}
- VS Code: ${vscodeVersion}
- duration: ${((Date.now() - t0) / 1000).toFixed(0)} s

${table}

${notes.map((n) => `- ${n}`).join('\n')}
`;
fs.writeFileSync(path.join(root, 'bench', 'RESULTS.md'), md);
fs.writeFileSync(path.join(tmp, 'bench-results.json'), JSON.stringify({ rows, notes, results, machine }, null, 2));
log(`wrote bench/RESULTS.md (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
process.exit(0);
