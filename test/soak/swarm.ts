/**
 * A separate process holding many protocol clients (so the bridge's memory is measured alone).
 * Each client resumes after any close like the extension does, and checks seq continuity cheaply.
 * Usage: node swarm.js <url> <token> <clients>. Reports one JSON line on stdout on "report\n" stdin.
 */
import WebSocket from 'ws';

const [url = '', token = '', countText = '1'] = process.argv.slice(2);
const count = Number(countText);

interface C {
  lastSeq: number;
  ws?: WebSocket;
  open: boolean;
}

const stats = { messages: 0, events: 0, snapshots: 0, gaps: 0, duplicates: 0, closes: {} as Record<string, number>, connects: 0 };
const clients: C[] = [];
const SEQ = /"seq":(\d+)/;

function dial(c: C): void {
  const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` }, perMessageDeflate: false });
  c.ws = ws;
  ws.on('open', () => {
    c.open = true;
    stats.connects++;
  });
  ws.on('message', (data: Buffer) => {
    stats.messages++;
    const text = data.toString('utf8', 0, Math.min(data.length, 64));
    if (text.startsWith('{"type":"hello"')) return void ws.send(JSON.stringify({ type: 'resume', lastSeq: c.lastSeq }));
    const m = SEQ.exec(text);
    if (!m) return;
    const seq = Number(m[1]);
    if (text.startsWith('{"type":"snapshot"')) {
      stats.snapshots++;
      c.lastSeq = seq;
      return;
    }
    stats.events++;
    if (seq <= c.lastSeq) stats.duplicates++;
    else if (seq !== c.lastSeq + 1) {
      stats.gaps++;
      ws.send(JSON.stringify({ type: 'resume', lastSeq: c.lastSeq }));
    } else c.lastSeq = seq;
  });
  ws.on('error', () => undefined);
  ws.on('close', (code: number) => {
    c.open = false;
    stats.closes[code] = (stats.closes[code] ?? 0) + 1;
    if (!stopping) setTimeout(() => dial(c), 20 + Math.random() * 200);
  });
}

let stopping = false;
for (let i = 0; i < count; i++) {
  const c: C = { lastSeq: -1, open: false };
  clients.push(c);
  setTimeout(() => dial(c), i * 2); // no thundering herd on start
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (d: string) => {
  for (const cmd of d.split('\n')) {
    if (cmd === 'report') {
      const seqs = clients.map((c) => c.lastSeq);
      process.stdout.write(`${JSON.stringify({ ...stats, open: clients.filter((c) => c.open).length, minSeq: Math.min(...seqs), maxSeq: Math.max(...seqs) })}\n`);
    } else if (cmd === 'stop') {
      stopping = true;
      for (const c of clients) c.ws?.terminate();
      setTimeout(() => process.exit(0), 100);
    }
  }
});
