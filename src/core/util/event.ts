import type { IDisposable } from './disposable';

/** A subscription function, shaped like `vscode.Event<T>` so host code can pass core events straight through. */
export type Event<T> = (listener: (e: T) => unknown, thisArgs?: unknown, disposables?: IDisposable[]) => IDisposable;

/**
 * Minimal event emitter for core code (no `vscode` import). A listener that throws is reported to
 * `onListenerError` and does not stop the other listeners.
 */
export class Emitter<T> implements IDisposable {
  private _listeners: Array<(e: T) => unknown> = [];
  private _disposed = false;

  constructor(private readonly _onListenerError: (err: unknown) => void = () => {}) {}

  readonly event: Event<T> = (listener, thisArgs, disposables) => {
    const bound = thisArgs === undefined ? listener : listener.bind(thisArgs);
    if (!this._disposed) this._listeners.push(bound);
    const sub: IDisposable = {
      dispose: () => {
        this._listeners = this._listeners.filter((l) => l !== bound);
      },
    };
    disposables?.push(sub);
    return sub;
  };

  get hasListeners(): boolean {
    return this._listeners.length > 0;
  }

  fire(e: T): void {
    for (const l of this._listeners.slice()) {
      try {
        l(e);
      } catch (err) {
        this._onListenerError(err);
      }
    }
  }

  dispose(): void {
    this._disposed = true;
    this._listeners = [];
  }
}
