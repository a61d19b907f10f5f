import * as assert from 'node:assert';
import { displayBlock, displayText, isSafeExternalUrl } from '../../../src/core/util/text';

describe('displayText (hostile alert text → safe UI text)', () => {
  it('removes ANSI colour and cursor sequences', () => {
    assert.strictEqual(displayText('\u001b[31mDB down\u001b[0m \u001b[2J\u001b]0;pwned\u0007now'), 'DB down now');
  });

  it('removes bidi overrides and isolates that could disguise text', () => {
    const trojan = 'access \u202Eresu\u202C granted \u2066x\u2069';
    const out = displayText(trojan);
    assert.ok(!/[\u202a-\u202e\u2066-\u2069]/.test(out), JSON.stringify(out));
    assert.strictEqual(out, 'access resu granted x');
  });

  it('collapses newlines and control characters so a title stays one line', () => {
    assert.strictEqual(displayText('line1\nline2\r\n\tline3\u0000\u0007'), 'line1 line2 line3');
  });

  it('caps a 10 MB title to the limit', () => {
    const out = displayText('A'.repeat(10 * 1024 * 1024), 200);
    assert.strictEqual(out.length, 200);
    assert.ok(out.endsWith('…'));
  });

  it('returns an empty string for non-strings', () => {
    assert.strictEqual(displayText(undefined), '');
    assert.strictEqual(displayText({ toString: () => 'x' }), '');
  });

  it('displayBlock keeps lines but caps their number and strips controls', () => {
    const out = displayBlock(Array.from({ length: 100 }, (_, i) => `l${i}\u202e`).join('\n'), 4000, 5);
    assert.strictEqual(out, 'l0\nl1\nl2\nl3\nl4\n…');
  });
});

describe('isSafeExternalUrl', () => {
  it('accepts only http(s) URLs', () => {
    assert.ok(isSafeExternalUrl('https://runbooks.example.com/db#fix'));
    assert.ok(isSafeExternalUrl('http://grafana.local:3000/d/x'));
    for (const bad of ['file:///etc/passwd', 'vscode://oncall.vscode-oncall/x', 'command:workbench.action.terminal.new', 'javascript:alert(1)',
      'data:text/html,<script>', '/relative', 'https://user:pw@example.com/', '', 42]) {
      assert.strictEqual(isSafeExternalUrl(bad), false, String(bad));
    }
  });
});
