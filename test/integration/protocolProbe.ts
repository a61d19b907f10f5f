import WebSocket from 'ws';
import type { Alert, SnapshotMessage } from '../../src/core/protocol/types';

/** Asks the bridge for a fresh snapshot over its protocol: the server's truth, independent of the extension. */
export function serverSnapshot(url: string, timeoutMs = 10000): Promise<SnapshotMessage> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no snapshot from ${url} within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as { type: string };
      if (msg.type === 'hello') ws.send(JSON.stringify({ type: 'resume', lastSeq: -1 }));
      if (msg.type === 'snapshot') {
        clearTimeout(timer);
        ws.close();
        resolve(msg as SnapshotMessage);
      }
    });
    ws.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export async function serverAlert(url: string, id: string): Promise<Alert | undefined> {
  return (await serverSnapshot(url)).alerts.find((a) => a.id === id);
}
