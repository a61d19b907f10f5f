import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { BridgeServer } from '../../../src/bridge/server';
import { MemoryLogger } from '../../../src/core/util/logger';
import { StreamSource } from '../chaos/chaosRun';

function request(port: number, p: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: 'POST', headers: { 'content-length': String(Buffer.byteLength(body)), 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('bridge HTTP routes under hostile input', () => {
  it('a route handler that throws synchronously answers 500 and the bridge keeps serving', async () => {
    const logger = new MemoryLogger();
    const server = new BridgeServer({ source: new StreamSource(), port: 0, token: 'http-test-token-0123456789abcdefgh', logger });
    server.addRoute({ method: 'POST', path: '/boom', auth: 'none', handle: () => { throw new TypeError('parser bug'); } });
    await server.start();
    try {
      const port = server.address().port;
      assert.equal(await request(port, '/boom', '{}'), 500);
      assert.equal(await request(port, '/boom', '{}'), 500);
      assert.ok(logger.lines.some((l) => l.level === 'error' && /parser bug/.test(l.message)));
      const health = await new Promise<number>((r) => http.get({ host: '127.0.0.1', port, path: '/healthz' }, (res) => (res.resume(), r(res.statusCode ?? 0))));
      assert.equal(health, 200);
    } finally {
      await server.close();
    }
  });

  it('routes with bridge-token auth refuse a missing or wrong token with 401 before reading the body', async () => {
    const server = new BridgeServer({ source: new StreamSource(), port: 0, token: 'http-test-token-0123456789abcdefgh' });
    let called = 0;
    server.addRoute({ method: 'POST', path: '/private', handle: () => (called++, Promise.resolve({ status: 200 })) });
    await server.start();
    try {
      const port = server.address().port;
      assert.equal(await request(port, '/private', 'x'), 401);
      assert.equal(await request(port, '/private', 'x', { authorization: 'Bearer nope' }), 401);
      assert.equal(await request(port, '/private', 'x', { authorization: 'Bearer http-test-token-0123456789abcdefgh' }), 200);
      assert.equal(called, 1);
    } finally {
      await server.close();
    }
  });
});
