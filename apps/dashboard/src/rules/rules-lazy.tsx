import type { RuleFilters, RuleKindFilter } from '../app/routes';
import { useConsole } from '../app/context';
import { ErrorNotice, useLoad } from '../views/common';

/**
 * The rules list (`filters`) or one rule's form (`rule`), loaded on demand: they are not needed
 * to start the console, so they stay out of its initial script (tools/build/bundle-budget.js).
 */
export function LazyRulesView(props: { filters?: RuleFilters; rule?: { id: string | null; kind: RuleKindFilter } }) {
  const { t } = useConsole();
  const views = useLoad(() => import('./rules-views'), []);
  if (views.error !== undefined) return <ErrorNotice error={views.error} onRetry={views.reload} />;
  if (!views.value)
    return (
      <p class="muted" role="status">
        {t('common.loading')}
      </p>
    );
  const { RulesView, RuleFormView } = views.value;
  if (props.rule)
    return <RuleFormView key={`${props.rule.id ?? ''}:${props.rule.kind}`} id={props.rule.id} kind={props.rule.kind} />;
  return <RulesView filters={props.filters ?? { q: '' }} />;
}
