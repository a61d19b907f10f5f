/**
 * Issue 16, "In the editor": every responder action against the demo bridge (which implements all of them) in the
 * real VS Code host. Quick picks and input boxes are answered through `api.responder.setPrompter` (the deploy
 * guard's `setResponder` pattern); the server's own snapshot is the truth each test checks.
 */
import * as assert from 'node:assert';
import * as vscode from 'vscode';
import type { Alert } from '../../src/core/protocol/types';
import { MemoryLogger } from '../../src/core/util/logger';
import { systemClock } from '../../src/core/util/clock';
import { BridgeServer } from '../../src/bridge/server';
import { DemoSource } from '../../src/bridge/sources/demo/demoSource';
import { builtinDemoCommits } from '../../src/bridge/sources/demo/workspace';
import { formatUntil } from '../../src/core/viewModel/responder';
import type { OnCallApi } from '../../src/extension';
import type { AlertsElement } from '../../src/host/alerts/alertsTreeProvider';
import type { ResponderPrompt } from '../../src/host/alerts/responderActions';
import { revealInTree } from '../../src/host/treeReveal';
import { activateExtension, requireBridge, screenshot, sleep, waitFor } from './helpers';
import { serverAlert, serverSnapshot } from './protocolProbe';

const bridgeUrl = process.env.ONCALL_TEST_BRIDGE_URL ?? '';
type AlertEl = Extract<AlertsElement, { kind: 'alert' }>;

function alertElements(api: OnCallApi): AlertEl[] {
  const p = api.alerts.provider;
  const groups = p.getChildren() as AlertsElement[];
  return groups.flatMap((g) => p.getChildren(g) as AlertsElement[]).filter((e): e is AlertEl => e.kind === 'alert');
}
const elementOf = (api: OnCallApi, id: string): AlertEl | undefined => alertElements(api).find((e) => e.id === id);

