import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { seesAdminViews } from '../admin/access';
import { AdminView } from '../admin/admin-view';
import { AlertsView } from '../alerts/alerts-view';
import { SilencesView } from '../alerts/silences-view';
import { api, ApiError, onSessionEnded, refreshSession, renewLiveSession } from '../api/http';
import type { Me } from '../api/types';
import { FleetStore } from '../fleet/store';
import { formatters, initialLanguage, translator } from '../i18n/i18n';
import { type Language, LANGUAGE_NAMES, LANGUAGES, type MessageKey } from '../i18n/messages';
import { LiveClient, type LiveStatus, liveUrl } from '../live/live-client';
import { MaintenanceView } from '../maintenance/maintenance-view';
import { followWindowBoundaries } from '../maintenance/window-boundaries';
import { NodeDetailView } from '../nodes/node-detail';
import { NotificationsView } from '../notify/notifications-view';
import { ReceiversView } from '../notify/receivers-view';
import { LazyRulesView } from '../rules/rules-lazy';
import { LazyBackupsView } from '../backups/backups-lazy';
import { seesUsers, UsersView } from '../users/users';
import { Link, PageHeading } from '../views/common';
import { LoginView } from '../views/login';
import { OverviewView } from '../views/overview';
import { type Console, ConsoleContext, useConsole } from './context';
import { ROLE_KEY } from './roles';
import { parseRoute, type Route, routeHref } from './routes';
import { applyTheme, readStorage, savedTheme, systemTheme, type Theme, writeStorage } from './theme';

type Session = { state: 'checking' } | { state: 'anonymous'; expired: boolean } | { state: 'signedIn'; me: Me };

const LANGUAGE_KEY = 'vigil.lang';
const LIVE_KEY: Record<LiveStatus, MessageKey> = {
  open: 'live.open',
  connecting: 'live.connecting',
  reconnecting: 'live.reconnecting',
  stopped: 'live.stopped',
};

/** Who is signed in, from the session cookie (renewed once with the refresh cookie); undefined: nobody. */
async function currentUser(): Promise<Me | undefined> {
  const me = () => api<Me>('/api/v1/auth/me', { noRefresh: true });
  try {
    return await me();
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
  }
  if (!(await refreshSession())) return undefined;
  return me().catch(() => undefined);
}

const here = () => parseRoute(location.pathname, location.search);

