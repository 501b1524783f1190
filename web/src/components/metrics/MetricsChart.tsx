//! A time-series chart of CPU or memory drawn by uPlot: usage as measured, requests, limits and
//! allocatable as dashed levels, axes in the resource's units and times in the page's language,
//! and a legend that reads the values under the cursor. Loaded lazily (uPlot is not in the first
//! bundle).

import { useEffect, useMemo, useRef } from 'react';
import { useShownTheme } from '../../lib/theme/theme';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { BYTE_STEPS, CPU_STEPS, axisMax, formatAmount, type CoresLabel, type PlotData, type Resource } from '../../lib/k8s/metrics';

export interface MetricsChartProps {
  resource: Resource;
  data: PlotData;
  /** The legend's name of each line id (`usage`, `requests`, `container:app`). */
  labels: Record<string, string>;
  /** The legend's name of the time column. */
  timeLabel: string;
  /** Writes whole cores in the page's language. */
  cores: CoresLabel;
  locale: string;
  /** The range shown, in seconds: the time axis shows dates for ranges over a day. */
  rangeSeconds: number;
  height?: number;
  testId?: string;
}

/** The app's theme colour of a CSS custom property, read when a chart is made. */
function themeColour(name: string, fallback: string): string {
  if (typeof document === 'undefined') return fallback;
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

/** Colours of the containers' own lines, after the theme's accent for the total. */
const CONTAINER_COLOURS = ['#7a4fd6', '#1a9c8c', '#d26a1f', '#b03a82', '#4f7f2a', '#3d6fb3'];

function lineColour(id: string, containerIndex: number): string {
  switch (id) {
    case 'usage':
      return themeColour('--accent', '#2459d6');
    case 'requests':
      return themeColour('--warn', '#a35f00');
    case 'limits':
      return themeColour('--bad', '#c0332b');
    case 'allocatable':
      return themeColour('--text-muted', '#5d6878');
    default:
      return CONTAINER_COLOURS[containerIndex % CONTAINER_COLOURS.length] ?? '#7a4fd6';
  }
}

/** The columns uPlot takes: times first, then one array per line, nulls kept as gaps. */
export function alignedData(data: PlotData): uPlot.AlignedData {
  return [data.timestamps, ...data.lines.map((l) => l.values)];
}

/** Formats a unix time for the axis and legend in the page's language, 24-hour clock. */
function timeFormatter(locale: string, withDate: boolean, withSeconds: boolean): (seconds: number) => string {
  const format = new Intl.DateTimeFormat(locale, {
    ...(withDate ? { month: '2-digit', day: '2-digit' } : {}),
    hour: '2-digit',
    minute: '2-digit',
    ...(withSeconds ? { second: '2-digit' } : {}),
    hourCycle: 'h23',
  });
  return (seconds) => format.format(new Date(seconds * 1000));
}

/**
 * The value at the newest time, or null when the newest sample is a gap: away from the chart the
 * legend says what is true now, never an older sample that looks current.
 */
export function newest(values: ArrayLike<number | null | undefined>): number | null {
  const v = values[values.length - 1];
  return typeof v === 'number' ? v : null;
}

function latest(u: uPlot, seriesIndex: number): number | null {
  return newest(u.data[seriesIndex] ?? []);
}

/** Samples with a gap (or the edge of the data) on both sides: no line shows them, so a point does. */
export function isolatedSamples(values: ArrayLike<number | null | undefined>): number[] | null {
  const isolated: number[] = [];
  for (let i = 0; i < values.length; i += 1) {
    if (typeof values[i] === 'number' && typeof values[i - 1] !== 'number' && typeof values[i + 1] !== 'number') isolated.push(i);
  }
  return isolated.length > 0 ? isolated : null;
}

function chartOptions(props: MetricsChartProps, width: number, currentData: () => PlotData): uPlot.Options {
  const { resource, data, labels } = props;
  const font = themeColour('--font', 'system-ui, sans-serif');
  const muted = themeColour('--text-muted', '#5d6878');
  const grid = themeColour('--border', '#dde2ea');
  const withDate = props.rangeSeconds > 86_400;
  const axisTime = timeFormatter(props.locale, withDate, false);
  const axisTimeSeconds = timeFormatter(props.locale, withDate, true);
  const legendTime = timeFormatter(props.locale, withDate, true);
  const amount = (v: number | null | undefined) => formatAmount(resource, v, props.cores);
  let containerIndex = 0;
  const series: uPlot.Series[] = [
    {
      label: props.timeLabel,
      value: (u, v: number | null, i, idx: number | null) => {
        const at = idx === null ? latest(u, i) : v;
        return at === null ? '—' : legendTime(at);
      },
    },
    ...data.lines.map((line): uPlot.Series => {
      const colour = lineColour(line.id, line.id.startsWith('container:') ? containerIndex++ : 0);
      return {
        label: labels[line.id] ?? line.id,
        stroke: colour,
        width: line.id === 'usage' ? 2 : 1.5,
        dash: line.dashed ? [6, 4] : undefined,
        fill: line.id === 'usage' ? `${colour}1f` : undefined,
        spanGaps: false,
        // uPlot draws points only when they are far apart; a sample alone between gaps always gets one.
        points: line.dashed ? { show: false } : { filter: (u, i, show) => (show ? null : isolatedSamples(u.data[i] ?? [])) },
        // Away from the chart the legend shows the latest sample; on it, the one under the cursor.
        value: (u, v: number | null, i, idx: number | null) => amount(idx === null ? latest(u, i) : v),
      };
    }),
  ];
  return {
    width,
    height: props.height ?? 220,
    series,
    cursor: { drag: { x: false, y: false } },
    legend: { show: true, live: true },
    scales: {
      x: { time: true },
      y: { range: () => [0, axisMax(currentData(), resource)] },
    },
    axes: [
      {
        stroke: muted,
        font: `11px ${font}`,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid, width: 1 },
        // Ticks closer than a minute (a short history) need seconds to tell them apart.
        values: (_u, splits) => {
          const step = splits.length > 1 ? Math.abs((splits[1] ?? 0) - (splits[0] ?? 0)) : 60;
          return splits.map((s) => (step < 60 ? axisTimeSeconds(s) : axisTime(s)));
        },
        space: 70,
      },
      {
        stroke: muted,
        font: `11px ${font}`,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid, width: 1 },
        incrs: resource === 'memory' ? BYTE_STEPS : CPU_STEPS,
        values: (_u, splits) => splits.map((s) => amount(s)),
        size: 72,
        space: 24,
      },
    ],
  };
}

