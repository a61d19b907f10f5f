/**
 * Every `oncall.*` setting, in one table: type, default, validation, scope and what a workspace may do with it
 * (pure; `host/config.ts` is the only reader of VS Code's configuration and feeds it through `readSettings`).
 *
 * `scripts/check-settings.mjs` (run by `npm run lint`) fails when package.json's `contributes.configuration` or
 * `capabilities.untrustedWorkspaces.restrictedConfigurations` drifts from this table, and regenerates/checks the
 * settings tables in README.md and docs/settings.md from it.
 *
 * Settings are user input like any other: a value of the wrong type or out of range falls back to its default
 * and is reported (the host logs each problem once while it persists).
 */
import * as v from 'valibot';
import { buildDeployCommandPatterns, type DeployCommandPattern } from '../deploy/commandPatterns';
import { validateDeployGuardSettings, type DeployGuardConfig } from '../deploy/guardConfig';
import { compileTagRules, type CompiledTagRule } from '../git/deploys';
import { DEFAULT_TAG_PATTERNS } from '../git/gitRepository';
import { feedSettings, type FeedSetting, type SettingLayers } from '../schedule/icalSettings';
import { validateCodeMappings, type CodeMapping } from '../stackTrace/mappings';
import { SOURCE_TYPES, type SourceType } from '../transport/connectionFactory';
import { errorText } from '../util/errors';

export const SETTINGS_SECTION = 'oncall';

export type GroupBy = 'service' | 'severity' | 'status';
export type NotificationLevel = 'all' | 'critical' | 'assigned' | 'none';
export const GROUP_BY: readonly GroupBy[] = ['service', 'severity', 'status'];
export const NOTIFICATION_LEVELS: readonly NotificationLevel[] = ['all', 'critical', 'assigned', 'none'];

export const DEFAULT_DEPLOY_FILES: readonly string[] = [
  '.github/workflows/*deploy*',
  '.gitlab-ci.yml',
  'Jenkinsfile',
  'deploy*.sh',
  'Procfile',
  'k8s/**/*.{yaml,yml}',
  'kubernetes/**/*.{yaml,yml}',
  'helm/**/values*.{yaml,yml}',
];
export const DEFAULT_DEPLOY_WATCH_MINUTES = 30;
/** "I'm on it" (issue 21): idle minutes before the hold lapses. */
export const DEFAULT_IM_ON_IT_IDLE_MINUTES = 10;
/** Fix → watch → resolve (issue 21): quiet minutes after the fix deployed before Resolve is offered. */
export const DEFAULT_FIX_WATCH_QUIET_MINUTES = 15;
/** Most tag globs read from `oncall.deploys.tagPatterns`. */
export const MAX_TAG_PATTERNS = 50;

/** The typed, validated value of every setting. */
export interface OnCallSettings {
  serverUrl: string;
  allowInsecureConnections: boolean;
  identity: string;
  timeZone: string;
  sourceType: SourceType;
  gotifyAllowDelete: boolean;
  groupBy: GroupBy;
  pageSize: number;
  keepResolved: number;
  keepResolvedMinutes: number;
  notificationLevel: NotificationLevel;
  notificationsPerMinute: number;
  /** The guard's rules and command patterns; `raw` is the JSON as set (cached for the push hook's CLI). */
  deployGuard: { config: DeployGuardConfig; patterns: DeployCommandPattern[]; raw: unknown };
  deployFiles: readonly string[];
  deployTagRules: CompiledTagRule[];
  deployWatchMinutes: number;
  pagedHereCodeLens: boolean;
  imOnItIdleMinutes: number;
  fixWatchQuietMinutes: number;
  fixWatchAutoResolve: boolean;
  codeMappings: CodeMapping[];
  icalFeeds: FeedSetting[];
}

/** What the host hands the reader: VS Code's `get` / `inspect` for one key, and whether the workspace is trusted. */
export interface SettingsSource {
  get(key: string): unknown;
  inspect(key: string): SettingLayers | undefined;
  readonly trusted: boolean;
}

