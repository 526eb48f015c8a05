import { api, query } from '../api/http';
import type { AlertListReply, LiveEvent } from '../api/types';
import type { LiveClient } from '../live/live-client';
import { type AlertMap, applyAlertEvent } from './alerts';

export interface AlertState {
  alerts: AlertMap;
  /** Bumped on every change (the map is changed in place). */
  version: number;
  loading: boolean;
  error?: unknown;
  loadedAt?: number;
}

/** The most alerts one read asks for (what the API answers at most). */
const LIMIT = 1000;

/**
 * The pending and firing alerts while the alerts view is open: read over REST, then kept current by
 * the live API's `alerts` topic (pending and firing put an alert in, resolved takes it out), read
 * again over REST on `reset` and when a silence is created or expired (which changes `silencedBy`).
 * Events that arrive while a read is on its way are held and applied after it, so the read's
 * older answer cannot undo them.
 */
export class AlertStore {
  state: AlertState = { alerts: new Map(), version: 0, loading: false };
  private readonly listeners = new Set<() => void>();
  private held: LiveEvent[] | undefined;
  private abort?: AbortController;
  private stops: (() => void)[] = [];
  private reloadTimer?: ReturnType<typeof setTimeout>;

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(patch: Partial<AlertState>): void {
    this.state = { ...this.state, ...patch, version: this.state.version + 1 };
    for (const l of this.listeners) l();
  }

  async load(): Promise<void> {
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    this.held ??= [];
    this.set({ loading: true });
    try {
      const r = await api<AlertListReply>(`/api/v1/alerts?${query({ state: 'pending,firing', limit: LIMIT })}`, {
        signal: abort.signal,
      });
      if (abort.signal.aborted) return;
      const alerts: AlertMap = new Map(r.alerts.map((a) => [a.fingerprint, a]));
      for (const e of this.held ?? []) applyAlertEvent(alerts, e);
      this.held = undefined;
      this.set({ alerts, loading: false, error: undefined, loadedAt: Date.now() });
    } catch (error) {
      if (abort.signal.aborted) return;
      this.held = undefined;
      this.set({ loading: false, error });
    }
  }

  /** Reads the list again soon (several triggers in a burst make one read). */
  private reloadSoon(): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => void this.load(), 300);
  }

  start(live: LiveClient): void {
    this.stops.push(
      live.subscribeEvents(
        'alerts',
        (event) => {
          if (this.held) this.held.push(event);
          else if (applyAlertEvent(this.state.alerts, event)) this.set({});
        },
        () => this.load(),
      ),
      live.subscribeEvents(
        'silences',
        () => this.reloadSoon(),
        () => this.reloadSoon(),
      ),
    );
    void this.load();
  }

  stop(): void {
    for (const stop of this.stops) stop();
    this.stops = [];
    this.abort?.abort();
    clearTimeout(this.reloadTimer);
  }
}
