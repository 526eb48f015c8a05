import type { LiveEvent } from '../api/types';
import type { LiveClient } from '../live/live-client';
import { applyFleetEvent, type NodeRow, rowOf } from './fleet';
import { loadFleet, loadNode } from './load';
import { ApiError } from '../api/http';

export interface FleetState {
  rows: Map<string, NodeRow>;
  /** Bumped on every change (rows are changed in place), so views know to select again. */
  version: number;
  loading?: { loaded: number; total: number };
  error?: unknown;
  loadedAt?: number;
}

/**
 * The fleet for the whole signed-in console: loaded once over REST, kept current by the live API's
 * fleet events (applied as they come; a node they cannot describe is read again over REST, a few at
 * a time), and loaded again whole when the live API says the client fell too far behind (`reset`).
 * Listeners hear of changes at most every 250 ms, so a burst of events renders once.
 */
export class FleetStore {
  state: FleetState = { rows: new Map(), version: 0 };
  private readonly listeners = new Set<() => void>();
  private notifyTimer?: ReturnType<typeof setTimeout>;
  private loading?: Promise<void>;
  private abort?: AbortController;
  private readonly refetchIds = new Set<string>();
  private refetchTimer?: ReturnType<typeof setTimeout>;
  private stopLive?: () => void;

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(patch: Partial<FleetState>, soon = false): void {
    this.state = { ...this.state, ...patch, version: this.state.version + 1 };
    if (!soon) {
      clearTimeout(this.notifyTimer);
      this.notifyTimer = undefined;
      for (const l of this.listeners) l();
      return;
    }
    this.notifyTimer ??= setTimeout(() => {
      this.notifyTimer = undefined;
      for (const l of this.listeners) l();
    }, 250);
  }

  /** Reads the whole fleet (again); one load at a time. */
  load(): Promise<void> {
    this.loading ??= (async () => {
      this.abort = new AbortController();
      const quiet = this.state.loadedAt !== undefined;
      if (!quiet) this.set({ loading: { loaded: 0, total: 0 }, error: undefined });
      try {
        const rows = await loadFleet(this.abort.signal, (loaded, total) => {
          if (!quiet) this.set({ loading: { loaded, total } });
        });
        this.set({ rows, loading: undefined, error: undefined, loadedAt: Date.now() });
      } catch (error) {
        if (!this.abort.signal.aborted) this.set({ loading: undefined, error });
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  /** Follows the fleet topic of the live API until stop(). */
  startLive(live: LiveClient): void {
    this.stopLive?.();
    this.stopLive = live.subscribeEvents(
      'fleet',
      (event) => this.apply(event),
      () => this.load(),
    );
  }

  stop(): void {
    this.stopLive?.();
    this.abort?.abort();
    clearTimeout(this.refetchTimer);
    clearTimeout(this.notifyTimer);
  }

  private apply(event: LiveEvent): void {
    // In place: copying 10,000 rows per event would cost more than the event; `version` tells the change.
    const { changed, refetch } = applyFleetEvent(this.state.rows, event);
    if (changed) this.set({}, true);
    if (refetch) {
      this.refetchIds.add(refetch);
      this.refetchTimer ??= setTimeout(() => void this.refetch(), 200);
    }
  }

  private async refetch(): Promise<void> {
    const ids = [...this.refetchIds].slice(0, 20);
    for (const id of ids) this.refetchIds.delete(id);
    const found = await Promise.all(
      ids.map((id) =>
        loadNode(id).then(
          (n) => [id, rowOf(n)] as const,
          (e: unknown) => [id, e instanceof ApiError && e.status === 404 ? null : undefined] as const,
        ),
      ),
    );
    const rows = this.state.rows;
    for (const [id, row] of found) {
      if (row) rows.set(id, row);
      else if (row === null) rows.delete(id);
    }
    this.set({}, true);
    this.refetchTimer = this.refetchIds.size > 0 ? setTimeout(() => void this.refetch(), 200) : undefined;
  }
}
