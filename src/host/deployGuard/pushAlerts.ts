import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PushGuardRequest } from '../../cli/pushGuardProtocol';
import type { FixLink, FixLinkVia } from '../../core/loop/fixLinks';
import { NEW_BRANCH_MAX_COMMITS, newBranchBase, pushedFrameHits, pushedFrameText, type AlertWithFrames, type PushedFrameHit } from '../../core/deploy/pushAlerts';
import { GitRepository, type Hunk } from '../../core/git';
import { errorText } from '../../core/util/errors';
import { tagged, type Logger } from '../../core/util/logger';
import { displayText } from '../../core/util/text';
import { responderOf } from '../alerts/responderActions';
import type { HostContext } from '../context';
import type { AlertFrames } from '../stackTrace/alertFrames';

/** Open alerts looked at per push, frames per alert, paths diffed, ranges: a push never waits on more. */
const MAX_ALERTS = 50;
const MAX_FRAMES = 10;
const MAX_PATHS = 40;
const MAX_RANGES = 5;
/** The whole check (frames + git) gives up after this: the push is asked about without it. */
const CHECK_TIMEOUT_MS = 5000;

/** Where the links go: fix → watch → resolve's store (`FixWatchFeature.linkFix`). */
export interface FixLinker {
  linkFix(alertId: string, rev: string, via: FixLinkVia): Promise<FixLink>;
}

/** Test seam: answers "Link the push to the alert?" (true = link). */
export type LinkResponder = (hits: readonly PushedFrameHit[]) => Promise<boolean>;

export interface PushAlertResult {
  hits: PushedFrameHit[];
  /** One line per hit, for the hook's output and the editor's message. */
  lines: string[];
}

/**
 * Issue 21 item 2: the push guard knows about open alerts. The pushed range is diffed (core git, `-U0`, only the
 * files that hold frames of open alerts) against the alerts' resolved in-app frames; a push that changes one is
 * said so, and the user is offered to link the push to the alert — recorded as a fix link in fix → watch →
 * resolve's store (so a deploy containing the push is watched) and posted as a note where the source has notes.
 */
export class PushAlertCheck {
  private readonly _log: Logger;
  private _responder: LinkResponder | undefined;
  /** The last offer (not awaited by the push; tests await it). */
  lastOffer: Promise<FixLink[]> | undefined;

  constructor(
    private readonly _ctx: HostContext,
    private readonly _frames: AlertFrames | undefined,
    private readonly _fixes: FixLinker | undefined,
  ) {
    this._log = tagged(_ctx.logger, 'push-alerts');
  }

  setResponder(r: LinkResponder | undefined): void {
    this._responder = r;
  }

  /** Which open alerts' frames the push changes (empty when unknown: no frames, no git, too slow). */
  async check(req: PushGuardRequest, repoRoot: string): Promise<PushAlertResult> {
    const none: PushAlertResult = { hits: [], lines: [] };
    const conn = this._ctx.connections.connection;
    const ranges = (req.ranges ?? []).slice(0, MAX_RANGES);
    if (!conn || !this._frames || ranges.length === 0 || !vscode.workspace.isTrusted) return none;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<PushAlertResult>((resolve) => {
      timer = setTimeout(() => {
        this._log.info(`the open alerts' frames took over ${CHECK_TIMEOUT_MS / 1000} s to check against the push: asked without them`);
        resolve(none);
      }, CHECK_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this._check(conn.store.sorted().filter((a) => a.status !== 'resolved').slice(0, MAX_ALERTS), ranges, req.remote, repoRoot), late]);
    } catch (e) {
      this._log.warn(`could not check the push against the open alerts: ${errorText(e)}`);
      return none;
    } finally {
      clearTimeout(timer);
    }
  }