export function App() {
  const [route, setRoute] = useState<Route>(here);
  const [lang, setLang] = useState<Language>(() =>
    initialLanguage(
      readStorage(LANGUAGE_KEY),
      navigator.languages?.length ? navigator.languages : [navigator.language],
    ),
  );
  const [themeChoice, setThemeChoice] = useState<Theme | null>(savedTheme);
  const [system, setSystem] = useState<Theme>(systemTheme);
  const [session, setSession] = useState<Session>({ state: 'checking' });
  const [sessionError, setSessionError] = useState<unknown>();
  const [liveStatus, setLiveStatus] = useState<LiveStatus>('stopped');
  const [services, setServices] = useState<{ live: LiveClient; fleet: FleetStore } | null>(null);
  const focusTitle = useRef(false);
  const t = useMemo(() => translator(lang), [lang]);
  const fmt = useMemo(() => formatters(lang), [lang]);
  const theme = themeChoice ?? system;

  useEffect(() => {
    document.documentElement.lang = lang;
    writeStorage(LANGUAGE_KEY, lang);
  }, [lang]);
  useEffect(() => applyTheme(themeChoice), [themeChoice]);
  useEffect(() => {
    const query = matchMedia('(prefers-color-scheme: dark)');
    const follow = () => setSystem(query.matches ? 'dark' : 'light');
    query.addEventListener('change', follow);
    return () => query.removeEventListener('change', follow);
  }, []);

  const navigate = useCallback((href: string, options: { replace?: boolean } = {}) => {
    if (options.replace) history.replaceState(null, '', href);
    else {
      history.pushState(null, '', href);
      focusTitle.current = true;
    }
    setRoute(here());
  }, []);
  useEffect(() => {
    const back = () => setRoute(here());
    addEventListener('popstate', back);
    return () => removeEventListener('popstate', back);
  }, []);
  // After following a link, the new page's heading takes the focus (screen readers announce it).
  useEffect(() => {
    if (!focusTitle.current) return;
    focusTitle.current = false;
    document.getElementById('page-title')?.focus();
  });

  const checkSession = useCallback(() => {
    setSessionError(undefined);
    currentUser().then(
      (me) => setSession(me ? { state: 'signedIn', me } : { state: 'anonymous', expired: false }),
      (e: unknown) => setSessionError(e),
    );
  }, []);
  useEffect(checkSession, [checkSession]);
  useEffect(() => onSessionEnded(() => setSession({ state: 'anonymous', expired: true })), []);

  const userId = session.state === 'signedIn' ? session.me.id : undefined;
  useEffect(() => {
    if (!userId) return;
    const live = new LiveClient({ url: liveUrl(location), renewSession: renewLiveSession, onStatus: setLiveStatus });
    const fleet = new FleetStore();
    fleet.startLive(live);
    const stopWindows = followWindowBoundaries(fleet, live);
    live.start();
    setServices({ live, fleet });
    return () => {
      stopWindows();
      fleet.stop();
      live.stop();
      setServices(null);
    };
  }, [userId]);

  useEffect(() => {
    if (session.state === 'anonymous' && route.view !== 'login')
      navigate(routeHref({ view: 'login', next: `${location.pathname}${location.search}` }), { replace: true });
    if (session.state === 'signedIn' && route.view === 'login') navigate(route.next, { replace: true });
  }, [session, route, navigate]);

  useEffect(() => {
    const TITLES: Record<Exclude<Route['view'], 'node' | 'rule'>, MessageKey> = {
      overview: 'overview.title',
      alerts: 'alerts.title',
      silences: 'silences.title',
      receivers: 'receivers.title',
      notifications: 'notifications.title',
      rules: 'rules.title',
      maintenance: 'mw.title',
      backups: 'backups.title',
      users: 'users.title',
      audit: 'audit.title',
      keys: 'keys.title',
      status: 'platform.title',
      login: 'login.title',
      notFound: 'notFound.title',
    };
    const title =
      route.view === 'node'
        ? route.id
        : route.view === 'rule'
          ? (route.id ?? t('rule.newTitle'))
          : t(TITLES[route.view]);
    document.title = `${title} · ${t('app.name')}`;
  }, [route, t]);

  const toggleTheme = () => {
    const next: Theme = theme === 'dark' ? 'light' : 'dark';
    // At once, before the re-render: the charts read the theme's colours when they are made again.
    applyTheme(next);
    setThemeChoice(next);
  };

  const logout = async () => {
    try {
      await api<void>('/api/v1/auth/logout', { method: 'POST', noRefresh: true });
    } catch {
      // The session is left behind by the gateway either way (expired, revoked): sign out here.
    }
    setSession({ state: 'anonymous', expired: false });
    navigate('/login');
  };

  const tools = (
    <div class="tools">
      <div class="field inline">
        <label for="language">{t('header.language')}</label>
        <select
          id="language"
          value={lang}
          onChange={(e) => setLang(LANGUAGES.find((l) => l === e.currentTarget.value) ?? 'en')}
        >
          {LANGUAGES.map((l) => (
            <option key={l} value={l} lang={l}>
              {LANGUAGE_NAMES[l]}
            </option>
          ))}
        </select>
      </div>
      <button type="button" aria-pressed={theme === 'dark'} onClick={toggleTheme}>
        {t('header.darkTheme')}
      </button>
    </div>
  );

  if (session.state !== 'signedIn' || !services) {
    return (
      <>
        <header class="top">
          <span class="brand">{t('app.name')}</span>
          {tools}
        </header>
        <main id="main" tabIndex={-1}>
          {sessionError !== undefined ? (
            <div class="notice error" role="alert">
              <p>{t('error.network')}</p>
              <button type="button" onClick={checkSession}>
                {t('common.retry')}
              </button>
            </div>
          ) : session.state === 'anonymous' ? (
            <LoginView
              t={t}
              expired={session.expired}
              onSignedIn={(me) => {
                focusTitle.current = true;
                setSession({ state: 'signedIn', me });
              }}
            />
          ) : (
            <p class="muted" role="status">
              {t('common.loading')}
            </p>
          )}
        </main>
      </>
    );
  }

  const { me } = session;
  const value: Console = { lang, t, fmt, me, live: services.live, liveStatus, fleet: services.fleet, navigate };
  return (
    <ConsoleContext.Provider value={value}>
      <a class="skip" href="#main">
        {t('app.skip')}
      </a>
      <header class="top">
        <span class="brand">{t('app.name')}</span>
        <nav aria-label={t('nav.label')}>
          <ul>
            <li>
              <Link href="/" current={route.view === 'overview' || route.view === 'node'}>
                {t('nav.fleet')}
              </Link>
            </li>
            <li>
              <Link href="/alerts" current={route.view === 'alerts'}>
                {t('nav.alerts')}
              </Link>
            </li>
            <li>
              <Link href="/silences" current={route.view === 'silences'}>
                {t('nav.silences')}
              </Link>
            </li>
            <li>
              <Link href="/receivers" current={route.view === 'receivers'}>
                {t('nav.receivers')}
              </Link>
            </li>
            <li>
              <Link href="/notifications" current={route.view === 'notifications'}>
                {t('nav.notifications')}
              </Link>
            </li>
            <li>
              <Link href="/rules" current={route.view === 'rules' || route.view === 'rule'}>
                {t('nav.rules')}
              </Link>
            </li>
            <li>
              <Link href="/maintenance" current={route.view === 'maintenance'}>
                {t('nav.maintenance')}
              </Link>
            </li>
            <li>
              <Link href="/backups" current={route.view === 'backups'}>
                {t('nav.backups')}
              </Link>
            </li>
            {seesUsers(me.role) && (
              <li>
                <Link href="/users" current={route.view === 'users'}>
                  {t('nav.users')}
                </Link>
              </li>
            )}
            {seesAdminViews(me.role) && (
              <>
                <li>
                  <Link href="/audit" current={route.view === 'audit'}>
                    {t('nav.audit')}
                  </Link>
                </li>
                <li>
                  <Link href="/keys" current={route.view === 'keys'}>
                    {t('nav.keys')}
                  </Link>
                </li>
                <li>
                  <Link href="/status" current={route.view === 'status'}>
                    {t('nav.status')}
                  </Link>
                </li>
              </>
            )}
          </ul>
        </nav>
        <span class={`live live-${liveStatus}`} role="status" title={t('live.label')}>
          {t(LIVE_KEY[liveStatus])}
        </span>
        {tools}
        <div class="who">
          <span>{t('header.signedInAs', { user: me.id, role: t(ROLE_KEY[me.role]) })}</span>
          <button type="button" onClick={() => void logout()}>
            {t('header.logout')}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <View route={route} theme={theme} />
      </main>
    </ConsoleContext.Provider>
  );
}

