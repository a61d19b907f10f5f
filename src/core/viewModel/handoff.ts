import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import type { Alert } from '../protocol/types';
import { formatAge as formatDuration } from '../alerts/format';
import { displayText } from '../util/text';

export interface HandoffInput {
  alerts: readonly Alert[];
  shift: { start: number; end: number };
  now: number;
  timeZone: string;
  who: string;
}

export interface HandoffStats {
  triggered: number;
  acknowledged: number;
  resolved: number;
  stillOpen: number;
  medianTimeToAckMs?: number;
  maxTimeToAckMs?: number;
}

/** Alerts that belong to a shift: started during it, or still open when it ends (inherited ones too). */
export function shiftAlerts(alerts: readonly Alert[], start: number, end: number): Alert[] {
  return alerts.filter((a) => {
    const started = Date.parse(a.startedAt);
    const resolved = a.resolvedAt ? Date.parse(a.resolvedAt) : undefined;
    return (started >= start && started < end) || (started < end && (resolved === undefined || resolved >= start) && a.status !== 'resolved');
  });
}

export function handoffStats(alerts: readonly Alert[], start: number, end: number): HandoffStats {
  const during = alerts.filter((a) => {
    const t = Date.parse(a.startedAt);
    return t >= start && t < end;
  });
  const ttas = during
    .filter((a) => a.acknowledgedAt)
    .map((a) => Date.parse(a.acknowledgedAt!) - Date.parse(a.startedAt))
    .filter((ms) => Number.isFinite(ms) && ms >= 0)
    .sort((x, y) => x - y);
  const mid = ttas.length ? ttas[Math.floor((ttas.length - 1) / 2)] : undefined;
  return {
    triggered: during.length,
    acknowledged: during.filter((a) => a.acknowledgedAt !== undefined || a.status === 'acknowledged').length,
    resolved: during.filter((a) => a.status === 'resolved').length,
    stillOpen: shiftAlerts(alerts, start, end).filter((a) => a.status !== 'resolved').length,
    ...(mid !== undefined ? { medianTimeToAckMs: mid, maxTimeToAckMs: ttas[ttas.length - 1] } : {}),
  };
}

/**
 * Alert text inside a markdown line, escaped only where rendering needs it: what could start markup mid-line
 * (emphasis, code, links, images, HTML, entities, tables, strikethrough, math) — not '.', '-', '(' or '@', so the
 * rendered text and the source both read "you@example.com", "checkout-api", "(DivisionByZero)".
 */
export function escapeInline(input: unknown, max: number): string {
  return displayText(input, max).replace(/[\\`*_[\]<>|~&$]/g, (c) => `\\${c}`);
}

/** Markdown summary of a shift for the next person on call. Every piece of alert text is escaped. */
export function handoffMarkdown(input: HandoffInput): string {
  const { shift, timeZone } = input;
  const fmt = (t: number): string => format(new TZDate(t, timeZone), 'EEE d MMM HH:mm');
  const end = Math.min(shift.end, input.now);
  const stats = handoffStats(input.alerts, shift.start, end);
  const list = shiftAlerts(input.alerts, shift.start, end);
  const open = list.filter((a) => a.status !== 'resolved');
  const done = list.filter((a) => a.status === 'resolved');
  const lines: string[] = [
    `# Shift handoff — ${escapeInline(input.who, 80).replace(/^#/, '\\#')}`,
    '',
    `Shift: ${fmt(shift.start)} → ${fmt(shift.end)} (${timeZone})${input.now < shift.end ? `, summary at ${fmt(input.now)}` : ''}`,
    '',
    '| This shift | Count |',
    '|---|---|',
    `| Alerts triggered | ${stats.triggered} |`,
    `| Acknowledged | ${stats.acknowledged} |`,
    `| Resolved | ${stats.resolved} |`,
    `| Still open | ${stats.stillOpen} |`,
    `| Time to ack (median / max) | ${stats.medianTimeToAckMs !== undefined ? `${formatDuration(stats.medianTimeToAckMs)} / ${formatDuration(stats.maxTimeToAckMs ?? 0)}` : '—'} |`,
    '',
    `## Still open (${open.length})`,
    '',
  ];
  if (open.length === 0) lines.push('Nothing open. 🎉', '');
  for (const a of open) lines.push(alertLine(a, fmt, input.who));
  lines.push('', `## Resolved during the shift (${done.length})`, '');
  if (done.length === 0) lines.push('None.', '');
  for (const a of done) lines.push(alertLine(a, fmt, input.who));
  lines.push('', '## Notes for the next on-call', '', '- ', '');
  return lines.join('\n');
}

function alertLine(a: Alert, fmt: (t: number) => string, me: string): string {
  const who = (p: { name: string; email?: string }): string => (me && (p.email === me || p.name === me) ? 'you' : escapeInline(p.name, 60));
  const ack = a.acknowledgedBy ? `, acked by ${who(a.acknowledgedBy)}` : '';
  const tta = a.acknowledgedAt ? ` after ${formatDuration(Date.parse(a.acknowledgedAt) - Date.parse(a.startedAt))}` : '';
  const resolvedAt = a.resolvedAt ? Date.parse(a.resolvedAt) : NaN;
  const state =
    a.status === 'resolved'
      ? `resolved${a.resolvedBy ? ` by ${who(a.resolvedBy)}` : ''}${Number.isNaN(resolvedAt) ? '' : ` at ${fmt(resolvedAt)}`}`
      : a.status;
  return `- **${a.severity}** ${escapeInline(a.title, 200)} — ${escapeInline(a.service, 60)} (since ${fmt(Date.parse(a.startedAt))}${ack}${tta}; ${state})`;
}
