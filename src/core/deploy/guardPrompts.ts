import type { DeployDecision } from './decision';

/** What the user chose when the deploy guard warned. */
export type GuardChoice = 'anyway' | 'stop' | 'dismiss';

/** One warning the guard gave: what was about to deploy, the decision's summary, and the answer (held: still open). */
export interface GuardWarning {
  what: string;
  summary: string;
  choice?: GuardChoice | 'held';
}

const MAX_WARNINGS = 100;

/** The deploy guard's recent warnings, newest last, at most 100 (the integration tests and the log read them). */
export class GuardWarningLog {
  readonly entries: GuardWarning[] = [];

  /** A new warning; its choice is filled in once the user answers. */
  add(what: string, summary: string, choice?: GuardChoice | 'held'): GuardWarning {
    const entry: GuardWarning = choice === undefined ? { what, summary } : { what, summary, choice };
    this.entries.push(entry);
    if (this.entries.length > MAX_WARNINGS) this.entries.shift();
    return entry;
  }

  /**
   * A terminal wrapper's answer: a command held in the terminal asks again with the user's reason or the cancel,
   * which settles the held warning instead of adding a second one; anything else is a new warning.
   */
  settle(what: string, summary: string, choice: GuardChoice | 'held'): GuardWarning {
    const last = this.entries.at(-1);
    if (last && last.what === what && last.choice === 'held' && choice !== 'held') {
      last.choice = choice;
      return last;
    }
    return this.add(what, summary, choice);
  }
}

/**
 * What a held terminal command is told, short for a terminal: the decision's first sentence, who gets paged first,
 * and the safer time (the host words and localises the lines; details stay in "Check Deploy Window").
 */
export function heldCommandParts(d: Pick<DeployDecision, 'summary' | 'pagedInstead' | 'saferTime'>): { headline: string; pagedFirst?: string; safer?: string } {
  const headline = /^.*?[.!?](?=\s|$)/.exec(d.summary)?.[0] ?? d.summary;
  const out: { headline: string; pagedFirst?: string; safer?: string } = { headline };
  if (d.pagedInstead?.[0]) out.pagedFirst = d.pagedInstead[0].text;
  if (d.saferTime) out.safer = d.saferTime.text;
  return out;
}

/**
 * The button the user picked → their choice. A modal (a push held by the hook) that is closed stops the push;
 * a closed toast only dismisses the warning.
 */
export function choiceOf(picked: string | undefined, buttons: { anyway: string; stop?: string }, modal: boolean): GuardChoice {
  if (picked !== undefined && picked === buttons.anyway) return 'anyway';
  if (picked !== undefined && picked === buttons.stop) return 'stop';
  return modal ? 'stop' : 'dismiss';
}

/**
 * Which open alerts a "Deploy anyway" reason goes on as a note: those of the services this repository deploys
 * (`services`, most relevant first), most urgent first (`sortedOpen` is already in the tree's order); when none of
 * them is open, or the repository's services are unknown, the most urgent open alerts — and `why` says which it was,
 * for the log. At most `max`.
 */
export function overrideNoteTargets<A extends { id: string; service: string; status: string }>(
  sortedOpen: readonly A[],
  services: readonly string[],
  max: number,
): { alerts: A[]; why: string } {
  const open = sortedOpen.filter((a) => a.status !== 'resolved');
  if (services.length > 0) {
    const wanted = new Set(services);
    const mine = open.filter((a) => wanted.has(a.service)).slice(0, max);
    if (mine.length > 0) return { alerts: mine, why: `open alerts of ${services.join(', ')} (deployed from this repository)` };
    return { alerts: open.slice(0, max), why: `no open alert of ${services.join(', ')} (deployed from this repository): the most urgent open alerts` };
  }
  return { alerts: open.slice(0, max), why: 'the services this repository deploys are not known (no deploy of one of its commits yet): the most urgent open alerts' };
}
