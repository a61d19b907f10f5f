/**
 * A value built on first use (issue 22: activation builds only the status bar and the connection; the other
 * features are built when something first needs them). `value` builds once and caches; a build that throws is
 * not cached, so the next use tries again (and reports again).
 */
export interface Lazy<T> {
  readonly value: T;
  readonly built: boolean;
}

export function lazy<T>(build: () => T): Lazy<T> {
  let state: { readonly v: T } | undefined;
  let building = false;
  return {
    get value(): T {
      if (state) return state.v;
      // A feature that needs itself while being built is a wiring bug, not a reason to recurse for ever.
      if (building) throw new Error('lazy value read while it is being built (a cycle in the feature wiring)');
      building = true;
      try {
        state = { v: build() };
      } finally {
        building = false;
      }
      return state.v;
    },
    get built(): boolean {
      return state !== undefined;
    },
  };
}