/** VS Code's configuration scopes (package.json `scope`; absent means `window`). */
export type SettingScope = 'application' | 'machine' | 'machine-overridable' | 'window' | 'resource' | 'language-overridable';
/** What a value of the setting can make the editor do on its own: contact a server, or run a process / parse untrusted input. */
export type SettingEffect = 'network' | 'process' | 'none';

export interface SettingSpec {
  /** Without the `oncall.` prefix. */
  readonly key: string;
  readonly type: 'string' | 'boolean' | 'number' | 'array' | 'object';
  /** The default, exactly as in package.json. */
  readonly default: unknown;
  readonly scope: SettingScope;
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
  /** Listed in `capabilities.untrustedWorkspaces.restrictedConfigurations`: workspace values count only once trusted. */
  readonly restricted: boolean;
  readonly effect: SettingEffect;
  /** Why a workspace may set this although it has an effect (checked: an effect without restriction needs a reason). */
  readonly trustException?: string;
  /** Read for the first workspace folder (resource-scoped settings only). */
  readonly firstFolder?: boolean;
  /** The read depends on workspace trust itself (`inspect()`), so it is re-read when trust is granted. */
  readonly trustAware?: boolean;
  /** One line for README's settings table. */
  readonly summary: string;
  /** The scope review: why this scope, whose it is. */
  readonly why: string;
}

type Report = (message: string) => void;

interface Entry<K extends keyof OnCallSettings> extends SettingSpec {
  readonly field: K;
  read(src: SettingsSource, report: Report): OnCallSettings[K];
}

const shown = (x: unknown): string => JSON.stringify(x)?.slice(0, 80) ?? String(x);

/** A plain value checked by a valibot schema; a wrong one is reported with what was expected, and the default used. */
function checked<T>(key: string, schema: v.GenericSchema<unknown, T>, def: T, expected: string) {
  return (src: SettingsSource, report: Report): T => {
    const raw = src.get(key);
    if (raw === undefined || raw === null) return def;
    const r = v.safeParse(schema, raw);
    if (r.success) return r.output;
    report(`setting oncall.${key} has an invalid value (${shown(raw)}): expected ${expected}; using ${JSON.stringify(def)}`);
    return def;
  };
}

const str = (key: string) => checked(key, v.pipe(v.string(), v.trim()), '', 'a string');
const bool = (key: string) => checked(key, v.boolean(), false, 'true or false');
const num = (key: string, def: number, min: number, max: number, integer = false) =>
  checked(key, v.pipe(v.number(), v.finite(), v.minValue(min), v.maxValue(max), v.transform((n) => (integer ? Math.floor(n) : n))), def, `a number from ${min} to ${max}`);
const oneOf = <T extends string>(key: string, def: T, options: readonly T[]) =>
  checked(key, v.picklist(options), def, `one of ${options.join('|')}`);

const CONNECTION_EXCEPTION =
  'A workspace may name its own alert source (the demo workspace does). Tokens are kept per origin in the keychain, so that source only ever gets the token stored for its own origin (none unless you connect to it yourself).';

/** An entry; a plain string, boolean, number or enum setting gets its reader from its own spec (key, default, range). */
function entry<K extends keyof OnCallSettings>(e: Omit<Entry<K>, 'read'> & { read?: Entry<K>['read']; integer?: boolean }): Entry<K> {
  const { integer, read, ...spec } = e;
  return { ...spec, read: read ?? (plainReader(spec, integer ?? false) as Entry<K>['read']) };
}

function plainReader(e: SettingSpec, integer: boolean): (src: SettingsSource, report: Report) => unknown {
  if (e.type === 'string' && e.enum) return oneOf(e.key, e.default as string, e.enum);
  if (e.type === 'string' && e.default === '') return str(e.key);
  if (e.type === 'boolean' && e.default === false) return bool(e.key);
  if (e.type === 'boolean' && e.default === true) return checked(e.key, v.boolean(), true, 'true or false');
  if (e.type === 'number' && typeof e.default === 'number' && e.minimum !== undefined && e.maximum !== undefined) return num(e.key, e.default, e.minimum, e.maximum, integer);
  throw new Error(`setting oncall.${e.key}: no plain reader for it; give the entry a read()`);
}