  private async _check(open: ReturnType<NonNullable<HostContext['connections']['connection']>['store']['sorted']>, ranges: NonNullable<PushGuardRequest['ranges']>, remote: string, root: string): Promise<PushAlertResult> {
    const withFrames: AlertWithFrames[] = [];
    for (const a of open) {
      const frames = (await this._frames!.resolvedFrames(a)).slice(0, MAX_FRAMES).flatMap((f) => {
        const rel = path.relative(root, path.join(f.folder, f.path));
        return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? [{ path: rel.split(path.sep).join('/'), line: f.line }] : [];
      });
      if (frames.length > 0) withFrames.push({ alert: a, frames });
    }
    if (withFrames.length === 0) return { hits: [], lines: [] };
    const paths = [...new Set(withFrames.flatMap((a) => a.frames.map((f) => f.path)))].slice(0, MAX_PATHS);
    const repo = await GitRepository.open(root, { timeoutMs: 4000, maxConcurrent: 2 });
    const hunks = new Map<string, Hunk[]>();
    for (const r of ranges) {
      const from = /^0+$/.test(r.remoteSha) ? await this._newBranchBase(repo, r.localSha, remote, r.branch) : r.remoteSha;
      if (from === undefined) continue;
      for (const p of paths) {
        try {
          const d = await repo.diffHunks(from, r.localSha, p);
          if (d.hunks.length) hunks.set(p, [...(hunks.get(p) ?? []), ...d.hunks]);
        } catch (e) {
          this._log.debug(`diff ${from.slice(0, 8)}..${r.localSha.slice(0, 8)} -- ${p}: ${errorText(e)}`);
        }
      }
    }
    const hits = pushedFrameHits(withFrames, hunks);
    return { hits, lines: hits.map((h) => pushedFrameText(h, (t) => displayText(t, 120))) };
  }

  /**
   * A push that creates `branch` has no remote sha: its range starts where its new commits grow from what the
   * remote already has (`newBranchBase`); undefined (and logged) when that cannot be said.
   */
  private async _newBranchBase(repo: GitRepository, local: string, remote: string, branch: string): Promise<string | undefined> {
    try {
      let base = newBranchBase(await repo.commitsNotOnRemote(local, remote || undefined, NEW_BRANCH_MAX_COMMITS + 1));
      if (base.kind === 'boundaries') {
        const top = await repo.independentCommits(base.shas);
        base = top.length === 1 ? { kind: 'base', sha: top[0]! } : { kind: 'none', why: `its new commits grow from ${top.length} unrelated commits of the remote` };
      }
      if (base.kind === 'base') return base.sha;
      this._log.info(`new branch ${displayText(branch, 100)}: not checked against the open alerts: ${base.why}`);
    } catch (e) {
      this._log.info(`new branch ${displayText(branch, 100)}: could not tell what the remote already has: ${errorText(e)}`);
    }
    return undefined;
  }

  /** Offers to link the push to the alerts it touches; resolves with the links made. Never holds the push. */
  offerLink(hits: readonly PushedFrameHit[], req: PushGuardRequest): Promise<FixLink[]> {
    this.lastOffer = this._offer(hits, req).catch((e: unknown) => {
      this._log.warn(`linking the push to the alert failed: ${errorText(e)}`);
      return [];
    });
    return this.lastOffer;
  }

  private async _offer(hits: readonly PushedFrameHit[], req: PushGuardRequest): Promise<FixLink[]> {
    // No fix-link store (a guard built without one): nothing could be linked, so nothing is offered.
    const fixes = this._fixes;
    if (hits.length === 0 || !fixes) return [];
    const range = (req.ranges ?? []).find((r) => !/^0+$/.test(r.localSha));
    if (!range) return [];
    const first = hits[0]!;
    const link = vscode.l10n.t('Link Push to Alert');
    const yes = this._responder
      ? await this._responder(hits)
      : (await vscode.window.showInformationMessage(
          vscode.l10n.t('On Call: {0}. Link the push to the alert (a note on it says this push is meant to fix it)?', pushedFrameText(first, (t) => displayText(t, 120))),
          link,
        )) === link;
    if (!yes) return [];
    const by = this._ctx.identity.value || undefined;
    const made: FixLink[] = [];
    for (const h of new Set(hits.map((x) => x.alertId))) made.push(await fixes.linkFix(h, range.localSha, 'push'));
    this._log.info(`linked push ${range.localSha.slice(0, 12)} (${range.branch}) to ${made.map((l) => l.alertId).join(', ')}`);
    const conn = this._ctx.connections.connection;
    const responder = responderOf(conn);
    const why = responder?.unsupportedReason('note');
    if (!responder || why !== undefined) {
      this._log.info(`the link is kept in this workspace only: ${why ?? 'no responder actions on this connection'}`);
      return made;
    }
    for (const h of hits) {
      const text = `Push ${range.localSha.slice(0, 12)} to ${range.branch}${by ? ` by ${by}` : ''} changes ${h.path}:${h.line} (${h.index === 0 ? 'the top frame' : `frame ${h.index + 1}`} of this alert) — linked as its fix.`;
      try {
        const r = await responder.note(h.alertId, text);
        if (!r.ok) this._log.warn(`the source did not take the fix-link note on ${h.alertId}: ${r.error ?? 'no reason given'}`);
      } catch (e) {
        this._log.warn(`could not post the fix link as a note on ${h.alertId}: ${errorText(e)}`);
      }
    }
    return made;
  }
}
