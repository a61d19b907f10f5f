/** Something that holds resources and releases them once. Structurally compatible with `vscode.Disposable`. */
export interface IDisposable {
  dispose(): void;
}

export function toDisposable(fn: () => void): IDisposable {
  let done = false;
  return {
    dispose() {
      if (!done) {
        done = true;
        fn();
      }
    },
  };
}

/** Disposes every item, collecting failures so that one bad item cannot keep the others alive. */
export function disposeAll(items: Iterable<IDisposable>): void {
  const errors: unknown[] = [];
  for (const d of items) {
    try {
      d.dispose();
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, 'several disposables failed');
}

/**
 * Base class with structural disposal: everything handed to `_register` is disposed with the owner.
 * Registering after disposal disposes the item at once (it would otherwise leak).
 */
export abstract class Disposable implements IDisposable {
  private readonly _store = new Set<IDisposable>();
  private _disposed = false;

  protected get isDisposed(): boolean {
    return this._disposed;
  }

  protected _register<T extends IDisposable>(d: T): T {
    if (this._disposed) d.dispose();
    else this._store.add(d);
    return d;
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    const items = [...this._store].reverse();
    this._store.clear();
    disposeAll(items);
  }
}

/** A disposable scope that can be cleared and reused (e.g. one connection's timers and listeners). */
export class DisposableStore implements IDisposable {
  private readonly _items = new Set<IDisposable>();
  private _disposed = false;

  add<T extends IDisposable>(d: T): T {
    if (this._disposed) d.dispose();
    else this._items.add(d);
    return d;
  }

  /** Disposes what it holds but stays usable. */
  clear(): void {
    const items = [...this._items].reverse();
    this._items.clear();
    disposeAll(items);
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this.clear();
  }
}
