import { formatShiftTime } from '../schedule/format';
import { formatInZone } from '../schedule/time';
import type { RuleInterval } from './guardRules';
import type { DeployDecision } from './decision';
import { formatMinutes } from '../schedule/escalation';

/**
 * One sentence per matched rule, in the author's zone ("your time"): what the rule is, and the
 * occurrence that contains the deploy instant, so the user can see why and until when.
 */
export function explainRule(iv: RuleInterval, at: number, zone: string): string {
  const now = formatInZone(at, zone, 'EEE HH:mm');
  const span = `${formatShiftTime(iv.start, zone, at)} – ${formatShiftTime(iv.end, zone, at)}`;
  const rule = iv.rule;
  switch (rule.kind) {
    case 'weekly':
      return `${now} is inside the weekly risky window "${rule.label}" (${span}, your time).`;
    case 'evening':
      return `${now} is in the ${rule.label} (${span}, your time).`;
    case 'freeze':
      return `Deploy freeze "${rule.label}" is active: ${span} your time (defined in ${rule.timeZone}).`;
    case 'oneOff':
      return `"${rule.label}" blocks deploys ${span} (your time).`;
    case 'holiday':
      return `${formatInZone(iv.start, zone, 'EEE d MMM yyyy')} is a holiday ("${rule.label}").`;
  }
}

/**
 * The warning's one sentence. Risky: when, which rule(s), and the on-call fact that makes it risky — "you go
 * off call at Tue 23:00" while on call (the status bar's end) or "you are not on call". Not risky: why not.
 */
export function decisionHeadline(d: Omit<DeployDecision, 'headline' | 'details' | 'summary'>, at: number, zone: string, onCallUntil: number | undefined): string {
  const now = formatInZone(at, zone, 'EEE HH:mm');
  const names = d.rules.map((r) => r.label);
  const ruleText = names.length <= 2 ? names.join(' and ') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  if (d.rules.length === 0) return `No risky window at ${now} (your time).`;
  if (!d.risky) {
    const untilText = onCallUntil !== undefined ? ` until ${formatShiftTime(onCallUntil, zone, at)}` : '';
    return `Inside ${names.map((n) => `"${n}"`).join(', ')}, but you are on call${untilText}, so you can watch this deploy for the next ${formatMinutes(d.watchWindowMinutes)}.`;
  }
  const why = d.authorOffCallAt !== undefined ? `you go off call at ${formatShiftTime(d.authorOffCallAt, zone, at)}` : 'you are not on call';
  return `Risky deploy: ${now} is in ${ruleText}, and ${why}.`;
}

/** Details on demand, each fact once: who would be paged (their local time), your next shift, the safer time. */
export function decisionDetails(d: Omit<DeployDecision, 'headline' | 'details' | 'summary'>, searchDays: number): string[] {
  if (!d.risky) return [];
  const out: string[] = [];
  if (d.pagedInstead && d.pagedInstead.length > 0) for (const p of d.pagedInstead) out.push(`If it breaks, ${p.text}.`);
  else if (d.pagedInstead) out.push('If it breaks, nobody is on call to be paged.');
  if (d.authorNextShift) out.push(`Your next shift: ${d.authorNextShift.text.replace(/^next shift /, '')}.`);
  if (d.saferTime) out.push(`Safer: ${d.saferTime.text}${d.saferTime.watchable ? '' : ', though a risky window starts within the watch window'}.`);
  else out.push(`No safer time in the next ${searchDays} days.`);
  return out;
}
