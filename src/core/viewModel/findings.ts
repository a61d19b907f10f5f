/**
 * Issue 21 item 1, "Share findings": the note the developer posts to the alert's source for the ops partner, who
 * has production access but not the editor — the top in-app frame (a permalink to the deployed commit where the
 * remote is GitHub, GitLab or Bitbucket, else `path@sha`), the deploy in effect and its range, and the top suspect
 * commit with its reason. Pure: the host gathers the facts (git, the deploy history) and previews this text.
 *
 * Everything in it is plain text, bounded (the protocol's note maximum), with control characters removed: commit
 * subjects and alert titles are untrusted and go back out as text only.
 */
import type { DeployInEffect } from '../git/deploys';
import { permalink, type RemoteRepo } from '../git/remote';
import type { SuspectReport } from '../git/suspects';
import { ALERT_LIMITS } from '../protocol/limits';
import type { Alert } from '../protocol/types';
import { displayText } from '../util/text';

export interface FindingsInput {
  alert: Pick<Alert, 'id' | 'title' | 'service' | 'environment' | 'commitSha' | 'stackTrace'>;
  eff: DeployInEffect;
  /** Undefined: no repository (untrusted workspace, no folder, not a git repository) — `noRepoReason` says why. */
  report?: SuspectReport;
  noRepoReason?: string;
  /** The repository's remote, when it is a permalink host. */
  remote?: RemoteRepo;
  /** The full sha the frame lines are read at (the deployed commit), when known. */
  deployedSha?: string;
  /** Epoch ms, for "deployed 47 min before the alert" (not used for wall times: those are ISO, zone-free). */
  now: number;
}

const short = (sha: string): string => displayText(sha, 40).slice(0, 7);

/** The top in-app frame as a link (permalink) or `path:line@sha7`; undefined without a frame. */
export function topFrameLink(report: SuspectReport | undefined, remote: RemoteRepo | undefined, sha: string | undefined): { where: string; link?: string } | undefined {
  const f = report?.frames[0];
  if (!f) return undefined;
  const where = `${displayText(f.path, 300)}:${f.line}${f.function ? ` (${displayText(f.function, 80)})` : ''}`;
  const link = remote && sha ? permalink(remote, sha, f.path, f.line) : undefined;
  if (link) return { where, link };
  return { where: sha ? `${where} @ ${short(sha)}` : `${where} (deployed version unknown)` };
}

/** The note's text: at most `maxChars` (default the protocol's note maximum), every line plain text. */
export function findingsNote(input: FindingsInput, maxChars: number = ALERT_LIMITS.maxNoteChars): string {
  const { alert, eff, report } = input;
  const lines: string[] = [];
  lines.push(`Findings from the editor for "${displayText(alert.title, 200)}" (${displayText(alert.service, 80)}${alert.environment ? `, ${displayText(alert.environment, 40)}` : ''}):`);
  const sha = input.deployedSha ?? (report && /^[0-9a-f]{7,40}$/.test(report.rev) ? report.rev : undefined);
  const top = topFrameLink(report, input.remote, sha);
  if (top) {
    lines.push(`• Top in-app frame: ${top.where}`);
    if (top.link) lines.push(`  ${top.link}`);
  } else if (!report) {
    lines.push(`• Top in-app frame: not resolved (${displayText(input.noRepoReason ?? 'no repository', 200)})`);
  } else {
    lines.push(alert.stackTrace ? '• Top in-app frame: none of the stack trace\u2019s in-app frames is a file of this repository' : '• Top in-app frame: the alert has no stack trace');
  }
  if (eff.found) {
    const d = eff.deploy;
    const who = d.author?.name ? ` by ${displayText(d.author.name, 60)}` : '';
    const where = [displayText(d.service, 80), displayText(d.environment, 40)].filter((x) => x).join(' ');
    lines.push(`• Deploy in effect: ${short(d.commitSha)}${where ? ` (${where})` : ''}${who}, deployed ${displayText(d.deployedAt, 40)}`);
    if (eff.range) {
      const n = report?.rangeCommitCount;
      lines.push(`  Range: ${short(eff.range.from)}..${short(eff.range.to)}${n !== undefined ? ` (${n} commit${n === 1 ? '' : 's'})` : ''}`);
    } else lines.push('  Range: unknown (no earlier deploy of this service is known)');
  } else lines.push(`• Deploy in effect: none found (${displayText(eff.reason, 200)})`);
  const s = report?.suspects.find((x) => !x.demoted) ?? report?.suspects[0];
  if (s) {
    lines.push(`• Top suspect: ${s.shortSha} "${displayText(s.subject, 120)}" by ${displayText(s.author.name, 60)}`);
    if (s.reasons[0]) lines.push(`  Why: ${displayText(s.reasons[0], 240)}${report?.basis === 'blame-fallback' ? ' (from blame: the deploy range is unknown)' : ''}`);
  } else if (report) lines.push(report.basis === 'deploy-range' ? '• Top suspect: no commit of the deploy touches the files in the stack trace' : '• Top suspect: none found by blame');
  lines.push('(shared from On Call for VS Code)');
  return bound(lines, maxChars);
}

/** Joins lines, dropping whole lines from the end (keeping the last, the signature) until it fits. */
function bound(lines: string[], maxChars: number): string {
  const all = lines.join('\n');
  if (all.length <= maxChars) return all;
  const sig = lines[lines.length - 1]!;
  const body = lines.slice(0, -1);
  while (body.length > 1 && [...body, '…', sig].join('\n').length > maxChars) body.pop();
  const text = [...body, '…', sig].join('\n');
  return text.length <= maxChars ? text : text.slice(0, maxChars - 1) + '…';
}
