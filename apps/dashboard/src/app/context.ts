import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Me } from '../api/types';
import type { FleetStore } from '../fleet/store';
import type { Formatters, Translate } from '../i18n/i18n';
import type { Language } from '../i18n/messages';
import type { LiveClient, LiveStatus } from '../live/live-client';

/** What every view of a signed-in console reads: the language, the caller, the live API, navigation. */
export interface Console {
  lang: Language;
  t: Translate;
  fmt: Formatters;
  me: Me;
  live: LiveClient;
  liveStatus: LiveStatus;
  fleet: FleetStore;
  navigate(href: string, options?: { replace?: boolean }): void;
}

export const ConsoleContext = createContext<Console | null>(null);

export function useConsole(): Console {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error('useConsole outside the signed-in console');
  return value;
}
