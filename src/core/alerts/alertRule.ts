/**
 * "The alert's rule, in the repository" (issue 21): where a Prometheus alerting rule is defined. Rule files are
 * YAML with `groups:` → `rules:` → `- alert: <name>` (plain Prometheus, or a PrometheusRule's `spec.groups`).
 * Pure text matching on a bounded file: no YAML library, nothing from the file is ever run.
 */

/** Files larger than this are not read as rule files. */
export const MAX_RULE_FILE_BYTES = 1024 * 1024;

/** Does the text look like a Prometheus rule file (a `groups:` key and a `rules:` key)? */
export function looksLikeRuleFile(text: string): boolean {
  return /^\s*groups\s*:/m.test(text) && /^\s*(?:-\s+)?rules\s*:/m.test(text);
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The 1-based lines of `alert: <name>` in a rule file (quoted or not, with or without a trailing comment). */
export function findAlertRule(text: string, alertname: string): number[] {
  if (!alertname || alertname.length > 300 || !looksLikeRuleFile(text)) return [];
  const re = new RegExp(`^\\s*(?:-\\s+)?alert\\s*:\\s*(["']?)${escape(alertname)}\\1\\s*(?:#.*)?$`);
  const out: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length && out.length < 20; i++) if (re.test(lines[i]!)) out.push(i + 1);
  return out;
}
