import type * as vscode from 'vscode';

/** Waits between tries (ms): the tree's own fetch that raced the reveal has settled by then. */
const RETRY_DELAYS_MS = [50, 200, 600] as const;

/**
 * `TreeView.reveal` that survives a refresh racing it.
 *
 * VS Code's extension host drops the result of a children fetch when a newer fetch of the same parent started
 * meanwhile (a refresh of a live view), and then rejects the reveal with "Cannot resolve tree item for element …".
 * A stream of alerts refreshes the Alerts view many times a second, so a reveal can lose that race at any moment.
 * Each try looks the element up again (`find`), so a row that moved (another group, a new page) is still found.
 * Resolves true once revealed, false when `find` finds nothing; rejects with the last error after the tries.
 */
export async function revealInTree<T>(
  view: Pick<vscode.TreeView<T>, 'reveal'>,
  find: () => T | undefined | Promise<T | undefined>,
  options: { select?: boolean; focus?: boolean; expand?: boolean | number },
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const el = await find();
    if (el === undefined) return false;
    try {
      await view.reveal(el, options);
      return true;
    } catch (e) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined) throw e;
      await sleep(delay);
    }
  }
}