describe('responder actions against the demo bridge (real VS Code host)', function () {
  this.timeout(60_000);
  let api: OnCallApi;
  const prompts: ResponderPrompt[] = [];
  /** Answers, in order, for the prompts an action asks (an item id or the text to type). */
  let answers: string[] = [];
  /** The alert the first snooze test snoozed (the note and the screenshot use it). */
  let snoozedId = '';

  before(async function () {
    requireBridge();
    api = await activateExtension();
    await waitFor('the connection to the demo bridge', () => api.connections.connection?.state.state === 'connected', 20000);
    await waitFor('the demo schedule', () => api.onCall.schedule.rotations.length > 0, 20000);
    api.responder.setPrompter((p) => {
      prompts.push(p);
      const a = answers.shift();
      if (a !== undefined && p.kind === 'pick') assert.ok(p.items.some((i) => i.id === a), `"${a}" is offered in "${p.title}": ${p.items.map((i) => i.id).join(', ')}`);
      return Promise.resolve(a);
    });
    await vscode.commands.executeCommand('oncall.alerts.focus');
  });
  after(() => api?.responder.setPrompter(undefined));
  beforeEach(() => {
    prompts.length = 0;
    answers = [];
  });

  /** An open demo alert with an escalation policy (paged), in the tree; not snoozed unless `snoozedOk` and none else. */
  async function pagedAlert(exclude: string[] = [], snoozedOk = true): Promise<Alert> {
    const snap = await serverSnapshot(bridgeUrl);
    const open = snap.alerts.filter((x) => x.status !== 'resolved' && x.escalation && !exclude.includes(x.id));
    const a = open.find((x) => !x.snoozedUntil) ?? (snoozedOk ? open[0] : undefined);
    assert.ok(a, `an open, paged demo alert (of ${snap.alerts.map((x) => `${x.id} ${x.status}${x.snoozedUntil ? ' snoozed' : ''}`).join(', ')})`);
    await waitFor(`${a.id} in the tree`, () => elementOf(api, a.id));
    return a;
  }

  it('the menus offer the actions the demo source supports (context keys from hello.capabilities)', () => {
    for (const k of ['snooze', 'reassign', 'escalate', 'note', 'override']) assert.strictEqual(api.context.keys.get(`oncall.can.${k}`), true, k);
  });

  it('Snooze… → 1 hour: the server snoozes it; the row reads "snoozed until HH:mm" in my zone and sorts below acked alerts', async () => {
    const a = await pagedAlert([], false);
    snoozedId = a.id;
    answers = ['1h'];
    const t0 = Date.now();
    const ok = await vscode.commands.executeCommand<boolean>('oncall.snooze', elementOf(api, a.id));
    assert.strictEqual(ok, true, 'the source confirmed');
    assert.deepStrictEqual(prompts.map((p) => p.kind === 'pick' && p.items.map((i) => i.id)), [['15m', '1h', '4h', 'tomorrow', 'custom']]);
    const onServer = await waitFor('the server to snooze it', async () => {
      const x = await serverAlert(bridgeUrl, a.id);
      return x?.snoozedUntil ? x : undefined;
    });
    const until = Date.parse(onServer.snoozedUntil!);
    assert.ok(until >= t0 + 3_600_000 - 5000 && until <= Date.now() + 3_600_000 + 5000, `until about an hour from now: ${onServer.snoozedUntil}`);
    const text = `snoozed until ${formatUntil(until, Date.now(), api.context.timeZone)}`;
    const item = await waitFor('the row to say it is snoozed', () => {
      const el = elementOf(api, a.id);
      const it = el && api.alerts.provider.getTreeItem(el);
      return it && String(it.description).includes(text) ? it : undefined;
    });
    assert.match(String(item.contextValue), /^alert:acknowledged:snoozed/);
    // In its group it comes after every triggered and every (not snoozed) acknowledged alert.
    const group = api.alerts.provider.getParent(elementOf(api, a.id)!)!;
    const rows = (api.alerts.provider.getChildren(group) as AlertsElement[]).filter((e): e is AlertEl => e.kind === 'alert');
    const idx = rows.findIndex((e) => e.id === a.id);
    for (const e of rows.slice(idx + 1)) {
      const x = api.connections.connection!.store.get(e.id)!;
      assert.ok(x.status === 'resolved' || x.snoozedUntil !== undefined, `${e.id} (${x.status}) sorts after the snoozed alert`);
    }
  });

  it('Snooze… → custom duration: a bad duration is refused by the input box, a good one is sent', async () => {
    const a = await pagedAlert([snoozedId], false);
    answers = ['custom', '45m'];
    const ok = await vscode.commands.executeCommand<boolean>('oncall.snooze', a.id);
    assert.strictEqual(ok, true);
    const input = prompts.find((p) => p.kind === 'input');
    assert.ok(input && input.kind === 'input');
    assert.match(String(input.validate('soon')), /not a duration/);
    assert.match(String(input.validate('9d')), /At most/);
    assert.strictEqual(input.validate('45m'), undefined);
    const x = await waitFor('snoozed on the server', async () => (await serverAlert(bridgeUrl, a.id))?.snoozedUntil);
    const mins = (Date.parse(x) - Date.now()) / 60_000;
    assert.ok(mins > 40 && mins <= 45.5, `about 45 min: ${mins}`);
  });

  it('Add Note… (on the snoozed alert): the note is on the server, in the tooltip (escaped) and in the Timeline row', async () => {
    assert.ok(snoozedId, 'the snooze test ran');
    const a = { id: snoozedId };
    const note = 'checking the DB failover **now** <b>x</b>';
    answers = [note];
    const ok = await vscode.commands.executeCommand<boolean>('oncall.addNote', elementOf(api, a.id));
    assert.strictEqual(ok, true);
    const input = prompts[0];
    assert.ok(input?.kind === 'input');
    assert.ok(input.validate('x'.repeat(2001)), 'a note over 2,000 characters is refused');
    assert.ok(input.validate('   '), 'an empty note is refused');
    await waitFor('the note on the server', async () => (await serverAlert(bridgeUrl, a.id))?.notes?.some((n) => n.text === note));
    const el = await waitFor('the note in the store', () => (api.connections.connection!.store.get(a.id)?.notes?.some((n) => n.text === note) ? elementOf(api, a.id) : undefined));
    const item = api.alerts.provider.resolveTreeItem(api.alerts.provider.getTreeItem(el), el);
    const md = item.tooltip as vscode.MarkdownString;
    assert.ok(md instanceof vscode.MarkdownString && md.isTrusted === false && !md.supportHtml, 'untrusted markdown');
    assert.match(md.value, /Notes:/);
    // appendText escapes markdown and turns spaces into &nbsp;.
    assert.ok(md.value.replace(/&nbsp;/g, ' ').includes('checking the DB failover \\*\\*now\\*\\*'), `the note is escaped text: ${md.value}`);
    assert.ok(!md.value.includes('<b>'), 'no HTML from the note');
    const children = await api.alerts.provider.getChildren(el);
    const timeline = children.find((c) => c.kind === 'child' && c.child.id === 'timeline');
    assert.ok(timeline && timeline.kind === 'child', `a Timeline row: ${children.map((c) => (c.kind === 'child' ? c.child.id : c.kind)).join(', ')}`);
    const entries = timeline.child.children ?? [];
    assert.ok(entries.some((e) => /snoozed until \d\d:\d\d/.test(e.label)), 'the snooze entry, its time in my zone');
    assert.ok(!entries.some((e) => /\d{4}-\d\d-\d\dT\d\d/.test(e.label)), 'no raw ISO timestamps in the rows');
    const author = api.connections.connection!.store.get(a.id)!.notes!.find((n) => n.text === note)!.author?.name;
    assert.ok(author, 'the source names who wrote the note');
    assert.ok(entries.some((e) => e.label.includes('checking the DB failover') && e.description === author), `the note in the timeline: ${entries.map((e) => `${e.label} / ${e.description}`).join('; ')}`);
  });

  it('the Alerts view with a snoozed alert and an expanded Timeline row (screenshot)', async () => {
    const withTimeline = api.connections.connection!.store.get(snoozedId);
    assert.ok(withTimeline?.snoozedUntil && withTimeline.timeline?.length, 'the snoozed alert has a timeline');
    // Room for the Alerts view: collapse the other views of the container.
    await vscode.commands.executeCommand('oncall.status.focus');
    await vscode.commands.executeCommand('list.collapseAll');
    await vscode.commands.executeCommand('oncall.alerts.focus');
    assert.ok(await revealInTree(api.alerts.view, () => elementOf(api, withTimeline.id), { expand: true, select: true, focus: false }), 'the snoozed alert revealed');
    const timelineOf = async (): Promise<AlertsElement | undefined> => {
      const el = elementOf(api, withTimeline.id);
      return el ? (await api.alerts.provider.getChildren(el)).find((c) => c.kind === 'child' && c.child.id === 'timeline') : undefined;
    };
    const timeline = await timelineOf();
    assert.ok(timeline?.kind === 'child', 'a Timeline row');
    await revealInTree(api.alerts.view, timelineOf, { expand: true, select: false, focus: false });
    const entries = await api.alerts.provider.getChildren(timeline);
    assert.ok(entries.length >= 2, 'snoozed + note entries');
    // The Timeline's entries in sight, and a wider sidebar so "snoozed until" is not cut off.
    await revealInTree(api.alerts.view, async () => { const t = await timelineOf(); return t ? (await api.alerts.provider.getChildren(t)).at(-1) : undefined; }, { select: false, focus: false });
    for (let i = 0; i < 4; i++) await vscode.commands.executeCommand('workbench.action.increaseViewSize');
    try {
      await sleep(800);
      await screenshot('responder-snoozed-timeline');
    } finally {
      for (let i = 0; i < 4; i++) await vscode.commands.executeCommand('workbench.action.decreaseViewSize');
    }
  });

  it('Reassign… to a person from oncall.people (each with their local time): the server assigns them', async () => {
    const a = await pagedAlert();
    answers = ['user:u-priya'];
    const ok = await vscode.commands.executeCommand<boolean>('oncall.reassign', elementOf(api, a.id));
    assert.strictEqual(ok, true);
    const pick = prompts[0];
    assert.ok(pick?.kind === 'pick');
    const priya = pick.items.find((i) => i.id === 'user:u-priya');
    assert.match(String(priya?.description), /\d\d:\d\d there/, 'local time shown');
    assert.ok(pick.items.some((i) => i.id.startsWith('level:')), 'levels of the alert\'s policy are offered');
    await waitFor('assigned to Priya on the server', async () => (await serverAlert(bridgeUrl, a.id))?.assignees.some((p) => p.id === 'u-priya'));
  });

  it('Reassign… to a level and Escalate change the escalation level on the server', async () => {
    const a = await pagedAlert();
    answers = ['level:2'];
    assert.strictEqual(await vscode.commands.executeCommand<boolean>('oncall.reassign', a.id), true);
    await waitFor('level 2 on the server', async () => (await serverAlert(bridgeUrl, a.id))?.escalation?.level === 2);
    // Another open paged alert; at its policy's last level (the demo escalates unacked alerts by itself as time
    // passes), first reassign it to level 1 so that Escalate has a level to go to.
    const policies = api.connections.connection!.oncall!.policies;
    const lastLevel = (x: Alert): number => {
      const p = policies.find((q) => q.name === x.escalation?.policy) ?? policies.find((q) => q.services.includes(x.service));
      return p ? Math.max(...p.tiers.map((t) => t.level)) : 0;
    };
    let b = await pagedAlert([a.id]);
    if (b.escalation!.level >= lastLevel(b)) {
      answers = ['level:1'];
      assert.strictEqual(await vscode.commands.executeCommand<boolean>('oncall.reassign', b.id), true);
      const id = b.id;
      b = await waitFor(`${id} back at level 1`, async () => {
        const x = await serverAlert(bridgeUrl, id);
        return x?.escalation?.level === 1 ? x : undefined;
      });
    }
    const before = b.escalation!.level;
    assert.strictEqual(await vscode.commands.executeCommand<boolean>('oncall.escalate', b.id), true);
    await waitFor('one level up on the server', async () => (await serverAlert(bridgeUrl, b.id))?.escalation?.level === before + 1);
    await waitFor('the store to follow', () => api.connections.connection!.store.get(b.id)?.escalation?.level === before + 1);
  });

  it('Reassign… to another escalation policy: offered with who it pages; the server moves the alert to it', async () => {
    const a = await pagedAlert();
    const policies = api.connections.connection!.oncall!.policies;
    const current = policies.find((p) => p.name === a.escalation!.policy) ?? policies.find((p) => p.services.includes(a.service));
    const other = policies.find((p) => p.id !== current?.id);
    assert.ok(other, `another demo policy than ${current?.id}`);
    answers = [`policy:${other.id}`];
    assert.strictEqual(await vscode.commands.executeCommand<boolean>('oncall.reassign', a.id), true);
    const pick = prompts[0];
    assert.ok(pick?.kind === 'pick');
    assert.ok(!pick.items.some((i) => i.id === `policy:${current?.id}`), 'the alert\'s own policy is not offered as a move');
    assert.match(String(pick.items.find((i) => i.id === `policy:${other.id}`)?.description), /levels?$/);
    await waitFor(`${a.id} on ${other.name} on the server`, async () => (await serverAlert(bridgeUrl, a.id))?.escalation?.policy === other.name);
    await waitFor('the store to follow', () => api.connections.connection!.store.get(a.id)?.escalation?.policy === other.name);
  });

  it('a refusal shows the source\'s reason and changes nothing: escalating past the last level', async () => {
    const a = await pagedAlert();
    const policies = api.connections.connection!.oncall!.policies;
    const policy = policies.find((p) => p.name === a.escalation!.policy) ?? policies.find((p) => p.services.includes(a.service));
    assert.ok(policy, `the policy of ${a.id}`);
    const levels = Math.max(...policy.tiers.map((t) => t.level));
    answers = [`level:${levels}`];
    assert.strictEqual(await vscode.commands.executeCommand<boolean>('oncall.reassign', a.id), true);
    await waitFor('at the last level', async () => (await serverAlert(bridgeUrl, a.id))?.escalation?.level === levels);
    const errors: string[] = [];
    const warn = api.logger.warn.bind(api.logger);
    api.logger.warn = (m: string, ...rest: unknown[]) => {
      errors.push(m);
      warn(m, ...rest);
    };
    try {
      assert.strictEqual(await vscode.commands.executeCommand<boolean>('oncall.escalate', a.id), false, 'refused');
    } finally {
      api.logger.warn = warn;
    }
    assert.ok(errors.some((m) => /escalate .* failed: .*already at the last level/.test(m)), errors.join('\n'));
    assert.strictEqual((await serverAlert(bridgeUrl, a.id))?.escalation?.level, levels, 'unchanged');
  });

  it('Ask for Help reassigns to the ops partner of my paired rotation', async () => {
    const me = api.context.identity.value;
    assert.ok(me, 'the demo workspace says who I am (git user.email)');
    const a = await pagedAlert();
    const ops = api.onCall.schedule.onCallNow(Date.now()).find((g) => g.pair === 'payments')?.rotations.find((r) => !r.people.some((p) => p.email === me));
    const partner = ops?.people[0];
    assert.ok(partner?.id, `someone on the paired ops rotation (I am ${me})`);
    assert.strictEqual(await vscode.commands.executeCommand<boolean>('oncall.askForHelp', elementOf(api, a.id)), true);
    await waitFor(`assigned to ${partner.name}`, async () => (await serverAlert(bridgeUrl, a.id))?.assignees.some((p) => p.id === partner.id));
  });

  it('Take On-Call… on the ops rotation for the next 4 hours: the server puts me on call, the On Call view shows it', async () => {
    const me = api.context.identity.value;
    const rotationId = 'payments-ops';
    assert.ok(!api.onCall.schedule.whoIsOnCall(rotationId, Date.now()).some((p) => p.email === me), 'not on call there yet');
    answers = ['next4h'];
    assert.strictEqual(await vscode.commands.executeCommand<boolean>('oncall.takeOnCall', rotationId), true);
    const pick = prompts[0];
    assert.ok(pick?.kind === 'pick' && pick.items.some((i) => i.id === 'restOfShift'), 'the rest of this shift is offered');
    await waitFor('the schedule to put me on the ops rotation', () => api.onCall.schedule.whoIsOnCall(rotationId, Date.now() + 60_000).some((p) => p.email === me));
    const snap = await serverSnapshot(bridgeUrl);
    assert.ok(snap.oncall?.rotations.find((r) => r.id === rotationId)?.shifts.some((s) => s.person.email === me && Date.parse(s.start) <= Date.now() + 60_000 && Date.parse(s.end) > Date.now()), 'the server schedule has my override');
    await sleep(300);
    await screenshot('responder-take-oncall');
  });

  it('Cover Me… on my rotation: the person I pick is on call for the rest of my shift', async () => {
    const rotationId = 'payments-dev';
    const now = Date.now();
    const shiftEnd = api.onCall.schedule.shiftsAt(rotationId, now).reduce((m, s) => Math.max(m, s.end), 0);
    assert.ok(shiftEnd > now, 'a shift on the dev rotation now');
    answers = ['restOfShift', 'u-carol'];
    assert.strictEqual(await vscode.commands.executeCommand<boolean>('oncall.coverMe', rotationId), true);
    await waitFor('Carol on call on the dev rotation', () => api.onCall.schedule.whoIsOnCall(rotationId, Date.now() + 60_000).some((p) => p.id === 'u-carol'));
  });

  it('an action the source does not offer says why, sends nothing, and its menu item is hidden', async function () {
    this.timeout(90_000);
    // A second bridge in this process whose source has no snooze (like Splunk On-Call): hello says why.
    const source = new DemoSource({ commits: builtinDemoCommits(), seed: 7, intervalMs: 3_600_000 });
    const caps = ['ack', 'unack', 'resolve', 'oncall', 'reassign', 'escalate', 'note', 'override'];
    Object.assign(source, {
      capabilities: caps,
      unsupportedActions: { snooze: 'Splunk On-Call has no snooze: acknowledge it, or reroute it to someone else' },
      unsupportedReassignTargets: { policyId: 'Grafana OnCall cannot move an alert group to another escalation chain' },
    });
    const server = new BridgeServer({ source, port: 0, demoMode: true, clock: systemClock, logger: new MemoryLogger() });
    await server.start();
    const before = api.connections.url;
    const logged: string[] = [];
    const info = api.logger.info.bind(api.logger);
    api.logger.info = (m: string, ...rest: unknown[]) => {
      logged.push(m);
      info(m, ...rest);
    };
    try {
      await vscode.commands.executeCommand('oncall.connect', { url: server.url, token: '' });
      await waitFor('connected to the snooze-less bridge', () => api.connections.connection?.state.state === 'connected' && api.connections.url === server.url, 20000);
      await waitFor('the snooze menu hidden', () => api.context.keys.get('oncall.can.snooze') === false);
      assert.strictEqual(api.context.keys.get('oncall.can.note'), true);
      // Its hello lists no "deploys": the Deploys view's welcome says deploys come from git tags only.
      assert.strictEqual(api.context.keys.get('oncall.sourceDeploys'), false);
      // The snapshot arrives a moment after "connected".
      const a = await waitFor('an alert from the snooze-less bridge', () => [...api.connections.connection!.store.values()].find((x) => x.status === 'triggered'));
      assert.strictEqual(await vscode.commands.executeCommand<boolean>('oncall.snooze', a.id), false);
      assert.strictEqual(prompts.length, 0, 'no quick pick: it says why before asking anything');
      assert.ok(logged.some((m) => /cannot snooze: Splunk On-Call has no snooze/.test(m)), logged.join('\n'));
      assert.strictEqual(server.world.getAlert(a.id)?.snoozedUntil, undefined, 'nothing was sent');
      // Reassign… offers people and levels, but no other policy where the source cannot move alerts between them.
      answers = [];
      assert.strictEqual(await vscode.commands.executeCommand<boolean>('oncall.reassign', a.id), false, 'dismissed');
      const pick = prompts[0];
      assert.ok(pick?.kind === 'pick', 'the reassign picker opened');
      assert.ok(pick.items.length > 0 && !pick.items.some((i) => i.id.startsWith('policy:')), pick.items.map((i) => i.id).join(', '));
      assert.ok(logged.some((m) => /other escalation policies are not offered: Grafana OnCall cannot move/.test(m)), logged.join('\n'));
    } finally {
      api.logger.info = info;
      await vscode.workspace.getConfiguration('oncall').update('serverUrl', before, vscode.ConfigurationTarget.Workspace);
      await waitFor('back on the demo bridge', () => api.connections.connection?.state.state === 'connected' && api.connections.url === before, 30000);
      await server.close();
    }
  });
});
