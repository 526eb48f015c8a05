import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/http';
import type { NodeStatus } from '../api/types';
import { useConsole } from '../app/context';
import type { Translate } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';

/** A link inside the console: the page is not reloaded (modified clicks still open a tab). */
export function Link(props: {
  href: string;
  children: ComponentChildren;
  class?: string;
  current?: boolean;
  title?: string;
}) {
  const { navigate } = useConsole();
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  return (
    <a
      href={props.href}
      class={props.class}
      title={props.title}
      aria-current={props.current ? 'page' : undefined}
      onClick={onClick}
    >
      {props.children}
    </a>
  );
}

/** What went wrong, in the reader's language. */
export function errorText(t: Translate, error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 502 || error.status === 503 || error.status === 504)
      return t('error.unavailable', { status: error.status });
    return t('error.generic', { status: error.status, detail: error.detail });
  }
  return t('error.network');
}

export function ErrorNotice(props: { error: unknown; onRetry?: () => void }) {
  const { t } = useConsole();
  return (
    <div class="notice error" role="alert">
      <p>{errorText(t, props.error)}</p>
      {props.onRetry && (
        <button type="button" onClick={props.onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

export const STATUS_KEY: Record<NodeStatus, MessageKey> = {
  online: 'status.online',
  offline: 'status.offline',
  registered: 'status.registered',
};

/** A node's status as text in a coloured badge (the colour is never the only sign). */
export function StatusBadge(props: { status: NodeStatus; maintenance?: boolean }) {
  const { t } = useConsole();
  return (
    <span class="badges">
      <span class={`badge badge-${props.status}`}>{t(STATUS_KEY[props.status])}</span>
      {props.maintenance && <span class="badge badge-maintenance">{t('status.maintenance')}</span>}
    </span>
  );
}

export function Labels(props: { labels: Record<string, string> }) {
  const entries = Object.entries(props.labels);
  return (
    <span class="labels">
      {entries.map(([k, v]) => (
        <code key={k} class="label">
          {k}={v}
        </code>
      ))}
    </span>
  );
}

export function PageHeading(props: { children: ComponentChildren }) {
  return (
    <h1 id="page-title" tabIndex={-1}>
      {props.children}
    </h1>
  );
}

/** The current time, ticking every `ms` (relative times stay right). */
export function useNow(ms = 5000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** A value loaded asynchronously, loaded again when `deps` change or `reload()` is called. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ value?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(abort.signal).then(
      (value) => !abort.signal.aborted && setState({ value, loading: false }),
      (error: unknown) => !abort.signal.aborted && setState({ error, loading: false }),
    );
    return () => abort.abort();
  }, [...deps, round]);
  return { ...state, reload: () => setRound((r) => r + 1) };
}
