import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { routeHref, type SortKey } from '../app/routes';
import { useConsole } from '../app/context';
import { type NodeRow, visibleRange } from '../fleet/fleet';
import type { MessageKey } from '../i18n/messages';
import { Labels, Link, StatusBadge } from './common';

/** Every row has this height (styles.css `.node-table tr`), which the windowing relies on. */
const ROW_PX = 40;

const COLUMNS: { key: MessageKey; sort?: SortKey; class: string }[] = [
  { key: 'table.hostname', sort: 'hostname', class: 'col-host' },
  { key: 'table.status', sort: 'status', class: 'col-status' },
  { key: 'table.labels', class: 'col-labels' },
  { key: 'table.lastSeen', sort: 'lastSeen', class: 'col-seen' },
  { key: 'table.agent', class: 'col-agent' },
];

/**
 * The node list, windowed: only the rows in view (and a few around them) are in the DOM, between
 * two spacer rows that keep the scroll height of the whole list, so 10,000 nodes cost what 30 do.
 * It is still a real table (caption, column headers, `aria-rowcount` / `aria-rowindex` for the rows
 * not rendered), in a focusable scroll region so the keyboard can scroll it.
 */
export function NodeTable(props: {
  rows: NodeRow[];
  /** Changes when the reader changes the selection (filters, sort): the list scrolls back to its top. */
  selection: string;
  total: number;
  sort: SortKey;
  desc: boolean;
  onSort(sort: SortKey, desc: boolean): void;
  now: number;
}) {
  const { t, fmt } = useConsole();
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(480);
  const frame = useRef(0);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    setHeight(el.clientHeight);
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // A new selection starts at its top (rows that come and go meanwhile do not move the view).
  useEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
    setScrollTop(0);
  }, [props.selection]);

  const onScroll = () => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      setScrollTop(scroller.current?.scrollTop ?? 0);
    });
  };

  const { from, to } = visibleRange(scrollTop, height - ROW_PX, ROW_PX, props.rows.length);
  const shown = props.rows.slice(from, to);
  const firstVisible = Math.min(props.rows.length, Math.floor(scrollTop / ROW_PX) + 1);
  const lastVisible = Math.min(props.rows.length, Math.floor((scrollTop + height - ROW_PX) / ROW_PX));

  return (
    <>
      <div
        class="table-scroll"
        ref={scroller}
        onScroll={onScroll}
        tabIndex={0}
        role="region"
        aria-label={t('table.region')}
      >
        <table class="node-table" aria-rowcount={props.rows.length + 1}>
          <caption class="sr-only">
            {t('table.caption', { shown: fmt.number(props.rows.length), total: fmt.number(props.total) })}
          </caption>
          <thead>
            <tr aria-rowindex={1}>
              {COLUMNS.map((c) => {
                const active = c.sort !== undefined && c.sort === props.sort;
                return (
                  <th
                    key={c.key}
                    scope="col"
                    class={c.class}
                    aria-sort={active ? (props.desc ? 'descending' : 'ascending') : undefined}
                  >
                    {c.sort ? (
                      <button
                        type="button"
                        class="sort"
                        title={t('table.sortBy', { column: t(c.key) })}
                        onClick={() => props.onSort(c.sort!, active ? !props.desc : false)}
                      >
                        {t(c.key)}
                        <span aria-hidden="true" class="sort-mark">
                          {active ? (props.desc ? '▼' : '▲') : ''}
                        </span>
                      </button>
                    ) : (
                      t(c.key)
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {from > 0 && (
              <tr class="spacer" aria-hidden="true" style={{ height: `${from * ROW_PX}px` }}>
                <td colSpan={COLUMNS.length} />
              </tr>
            )}
            {shown.map((r, i) => (
              <tr key={r.id} aria-rowindex={from + i + 2}>
                <td class="col-host">
                  <Link href={routeHref({ view: 'node', id: r.id, range: '1h' })} title={r.id}>
                    {r.hostname}
                  </Link>
                  {r.hostname !== r.id && <span class="muted node-id">{r.id}</span>}
                </td>
                <td class="col-status">
                  <StatusBadge status={r.status} maintenance={r.maintenance} />
                </td>
                <td class="col-labels">
                  <Labels labels={r.labels} />
                </td>
                <td class="col-seen">
                  {r.lastSeenAt ? (
                    <time dateTime={r.lastSeenAt} title={fmt.dateTime(r.lastSeenAt)}>
                      {fmt.relative(r.lastSeenAt, props.now)}
                    </time>
                  ) : (
                    t('time.never')
                  )}
                </td>
                <td class="col-agent">{r.agentVersion}</td>
              </tr>
            ))}
            {to < props.rows.length && (
              <tr class="spacer" aria-hidden="true" style={{ height: `${(props.rows.length - to) * ROW_PX}px` }}>
                <td colSpan={COLUMNS.length} />
              </tr>
            )}
          </tbody>
        </table>
        {props.rows.length === 0 && <p class="empty">{t('table.empty')}</p>}
      </div>
      <p class="muted table-status">
        {props.rows.length > 0 &&
          t('table.rows', {
            from: fmt.number(firstVisible),
            to: fmt.number(Math.max(firstVisible, lastVisible)),
            total: fmt.number(props.rows.length),
          })}
      </p>
    </>
  );
}
