// Starts dist/bridge.js as a child process and waits for its "listening" line.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

/** @returns {Promise<{ url: string, port: number, child: import('node:child_process').ChildProcess, stop: () => Promise<void> }>} */
export function startBridge(root, args, { verbose = false, nodeBin = process.execPath, detached = false } = {}) {
  // detached: its own process group (scripts/demo.mjs stops the group as a whole).
  const child = spawn(nodeBin, [path.join(root, 'dist', 'bridge.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached });
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bridge did not start within 30 s:\n${stderr}`)), 30000);
    child.stderr.on('data', (d) => { stderr += d; if (stderr.length > 20000) stderr = stderr.slice(-20000); if (verbose) process.stderr.write('[bridge] ' + d); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`bridge exited with ${code}:\n${stderr}`)); });
    child.stdout.on('data', (d) => {
      const m = String(d).match(/oncall-bridge listening (ws:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        const url = m[1];
        resolve({
          url, port: Number(new URL(url).port), child,
          stop: () => new Promise((r) => { if (child.exitCode !== null) return r(); child.once('exit', () => r()); child.kill('SIGTERM'); setTimeout(() => child.kill('SIGKILL'), 3000).unref(); }),
        });
      }
    });
  });
}
