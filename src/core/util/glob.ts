/**
 * Glob matching in O(glob × text) whatever the input: `*` within a path segment, `**` across segments
 * (unless `doubleStar` is false, then it is just `*`), `?` one character other than `/`. Settings and
 * workspaces supply the globs and git supplies the names, so no regex: `*a*a*a*a*a*a*b` compiled to
 * `[^/]*a[^/]*a…` backtracks for minutes on a long branch or tag name.
 */
export function globMatch(glob: string, text: string, options: { doubleStar?: boolean } = {}): boolean {
  type Tok = { k: 'lit'; c: string } | { k: 'one' } | { k: 'star'; slash: boolean };
  const toks: Tok[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charAt(i);
    if (c === '*') {
      let slash = false;
      while (glob[i + 1] === '*') {
        slash = options.doubleStar !== false;
        i++;
      }
      const prev = toks.at(-1);
      if (prev?.k === 'star') prev.slash ||= slash; // `*` next to `*` adds nothing
      else toks.push({ k: 'star', slash });
    } else if (c === '?') toks.push({ k: 'one' });
    else toks.push({ k: 'lit', c });
  }
  const m = toks.length;
  let cur = new Uint8Array(m + 1);
  let next = new Uint8Array(m + 1);
  const close = (set: Uint8Array): void => {
    for (let k = 0; k < m; k++) if (set[k] && toks[k]!.k === 'star') set[k + 1] = 1;
  };
  cur[0] = 1;
  close(cur);
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    next.fill(0);
    let any = false;
    for (let k = 0; k < m; k++) {
      if (!cur[k]) continue;
      const t = toks[k]!;
      if (t.k === 'lit') {
        if (t.c === ch) next[k + 1] = 1;
      } else if (t.k === 'one') {
        if (ch !== '/') next[k + 1] = 1;
      } else if (t.slash || ch !== '/') next[k] = 1;
    }
    close(next);
    for (let k = 0; k <= m && !any; k++) any = next[k] === 1;
    if (!any) return false;
    [cur, next] = [next, cur];
  }
  return cur[m] === 1;
}
