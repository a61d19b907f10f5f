/**
 * Lifecycle helpers for host code. One implementation shared with core (core's types are structurally
 * compatible with vscode.Disposable), so `_register(vscode.window.createTreeView(...))` just works.
 */
export { Disposable, DisposableStore, toDisposable, disposeAll, type IDisposable } from '../core/util/disposable';
