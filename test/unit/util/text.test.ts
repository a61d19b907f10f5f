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

  it('removes zero-width characters, word joiners, invisible operators, soft hyphens and U+180E', () => {
    const hidden = 'pay\u200bpal \u200cac\u200dcount \u2060lo\u2061g\u2062i\u2063n\u2064 ad\u00admin mon\u180egol';
    assert.strictEqual(displayText(hidden), 'paypal account login admin mongol');
  });

  it('removes Unicode tag characters (invisible "ASCII smuggling") and keeps other astral text', () => {
    // "ignore" spelled in tag characters U+E0069 U+E0067 …, plus the tag range's ends.
    const tags = [...'ignore'].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');
    const out = displayText(`ok\u{e0000}${tags}\u{e007f} 🔥 𝐁old`);
    assert.strictEqual(out, 'ok 🔥 𝐁old');
  });

  it('removes Hangul fillers that render as blanks', () => {
    assert.strictEqual(displayText('a\u115fb\u1160c\u3164d\uffa0e'), 'abcde');
    assert.strictEqual(displayText('\u3164\u3164'), '', 'a title of fillers only is empty, not "blank but present"');
  });

  it('never cuts a surrogate pair at the length cap', () => {
    for (let max = 2; max < 12; max++) {
      for (const prefix of ['', 'x']) {
        const out = displayText(prefix + '😀'.repeat(20), max);
        assert.ok(out.length <= max, `${max}: ${out.length}`);
        assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(out), `${max}/${prefix}: lone surrogate in ${JSON.stringify(out)}`);
        assert.ok(out.endsWith('…'));
      }
    }
  });

  it('never leaves half a surrogate pair from the bounded prefix of a huge input', () => {
    // The prefix cut (max * 4 + 64 units) lands on a pair boundary's middle for odd offsets; after
    // stripping the invisible characters, what is left is shorter than the cap and must not end in half a pair.
    const out = displayText('\u200b'.repeat(4 * 10 + 63) + '😀'.repeat(100), 10);
    assert.ok(!/[\ud800-\udbff]$/.test(out.replace(/…$/, '')), JSON.stringify(out));
  });

  it('displayBlock strips invisible characters too', () => {
    assert.strictEqual(displayBlock('a\u200bb\n\u{e0041}c\u00ad'), 'ab\nc');
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
