import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { useConsole } from '../app/context';
import { align, latest, type Series } from './chart-data';

const HEIGHT = 200;

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/**
 * One metric of a node as a uPlot line chart. The chart is made again when the theme, the language
 * or the set of series changes, and otherwise only given new data (`version` bumps). Axis ticks and
 * legend values go through the console's Intl formatters. The canvas is hidden from assistive
 * technology; a text summary (series, latest value and its time) stands for it.
 */
export function MetricChart(props: {
  id: string;
  title: string;
  series: Series[];
  version: number;
  format(value: number): string;
  /** Fixed y range (percentages, ratios); else uPlot fits the data. */
  yRange?: [number, number];
  fromMs: number;
  toMs: number;
  theme: string;
}) {
  const { t, fmt, lang } = useConsole();
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const keys = props.series.map((s) => s.key).join('\n');
  const { format } = props;
  const spanMs = props.toMs - props.fromMs;
  // The x axis shows the range up to the newest point (live points move it on), read when it draws.
  const end = useRef(props.toMs);
  end.current = props.toMs;

  useEffect(() => {
    const el = holder.current;
    if (!el || props.series.length === 0) return;
    const palette = [cssVar('--chart-1'), cssVar('--chart-2'), cssVar('--chart-3'), cssVar('--chart-4')];
    const axisColor = cssVar('--text-muted');
    const gridColor = cssVar('--grid');
    const tick = new Intl.DateTimeFormat(
      lang,
      spanMs > 86_400_000
        ? { month: 'numeric', day: 'numeric', hour: '2-digit' }
        : { hour: '2-digit', minute: '2-digit' },
    );
    const axis = { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor, width: 1 } };
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: HEIGHT,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: {
          time: true,
          range: (_u, _min, max) => {
            const to = Math.max(max ?? 0, end.current / 1000);
            return [to - spanMs / 1000, to];
          },
        },
        y: props.yRange ? { range: () => props.yRange! } : {},
      },
      axes: [
        { ...axis, values: (_u, splits) => splits.map((s) => tick.format(s * 1000)) },
        { ...axis, size: 70, values: (_u, splits) => splits.map((v) => format(v)) },
      ],
      series: [
        { label: t('chart.time'), value: (_u, v) => (v == null ? t('common.none') : fmt.dateTime(v * 1000)) },
        ...props.series.map((s, i) => ({
          label: s.key || props.title,
          stroke: palette[i % palette.length],
          width: 2,
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => (v == null ? t('common.none') : format(v)),
        })),
      ],
    };
    const chart = new uPlot(opts, align(props.series) as uPlot.AlignedData, el);
    plot.current = chart;
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(280, el.clientWidth), height: HEIGHT }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // Made again for a new theme, language, range or set of series; new values go through setData below.
  }, [props.theme, lang, keys, spanMs, props.title]);

  useEffect(() => {
    plot.current?.setData(align(props.series) as uPlot.AlignedData);
  }, [props.version]);

  const last = latest(props.series);
  const points = props.series.reduce((n, s) => n + s.points.length, 0);
  return (
    <figure class="card chart" aria-labelledby={`${props.id}-title`} data-points={points} data-last={last?.at ?? ''}>
      <figcaption id={`${props.id}-title`}>{props.title}</figcaption>
      {props.series.length === 0 ? (
        <p class="muted">{t('chart.noData')}</p>
      ) : (
        <>
          <div ref={holder} class="chart-holder" aria-hidden="true" />
          <p class="muted chart-summary">
            {last &&
              t('chart.summary', {
                series: fmt.number(props.series.length),
                value: format(last.value),
                time: fmt.time(last.at),
              })}
          </p>
        </>
      )}
    </figure>
  );
}
