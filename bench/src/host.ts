/**
 * Runs inside a real VS Code extension host (bench/run.mjs → test/host/codeServerRunner.mjs) against a bench
 * bridge: activation, alert → UI latency, and the 100k-alert storm. Writes its measurements as JSON to
 * $BENCH_OUT. Instrumentation is by observation only: the tree provider's getChildren and the status bar
 * item's text setter are wrapped on their instances (no product hook needed).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as inspector from 'node:inspector';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as vscode from 'vscode';
import type { OnCallApi } from '../../src/extension';
import type { AlertsElement } from '../../src/host/alerts/alertsTreeProvider';
import { percentile, wallMs } from './common';

const out: Record<string, unknown> = {};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function ctl(route: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    // The bridge refuses browser-shaped requests on unauthenticated routes: a JSON body, as its own clients send.
    const req = http.request(`${process.env.BENCH_CTL}/bench/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(body) as Record<string, unknown>;
        } catch {
          return reject(new Error(`bench bridge answered /bench/${route} with HTTP ${res.statusCode} and no JSON`));
        }
        if (res.statusCode !== 200 || parsed.error !== undefined) return reject(new Error(`bench bridge refused /bench/${route}: HTTP ${res.statusCode} ${JSON.stringify(parsed.error ?? '')}`));
        resolve(parsed as Record<string, number>);
      });
    });
    req.on('error', reject);
    req.end('{}');
  });
}

async function waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A real full GC, so heap figures are what is retained (the host does not start with --expose-gc). */
function gcNow(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  gc();
}

/** A screenshot through the runner's endpoint (.vscode-test/screenshots/<host>/<name>.png); best effort. */
async function shot(name: string): Promise<void> {
  const url = process.env.ONCALL_TEST_SCREENSHOT_URL;
  if (!url) return;
  await new Promise<void>((resolve) => {
    const req = http.get(`${url}?name=${name}`, (res) => res.resume().on('end', () => resolve()));
    req.on('error', () => resolve());
  });
}