/** The table. Order is package.json's. */
export const SETTINGS = [
  entry({
    key: 'serverUrl', field: 'serverUrl', type: 'string', default: '', scope: 'window', restricted: false, effect: 'network', trustException: CONNECTION_EXCEPTION,
    summary: 'WebSocket URL of the alert source (set by *Connect to Alert Source…*)',
    why: 'Yours (user settings, follows you with Settings Sync); a workspace may point at its own source. *Connect…* writes where the value lives.',
  }),
  entry({
    key: 'allowInsecureConnections', field: 'allowInsecureConnections', type: 'boolean', default: false, scope: 'window', restricted: false, effect: 'none',
    summary: 'allow `ws://` off this machine',
    why: 'A transport policy for the URL in use; it contacts nothing itself (off by default, `ws://` to this machine is always allowed).',
  }),
  entry({
    key: 'identity', field: 'identity', type: 'string', default: '', scope: 'window', restricted: false, effect: 'none',
    summary: 'who you are in the schedule (default: your `git config user.email`)',
    why: 'Yours (follows you with Settings Sync); a workspace may set it for a team of its own (the demo workspace does). Only changes what is shown as you.',
  }),
  entry({
    key: 'alerts.groupBy', field: 'groupBy', type: 'string', default: 'service', scope: 'window', enum: GROUP_BY, restricted: false, effect: 'none',
    summary: '`service`, `severity` or `status`',
    why: 'A view preference.',
  }),
  entry({
    key: 'alerts.pageSize', field: 'pageSize', type: 'number', default: 50, scope: 'window', minimum: 20, maximum: 5000, restricted: false, effect: 'none',
    summary: 'rows per group before "Show more"',
    why: 'A view preference.',
    integer: true,
  }),
  entry({
    key: 'alerts.keepResolved', field: 'keepResolved', type: 'number', default: 200, scope: 'window', minimum: 0, maximum: 100000, restricted: false, effect: 'none',
    summary: 'how many resolved alerts to keep',
    why: 'A view preference (bounded).',
    integer: true,
  }),
  entry({
    key: 'alerts.keepResolvedMinutes', field: 'keepResolvedMinutes', type: 'number', default: 240, scope: 'window', minimum: 0, maximum: 10080, restricted: false, effect: 'none',
    summary: 'how long to keep resolved alerts',
    why: 'A view preference (bounded).',
  }),
  entry({
    key: 'notifications.level', field: 'notificationLevel', type: 'string', default: 'all', scope: 'window', enum: NOTIFICATION_LEVELS, restricted: false, effect: 'none',
    summary: '`all`, `critical`, `assigned`, `none`',
    why: 'Yours; a workspace may quieten notifications for its window.',
  }),
  entry({
    key: 'notifications.maxPerMinute', field: 'notificationsPerMinute', type: 'number', default: 5, scope: 'window', minimum: 1, maximum: 100, restricted: false, effect: 'none',
    summary: 'storm limit; beyond it one summary',
    why: 'Yours (bounded: at most 100 a minute whoever sets it).',
    integer: true,
  }),
  entry({
    key: 'timeZone', field: 'timeZone', type: 'string', default: '', scope: 'window', restricted: false, effect: 'none',
    summary: 'zone for shift times and the deploy guard (default: this machine\'s zone)',
    why: 'Yours (follows you with Settings Sync; empty means this machine\'s zone).',
  }),
  entry({
    key: 'deployGuard', field: 'deployGuard', type: 'object', default: {}, scope: 'resource', restricted: true, effect: 'process',
    summary: 'risky windows, freezes, holidays, watch window, deploy command patterns, protected branches',
    why: 'The project\'s deploy policy, so a workspace may set it; its command patterns are regular expressions run on your commands and it feeds the push hook: restricted.',
    read: (src, report) => {
      const raw = src.get('deployGuard') ?? {};
      const g = validateDeployGuardSettings(raw);
      const p = buildDeployCommandPatterns(raw);
      for (const e of [...g.errors, ...p.errors]) report(`setting oncall.deployGuard.${e.path}: ${e.message} (entry ignored)`);
      return { config: g.config, patterns: p.patterns, raw };
    },
  }),
  entry({
    key: 'deployFiles', field: 'deployFiles', type: 'array', default: DEFAULT_DEPLOY_FILES, scope: 'resource', restricted: true, effect: 'none',
    summary: 'files that show the deploy-window warning (CI/k8s globs)',
    why: 'The project\'s layout, so a workspace may set it; restricted with the rest of the guard.',
    read: (src, report) => {
      const raw = src.get('deployFiles');
      if (raw === undefined || raw === null) return DEFAULT_DEPLOY_FILES;
      if (!Array.isArray(raw)) {
        report(`setting oncall.deployFiles has an invalid value (${shown(raw)}): expected a list of globs; using the defaults`);
        return DEFAULT_DEPLOY_FILES;
      }
      const ok = (f: unknown): f is string => typeof f === 'string' && f.length > 0 && f.length < 300;
      (raw as unknown[]).forEach((f, i) => ok(f) || report(`setting oncall.deployFiles[${i}]: expected a glob of 1 to 299 characters (entry ignored)`));
      return (raw as unknown[]).filter(ok);
    },
  }),
  entry({
    key: 'deploys.tagPatterns', field: 'deployTagRules', type: 'array', default: DEFAULT_TAG_PATTERNS, scope: 'resource', restricted: true, effect: 'process', firstFolder: true,
    summary: 'git tags that mark deploys',
    why: 'The project\'s tagging convention; reading tags runs git: restricted (and git only runs in a trusted workspace).',
    read: (src, report) => {
      const raw = src.get('deploys.tagPatterns');
      const globs: readonly unknown[] = Array.isArray(raw) ? raw : DEFAULT_TAG_PATTERNS;
      if (!Array.isArray(raw) && raw !== undefined) report('tag patterns: oncall.deploys.tagPatterns must be a list of globs; using the defaults');
      const rules: CompiledTagRule[] = [];
      for (const g of globs.slice(0, MAX_TAG_PATTERNS)) {
        try {
          rules.push(...compileTagRules([{ glob: g as string }]));
        } catch (e) {
          report(`tag patterns: ${errorText(e)}`);
        }
      }
      return rules;
    },
  }),
  entry({
    key: 'deploys.watchMinutes', field: 'deployWatchMinutes', type: 'number', default: DEFAULT_DEPLOY_WATCH_MINUTES, scope: 'window', minimum: 0, maximum: 1440, restricted: false, effect: 'none',
    summary: 'how long to watch your own deploy',
    why: 'Yours (bounded).',
  }),
  entry({
    key: 'pagedHere.codeLens', field: 'pagedHereCodeLens', type: 'boolean', default: true, scope: 'window', restricted: false, effect: 'none',
    summary: '"paged 3× in 30 days" above lines that were the top frame of recent alerts',
    why: 'A view preference.',
  }),
  entry({
    key: 'imOnIt.idleMinutes', field: 'imOnItIdleMinutes', type: 'number', default: DEFAULT_IM_ON_IT_IDLE_MINUTES, scope: 'window', minimum: 1, maximum: 240, restricted: false, effect: 'none',
    summary: '"I\'m on it" lapses after this many minutes without edits to the alert\'s files',
    why: 'Yours (bounded: a workspace cannot hold an alert for more than 4 idle hours).',
    integer: true,
  }),
  entry({
    key: 'fixWatch.quietMinutes', field: 'fixWatchQuietMinutes', type: 'number', default: DEFAULT_FIX_WATCH_QUIET_MINUTES, scope: 'window', minimum: 1, maximum: 1440, restricted: false, effect: 'none',
    summary: 'minutes an alert linked to a fix must stay quiet after the fix deployed before Resolve is offered',
    why: 'Yours (bounded; it only decides when a question is asked, never resolves by itself).',
    integer: true,
  }),
  entry({
    key: 'fixWatch.autoResolve', field: 'fixWatchAutoResolve', type: 'boolean', default: false, scope: 'application', restricted: false, effect: 'network',
    summary: 'resolve an alert linked to a fix by itself (instead of asking) once it stayed quiet after the fix deployed',
    why: 'Yours only (user settings): it resolves alerts at the source on your behalf, so no workspace may turn it on — not even a trusted one. Off by default; you are told each time, with Undo where the source can reopen.',
  }),
  entry({
    key: 'codeMappings', field: 'codeMappings', type: 'array', default: [], scope: 'resource', restricted: false, effect: 'none',
    summary: 'stack root → workspace folder mappings (also `.vscode/oncall.json`)',
    why: 'The project\'s layout, so a workspace may set it; source roots must stay inside the workspace, and it only chooses which file opens.',
    read: (src, report) => {
      const r = validateCodeMappings(src.get('codeMappings') ?? [], 'oncall.codeMappings');
      for (const e of r.errors) report(`setting ${e}`);
      return r.mappings;
    },
  }),
  entry({
    key: 'schedule.icalFeeds', field: 'icalFeeds', type: 'array', default: [], scope: 'machine-overridable', restricted: true, effect: 'network', trustAware: true,
    summary: 'on-call iCal feeds (`name`, optional `url`, `role`, `pair`, `rotationId`); URLs best kept in the keychain with *Set iCal Feed URL…*, which wins over a `url` with the same name',
    why: 'Yours; feed URLs (secret tokens) live in this machine\'s keychain, so the list stays per machine. A workspace\'s feeds are read only once it is trusted (`inspect()`, besides the restriction): fetching one is a request to a server the workspace chose.',
    read: (src, report) => feedSettings(src.inspect('schedule.icalFeeds'), src.trusted, report),
  }),
  entry({
    key: 'sourceType', field: 'sourceType', type: 'string', default: 'bridge', scope: 'window', enum: SOURCE_TYPES, restricted: false, effect: 'network', trustException: CONNECTION_EXCEPTION,
    summary: '`bridge`, or `ntfy` / `gotify` to connect to those servers directly',
    why: 'Goes with `oncall.serverUrl` (it says what speaks at that URL).',
  }),
  entry({
    key: 'gotify.allowDelete', field: 'gotifyAllowDelete', type: 'boolean', default: false, scope: 'window', restricted: false, effect: 'none',
    summary: 'let *Resolve* delete the Gotify message',
    why: 'Goes with `oncall.serverUrl`; acts only when you resolve an alert yourself.',
  }),
] as const;

export const SETTING_SPECS: readonly SettingSpec[] = SETTINGS;

/**
 * Reads and validates every setting. `report` gets one message per problem (the caller decides how often to
 * log it); a bad value never throws, it falls back to its default.
 */
export function readSettings(src: SettingsSource, report: Report): OnCallSettings {
  const out: Partial<Record<keyof OnCallSettings, unknown>> = {};
  for (const e of SETTINGS) {
    try {
      out[e.field] = (e.read as (s: SettingsSource, r: Report) => unknown)(src, report);
    } catch (err) {
      report(`setting oncall.${e.key} could not be read (${errorText(err)}); using the default`);
      out[e.field] = (e.read as (s: SettingsSource, r: Report) => unknown)({ get: () => undefined, inspect: () => undefined, trusted: src.trusted }, () => undefined);
    }
  }
  return out as OnCallSettings;
}

/** The keys (without prefix) whose value one field comes from. */
export function keyOf(field: keyof OnCallSettings): string {
  return SETTINGS.find((e) => e.field === field)!.key;
}
