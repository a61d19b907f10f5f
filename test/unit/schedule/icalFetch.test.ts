/**
 * Fetching an iCal feed: the size cap holds without a content-length (the body is counted and the request
 * aborted), and every redirect hop passes the URL policy again (https only, loopback http for tests, no
 * scheme change, bounded hops). Feed URLs carry secret tokens: no message may contain one.
 */
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { feedUrlProblem, fetchFeedText, type FeedFetchResult } from '../../../src/core/schedule/icalFetch';

const TOKEN = 'sekret-feed-token-4711';
const ICS = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n';

function failed(r: FeedFetchResult): Extract<FeedFetchResult, { ok: false }> {
  if (r.ok) assert.fail(`expected a refusal, got ${r.text.length} characters`);
  assert.ok(!r.message.includes(TOKEN), `the message leaks the URL's token: ${r.message}`);
  return r;
}
function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`${what} did not finish within ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

describe('iCal feed fetch: size cap and redirect policy', function () {
  this.timeout(30_000);
  let server: http.Server;
  let base: string;
  let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_q, s) => s.end();

  before(async () => {
    server = http.createServer((q, s) => handler(q, s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('an endless chunked body without content-length stops at the cap: the request is aborted, the server sees the close', async () => {
    let sent = 0;
    let closed!: () => void;
    const serverSawClose = new Promise<void>((r) => (closed = r));
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/calendar' }); // no content-length: chunked
      const chunk = Buffer.alloc(64 * 1024, 'A');
      let open = true;
      res.on('close', () => {
        open = false;
        closed();
      });
      const pump = (): void => {
        while (open && res.write(chunk)) sent += chunk.length;
        if (open) res.once('drain', pump);
      };
      pump();
    };
    const r = failed(await within(20_000, fetchFeedText(`${base}/feed.ics?token=${TOKEN}`, { maxBytes: 1024 * 1024 }), 'the fetch'));
    assert.equal(r.code, 'tooLarge');
    assert.match(r.message, /larger than 1 MB/);
    await within(10_000, serverSawClose, 'the server seeing the connection close');
    // Socket buffers let the server get ahead of the reader a little; it must not stream on and on.
    assert.ok(sent < 64 * 1024 * 1024, `the server streamed ${sent} bytes`);
  });

  it('a declared content-length over the cap is refused before reading', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
      res.write('BEGIN:VCALENDAR');
    };
    assert.equal(failed(await within(20_000, fetchFeedText(`${base}/x.ics`, { maxBytes: 1024 * 1024 }), 'the fetch')).code, 'tooLarge');
  });

  it('a body under the cap is returned, decoded as UTF-8', async () => {
    handler = (_req, res) => res.end(`${ICS}X-NAME:Zoë\r\n`);
    const r = await fetchFeedText(`${base}/ok.ics`);
    assert.ok(r.ok);
    assert.match(r.text, /Zoë/);
  });

  it('a redirect on loopback http to loopback http is followed (re-checked)', async () => {
    handler = (req, res) => (req.url === '/start' ? res.writeHead(302, { location: '/final' }).end() : res.end(ICS));
    const r = await fetchFeedText(`${base}/start`);
    assert.ok(r.ok, r.ok ? '' : r.message);
  });

  it('a redirect to plain http off this machine is refused without fetching it', async () => {
    handler = (_req, res) => res.writeHead(302, { location: `http://calendar.example.com/feed.ics?token=${TOKEN}` }).end();
    const r = failed(await fetchFeedText(`${base}/start?token=${TOKEN}`));
    assert.equal(r.code, 'redirect');
  });

  for (const target of ['file:///etc/passwd', 'ftp://127.0.0.1/feed.ics', 'data:text/calendar,BEGIN:VCALENDAR', `https://calendar.example.com/feed.ics?token=${TOKEN}`, 'webcal://calendar.example.com/x.ics']) {
    it(`a redirect that changes the scheme is refused: ${target.split(':')[0]}:`, async () => {
      handler = (_req, res) => res.writeHead(307, { location: target }).end();
      const r = failed(await fetchFeedText(`${base}/start`));
      assert.equal(r.code, 'redirect');
      assert.match(r.message, /redirected from http: to/);
    });
  }

  it('https → http is refused even to loopback (no downgrade); https → https is followed', async () => {
    const seen: string[] = [];
    const fake = (hops: Record<string, string>): typeof fetch => (input) => {
      const u = input instanceof Request ? input.url : String(input);
      seen.push(u);
      const next = hops[u];
      return Promise.resolve(next ? new Response(null, { status: 302, headers: { location: next } }) : new Response(ICS, { status: 200 }));
    };
    const down = failed(await fetchFeedText('https://cal.example.com/a', { fetch: fake({ 'https://cal.example.com/a': 'http://127.0.0.1/b' }) }));
    assert.equal(down.code, 'redirect');
    assert.deepEqual(seen, ['https://cal.example.com/a']);
    seen.length = 0;
    const ok = await fetchFeedText('webcal://cal.example.com/a', { fetch: fake({ 'https://cal.example.com/a': 'https://cdn.example.com/b' }) });
    assert.ok(ok.ok);
    assert.deepEqual(seen, ['https://cal.example.com/a', 'https://cdn.example.com/b']);
  });

  it('redirect hops are bounded', async () => {
    let hits = 0;
    handler = (_req, res) => {
      hits++;
      res.writeHead(302, { location: `/loop${hits}` }).end();
    };
    const r = failed(await fetchFeedText(`${base}/loop`, { maxRedirects: 5 }));
    assert.equal(r.code, 'tooManyRedirects');
    assert.equal(hits, 6);
  });

  it('the fetch uses redirect: manual (the runtime never follows a hop on its own)', async () => {
    const modes: RequestInit['redirect'][] = [];
    const fake: typeof fetch = (_u, init) => {
      modes.push(init?.redirect);
      return Promise.resolve(new Response(ICS));
    };
    assert.ok((await fetchFeedText('https://cal.example.com/a', { fetch: fake })).ok);
    assert.deepEqual(modes, ['manual']);
  });

  it('the URL policy: https and webcal anywhere, http only to loopback, nothing else', () => {
    assert.equal(feedUrlProblem('https://cal.example.com/x.ics'), undefined);
    assert.equal(feedUrlProblem('webcal://cal.example.com/x.ics'), undefined);
    assert.equal(feedUrlProblem('http://127.0.0.1:8080/x.ics'), undefined);
    assert.equal(feedUrlProblem('http://[::1]/x.ics'), undefined);
    assert.equal(feedUrlProblem('http://cal.example.com/x.ics'), 'insecure');
    assert.equal(feedUrlProblem('file:///etc/passwd'), 'insecure');
    assert.equal(feedUrlProblem('not a url'), 'badUrl');
  });
});
