/**
 * Alert text is hostile: services log anything, attackers can make them. Before any of it reaches a label,
 * description, status bar or notification it goes through `displayText`: ANSI escape sequences removed,
 * control and bidirectional-override characters removed (they can disguise text, "Trojan Source"),
 * invisible characters removed (zero-width, Unicode tags, soft hyphen, Hangul fillers: they hide or split
 * words), whitespace collapsed, and length capped — never inside a surrogate pair — so a 10 MB title cannot
 * freeze the UI.
 */

// CSI / OSC / single-char ESC sequences. Bounded quantifiers keep this linear on hostile input.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ANSI = /\u001b(?:\[[0-?]{0,64}[ -/]{0,16}[@-~]|\][^\u0007\u001b]{0,4096}(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;
// C0/C1 controls except tab/newline (handled as whitespace), DEL, bidi embeddings/overrides/isolates, marks, BOM.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069\ufeff]/g;
// Invisible characters that can hide or disguise text: soft hyphen, Mongolian vowel separator, zero-width
// space/non-joiner/joiner, word joiner and invisible operators (U+2060–U+2064), Hangul fillers, and the
// Unicode tag block U+E0000–U+E007F (invisible "ASCII smuggling").
const INVISIBLE = /[\u00ad\u180e\u200b-\u200d\u2060-\u2064\u115f\u1160\u3164\uffa0\u{e0000}-\u{e007f}]/gu;

/** Default cap for one line of UI text. */
export const MAX_DISPLAY_CHARS = 500;

export function displayText(input: unknown, max = MAX_DISPLAY_CHARS): string {
  if (typeof input !== 'string' || input.length === 0) return '';
  // Work on a bounded prefix: nothing past a few times the cap can ever be shown.
  let s = input.length > max * 4 + 64 ? cut(input, max * 4 + 64) : input;
  s = s.replace(ANSI, '').replace(CONTROL, '').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
  if (s.length > max) s = `${cut(s, Math.max(0, max - 1)).trimEnd()}…`;
  return s;
}

/** The first `n` UTF-16 units of `s`, one fewer when the cut would split a surrogate pair. */
function cut(s: string, n: number): string {
  if (n <= 0) return '';
  const last = s.charCodeAt(n - 1);
  return last >= 0xd800 && last <= 0xdbff ? s.slice(0, n - 1) : s.slice(0, n);
}

/** Multi-line variant (tooltips, handoff documents): keeps newlines, caps lines and total size. */
export function displayBlock(input: unknown, maxChars = 4000, maxLines = 60): string {
  if (typeof input !== 'string' || input.length === 0) return '';
  const s = input.length > maxChars * 2 ? cut(input, maxChars * 2) : input;
  const lines = s.replace(ANSI, '').split(/\r?\n/);
  const out: string[] = [];
  let total = 0;
  for (const line of lines) {
    if (out.length >= maxLines || total >= maxChars) {
      out.push('…');
      break;
    }
    const clean = line.replace(CONTROL, '').replace(INVISIBLE, '').replace(/\t/g, '  ').trimEnd();
    out.push(clean);
    total += clean.length + 1;
  }
  let joined = out.join('\n');
  if (joined.length > maxChars) joined = `${cut(joined, maxChars - 1)}…`;
  return joined;
}

/** True only for absolute http(s) URLs: the only links the extension ever opens from alert data, and only on a click. */
export function isSafeExternalUrl(input: unknown): input is string {
  if (typeof input !== 'string' || input.length > 8192) return false;
  try {
    const u = new URL(input);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname.length > 0 && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/**
 * Escapes alert text for a markdown document we generate (handoff summary): markdown syntax, HTML and
 * link brackets become literal, so `[x](command:...)`, `<img onerror>` and `![](http://tracker)` stay text.
 */
export function escapeMarkdown(input: unknown, max = MAX_DISPLAY_CHARS): string {
  return displayText(input, max).replace(/[\\`*_{}[\]()#+\-.!|<>~&"]/g, (c) => `\\${c}`);
}