/** The runner's renderer profile (BENCH_RENDERER_PROFILE): `start`, or `stop` saving it as <screenshots>/<name>.cpuprofile. */
async function rendererProfile(what: 'start' | 'stop', name = 'renderer'): Promise<string> {
  const url = process.env.ONCALL_TEST_SCREENSHOT_URL;
  if (!url) return '';
  return new Promise<string>((resolve) => {
    const req = http.get(`${url}?profile=${what}&name=${name}`, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', () => resolve(''));
  });
}

type TreeListener = (el: AlertsElement | undefined, ms: number) => void;

export async function run(): Promise<void> {
  try {
    await bench();
  } catch (e) {
    out['error'] = e instanceof Error ? e.stack : String(e);
  }
  fs.writeFileSync(process.env.BENCH_OUT!, JSON.stringify(out, null, 2));
}

/** Wall time of `ext.activate()` for an extension not active yet: code loading + context + activate(). */
async function timeActivation<T>(ext: vscode.Extension<T>, name: string): Promise<{ ms: number; exports: T }> {
  if (ext.isActive) throw new Error(`${name} was already active before the harness activated it (an activation event fired): its activation can't be timed`);
  const t = performance.now();
  const exports = await ext.activate();
  return { ms: performance.now() - t, exports };
}

async function bench(): Promise<void> {
  out['vscode'] = vscode.version;
  out['node'] = process.version;
  // Activation, side by side: the empty floor extension first, then ours, both activated by this harness
  // at the same point (the bench copy of our manifest has no activation events, so nothing else did).
  const floorExt = vscode.extensions.getExtension('oncall-bench.oncall-bench-floor');
  if (!floorExt) throw new Error('the bench floor extension (bench/floor-ext) is not installed in this host');
  const ext = vscode.extensions.getExtension<OnCallApi>('oncall.vscode-oncall')!;
  await sleep(Number(process.env.BENCH_SETTLE_MS ?? 3000)); // let the host finish its own startup work first
  out['emptyActivateMs'] = (await timeActivation(floorExt, 'the empty floor extension')).ms;
  const ours = await timeActivation(ext, 'On-Call');
  const api = ours.exports;
  out['hostActivateMs'] = ours.ms;
  out['activateMs'] = api.activatedInMs;
  // The start activate() runs on the next tick (dist/lazy-startup.js: context, status bar, connection): waited for
  // without reading anything that would start it (those getters start it at once).
  await waitFor('the start on the tick after activation', () => api.started !== undefined, 30_000);
  out['started'] = api.started;

  // Module evaluation of each bundle, cold (a fresh copy): extension.js (what the host pays before activate()),
  // lazy-startup.js (what the tick after activation loads) and lazy-features.js (built on first need), so the
  // deferred cost is shown next to activation, not hidden. The extension times its own load + build of the last
  // two when they are needed (`started`, `lazyBuilt`).
  const coldEvalMs = (file: string): number | undefined => {
    const bundle = `${ext.extensionPath}/dist/${file}`;
    if (!fs.existsSync(bundle)) return undefined;
    const copy = `${process.env.BENCH_TMP}/${file.replace(/\.js$/, '')}-copy.js`;
    fs.copyFileSync(bundle, copy);
    const t = performance.now();
    // A plain require on purpose: module evaluation is what is measured (an import() adds its own async cost).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(copy);
    return performance.now() - t;
  };
  out['bundleLoadMs'] = coldEvalMs('extension.js');
  out['startBundleLoadMs'] = coldEvalMs('lazy-startup.js');
  out['lazyBundleLoadMs'] = coldEvalMs('lazy-features.js');

  await waitFor('the connection to the bench bridge', () => api.connections.connection?.state.state === 'connected', 30_000);
  if ('lazyBuilt' in api) {
    await waitFor('the features built on the first connection event', () => api.lazyBuilt !== undefined, 30_000);
    out['lazyBuilt'] = api.lazyBuilt;
  }
  out['connectedAfterMs'] = api.connectedAfterMs;
  await vscode.commands.executeCommand('oncall.alerts.focus');
  await sleep(500);
  // BENCH_HOST_PARTS=activation: activation figures only (the latency and storm phases take minutes).
  if (process.env.BENCH_HOST_PARTS === 'activation') return;

  // ---- instrumentation
  const treeListeners = new Set<TreeListener>();
  const provider = api.alerts.provider;
  const origGetChildren = provider.getChildren.bind(provider);
  provider.getChildren = (el?: AlertsElement) => {
    const r = origGetChildren(el);
    const fire = (): void => {
      const now = wallMs();
      for (const l of treeListeners) l(el, now);
    };
    if (r instanceof Promise) void r.then(fire);
    else fire();
    return r;
  };
  const statusListeners = new Set<(ms: number) => void>();
  const item = api.statusBar.item;
  const proto = Object.getPrototypeOf(item) as object;
  const desc = Object.getOwnPropertyDescriptor(proto, 'text')!;
  Object.defineProperty(item, 'text', {
    configurable: true,
    get(): string {
      return desc.get!.call(item) as string;
    },
    set(v: string) {
      desc.set!.call(item, v);
      const now = wallMs();
      for (const l of statusListeners) l(now);
    },
  });

  // ---- alert → UI latency at 1,000 events/s: the floor (a minimal tree provider), then ours
  // BENCH_HOST_PARTS=storm: the storm phase only (for iterating on it; the latency phases take minutes).
  const stormOnly = process.env.BENCH_HOST_PARTS === 'storm';
  const eps = Number(process.env.BENCH_EPS ?? 1000);
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const conn = api.connections.connection!;
  if (!stormOnly) {
    // Ours first, on a fresh store: a group our tree once showed collapsed (all resolved) stays collapsed
    // when new alerts arrive (the view keeps expansion state per item id), and would then not be fetched.
    interface Pending { sent: number; recv: number; group: string; status?: number; tree?: number }
    const byId = new Map<string, Pending>();
    const waitingStatus: Pending[] = [];
    const waitingTree = new Map<string, Pending[]>();
    const sub = conn.store.onDidChange((e) => {
      const now = wallMs();
      for (const a of e.added) {
        const s = a.labels['benchSentAt'];
        if (!s) continue;
        const p: Pending = { sent: Number(s), recv: now, group: a.service };
        byId.set(a.id, p);
        waitingStatus.push(p);
        const list = waitingTree.get(p.group) ?? [];
        list.push(p);
        waitingTree.set(p.group, list);
      }
    });
    const onStatus = (ms: number): void => {
      for (const p of waitingStatus.splice(0)) p.status = ms;
    };
    const fetched: Record<string, number> = {};
    const onTree: TreeListener = (el, ms) => {
      const k = el ? el.kind : 'root';
      fetched[k] = (fetched[k] ?? 0) + 1;
      if (!el || el.kind !== 'group') return;
      const list = waitingTree.get(el.key);
      if (!list) return;
      for (const p of list) p.tree = ms;
      waitingTree.delete(el.key);
    };
    statusListeners.add(onStatus);
    treeListeners.add(onTree);
    const { total } = await ctl(`rate?eps=${eps}&seconds=${seconds}`);
    await waitFor('all timed alerts', () => byId.size >= total!, (seconds + 30) * 1000);
    await sleep(1500);
    await shot('bench-latency-ours');
    sub.dispose();
    statusListeners.delete(onStatus);
    treeListeners.delete(onTree);
    const all = [...byId.values()];
    const e2e = all.filter((p) => p.status !== undefined && p.tree !== undefined).map((p) => Math.max(p.status!, p.tree!) - p.sent).sort((a, b) => a - b);
    const transport = all.map((p) => p.recv - p.sent).sort((a, b) => a - b);
    const status = all.filter((p) => p.status !== undefined).map((p) => p.status! - p.sent).sort((a, b) => a - b);
    const tree = all.filter((p) => p.tree !== undefined).map((p) => p.tree! - p.sent).sort((a, b) => a - b);
    out['latency'] = {
      eps, seconds, events: all.length, observed: e2e.length, fetched,
      p50: percentile(e2e, 50), p99: percentile(e2e, 99),
      transportP50: percentile(transport, 50), transportP99: percentile(transport, 99),
      statusP50: percentile(status, 50), statusP99: percentile(status, 99), treeP50: percentile(tree, 50), treeP99: percentile(tree, 99),
    };
  }

  await ctl('resolveAll');
  await sleep(1000);
  if (!stormOnly) {
    // Floor: the least a tree can do per event — one TreeDataProvider in the Explorer (our view is hidden
    // meanwhile, so the workbench fetches nothing from it), fed by the same store events, refreshing the one
    // group item the alert belongs to. "Updated" = the workbench fetched that item's children again, the
    // same criterion as for our tree.
    interface FloorGroup { key: string; latest: string[] }
    const groups = new Map<string, FloorGroup>();
    const emitter = new vscode.EventEmitter<FloorGroup | undefined>();
    const waiting = new Map<string, number[]>();
    const lat: number[] = [];
    let seen = 0;
    const provider: vscode.TreeDataProvider<FloorGroup | string> = {
      onDidChangeTreeData: emitter.event,
      getTreeItem: (el) => typeof el === 'string' ? new vscode.TreeItem(el) : new vscode.TreeItem(el.key, vscode.TreeItemCollapsibleState.Expanded),
      getChildren: (el) => {
        if (!el) return [...groups.values()];
        if (typeof el === 'string') return [];
        const now = wallMs();
        for (const sent of waiting.get(el.key) ?? []) lat.push(now - sent);
        waiting.delete(el.key);
        return el.latest;
      },
    };
    const view = vscode.window.createTreeView('oncallBenchFloor.tree', { treeDataProvider: provider });
    const sub = conn.store.onDidChange((e) => {
      let root = false;
      for (const a of e.added) {
        const s = a.labels['benchSentAt'];
        if (!s) continue;
        seen++;
        let g = groups.get(a.service);
        if (!g) {
          g = { key: a.service, latest: [] };
          groups.set(a.service, g);
          root = true;
        }
        g.latest.unshift(a.title);
        if (g.latest.length > 20) g.latest.pop();
        const list = waiting.get(g.key) ?? [];
        list.push(Number(s));
        waiting.set(g.key, list);
        if (!root) emitter.fire(g);
      }
      if (root) emitter.fire(undefined);
    });
    await vscode.commands.executeCommand('workbench.view.explorer');
    await vscode.commands.executeCommand('oncallBenchFloor.tree.focus');
    await sleep(500);
    const { total } = await ctl(`rate?eps=${eps}&seconds=${seconds}`);
    await waitFor('all timed alerts (floor phase)', () => seen >= total!, (seconds + 30) * 1000);
    await sleep(1500);
    await shot('bench-latency-floor');
    sub.dispose();
    view.dispose();
    emitter.dispose();
    lat.sort((a, b) => a - b);
    out['floor'] = { eps, seconds, events: seen, observed: lat.length, treeP50: percentile(lat, 50), treeP99: percentile(lat, 99) };
  }

  await vscode.commands.executeCommand('oncall.alerts.focus');
  await sleep(500);

  // ---- storm: 100k active alerts arriving as one snapshot
  {
    await ctl('resolveAll');
    await sleep(1500);
    const n = Number(process.env.BENCH_STORM ?? 100_000);
    const fill = await ctl(`fill?n=${n}&traces=200`);
    out['stormSnapshotBytes'] = fill.snapshotBytes;
    // Each trial drops the connection (and its store), then connects again and receives the whole storm; the
    // first-page and ack figures are the median of the trials (one trial swings 3-5x on this machine), the heap
    // delta is the first trial's.
    const trials = Math.max(1, Number(process.env.BENCH_STORM_TRIALS ?? 3));
    const results: Array<Record<string, unknown> & { firstPageMs: number; firstPartPageMs: number; ack: Record<string, number | boolean> }> = [];
    let started = wallMs();
    // What happened when, for finding where the time goes (kept in the host's JSON, .tmp/bench-host.json).
    const timeline: Array<[number, string]> = [];
    /** With BENCH_HOST_PROFILE: every mark at its wall time, to line the profile's samples up with the timeline. */
    // Each with the monotonic clock in µs (CLOCK_MONOTONIC, the clock of V8's and Chromium's profiles on Linux).
    const wallMarks: Array<[number, string, number]> = [];
    const mark = (what: string, at = wallMs()): void => {
      if ((process.env.BENCH_HOST_PROFILE || process.env.BENCH_RENDERER_PROFILE) && wallMarks.length < 20000) wallMarks.push([at, what, Number(process.hrtime.bigint() / 1000n) - (wallMs() - at) * 1000]);
      if (timeline.length < 6000) timeline.push([Math.round(at - started), what]);
    };
    let firstPage = 0;
    let snapshotAt = 0;
    // The snapshot comes in parts and is shown as it comes: when the first part was in, and the first page after it.
    let firstPartAt = 0;
    let firstPartPage = 0;
    const onTree: TreeListener = (el, ms) => {
      if (snapshotAt && !firstPage && el?.kind === 'group') firstPage = ms;
      if (firstPartAt && !firstPartPage && el?.kind === 'group') firstPartPage = ms;
      mark(`tree fetched ${el ? el.kind : 'root'}`, ms);
    };
    treeListeners.add(onTree);
    const modelSub = api.alerts.model.onDidChange(() => {
      if (!started) return;
      mark(`model changed (${api.alerts.model.size})`);
      if (!firstPartAt && api.alerts.model.size > 0) firstPartAt = wallMs();
      checkSnapshot();
    });
    // The snapshot is in when the connection says so (its last part and end applied) and the model has the storm:
    // the model reaches n while parts of the resolved alerts the source still holds are on their way.
    let synced = false;
    const checkSnapshot = (): void => {
      if (!snapshotAt && synced && api.alerts.model.size >= n) {
        snapshotAt = wallMs();
        mark('snapshot in (synced)', snapshotAt);
      }
    };
    const origRefresh = api.alerts.provider.refresh.bind(api.alerts.provider);
    // When our refresh fired after the snapshot was in / after the store had all acks: what is ours of each figure
    // (from then until the workbench fetches the page is VS Code's: its debounce, the renderer, the IPC).
    let refreshAfterSnapshot = 0;
    let refreshAfterAcks = 0;
    let acksIn = 0;
    api.alerts.provider.refresh = () => {
      const t = wallMs();
      origRefresh();
      const done = wallMs();
      if (snapshotAt && !refreshAfterSnapshot) refreshAfterSnapshot = done;
      if (acksIn && !refreshAfterAcks) refreshAfterAcks = done;
      mark(`provider refresh (${(done - t).toFixed(1)} ms)`, t);
    };
    // BENCH_HOST_PROFILE=1: a CPU profile of the extension host over the trials, written to
    // .tmp/bench-storm.cpuprofile (for finding where the time goes; slows the figures a little).
    const profiler = process.env.BENCH_HOST_PROFILE ? new inspector.Session() : undefined;
    if (profiler) {
      profiler.connect();
      await new Promise((r) => profiler.post('Profiler.enable', () => profiler.post('Profiler.setSamplingInterval', { interval: 200 }, () => profiler.post('Profiler.start', r))));
    }
    if (process.env.BENCH_RENDERER_PROFILE) {
      await rendererProfile('start');
      mark('renderer profiler started');
    }
    try {
      for (let trial = 0; trial < trials; trial++) {
        started = 0; // model changes of the disconnect are not this trial's
        api.connections.connection?.disconnect();
        await sleep(300);
        gcNow();
        const heap0 = process.memoryUsage().heapUsed;
        firstPage = snapshotAt = firstPartAt = firstPartPage = refreshAfterSnapshot = refreshAfterAcks = acksIn = 0;
        started = wallMs();
        mark(`trial ${trial + 1}: connecting`);
        synced = false;
        await api.connections.rebuild();
        const conn = api.connections.connection!;
        const syncSub = conn.onDidChangeState((st) => {
          mark(`connection ${st.state}${st.state === 'connected' ? ` synced=${String(st.synced)}` : ''}${st.lastError ? `: ${st.lastError}` : ''}`);
          synced = st.state === 'connected' && st.synced !== false;
          checkSnapshot();
        });
        await waitFor('the storm snapshot', () => snapshotAt > 0 || conn.state.state === 'reconnecting', 120_000);
        syncSub.dispose();
        if (!snapshotAt) throw new Error(`snapshot not applied: ${conn.state.lastError ?? conn.state.state}`);
        await waitFor('the first tree page', () => firstPage > 0, 30_000);
        const heapPeak = process.memoryUsage().heapUsed;
        await sleep(500);
        gcNow();
        const heap1 = process.memoryUsage().heapUsed;
        const r = {
          alerts: conn.store.size,
          heapDeltaMB: (heap1 - heap0) / 1048576,
          heapPeakDeltaMB: (heapPeak - heap0) / 1048576,
          connectToSnapshotMs: snapshotAt - started,
          firstPageMs: firstPage - snapshotAt,
          firstPageOursMs: refreshAfterSnapshot ? refreshAfterSnapshot - snapshotAt : NaN,
          firstPartAfterMs: firstPartAt - started,
          firstPartPageMs: firstPartPage ? firstPartPage - firstPartAt : NaN,
          ack: {} as Record<string, number | boolean>,
        };
        // Ack 1,000 selected alerts: request → bridge → 1,000 events → store → tree refreshed (each trial its own 1,000).
        const ids = conn.store.sorted().filter((a) => a.status === 'triggered').slice(0, 1000).map((a) => a.id);
        let treeAfter = 0;
        let allAcked = 0;
        const t0 = wallMs();
        const ackTree: TreeListener = (el, ms) => {
          if (allAcked && !treeAfter && el?.kind === 'group') treeAfter = ms;
        };
        treeListeners.add(ackTree);
        const ackSub = conn.store.onDidChange(() => {
          if (!allAcked && ids.every((id) => conn.store.get(id)?.status === 'acknowledged')) mark('store has all acks', (acksIn = allAcked = wallMs()));
        });
        mark('ack requested', t0);
        const ok = await api.alerts.runAction('ack', ids);
        const resultAt = wallMs();
        // Not fatal: report what was observed (NaN = not within 20 s).
        await waitFor('1,000 acks in the tree', () => treeAfter > 0, 20_000).catch(() => undefined);
        ackSub.dispose();
        treeListeners.delete(ackTree);
        const acked = ids.filter((id) => conn.store.get(id)?.status === 'acknowledged').length;
        r.ack = { ok, selected: ids.length, acked, resultMs: resultAt - t0, storeMs: allAcked ? allAcked - t0 : NaN, treeMs: treeAfter ? treeAfter - t0 : NaN, oursMs: refreshAfterAcks && allAcked ? refreshAfterAcks - allAcked : NaN };
        results.push(r);
        await sleep(500);
      }
      const med = (xs: number[]): number => percentile([...xs].sort((x, y) => x - y), 50);
      const afterStore = (r: (typeof results)[number]): number => Number(r.ack['treeMs']) - Number(r.ack['storeMs']);
      const byAck = [...results].sort((x, y) => afterStore(x) - afterStore(y));
      out['storm'] = {
        ...results[0],
        firstPageMs: med(results.map((r) => r.firstPageMs)),
        firstPartPageMs: med(results.map((r) => r.firstPartPageMs)),
        ack: byAck[Math.floor((byAck.length - 1) / 2)]!.ack,
        firstPageOursMs: med(results.map((r) => Number(r['firstPageOursMs']))),
        ackOursMs: med(results.map((r) => Number(r.ack['oursMs']))),
        trials: results.map((r) => ({ firstPageMs: r.firstPageMs, firstPartPageMs: r.firstPartPageMs, ackAfterStoreMs: afterStore(r), heapDeltaMB: r.heapDeltaMB })),
        timeline,
      };
    } finally {
      modelSub.dispose();
      treeListeners.delete(onTree);
      api.alerts.provider.refresh = origRefresh;
      if (profiler) {
        const profile = await new Promise<unknown>((r) => profiler.post('Profiler.stop', (_e, res) => r(res?.profile)));
        if (process.env.BENCH_TMP_DIR) fs.writeFileSync(`${process.env.BENCH_TMP_DIR}/bench-storm.cpuprofile`, JSON.stringify(profile));
        profiler.disconnect();
      }
      // Marks as [wall ms, what, CLOCK_MONOTONIC µs]: the third is the profiles' own clock.
      if (wallMarks.length && process.env.BENCH_TMP_DIR) fs.writeFileSync(`${process.env.BENCH_TMP_DIR}/bench-storm.marks.json`, JSON.stringify(wallMarks));
      if (process.env.BENCH_RENDERER_PROFILE) {
        const file = await rendererProfile('stop', 'bench-storm-renderer');
        if (file && process.env.BENCH_TMP_DIR) fs.copyFileSync(file, `${process.env.BENCH_TMP_DIR}/bench-storm-renderer.cpuprofile`);
      }
    }
  }
}
