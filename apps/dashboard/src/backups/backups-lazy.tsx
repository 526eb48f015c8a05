import { useConsole } from '../app/context';
import { ErrorNotice, useLoad } from '../views/common';

/**
 * The backups view, loaded on demand: it is not needed to start the console, so it stays out of
 * its initial script (tools/build/bundle-budget.js).
 */
export function LazyBackupsView(props: { job?: string }) {
  const { t } = useConsole();
  const view = useLoad(() => import('./backups-view'), []);
  if (view.error !== undefined) return <ErrorNotice error={view.error} onRetry={view.reload} />;
  if (!view.value)
    return (
      <p class="muted" role="status">
        {t('common.loading')}
      </p>
    );
  const { BackupsView } = view.value;
  return <BackupsView job={props.job} />;
}
