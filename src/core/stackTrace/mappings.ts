import { normalizeRelative } from './pathUtil';
import { errorText } from '../util/errors';

/**
 * A code mapping in the spirit of Sentry's: frames whose path starts with `stackRoot` live under `sourceRoot`
 * in the workspace. `folder` limits it to one workspace folder.
 */
export interface CodeMapping {
  stackRoot: string;
  sourceRoot: string;
  folder?: string;
}

export interface MappingValidation {
  mappings: CodeMapping[];
  /** Human-readable problems, each naming the offending entry ("codeMappings[1].sourceRoot: ..."). */
  errors: string[];
}

const MAX_MAPPINGS = 200;

/**
 * Validates the content of `.vscode/oncall.json` (text or already-parsed JSON):
 * `{ "codeMappings": [ { "stackRoot": "/app/", "sourceRoot": "services/checkout/", "folder"?: "name" } ] }`.
 * Valid entries are returned even when others are invalid.
 */
export function validateOncallConfig(content: unknown): MappingValidation {
  let value = content;
  if (typeof content === 'string') {
    try {
      value = JSON.parse(content) as unknown;
    } catch (e) {
      return { mappings: [], errors: [`not valid JSON: ${errorText(e)}`] };
    }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { mappings: [], errors: ['expected a JSON object'] };
  const cm = (value as Record<string, unknown>)['codeMappings'];
  if (cm === undefined) return { mappings: [], errors: [] };
  return validateCodeMappings(cm, 'codeMappings');
}

/** Validates a list of code mappings (from the file above or from settings). */
export function validateCodeMappings(value: unknown, where = 'codeMappings'): MappingValidation {
  const errors: string[] = [];
  const mappings: CodeMapping[] = [];
  if (!Array.isArray(value)) return { mappings, errors: [`${where}: expected an array`] };
  if (value.length > MAX_MAPPINGS) errors.push(`${where}: only the first ${MAX_MAPPINGS} entries are used`);
  value.slice(0, MAX_MAPPINGS).forEach((entry: unknown, i) => {
    const at = `${where}[${i}]`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
      errors.push(`${at}: expected an object with "stackRoot" and "sourceRoot"`);
      return;
    }
    const e = entry as Record<string, unknown>;
    const { stackRoot, sourceRoot, folder } = e;
    const before = errors.length;
    if (typeof stackRoot !== 'string' || stackRoot.trim() === '') errors.push(`${at}.stackRoot: expected a non-empty string such as "/app/"`);
    else if (stackRoot.includes('\0') || stackRoot.length > 1000) errors.push(`${at}.stackRoot: invalid path`);
    if (typeof sourceRoot !== 'string') errors.push(`${at}.sourceRoot: expected a workspace-relative path such as "services/checkout/" ("" for the root)`);
    else if (sourceRoot !== '' && normalizeRelative(sourceRoot) === undefined) {
      errors.push(`${at}.sourceRoot: must be a path inside the workspace (relative, no "..", no drive letter)`);
    }
    if (folder !== undefined && typeof folder !== 'string') errors.push(`${at}.folder: expected a workspace folder name`);
    if (errors.length > before || typeof stackRoot !== 'string' || typeof sourceRoot !== 'string') return;
    // Unknown keys are reported (likely typos) but do not disable an otherwise valid mapping.
    for (const k of Object.keys(e)) {
      if (!['stackRoot', 'sourceRoot', 'folder'].includes(k)) errors.push(`${at}: unknown property "${k}"`);
    }
    const m: CodeMapping = { stackRoot: stackRoot.replace(/\\/g, '/'), sourceRoot: normalizeRelative(sourceRoot) ?? '' };
    if (typeof folder === 'string') m.folder = folder;
    mappings.push(m);
  });
  return { mappings, errors };
}