export default function MetricsChart(props: MetricsChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(props);
  useEffect(() => {
    latest.current = props;
  });
  // A new set of lines (a container came or went), language, range or theme (its colours are
  // read when the chart is made) makes a new chart; new values for the same lines only replace
  // its data.
  const theme = useShownTheme();
  const shape = useMemo(
    () => [props.resource, props.locale, props.rangeSeconds, theme, ...props.data.lines.map((l) => `${l.id}:${props.labels[l.id] ?? ''}`)].join('|'),
    [props.resource, props.locale, props.rangeSeconds, theme, props.data.lines, props.labels],
  );

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const width = Math.max(240, element.clientWidth);
    const chart = new uPlot(chartOptions(latest.current, width, () => latest.current.data), alignedData(latest.current.data), element);
    plot.current = chart;
    const observer = new ResizeObserver(() => {
      const next = Math.max(240, element.clientWidth);
      if (next !== chart.width) chart.setSize({ width: next, height: chart.height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [shape]);

  useEffect(() => {
    const chart = plot.current;
    if (!chart) return;
    // The y range depends on the data; the options' range function reads the latest props.
    chart.setData(alignedData(props.data));
  }, [props.data]);

  return <div className="metrics-chart" ref={host} data-testid={props.testId} data-points={props.data.timestamps.length} />;
}
