import * as assert from 'node:assert';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CloseCodes } from '../../../src/core/protocol/closeCodes';
import { describeSocketError, errorText } from '../../../src/core/util/errors';
import { looksLikeStackTrace } from '../../../src/core/util/stackTraceText';
import { redactUrl } from '../../../src/core/util/url';
import { loadTraceFixtures } from '../stackTrace/fixtureUtil';

function errnoError(code: string, message = `${code} 127.0.0.1:1`): Error {
  return Object.assign(new Error(message), { code });
}

describe('core/util helpers shared by bridge, transports and host', () => {
  describe('errorText', () => {
    it('gives the message of an Error and the text of anything else thrown', () => {
      assert.strictEqual(errorText(new TypeError('bad input')), 'bad input');
      assert.strictEqual(errorText('plain string'), 'plain string');
      assert.strictEqual(errorText(42), '42');
      assert.strictEqual(errorText(undefined), 'undefined');
    });
  });

  describe('redactUrl (docs/security.md, "Secrets stay secret")', () => {
    it('drops user name, password, the whole query and the fragment; keeps scheme, host, port and path', () => {
      assert.strictEqual(redactUrl('https://bob:hunter2@alerts.example.com:8443/bridge?token=abc123&x=1#frag'), 'https://alerts.example.com:8443/bridge');
      assert.strictEqual(redactUrl('wss://ntfy.example.com/deploys/ws?auth=QmVhcmVy&since=all'), 'wss://ntfy.example.com/deploys/ws');
      // a parameter name that does not look secret is still a query: gone
      assert.strictEqual(redactUrl('https://gotify.example.com/stream?sig=s3cr3t'), 'https://gotify.example.com/stream');
    });

    it('prints a bare origin without the trailing slash (Alertmanager messages: "Alertmanager at http://127.0.0.1:9093")', () => {
      assert.strictEqual(redactUrl('http://127.0.0.1:9093/'), 'http://127.0.0.1:9093');
      assert.strictEqual(redactUrl('http://127.0.0.1:9093'), 'http://127.0.0.1:9093');
      assert.strictEqual(redactUrl('https://host/alertmanager/'), 'https://host/alertmanager');
      assert.strictEqual(redactUrl('ws://[::1]:7070/'), 'ws://[::1]:7070');
    });

    it('never echoes a string that is not a URL (it could be a pasted token)', () => {
      for (const s of ['', 'glpat-abcdefghijklmnopqrstuvwxyz', 'not a url at all', '://x']) assert.strictEqual(redactUrl(s), '(invalid URL)');
    });

    it('no secret survives, whatever the URL', () => {
      const secret = 'Zq9SECRETvalue';
      for (const u of [`https://${secret}@h/`, `https://u:${secret}@h/p`, `https://h/p?token=${secret}`, `https://h/p?a=1&${secret}=1`, `https://h/p#${secret}`, `wss://h:1/?x=${secret}`]) {
        assert.ok(!redactUrl(u).includes(secret), `${u} → ${redactUrl(u)}`);
      }
    });
  });

  describe('describeSocketError', () => {
    it('turns the HTTP answer to the upgrade into words, pointing at the token for 401/403', () => {
      assert.strictEqual(describeSocketError(new Error('Unexpected server response: 401')), 'HTTP 401 from the alert source (check the token)');
      assert.strictEqual(describeSocketError(new Error('Unexpected server response: 403'), 'Gotify'), 'HTTP 403 from Gotify (check the token)');
      assert.strictEqual(describeSocketError(new Error('Unexpected server response: 502'), 'ntfy'), 'HTTP 502 from ntfy');
    });

    it('names refused connections, unknown hosts, timeouts and resets', () => {
      assert.strictEqual(describeSocketError(errnoError('ECONNREFUSED')), 'connection refused (is the alert source running?)');
      assert.strictEqual(describeSocketError(errnoError('ECONNREFUSED'), 'ntfy'), 'connection refused (is ntfy running?)');
      assert.strictEqual(describeSocketError(errnoError('ENOTFOUND')), 'host not found (ENOTFOUND)');
      assert.strictEqual(describeSocketError(errnoError('EAI_AGAIN')), 'host not found (EAI_AGAIN)');
      assert.strictEqual(describeSocketError(errnoError('ETIMEDOUT')), 'connection timed out');
      assert.strictEqual(describeSocketError(errnoError('ECONNRESET')), 'connection reset');
    });

    it('says when the TLS certificate is not trusted, with the code', () => {
      for (const code of ['CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID']) {
        assert.strictEqual(describeSocketError(errnoError(code)), `the alert source's TLS certificate is not trusted (${code})`);
      }
      assert.strictEqual(describeSocketError(errnoError('CERT_HAS_EXPIRED'), 'Gotify'), "Gotify's TLS certificate is not trusted (CERT_HAS_EXPIRED)");
    });

    it('falls back to the message, then the code', () => {
      assert.strictEqual(describeSocketError(new Error('Invalid WebSocket frame: RSV1 must be clear')), 'Invalid WebSocket frame: RSV1 must be clear');
      assert.strictEqual(describeSocketError(errnoError('EPIPE', '')), 'EPIPE');
      assert.strictEqual(describeSocketError(new Error('')), 'socket error');
    });
  });

  describe('looksLikeStackTrace', () => {
    it('recognises the recorded traces of Node, Java, .NET, Python, Go and Ruby', () => {
      const runtimes = new Set(['node', 'java', 'dotnet', 'python', 'go', 'ruby']);
      // Traces inside log lines (k8s/journald/syslog prefixes, JSON-escaped) are not free text: the parser unwraps
      // them when a field says it holds a trace; this heuristic only looks at bare traces.
      const inLogLines = /-(?:k8s|cloudwatch|compose|gcloud|heroku|journald|kubectl|syslog\d+)$|^jsonlog$/;
      const fixtures = loadTraceFixtures().filter((f) => runtimes.has(f.runtime) && !inLogLines.test(f.name) && (f.expected.frames.length > 0 || (f.expected.frameCount ?? 0) > 0));
      assert.ok(fixtures.length >= 20, `only ${fixtures.length} fixtures`);
      const missed = fixtures.filter((f) => !looksLikeStackTrace(f.text)).map((f) => `${f.runtime}/${f.name}`);
      assert.deepStrictEqual(missed, []);
    });

    it('recognises each runtime by its marker', () => {
      assert.ok(looksLikeStackTrace('Error: boom\n    at f (/app/a.js:1:2)'));
      assert.ok(looksLikeStackTrace('System.Exception: boom\r\n   at App.Main() in C:\\app\\Program.cs:line 12'));
      assert.ok(looksLikeStackTrace('Traceback (most recent call last):\n  File "a.py", line 1, in <module>'));
      assert.ok(looksLikeStackTrace('panic: boom\n\ngoroutine 1 [running]:\nmain.main()'));
      assert.ok(looksLikeStackTrace("a.rb:3:in 'f': boom (RuntimeError)\n\tfrom a.rb:7:in '<main>'"));
      // a line starting with file:line (the bridge's copy had this rule, the direct connections' had not)
      assert.ok(looksLikeStackTrace('worker.go:88: handler panicked'));
    });

    it('says no to ordinary alert text', () => {
      for (const s of ['', 'Disk usage above 90% on db-1', 'look at this\nand that', 'meet at 10', '{"level":"error","msg":"timeout"}']) {
        assert.strictEqual(looksLikeStackTrace(s), false, JSON.stringify(s));
      }
    });

    it('answers for hostile text that made the old pattern take quadratic time (256 KiB of newlines, a worker stopped after 20 s)', async () => {
      // `\n\s+at` over a run of newlines backtracked over the whole run from every newline: 40,000 newlines took 3 s,
      // 256 KiB minutes. A worker, so a regression fails this test instead of freezing the whole run.
      const mod = path.join(__dirname, '../../../src/core/util/stackTraceText.js');
      const code = `const { parentPort } = require('node:worker_threads');
        const { looksLikeStackTrace } = require(${JSON.stringify(mod)});
        const inputs = ['\\n'.repeat(256 * 1024), '\\n'.repeat(128 * 1024) + ' from ', '\\n\\t'.repeat(128 * 1024), 'x'.repeat(4 * 1024 * 1024)];
        parentPort.postMessage(inputs.map((s) => looksLikeStackTrace(s)));`;
      const worker = new Worker(code, { eval: true });
      try {
        const result = await new Promise<unknown>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('looksLikeStackTrace did not answer within 20 s')), 20_000);
          worker.once('message', (m) => (clearTimeout(timer), resolve(m)));
          worker.once('error', (e) => (clearTimeout(timer), reject(e)));
        });
        assert.deepStrictEqual(result, [false, false, false, false]);
      } finally {
        await worker.terminate();
      }
    }).timeout(30_000);
  });

  describe('protocol close codes (one table for the bridge and the client)', () => {
    it('are the codes docs/protocol.md documents', () => {
      assert.deepStrictEqual(CloseCodes, { normal: 1000, goingAway: 1001, unauthorized: 4001, slowClient: 4008, rateLimited: 4029 });
    });
  });
});
