/**
 * Command-line options of the deploy webhooks (any source): args.ts spreads DEPLOY_WEBHOOK_CLI_OPTIONS
 * into its parser and calls `parseDeployWebhookArgs` (pure); main.ts reads the secrets with
 * `readDeployWebhookSecrets` before the bridge starts and registers `deployWebhookRoutes`.
 * Secrets only from the environment or a file (first line), never the command line.
 */
import { readTokenFile } from '../auth';
import { BridgeConfigError } from '../server';
import { errorText } from '../../core/util/errors';

export const DEPLOY_WEBHOOK_CLI_OPTIONS = {
  'deploy-webhook-secret-file': { type: 'string' },
  'github-webhook-secret-file': { type: 'string' },
  'gitlab-webhook-token-file': { type: 'string' },
} as const;

export const DEPLOY_WEBHOOK_USAGE = `Deploy events from CI/CD (any source; each enables one route):
  ONCALL_DEPLOY_WEBHOOK_SECRET / --deploy-webhook-secret-file PATH
                              HMAC secret of POST /webhooks/deploy (X-Oncall-Timestamp + X-Oncall-Signature)
  ONCALL_GITHUB_WEBHOOK_SECRET / --github-webhook-secret-file PATH
                              secret of a GitHub webhook sending "Deployment statuses" to POST /webhooks/github
  ONCALL_GITLAB_WEBHOOK_TOKEN / --gitlab-webhook-token-file PATH
                              secret token of a GitLab webhook with "Deployment events" to POST /webhooks/gitlab
`;

export interface DeployWebhookArgs {
  deploySecretFile?: string;
  githubSecretFile?: string;
  gitlabTokenFile?: string;
}

export interface DeployWebhookSecrets {
  deploySecret?: string;
  githubSecret?: string;
  gitlabToken?: string;
}

type Values = { [K in keyof typeof DEPLOY_WEBHOOK_CLI_OPTIONS]?: string | undefined };

/** A string: the error to print. */
export function parseDeployWebhookArgs(values: Values): DeployWebhookArgs | string {
  const out: DeployWebhookArgs = {};
  const map = { 'deploy-webhook-secret-file': 'deploySecretFile', 'github-webhook-secret-file': 'githubSecretFile', 'gitlab-webhook-token-file': 'gitlabTokenFile' } as const;
  for (const [opt, key] of Object.entries(map) as [keyof Values, keyof DeployWebhookArgs][]) {
    const v = values[opt];
    if (v === undefined) continue;
    if (!v.trim()) return `--${opt} needs a path`;
    out[key] = v.trim();
  }
  return out;
}

const ENV = { deploySecret: 'ONCALL_DEPLOY_WEBHOOK_SECRET', githubSecret: 'ONCALL_GITHUB_WEBHOOK_SECRET', gitlabToken: 'ONCALL_GITLAB_WEBHOOK_TOKEN' } as const;
const FILE = { deploySecret: ['deploySecretFile', 'deploy-webhook-secret-file'], githubSecret: ['githubSecretFile', 'github-webhook-secret-file'], gitlabToken: ['gitlabTokenFile', 'gitlab-webhook-token-file'] } as const;

/** Each secret from its variable or its file, not both; set-but-empty is an error. */
export async function readDeployWebhookSecrets(a: DeployWebhookArgs | undefined, env: NodeJS.ProcessEnv): Promise<DeployWebhookSecrets> {
  const out: DeployWebhookSecrets = {};
  for (const k of Object.keys(ENV) as (keyof DeployWebhookSecrets)[]) {
    const [argKey, opt] = FILE[k];
    const file = a?.[argKey];
    const fromEnv = env[ENV[k]];
    if (file !== undefined) {
      if (fromEnv) throw new BridgeConfigError(`both ${ENV[k]} and --${opt} are set; use one`);
      try {
        out[k] = await readTokenFile(file);
      } catch (e) {
        throw new BridgeConfigError(`cannot use --${opt}: ${errorText(e)}`);
      }
      continue;
    }
    if (fromEnv === undefined) continue;
    const t = fromEnv.trim();
    if (!t || /\s/.test(t)) throw new BridgeConfigError(`${ENV[k]} is set but empty or contains whitespace`);
    if (t.length < 16) throw new BridgeConfigError(`${ENV[k]} is too short: use at least 16 random characters (e.g. openssl rand -hex 32)`);
    out[k] = t;
  }
  return out;
}
