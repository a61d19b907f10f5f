import type { AnnotateMessage, Person } from '../protocol/types';

/**
 * "Deploy anyway": the record the host logs and sends to the source as an `annotate` message. The
 * reason is mandatory so the override is a decision someone can read later, not a reflex click.
 */
export interface DeployOverride {
  /** Epoch ms of the deploy. */
  at: number;
  author: Person;
  /** Trimmed, 3..500 characters. */
  reason: string;
  /** The guard's summary the author overrode. */
  decisionSummary: string;
  service?: string;
}

export const OVERRIDE_REASON_MIN = 3;
export const OVERRIDE_REASON_MAX = 500;
const SUMMARY_MAX = 2000;

export type OverrideValidation = { ok: true; value: DeployOverride } | { ok: false; errors: string[] };

/** Validates (and normalizes: trims the reason) an override built from user input. */
export function validateDeployOverride(input: unknown): OverrideValidation {
  const errors: string[] = [];
  const o = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  if (typeof input !== 'object' || input === null) errors.push('The override must be an object.');
  const at = o.at;
  if (typeof at !== 'number' || !Number.isFinite(at)) errors.push('`at` must be an epoch-ms number.');
  const author = o.author as Partial<Person> | undefined;
  if (typeof author !== 'object' || author === null || typeof author.name !== 'string' || author.name.trim() === '') {
    errors.push('`author` must be a person with a name.');
  }
  const reason = typeof o.reason === 'string' ? o.reason.trim() : '';
  if (typeof o.reason !== 'string') errors.push('A reason is required.');
  else if (reason.length < OVERRIDE_REASON_MIN) errors.push(`The reason must be at least ${OVERRIDE_REASON_MIN} characters.`);
  else if (reason.length > OVERRIDE_REASON_MAX) errors.push(`The reason must be at most ${OVERRIDE_REASON_MAX} characters.`);
  if (typeof o.decisionSummary !== 'string') errors.push('`decisionSummary` must be text.');
  if (o.service !== undefined && typeof o.service !== 'string') errors.push('`service` must be text.');
  if (errors.length > 0) return { ok: false, errors };
  const value: DeployOverride = {
    at: at as number,
    author: author as Person,
    reason,
    decisionSummary: (o.decisionSummary as string).slice(0, SUMMARY_MAX),
  };
  if (typeof o.service === 'string') value.service = o.service;
  return { ok: true, value };
}

/** The `annotation` payload of an AnnotateMessage for a validated override. */
export function overrideAnnotation(o: DeployOverride): AnnotateMessage['annotation'] {
  const text = `Deploy guard overridden by ${o.author.name} at ${new Date(o.at).toISOString()}: ${o.reason} (guard said: ${o.decisionSummary})`;
  const a: AnnotateMessage['annotation'] = { kind: 'deployOverride', text, actor: o.author };
  if (o.service !== undefined) a.service = o.service;
  return a;
}
