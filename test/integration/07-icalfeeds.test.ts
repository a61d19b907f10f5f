import * as assert from 'node:assert';
import * as http from 'node:http';
import * as vscode from 'vscode';
import type { OnCallApi } from '../../src/extension';
import { activateExtension, waitFor } from './helpers';

function ics(now: number): string {
  const stamp = (t: number): string => new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const start = now - 3_600_000;
  return [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//oncall tests//EN',
    'BEGIN:VEVENT', 'UID:feed-shift-1@oncall.test', `DTSTAMP:${stamp(now)}`,
    `DTSTART:${stamp(start)}`, `DTEND:${stamp(start + 6 * 3_600_000)}`, 'RRULE:FREQ=DAILY;COUNT=10',
    'SUMMARY:On Call - Feed Person - Team calendar', 'ATTENDEE;CN=Feed Person:mailto:feed.person@example.com',
    'END:VEVENT', 'END:VCALENDAR', '',
  ].join('\r\n');
}

describe('iCal schedule feeds (real VS Code host)', function () {
  let api: OnCallApi;
  let server: http.Server;
  let requests = 0;

  before(async () => {
    api = await activateExtension();
    server = http.createServer((_req, res) => {
      requests++;
      res.setHeader('content-type', 'text/calendar');
      res.end(ics(Date.now()));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  });

  after(async () => {
    await vscode.workspace.getConfiguration('oncall').update('schedule.icalFeeds', undefined, vscode.ConfigurationTarget.Workspace);
    server.close();
  });

  it('loads a feed with a recurrence rule and merges its rotation into the schedule', async () => {
    const port = (server.address() as { port: number }).port;
    await vscode.workspace.getConfiguration('oncall').update('schedule.icalFeeds', [{ name: 'Team calendar', url: `http://127.0.0.1:${port}/team.ics`, role: 'primary' }], vscode.ConfigurationTarget.Workspace);
    const rot = await waitFor('the feed rotation in the schedule', () => api.onCall.schedule.rotations.find((r) => r.name === 'Team calendar'));
    assert.ok(requests >= 1);
    const now = Date.now();
    const people = api.onCall.schedule.whoIsOnCall(rot.id, now);
    assert.deepStrictEqual(people.map((p) => p.email), ['feed.person@example.com']);
    assert.ok(rot.shifts.length >= 5, 'daily recurrences expanded');
    assert.strictEqual(api.feeds.errors.size, 0);
  });

  it('reports a broken feed instead of failing silently, and keeps the others', async () => {
    const port = (server.address() as { port: number }).port;
    await vscode.workspace.getConfiguration('oncall').update('schedule.icalFeeds', [
      { name: 'Team calendar', url: `http://127.0.0.1:${port}/team.ics` },
      { name: 'Plain http elsewhere', url: 'http://calendar.example.com/x.ics' },
      { name: 'No URL yet' },
    ], vscode.ConfigurationTarget.Workspace);
    await waitFor('errors for the two bad feeds', () => api.feeds.errors.size === 2);
    assert.match(api.feeds.errors.get('Plain http elsewhere')!, /https/);
    assert.match(api.feeds.errors.get('No URL yet')!, /Set iCal Feed URL/);
    assert.ok(api.onCall.schedule.rotations.some((r) => r.name === 'Team calendar'));
  });
});
