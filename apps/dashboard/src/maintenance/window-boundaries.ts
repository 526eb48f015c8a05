import { api, query } from '../api/http';
import type { MaintenanceWindowListReply } from '../api/types';
import type { FleetStore } from '../fleet/store';
import type { LiveClient } from '../live/live-client';
import { nextWindowBoundary } from './maintenance';

/** Past a boundary by this much before the fleet is read again (the gateway's clock may lag the browser's a little). */
const AFTER_BOUNDARY_MS = 1000;
/** setTimeout's longest delay; a boundary further away is planned again from there. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Keeps the fleet's maintenance marks right as maintenance windows change them: no node event
 * tells of a window (one event for the window, whatever the number of nodes it selects), so the
 * fleet is read again when a window is scheduled or cancelled (the live API's `maintenance`
 * topic) and at each open window's start and end. Returns the function that stops it.
 */
export function followWindowBoundaries(fleet: FleetStore, live: LiveClient): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let abort: AbortController | undefined;
  const reloadFleet = () => {
    if (fleet.state.loadedAt !== undefined) void fleet.load();
  };
  const plan = async () => {
    clearTimeout(timer);
    abort?.abort();
    const current = (abort = new AbortController());
    try {
      const { windows } = await api<MaintenanceWindowListReply>(
        `/api/v1/maintenance-windows?${query({ state: 'open', limit: 500 })}`,
        { signal: current.signal },
      );
      const next = nextWindowBoundary(windows, Date.now());
      if (next === undefined || current.signal.aborted) return;
      const delay = next - Date.now() + AFTER_BOUNDARY_MS;
      timer = setTimeout(
        () => {
          if (delay <= MAX_DELAY_MS) reloadFleet();
          void plan();
        },
        Math.min(Math.max(delay, 0), MAX_DELAY_MS),
      );
    } catch {
      // Planned again at the next window event or reconnection; the overview polls meanwhile without the live API.
    }
  };
  const stopLive = live.subscribeEvents(
    'maintenance',
    () => {
      reloadFleet();
      void plan();
    },
    () => {
      reloadFleet();
      void plan();
    },
  );
  void plan();
  return () => {
    stopLive();
    clearTimeout(timer);
    abort?.abort();
  };
}
