// A minimal typed event emitter: `Events` maps each event name to its listener's argument.

export class Emitter<Events extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Events, Set<(value: never) => void>>();

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof Events>(event: K, listener: (value: Events[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (value: never) => void);
    return () => set.delete(listener as (value: never) => void);
  }

  protected emit<K extends keyof Events>(event: K, value: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      // One faulty listener must not stop the others nor the emitter's own state change.
      try {
        (listener as (value: Events[K]) => void)(value);
      } catch (err) {
        console.warn(`listener for ${String(event)} failed`, err);
      }
    }
  }

  removeAllListeners(): void {
    this.listeners.clear();
  }
}
