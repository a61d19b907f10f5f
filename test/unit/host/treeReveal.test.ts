// revealInTree on plain Node: a reveal that loses VS Code's refresh race is tried again with the element looked up
// afresh; a reveal that keeps failing still fails (with VS Code's error), and a row that is gone reports false.
import * as assert from 'node:assert';
import { revealInTree } from '../../../src/host/treeReveal';

const noSleep = (): Promise<void> => Promise.resolve();
const raced = (): Error => new Error('Cannot resolve tree item for element 1/alert:A from extension oncall.vscode-oncall');

describe('revealInTree', () => {
  it('tries again after "Cannot resolve tree item", with the element found again', async () => {
    const revealed: string[] = [];
    let calls = 0;
    const view = {
      reveal: (el: string): Promise<void> => {
        if (++calls < 3) return Promise.reject(raced());
        revealed.push(el);
        return Promise.resolve();
      },
    };
    let finds = 0;
    const ok = await revealInTree(view, () => `row-${++finds}`, { select: true }, noSleep);
    assert.strictEqual(ok, true);
    assert.deepStrictEqual(revealed, ['row-3'], 'the third element looked up is the one revealed');
  });

  it('gives up after its bounded tries with the last error', async () => {
    let calls = 0;
    const view = { reveal: (): Promise<void> => (calls++, Promise.reject(raced())) };
    await assert.rejects(revealInTree(view, () => 'row', {}, noSleep), /Cannot resolve tree item/);
    assert.strictEqual(calls, 4, 'one try and three more');
  });

  it('is false (and reveals nothing) when the row is gone', async () => {
    let calls = 0;
    const view = { reveal: (): Promise<void> => (calls++, Promise.reject(raced())) };
    let finds = 0;
    assert.strictEqual(await revealInTree(view, () => (++finds === 1 ? 'row' : undefined), {}, noSleep), false);
    assert.strictEqual(calls, 1);
  });
});
