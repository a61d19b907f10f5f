/**
 * A vendor's refusal of a responder action (reroute, silence, note, override, …) as a `SourceActionError` whose
 * text says what to do next: a read-only key, an unknown target, a rate limit with its wait, a body we could not
 * read. The vendor's own words are kept (VendorHttpError.vendorMessage); tokens never are (VendorHttp strips them).
 */
import { SourceActionError } from '../types';
import { errorText } from '../../../core/util/errors';
import { VendorHttpError } from './vendorHttp';

export interface ActionErrorHints {
  /** 401: the credentials were refused. */
  unauthorized: string;
  /** 403: typically "this key is read-only: use …". */
  forbidden: string;
  /** 404: what was not found, in the user's words. */
  notFound?: string;
}

/** `verb` reads after "could not": "reroute 1501", "silence I68T24C13IFW1". */
export function actionError(vendor: string, verb: string, e: unknown, hints: ActionErrorHints): SourceActionError {
  if (e instanceof SourceActionError) return e;
  if (!(e instanceof VendorHttpError)) return new SourceActionError(`${vendor} could not ${verb}: ${errorText(e)}`);
  const said = e.vendorMessage ? ` — ${vendor} says: ${e.vendorMessage}` : '';
  // No status: a network failure or a body that is not JSON; 2xx: a body that is not what the reference describes.
  // Either way it may or may not have happened.
  if (e.status === undefined || (e.status >= 200 && e.status < 300)) {
    return new SourceActionError(`${vendor} could not ${verb}: ${e.message} — check in ${vendor} whether it happened before trying again`);
  }
  switch (e.status) {
    case 401:
      return new SourceActionError(`${vendor} could not ${verb} (HTTP 401): ${hints.unauthorized}${said}`);
    case 403:
      return new SourceActionError(`${vendor} could not ${verb} (HTTP 403): ${hints.forbidden}${said}`);
    case 404:
      return new SourceActionError(`${vendor} could not ${verb} (HTTP 404): ${hints.notFound ?? 'not found'}${said}`);
    case 429:
      return new SourceActionError(`${vendor} could not ${verb}: it is rate limiting this bridge — try again in ${Math.max(1, Math.ceil((e.retryAfterMs ?? 60_000) / 1000))} s`);
    default:
      if (e.status >= 500) return new SourceActionError(`${vendor} could not ${verb}: it failed (HTTP ${e.status})${said} — try again in a moment`);
      return new SourceActionError(`${vendor} could not ${verb} (HTTP ${e.status})${said || `: ${e.message}`}`);
  }
}
