import { matchesLabels } from '../metrics/label-match';
import type { LabelMatcher } from '../metrics/metrics.queries';
import type { MaintenanceWindow, MaintenanceWindowEvent, MaintenanceWindowState } from './maintenance-window.schema';

/** A window as the schedule reads it: times in Unix ms, `endsAt` already cut by a cancellation. */
export interface WindowTimes {
  readonly id: string;
  readonly matchers: readonly LabelMatcher[];
  readonly startsAt: number;
  /** When it stops: its end, or when it was cancelled if that came first. */
  readonly endsAt: number;
  readonly cancelled: boolean;
}

/** The window as scheduled, then cut at `cancelledAt` when it was cancelled. */
export function windowTimes(window: MaintenanceWindow, cancelledAt?: string): WindowTimes {
  const ends = Date.parse(window.endsAt);
  return {
    id: window.id,
    matchers: window.matchers,
    startsAt: Date.parse(window.startsAt),
    endsAt: cancelledAt === undefined ? ends : Math.min(ends, Date.parse(cancelledAt)),
    cancelled: cancelledAt !== undefined,
  };
}

/** Active over [startsAt, endsAt): at its start a node is in maintenance, at its end it is not. */
export function windowActive(w: WindowTimes, now: number): boolean {
  return w.startsAt <= now && now < w.endsAt;
}

export function windowState(w: WindowTimes, now: number): MaintenanceWindowState {
  if (w.cancelled) return 'cancelled';
  if (now < w.startsAt) return 'scheduled';
  return now < w.endsAt ? 'active' : 'ended';
}

/** Whether a window's matchers select a node (its id reads as the `node` label, as for alerts). */
export function windowSelects(
  w: Pick<WindowTimes, 'matchers'>,
  nodeId: string,
  labels: Readonly<Record<string, string>>,
) {
  return matchesLabels(w.matchers, nodeId, labels);
}

/**
 * The windows of a fleet, followed from their events, answering which hold a node in
 * maintenance at an instant. Pure: the clock is passed in.
 */
export class WindowSchedule {
  private readonly windows = new Map<string, WindowTimes>();

  apply(event: MaintenanceWindowEvent): void {
    switch (event.type) {
      case 'maintenance_window.scheduled':
        this.windows.set(event.data.window.id, windowTimes(event.data.window));
        return;
      case 'maintenance_window.cancelled': {
        const w = this.windows.get(event.data.windowId);
        if (w) this.windows.set(w.id, { ...w, endsAt: Math.min(w.endsAt, Date.parse(event.data.at)), cancelled: true });
        return;
      }
      default: {
        const never: never = event;
        return never;
      }
    }
  }

  /** The active windows selecting the node at `now` (empty: no window holds it). */
  holding(nodeId: string, labels: Readonly<Record<string, string>>, now: number): WindowTimes[] {
    const found: WindowTimes[] = [];
    for (const w of this.windows.values()) if (windowActive(w, now) && windowSelects(w, nodeId, labels)) found.push(w);
    return found;
  }

  /** The next instant after `now` a window starts or stops (when maintenance changes by itself). */
  nextBoundary(now: number): number | undefined {
    let next: number | undefined;
    for (const w of this.windows.values()) {
      if (w.endsAt <= w.startsAt) continue; // cancelled before its start: never holds anything
      for (const t of [w.startsAt, w.endsAt]) if (t > now && (next === undefined || t < next)) next = t;
    }
    return next;
  }

  /** Forgets the windows that stopped before `before` (they can hold nothing again). */
  prune(before: number): void {
    for (const [id, w] of this.windows) if (w.endsAt < before) this.windows.delete(id);
  }

  get size(): number {
    return this.windows.size;
  }
}
