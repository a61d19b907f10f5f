/**
 * What the deploy guard decides (`decideDeploy`, guard.ts) and what its text (guardText.ts) is made from.
 * Types only, in their own file so that guard.ts and guardText.ts do not import each other.
 */
import type { Person, Rotation } from '../protocol/types';
import type { Identity } from '../schedule/identity';
import type { Schedule } from '../schedule/schedule';
import type { DeployGuardConfig, RuleKind } from './guardConfig';

export interface DeployDecisionInput {
  /** Epoch ms of the (intended) deploy. */
  at: number;
  author: Identity;
  /** The author's IANA zone; falls back to author.timeZone, then UTC (noted in `notes`). */
  authorTimeZone?: string;
  schedule?: Schedule;
  config: DeployGuardConfig;
  /** Service being deployed; picks the escalation policy used for `pagedInstead`. */
  service?: string;
}

export interface MatchedRule {
  id: string;
  kind: RuleKind;
  label: string;
  explanation: string;
  /** The occurrence of the rule containing `at`. */
  start: number;
  end: number;
}

export interface PagedPerson {
  person: Person;
  rotation: Rotation;
  /** When a page would reach them at the earliest: max(at, their shift start). */
  at: number;
  /** "Sat 02:10" in their zone (UTC when unknown). */
  localTime: string;
  /** Undefined when neither the person nor the rotation has a zone. */
  timeZone?: string;
  /** "Carol gets paged at 02:10 their time (Sat, Asia/Tokyo)". */
  text: string;
}

export interface DeployDecision {
  risky: boolean;
  /** Every rule whose occurrence contains `at`. */
  rules: MatchedRule[];
  authorOnShift: boolean;
  pagedInstead?: PagedPerson[];
  authorNextShift?: { start: number; text: string };
  saferTime?: { at: number; text: string; watchable: boolean };
  /** When the author is on call at `at` but goes off call inside the watch window (same end as the status bar). */
  authorOffCallAt?: number;
  /**
   * One short sentence: "Risky deploy: Tue 18:40 is in weekday evenings (18:00–08:00), and you go off call at
   * Tue 23:00." — the warning's message. Never contradicts the status bar's "On call until …".
   */
  headline: string;
  /** On demand, each once: who gets paged and at what local time, your next shift, the safer time. */
  details: string[];
  /** headline + details, for logs, the CLI and the override record. */
  summary: string;
  /** The zone the decision was evaluated in. */
  timeZone: string;
  watchWindowMinutes: number;
  notes: string[];
}
