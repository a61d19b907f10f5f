import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeClientMessage, decodeServerMessage } from '../../../src/core/protocol/decode';
import { clientExamples, serverExamples } from '../../mocks/protocolExamples';
import { repoRoot } from '../../testUtil/paths';

describe('docs/protocol.md', () => {
  const doc = fs.readFileSync(path.join(repoRoot, 'docs', 'protocol.md'), 'utf8');
  const blocks = [...doc.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => m[1]!);

  it('shows a valid JSON example of every message type', () => {
    const types = new Set<string>();
    for (const b of blocks) {
      const r = decodeServerMessage(b).ok ? decodeServerMessage(b) : decodeClientMessage(b);
      assert.ok(r.ok, `${r.ok ? '' : r.error}\n${b}`);
      types.add(r.value.type);
    }
    assert.deepEqual([...types].sort(), [...Object.keys(serverExamples), ...Object.keys(clientExamples)].sort());
  });
});
