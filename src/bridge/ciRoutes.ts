import { overrideNoteTargets } from '../core/deploy/guardPrompts';
import { MAX_NOTE_CHARS } from '../core/protocol/schemas';
import type { Alert, AnnotateMessage, OnCallState } from '../core/protocol/types';
import type { Logger } from '../core/util/logger';
import { errorText } from '../core/util/errors';
import { isBrowserRequest } from './auth';
import type { HttpRequestInfo, HttpResponseInfo, Route, SourceModule } from './sources/types';

/** Routes the deploy guard's CI step calls (`guard-cli ci`, see README "The deploy guard in CI"). */
export const CI_PATHS = { schedule: '/v1/schedule', deployAnyway: '/v1/deploy-anyway' } as const;

/** Open alerts a CI override reason goes on as a note (the most urgent of the deployed service first). */
const NOTE_ALERTS = 3;

export interface CiRouteDeps {
  oncall(): OnCallState | null;
  alerts(): Alert[];
  source: SourceModule;
  /** The capabilities the bridge offers (hello.capabilities). */
  capabilities(): ReadonlySet<string>;
  logger: Logger;
}

const SEV: Record<string, number> = { critical: 0, high: 1, warning: 2, info: 3 };

/** A browser page must never read the schedule or post in someone's name, whatever the token setup. */
function refuseBrowser(req: HttpRequestInfo): HttpResponseInfo | undefined {
  return isBrowserRequest(req.headers) ? { status: 403, body: { error: 'requests from web pages are refused (Origin or Sec-Fetch-Site header present)' } } : undefined;
}

/**
 * GET /v1/schedule → the on-call state (rotations, escalation policies) for the CI guard; 503 while the source
 * has sent none. POST /v1/deploy-anyway {reason, author, commit?, service?, summary} → the override as a note on
 * the open alerts of that service (else the most urgent) where the source has notes, else an annotation; the answer
 * says which, or 501 with the source's reason. Both need the bridge token (like the WebSocket).
 */
export function ciRoutes(d: CiRouteDeps): Route[] {
  const schedule: Route = {
    method: 'GET',
    path: CI_PATHS.schedule,
    auth: 'bridge-token',
    handle: (req) => {
      const refused = refuseBrowser(req);
      if (refused) return Promise.resolve(refused);
      const s = d.oncall();
      if (!s) return Promise.resolve({ status: 503, body: { error: 'the alert source has not sent an on-call schedule yet; try again in a minute' } });
      return Promise.resolve({ status: 200, body: { generatedAt: s.generatedAt, rotations: s.rotations, policies: s.policies } });
    },
  };
  const deployAnyway: Route = {
    method: 'POST',
    path: CI_PATHS.deployAnyway,
    auth: 'bridge-token',
    maxBodyBytes: 16 * 1024,
    handle: async (req) => {
      const refused = refuseBrowser(req);
      if (refused) return refused;
      let v: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(req.body.toString('utf8'));
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        v = parsed as Record<string, unknown>;
      } catch {
        return { status: 400, body: { error: 'send a JSON object {reason, author, summary, commit?, service?}' } };
      }
      const text = (k: string, max: number): string => (typeof v[k] === 'string' ? (v[k]).trim().slice(0, max) : '');
      const reason = text('reason', 500);
      const author = text('author', 200);
      if (reason.length < 3 || !author) return { status: 400, body: { error: 'reason (3 characters or more) and author are required' } };
      const commit = /^[0-9a-f]{7,40}$/i.test(text('commit', 40)) ? text('commit', 40) : '';
      const service = text('service', 200);
      const note = `Deploy guard overridden in CI by ${author}${commit ? ` (commit ${commit.slice(0, 12)})` : ''}: ${reason} (guard said: ${text('summary', 1500)})`.slice(0, MAX_NOTE_CHARS);
      const caps = d.capabilities();
      try {
        if (caps.has('note') && d.source.note) {
          const open = d.alerts().filter((a) => a.status !== 'resolved').sort((a, b) => (SEV[a.severity] ?? 9) - (SEV[b.severity] ?? 9) || Date.parse(b.startedAt) - Date.parse(a.startedAt));
          const targets = overrideNoteTargets(open, service ? [service] : [], NOTE_ALERTS);
          const ok: string[] = [];
          for (const a of targets.alerts) {
            try {
              await d.source.note(a.id, note, { name: author });
              ok.push(a.id);
            } catch (e) {
              d.logger.warn(`CI override: note on ${a.id} failed: ${errorText(e)}`);
            }
          }
          d.logger.warn(`DEPLOY OVERRIDE in CI by ${author}: "${reason}" — noted on ${ok.length ? ok.join(', ') : 'no alert'} (${targets.why})`);
          if (targets.alerts.length === 0 && caps.has('annotate') && d.source.annotate) {
            await d.source.annotate(annotation(note, author, service));
            return { status: 200, body: { posted: 'annotation' } };
          }
          return { status: 200, body: { posted: 'note', alerts: ok } };
        }
        if (caps.has('annotate') && d.source.annotate) {
          await d.source.annotate(annotation(note, author, service));
          d.logger.warn(`DEPLOY OVERRIDE in CI by ${author}: "${reason}" — sent as an annotation`);
          return { status: 200, body: { posted: 'annotation' } };
        }
      } catch (e) {
        d.logger.error(`CI override could not be posted: ${errorText(e)}`);
        return { status: 502, body: { error: 'the alert source refused the note; see the bridge log' } };
      }
      d.logger.warn(`DEPLOY OVERRIDE in CI by ${author}: "${reason}" — the ${d.source.name} source has neither notes nor annotations`);
      return { status: 501, body: { error: d.source.unsupportedActions?.note ?? `the ${d.source.name} source has neither notes nor annotations: the override is only in the bridge log` } };
    },
  };
  return [schedule, deployAnyway];
}

function annotation(text: string, author: string, service: string): AnnotateMessage['annotation'] {
  return { kind: 'deployOverride', text, actor: { name: author }, ...(service ? { service } : {}) };
}
