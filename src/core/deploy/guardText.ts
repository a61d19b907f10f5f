import { formatShiftTime } from '../schedule/format';
import { formatInZone } from '../schedule/time';
import type { RuleInterval } from './guardRules';

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