function View(props: { route: Route; theme: string }) {
  const { route } = props;
  switch (route.view) {
    case 'overview':
      return <OverviewView filters={route.filters} />;
    case 'node':
      return <NodeDetailView key={route.id} id={route.id} range={route.range} theme={props.theme} />;
    case 'alerts':
      return <AlertsView filters={route.filters} />;
    case 'silences':
      return <SilencesView />;
    case 'receivers':
      return <ReceiversView />;
    case 'notifications':
      return <NotificationsView filters={route.filters} />;
    case 'rules':
      return <LazyRulesView filters={route.filters} />;
    case 'rule':
      return <LazyRulesView rule={route} />;
    case 'maintenance':
      return <MaintenanceView />;
    case 'backups':
      return <LazyBackupsView job={route.job} />;
    case 'users':
      return <UsersView />;
    case 'audit':
    case 'keys':
    case 'status':
      return <AdminView route={route} />;
    case 'login':
      return null;
    case 'notFound':
      return <NotFound path={route.path} />;
    default: {
      const never: never = route;
      return never;
    }
  }
}

function NotFound(props: { path: string }) {
  const { t } = useConsole();
  return (
    <>
      <PageHeading>{t('notFound.title')}</PageHeading>
      <p>{t('notFound.body', { path: props.path })}</p>
      <Link href="/">{t('node.back')}</Link>
    </>
  );
}
