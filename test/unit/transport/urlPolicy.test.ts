import * as assert from 'node:assert/strict';
import { checkServerUrl, isLoopbackHost } from '../../../src/core/transport/urlPolicy';

describe('server URL policy', () => {
  const allowed = ['wss://oncall.example.com/', 'wss://10.0.0.5:8443/feed', 'ws://127.0.0.1:8787/', 'ws://127.1.2.3/', 'ws://localhost:8787/', 'ws://LOCALHOST/', 'ws://[::1]:8787/', '  ws://127.0.0.1:8787/  '];
  for (const url of allowed) {
    it(`accepts ${url.trim()}`, () => assert.equal(checkServerUrl(url).ok, true));
  }

  it('refuses ws:// to another host, telling the user to use wss:// or the setting', () => {
    const r = checkServerUrl('ws://oncall.example.com/');
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.match(r.error, /unencrypted/);
    assert.match(r.error, /wss:\/\//);
    assert.match(r.error, /oncall\.allowInsecureConnections/);
  });

  it('allows ws:// to another host when the user opted in', () => {
    assert.equal(checkServerUrl('ws://10.0.0.5:8787/', true).ok, true);
  });

  const refused: Array<[string, RegExp]> = [
    ['', /No alert source URL/],
    ['not a url', /not a valid URL/],
    ['http://oncall.example.com/', /must start with wss:\/\//],
    ['https://oncall.example.com/', /must start with wss:\/\//],
    ['file:///etc/passwd', /must start with wss:\/\//],
    ['wss://user:secret@oncall.example.com/', /user name\/password/],
    ['wss://oncall.example.com/?token=abc', /Remove "token"/],
    ['wss://oncall.example.com/?access_token=abc', /Remove "access_token"/],
    ['ws://127.0.0.1.example.com/', /unencrypted/],
    ['ws://localhost.example.com/', /unencrypted/],
    ['ws://128.0.0.1/', /unencrypted/],
    ['ws://[::2]/', /unencrypted/],
  ];
  for (const [url, error] of refused) {
    it(`refuses ${JSON.stringify(url)}`, () => {
      const r = checkServerUrl(url);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error, error);
    });
  }

  it('recognises loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.255.255.254', 'localhost', '[::1]', '::1', '[::ffff:7f00:1]']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['126.0.0.1', '127.0.0.256', 'example.com', '[::ffff:a00:1]', '0.0.0.0']) assert.ok(!isLoopbackHost(h), h);
  });
});
