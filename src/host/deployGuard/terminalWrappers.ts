// The terminal's deploy-command wrappers: small POSIX-shell scripts put first on the integrated terminal's
// PATH (through the extension's EnvironmentVariableCollection). Before a deploy subcommand they ask the
// guard (dist/guard-cli.js wrap …, the same loopback server the pre-push hook asks); otherwise, or when no
// guard answers, they exec the real tool — found on PATH without the wrapper folder — with the same
// arguments. PATH lookup is the operating system's, so one sh script serves bash, zsh, fish and pwsh on
// Linux and macOS. No `vscode` here (unit-tested).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeployCommandPattern } from '../../core/deploy';
import { shQuote } from './pushGuard';

export const WRAPPER_MARKER = '# oncall-deploy-guard-wrapper v1';
/** A file in the wrapper folder: other windows' wrappers skip folders that have it when they look for the real tool. */
export const WRAPPER_DIR_MARKER = '.oncall-guard-bin';
/** Exit code of a wrapper whose command the user cancelled. */
export const WRAPPER_CANCEL_EXIT = 1;

/**
 * For each built-in command pattern: the executables it names and the argument prefixes that make the
 * wrapper ask (a cheap pre-filter — `kubectl get pods` never starts Node; the guard matches the exact
 * pattern). Custom regex patterns name no tool: the after-the-fact warning covers them.
 */
export const WRAPPABLE: Readonly<Record<string, { tools: readonly string[]; keywords: readonly string[] }>> = {
  kubectl: { tools: ['kubectl'], keywords: ['apply', 'rollout'] },
  helm: { tools: ['helm'], keywords: ['upgrade', 'install'] },
  terraform: { tools: ['terraform', 'tofu'], keywords: ['apply'] },
  fly: { tools: ['fly', 'flyctl'], keywords: ['deploy'] },
  vercel: { tools: ['vercel'], keywords: ['--prod'] },
  netlify: { tools: ['netlify'], keywords: ['deploy'] },
  'npm-deploy': { tools: ['npm', 'pnpm', 'yarn'], keywords: ['deploy'] },
  capistrano: { tools: ['cap'], keywords: ['deploy'] },
  gcloud: { tools: ['gcloud'], keywords: ['deploy'] },
  serverless: { tools: ['serverless', 'sls'], keywords: ['deploy'] },
};

/** tool → keywords, for the patterns in effect (built-in ones only). */
export function wrappedTools(patterns: readonly DeployCommandPattern[]): Map<string, readonly string[]> {
  const out = new Map<string, string[]>();
  for (const p of patterns) {
    const w = p.kind === 'regex' ? WRAPPABLE[p.id] : undefined;
    if (!w) continue;
    for (const t of w.tools) out.set(t, [...new Set([...(out.get(t) ?? []), ...w.keywords])]);
  }
  return out;
}

export interface WrapperPaths {
  wrapDir: string;
  nodePath: string;
  cliPath: string;
  guardFile: string;
}

/** The wrapper for one tool; `keywords` empty: a pass-through that never asks (its pattern was turned off). */
export function wrapperScript(tool: string, keywords: readonly string[], p: WrapperPaths): string {
  if (!/^[\w.+-]{1,64}$/.test(tool)) throw new Error(`not a tool name: ${tool}`);
  const cases = keywords.filter((k) => /^[\w-]{1,40}$/.test(k)).map((k) => `${k}*`).join('|');
  return `#!/bin/sh
${WRAPPER_MARKER} — On-Call for VS Code put this first on the integrated terminal's PATH.
# Before "${tool} ${keywords.join('|') || '(nothing: pass-through)'}…" it asks the deploy guard; during a risky window
# it holds the command and asks for a reason. Otherwise, or when no guard answers, it runs the real ${tool}
# with the same arguments. It leaves PATH when the deploy guard is turned off ("oncall.deployGuard").
tool=${tool}
wrap_dir=${shQuote(p.wrapDir)}
real=
oifs=$IFS
IFS=:
set -f
for d in $PATH; do
  [ -z "$d" ] && d=.
  case $d in "$wrap_dir"|"$wrap_dir/") continue ;; esac
  [ -f "$d/${WRAPPER_DIR_MARKER}" ] && continue
  if [ -f "$d/$tool" ] && [ -x "$d/$tool" ]; then real=$d/$tool; break; fi
done
set +f
IFS=$oifs
if [ -z "$real" ]; then
  echo "$tool: command not found" >&2
  exit 127
fi
${cases ? `ask=
for a in "$@"; do
  case $a in ${cases}) ask=1; break ;; esac
done
node=${shQuote(p.nodePath)}
cli=${shQuote(p.cliPath)}
if [ -n "$ask" ] && [ -f "$cli" ] && [ -x "$node" ]; then
  ELECTRON_RUN_AS_NODE=1 "$node" "$cli" wrap --guard-file ${shQuote(p.guardFile)} --tool "$tool" -- "$@"
  rc=$?
  if [ "$rc" -eq 3 ]; then exit ${WRAPPER_CANCEL_EXIT}; fi
  if [ "$rc" -gt 128 ]; then exit "$rc"; fi
  [ "$rc" -eq 0 ] || echo "on-call deploy guard: could not ask the guard (exit $rc); running $tool" >&2
fi
` : ''}exec "$real" "$@"
`;
}

/**
 * Writes the wrappers for `tools` into `wrapDir`; a wrapper already there for a tool no longer covered
 * becomes a pass-through (deleting it would break shells that remembered its path, e.g. bash's hash).
 * Returns the tools that ask.
 */
export function writeWrappers(tools: ReadonlyMap<string, readonly string[]>, p: WrapperPaths): string[] {
  fs.mkdirSync(p.wrapDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(p.wrapDir, WRAPPER_DIR_MARKER), 'On-Call for VS Code: deploy-command wrappers for the integrated terminal.\n');
  const all = new Set([...tools.keys(), ...Object.values(WRAPPABLE).flatMap((w) => w.tools)]);
  const asking: string[] = [];
  for (const tool of all) {
    const file = path.join(p.wrapDir, tool);
    const keywords = tools.get(tool);
    if (!keywords && !fs.existsSync(file)) continue;
    const text = wrapperScript(tool, keywords ?? [], p);
    let same = false;
    try {
      same = fs.readFileSync(file, 'utf8') === text;
    } catch {
      // not there yet
    }
    if (!same) {
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, text, { mode: 0o755 });
      fs.renameSync(tmp, file);
    }
    if (keywords) asking.push(tool);
  }
  return asking;
}
