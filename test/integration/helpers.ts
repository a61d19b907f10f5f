import * as http from 'node:http';
import * as vscode from 'vscode';
import type { OnCallApi } from '../../src/extension';

export const EXTENSION_ID = 'oncall.vscode-oncall';

export async function activateExtension(): Promise<OnCallApi> {
  const ext = vscode.extensions.getExtension<OnCallApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} not found`);
  const api = await ext.activate();
  // activate() hands its internals out only under test (ExtensionMode.Test).
  if (!api) throw new Error(`extension ${EXTENSION_ID} returned no test API: is it running in ExtensionMode.Test?`);
  return api;
}

/** Waits until `check` returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Asks the runner for a screenshot of the workbench (saved as .vscode-test/screenshots/<host>/<name>.png). */
export function screenshot(name: string): Promise<string | undefined> {
  const base = process.env.ONCALL_TEST_SCREENSHOT_URL;
  if (!base) return Promise.resolve(undefined); // @vscode/test-electron has no page to shoot
  return new Promise((resolve) => {
    http.get(`${base}?name=${encodeURIComponent(name)}`, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(res.statusCode === 200 ? body : undefined));
    }).on('error', () => resolve(undefined));
  });
}

/**
 * The runner (test/host/runIntegration.mjs) always starts a demo bridge and passes its URL and pid. A suite that
 * needs it fails when they are missing — a broken launcher must not turn the host suite into "skipped".
 */
export function requireBridge(): { url: string; pid: number } {
  const url = process.env.ONCALL_TEST_BRIDGE_URL;
  const pid = Number(process.env.ONCALL_TEST_BRIDGE_PID);
  if (!url || !pid) throw new Error('ONCALL_TEST_BRIDGE_URL / ONCALL_TEST_BRIDGE_PID not set: run the suites through test/host/runIntegration.mjs, which starts the demo bridge');
  return { url, pid };
}

