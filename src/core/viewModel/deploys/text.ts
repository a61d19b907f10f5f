/**
 * Text of the Deploys view and of the deploy/suspect rows under an alert. Pure: the host turns these into
 * TreeItems. Everything that came from a deploy event, a tag, a commit or an alert is hostile and goes
 * through `displayText` here, so the host never has to remember to.
 */
import { formatAge } from '../../alerts/format';
import { GitError, type GitErrorCode } from '../../git/gitRunner';
import type { DeployInEffect, DeployRecord } from '../../git/deploys';
import type { FrameReport, Suspect, SuspectReport } from '../../git/suspects';
import { GitInputError } from '../../git/validate';
import { displayText } from '../../util/text';
import { errorText } from '../../util/errors';

export function shortSha(sha: string): string {
  return displayText(sha, 40).slice(0, 7);
}

/** Newest first; equal times keep a stable order by id. */
export function newestFirst(records: readonly DeployRecord[]): DeployRecord[] {
  return [...records].sort((a, b) => b.time - a.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface DeployRowText {
  label: string;
  description: string;
  /** Key/value pairs for the tooltip (already sanitised). */
  details: Array<[string, string]>;
  statusWord: string;
}

const STATUS_WORD: Record<NonNullable<DeployRecord['status']>, string> = {
  started: 'in progress',
  succeeded: 'succeeded',
  failed: 'failed',
  rolledBack: 'rolled back',
};

/** One row of the Deploys view: "checkout-api · production" / "39038fb · You · 47m ago · watching". */
export function deployRowText(d: DeployRecord, now: number, opts: { watching?: boolean; mine?: boolean } = {}): DeployRowText {
  const service = displayText(d.service, 80);
  const env = displayText(d.environment, 40);
  const tags = d.tags.map((t) => displayText(t, 80)).filter((t) => t !== '');
  let label = [service, env].filter((s) => s !== '').join(' · ');
  if (label === '') label = tags.join(', ') || 'deploy';
  const author = displayText(d.author?.name, 60) || displayText(d.author?.email, 80);
  const statusWord = d.status !== undefined ? STATUS_WORD[d.status] : d.origin === 'tag' ? 'tag' : '';
  const parts = [shortSha(d.commitSha), author, `${formatAge(now - d.time)} ago`];
  if (opts.watching === true) parts.push('watching');
  else if (d.status !== undefined && d.status !== 'succeeded') parts.push(statusWord);
  if (d.origin === 'tag') parts.push('from tag');
  const details: Array<[string, string]> = [];
  const add = (k: string, v: string): void => {
    if (v !== '') details.push([k, v]);
  };
  add('Service', service);
  add('Environment', env);
  add('Commit', displayText(d.commitSha, 40));
  add('Previous', displayText(d.previousSha, 40));
  add('Author', [displayText(d.author?.name, 80), d.author?.email ? `<${displayText(d.author.email, 120)}>` : ''].filter((s) => s !== '').join(' ') + (opts.mine === true ? ' (you)' : ''));
  const when = Number.isFinite(d.time) ? `${new Date(d.time).toISOString().replace('T', ' ').slice(0, 16)} UTC (${formatAge(now - d.time)} ago)` : '';
  add(d.dateSource === 'commit' ? 'Committed' : 'Deployed', when + (d.dateSource === 'commit' ? ' — lightweight tag: commit time, not deploy time' : ''));
  add('Status', statusWord + (opts.watching === true ? ' · watching (your deploy)' : ''));
  add('Tags', tags.join(', '));
  add('Source', d.origin === 'event' ? 'deploy event' : d.origin === 'tag' ? 'git tag' : 'deploy event + git tag');
  add('Link', displayText(d.url, 300));
  return { label, description: parts.filter((p) => p !== '').join(' · '), details, statusWord };
}

/** Icon id (codicon) for a deploy row. */
export function deployIcon(d: DeployRecord, watching: boolean): string {
  if (watching) return 'eye';
  switch (d.status) {
    case 'failed':
      return 'error';
    case 'started':
      return 'loading~spin';
    case 'rolledBack':
      return 'discard';
    default:
      return d.origin === 'tag' ? 'tag' : 'rocket';
  }
}

export interface RowText {
  label: string;
  description?: string;
  /** Plain-text tooltip lines (sanitised). */
  tooltip: string[];
}

/** "Deploy in effect: a1b2c3d by Dana" / "2h before the alert · production". */
export function deployInEffectText(eff: DeployInEffect, alertStartedAt: string): RowText {
  if (!eff.found) return { label: 'No deploy found before this alert', description: displayText(eff.reason, 200), tooltip: [displayText(eff.reason, 500)] };
  const d = eff.deploy;
  const who = displayText(d.author?.name, 60);
  const label = `Deploy in effect: ${shortSha(d.commitSha)}${who ? ` by ${who}` : ''}`;
  const started = Date.parse(alertStartedAt);
  const parts = [Number.isFinite(started) ? `${formatAge(started - d.time)} before the alert` : '', displayText(d.environment, 40)];
  if (d.tags.length > 0) parts.push(displayText(d.tags.join(', '), 80));
  const tooltip = [
    `${displayText(d.service, 80) || 'unknown service'}${d.environment ? ` (${displayText(d.environment, 40)})` : ''} at ${displayText(d.commitSha, 40)}`,
    `deployed ${d.deployedAt}${who ? ` by ${who}` : ''}`,
  ];
  if (eff.range) tooltip.push(`shipped ${shortSha(eff.range.from)}..${shortSha(eff.range.to)} (${eff.range.fromSource === 'event' ? 'from the deploy event' : 'since the previous deploy'})`);
  for (const n of eff.notes) tooltip.push(displayText(n, 300));
  return { label, description: parts.filter((p) => p !== '').join(' · '), tooltip };
}

/** Header of the suspect list: says plainly which basis the ranking uses. */
export function suspectsHeaderText(report: SuspectReport): RowText {
  const n = report.suspects.length;
  if (report.basis === 'deploy-range' && report.range) {
    const range = `${shortSha(report.range.from)}..${shortSha(report.range.to)}`;
    const of = report.rangeCommitCount !== undefined ? ` of ${report.rangeCommitCount} in the deploy` : '';
    return { label: `Suspect commits (deploy range ${range})`, description: `${n}${of}`, tooltip: [displayText(report.basisNote, 500)] };
  }
  return {
    label: 'Suspect commits (blame fallback — deploy range unknown)',
    description: `${n} · from git blame, may predate the deploy`,
    tooltip: [displayText(report.basisNote, 500)],
  };
}

/** "3dd15e9 checkout: apply coupon discounts…" / "Diego Alvarez · 4d ago · changed line 12 of pricing.ts (top frame)". */
export function suspectText(s: Suspect, now: number): RowText {
  const subject = displayText(s.subject, 120) || '(no subject)';
  const author = displayText(s.author.name, 60) || displayText(s.author.email, 80);
  const reason = displayText(s.reasons[0], 160);
  const tooltip = [
    `${displayText(s.sha, 40)}`,
    `${displayText(s.author.name, 80)}${s.author.email ? ` <${displayText(s.author.email, 120)}>` : ''}, ${s.authoredAt} (${formatAge(now - s.authorTime)} ago)`,
    subject,
    s.basis === 'blame-fallback' ? 'Why suspect (git blame, the deploy range is unknown):' : 'Why suspect:',
    ...s.reasons.slice(0, 10).map((r) => `• ${displayText(r, 300)}`),
    `score ${Math.round(s.score * 10) / 10}`,
  ];
  return { label: `${shortSha(s.sha)} ${subject}`, description: [author, `${formatAge(now - s.authorTime)} ago`, reason].filter((p) => p !== '').join(' · '), tooltip };
}

export interface FrameDrift {
  /** The file differs between the deployed sha and the working tree. */
  drifted: boolean;
  /** Line in the working tree that holds the frame's (deployed) line. */
  workingLine: number;
  workingPath: string;
  lineChanged: boolean;
  fileDeleted: boolean;
}

/** "pricing.ts:12 applyDiscount" / "Diego Alvarez · 3dd15e9 · 4d · changed in this deploy". */
export function frameText(f: FrameReport, drift?: FrameDrift): RowText {
  const base = f.path.split('/').pop() ?? f.path;
  const fn = displayText(f.function, 80);
  const label = `${displayText(base, 120)}:${f.line}${fn ? ` ${fn}` : ''}`;
  const parts: string[] = [];
  const tooltip = [`${displayText(f.path, 300)}:${f.line}${fn ? ` in ${fn}` : ''} (${f.depth === 0 ? 'top frame' : `frame #${f.depth + 1}`})`];
  if (f.blame) {
    const b = f.blame;
    if (b.uncommitted) parts.push('not committed yet');
    else parts.push(displayText(b.author.name, 60), b.shortSha, b.ageDays === 0 ? 'today' : `${b.ageDays}d`);
    tooltip.push(`last changed by ${displayText(b.author.name, 80)} in ${b.shortSha}${b.boundary ? ' (boundary: may be older)' : ''}, ${b.authoredAt}: ${displayText(b.summary, 200)}`);
  } else if (f.error !== undefined) {
    parts.push('no blame');
    tooltip.push(`git blame failed: ${displayText(f.error, 300)}`);
  }
  if (f.changedInThisDeploy === true) {
    parts.push('changed in this deploy');
    tooltip.push('A commit of the deploy range changed this line.');
  }
  if (drift?.drifted === true) {
    if (drift.fileDeleted) {
      parts.push('file gone locally');
      tooltip.push('The file no longer exists in your working tree.');
    } else {
      const moved = drift.workingLine !== f.line || drift.workingPath !== f.path;
      parts.push(drift.lineChanged ? 'line changed locally' : moved ? `now line ${drift.workingLine}` : 'file differs locally');
      tooltip.push(
        `Your working tree differs from the deployed version: this is ${drift.workingPath !== f.path ? `${displayText(drift.workingPath, 300)}:` : 'line '}${drift.workingLine} locally${drift.lineChanged ? ', and the line itself changed' : ''}.`,
      );
    }
  }
  return { label, description: parts.filter((p) => p !== '').join(' · '), tooltip };
}

export interface Advice {
  /** What went wrong, short. */
  label: string;
  /** What to do about it. */
  action: string;
}

const ADVICE: Partial<Record<GitErrorCode, (sha: string | undefined, detail: string) => Advice>> = {
  'unknown-revision': (sha) => ({
    label: sha ? `Deployed commit ${shortSha(sha)} is not in this clone` : 'A deployed commit is not in this clone',
    action: sha ? `fetch the deployed commits: git fetch origin ${displayText(sha, 40)}` : 'fetch the deployed commits: git fetch origin',
  }),
  'not-a-repo': () => ({ label: 'The workspace is not a git repository', action: "open the service's repository to see suspect commits" }),
  'git-not-found': () => ({ label: 'git was not found', action: 'install git and make sure it is on PATH, then run On Call: Refresh Deploys' }),
  timeout: () => ({ label: 'git took too long', action: 'try again with On Call: Refresh Deploys' }),
  'unsafe-repository': (_s, detail) => ({ label: 'git refuses this repository (dubious ownership)', action: displayText(detail, 300) || 'mark it safe: git config --global --add safe.directory <path>' }),
  'no-commits': () => ({ label: 'The repository has no commits yet', action: 'commit, or open the repository the service is built from' }),
  'output-too-large': () => ({ label: 'The change is too large to read', action: 'inspect it with git log in a terminal' }),
  cancelled: () => ({ label: 'Cancelled', action: 'expand the alert again or run On Call: Refresh Deploys to retry' }),
};

/** Turns a failure of the git work into a row that says what to do. */
export function adviceFor(e: unknown, sha?: string): Advice {
  if (e instanceof GitError) {
    const f = ADVICE[e.code];
    if (f) return f(sha, e.message);
    return { label: displayText(e.message, 200) || 'git failed', action: 'see On Call: Show Logs for details' };
  }
  if (e instanceof GitInputError) return { label: displayText(e.message, 200), action: 'the alert or deploy carries a value git cannot take; nothing was run' };
  return { label: displayText(errorText(e), 200) || 'failed', action: 'see On Call: Show Logs for details' };
}

/** The row shown when deployed commits are missing from the clone: the exact command to run. */
export function fetchAdvice(missing: readonly string[]): Advice {
  // git fetch needs full object names (a server does not resolve abbreviations); labels stay short.
  const full = [...new Set(missing.map((s) => displayText(s, 40)))];
  const shas = full.map(shortSha);
  return {
    label: shas.length === 1 ? `Deployed commit ${shas[0]} is not in this clone` : `Deployed commits ${shas.join(', ')} are not in this clone`,
    action: `fetch the deployed commits: git fetch origin ${full.join(' ')}`,
  };
}
