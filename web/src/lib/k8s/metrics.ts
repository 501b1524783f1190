//! CPU and memory metrics as the server reports them (`GET /api/v1/metrics/…`, the `usage` list
//! cells), how their numbers read (millicores, cores, KiB/MiB/GiB), and how a series becomes the
//! columns a chart draws. Pure: no fetching, no React.

import type {
  Amounts,
  ContainerView,
  Current,
  PrometheusStatus,
  RangeOption,
  SeriesView,
  SourceStatus as MetricsServerStatus,
  TargetMetrics,
  UsageCell,
} from '../api/generated';

export type {
  Amounts,
  MetricsStatus,
  PrometheusStatus,
  SourceState,
  TopNode,
  TopPod,
  UsageBase,
  UsageCell,
} from '../api/generated';
export type { MetricsServerStatus };

/** The state of a metrics source, metrics-server's or Prometheus'; anything but `ok` comes with a message and a hint. */
export type SourceStatus = MetricsServerStatus | PrometheusStatus;

/** A range the charts can show, and which source serves it. */
export type MetricsRange = RangeOption;

/** One target's current figures; `null` means not set or not known, never zero in disguise. */
export type CurrentUsage = Current;

/** Usage over a range: unix-second timestamps, cores and bytes, `null` where no sample was taken. */
export type Series = SeriesView;

export type ContainerMetrics = ContainerView;

/** `GET /api/v1/metrics/…`: one target's metrics. */
export type MetricsAnswer = TargetMetrics;

export type Resource = 'cpu' | 'memory';

export function isUsageCell(value: unknown): value is UsageCell {
  return typeof value === 'object' && value !== null && typeof (value as UsageCell).usage === 'number';
}

/** The metrics API path of an object's kind, or null when the server has no metrics for it. */
export function metricsTarget(kind: { group: string; resource: string }, name: string, namespace: string | null): string | null {
  const n = encodeURIComponent(name);
  const key = `${kind.resource}.${kind.group}`;
  if (key === 'pods.' && namespace) return `pods/${encodeURIComponent(namespace)}/${n}`;
  if (key === 'nodes.') return `nodes/${n}`;
  if (key === 'namespaces.') return `namespaces/${n}`;
  const workloads = ['deployments.apps', 'statefulsets.apps', 'daemonsets.apps', 'replicasets.apps', 'jobs.batch'];
  if (workloads.includes(key) && namespace) return `workloads/${kind.resource}/${encodeURIComponent(namespace)}/${n}`;
  return null;
}

/** Drops trailing zeros: 1.50 → 1.5, 2.00 → 2. */
function trim(value: number, decimals: number): string {
  return String(Number(value.toFixed(decimals)));
}

/** Three significant figures at most, as people read a gauge: 0.25, 2.5, 25, 250. */
function significant(value: number): string {
  const abs = Math.abs(value);
  return trim(value, abs >= 100 ? 0 : abs >= 10 ? 1 : 2);
}

/** Writes a number of whole cores with its unit (`1 core`, `1.5 cores`, `2 核`). */
export type CoresLabel = (amount: string) => string;

export const englishCores: CoresLabel = (amount) => (amount === '1' ? '1 core' : `${amount} cores`);

/**
 * CPU as kubectl writes it below a core (`250m`, `0.5m`) and in cores above (`1.5 cores`); the
 * unit comes from the catalogue so it reads in the page's language.
 */
export function formatCpu(cores: number | null | undefined, label: CoresLabel = englishCores): string {
  if (cores === null || cores === undefined || !Number.isFinite(cores)) return '—';
  if (cores === 0) return '0';
  if (Math.abs(cores) < 1) return `${significant(cores * 1000)}m`;
  return label(significant(cores));
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** Bytes in binary units as Kubernetes quantities use them: `512 B`, `128 MiB`, `1.5 GiB`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? String(Math.round(value)) : significant(value)} ${BYTE_UNITS[unit]}`;
}

export function formatAmount(resource: Resource, value: number | null | undefined, cores?: CoresLabel): string {
  return resource === 'cpu' ? formatCpu(value, cores) : formatBytes(value);
}

/** A percentage for a bar and a label: 0–100 for the bar, the real figure (maybe over 100) for text. */
export function percentOf(value: number | null | undefined, of: number | null | undefined): number | null {
  if (value === null || value === undefined || of === null || of === undefined || of <= 0) return null;
  return (value / of) * 100;
}

export function formatPercent(percent: number | null | undefined): string {
  if (percent === null || percent === undefined || !Number.isFinite(percent)) return '—';
  return `${percent >= 10 ? Math.round(percent) : trim(percent, 1)}%`;
}

/** Tick steps for a memory axis: powers of two in each binary unit, so labels read `64 MiB`, `1 GiB`. */
export const BYTE_STEPS: number[] = [0, 1, 2, 3, 4].flatMap((power) => [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].map((m) => m * 1024 ** power));

/** Tick steps for a CPU axis: 1, 2, 5 times powers of ten from a millicore up. */
export const CPU_STEPS: number[] = [-3, -2, -1, 0, 1, 2, 3].flatMap((e) => [1, 2, 5].map((m) => Number((m * 10 ** e).toPrecision(3))));

/** One line of a chart: usage, or a flat request/limit/allocatable line. */
export interface PlotLine {
  /** `usage`, `requests`, `limits`, `allocatable`, or `container:<name>`. */
  id: string;
  values: (number | null)[];
  /** Drawn dashed: a configured level rather than a measurement. */
  dashed: boolean;
}

export interface PlotData {
  timestamps: number[];
  lines: PlotLine[];
}

/**
 * The lines a chart of `resource` draws over `series`: the usage as measured (gaps stay gaps),
 * the containers' own usage when there are several, and flat lines at the requests, limits and
 * (for nodes) allocatable the target has now. Lines for levels that are not set are left out.
 */
export function plotData(series: Series, current: CurrentUsage | null, resource: Resource, containers: readonly ContainerMetrics[] = []): PlotData {
  const timestamps = series.timestamps.slice();
  const length = timestamps.length;
  const usage = series[resource].slice(0, length);
  while (usage.length < length) usage.push(null);
  const lines: PlotLine[] = [{ id: 'usage', values: usage.map((v) => (v === null || !Number.isFinite(v) ? null : v)), dashed: false }];
  if (containers.length > 1) {
    for (const container of containers) {
      if (!container.series) continue;
      const byTime = new Map<number, number | null>();
      container.series.timestamps.forEach((ts, i) => byTime.set(ts, container.series?.[resource][i] ?? null));
      lines.push({ id: `container:${container.name}`, values: timestamps.map((ts) => byTime.get(ts) ?? null), dashed: false });
    }
  }
  const amounts = current?.[resource];
  for (const level of ['requests', 'limits', 'allocatable'] as const) {
    const value = amounts?.[level];
    if (typeof value === 'number' && Number.isFinite(value)) lines.push({ id: level, values: timestamps.map(() => value), dashed: true });
  }
  return { timestamps, lines };
}

/** Whether a series holds at least one sample (a chart of only gaps would show nothing). */
export function hasSamples(series: Series | null | undefined): boolean {
  return Boolean(series && (series.cpu.some((v) => v !== null) || series.memory.some((v) => v !== null)));
}

/** The y-axis top: the highest value drawn plus headroom, never zero (an empty axis still has a scale). */
export function axisMax(data: PlotData, resource: Resource): number {
  let max = 0;
  for (const line of data.lines) for (const v of line.values) if (v !== null && v > max) max = v;
  if (max <= 0) return resource === 'cpu' ? 0.1 : 64 * 1024 * 1024;
  return max * 1.15;
}

/**
 * A target's current amounts as a usage cell, measured the way list cells are: against the
 * requests when set, else the limits, else (a node) the allocatable; null without a sample.
 */
export function usageCellOf(amounts: Amounts | null | undefined): UsageCell | null {
  if (!amounts || amounts.usage === null) return null;
  const base: [UsageCell['of'], number | null | undefined][] = [
    ['requests', amounts.requests],
    ['limits', amounts.limits],
    ['allocatable', amounts.allocatable],
  ];
  for (const [of, level] of base) {
    const percent = percentOf(amounts.usage, level);
    if (percent !== null) return { usage: amounts.usage, requests: amounts.requests, limits: amounts.limits, percent, of };
  }
  return { usage: amounts.usage, requests: amounts.requests, limits: amounts.limits, percent: null, of: null };
}

/** The range to show first: the one asked for when the sources serve it, else 1h, else the shortest. */
export function pickRange(ranges: readonly MetricsRange[], asked: string | null): MetricsRange | null {
  return ranges.find((r) => r.id === asked) ?? ranges.find((r) => r.id === '1h') ?? ranges.slice().sort((a, b) => a.seconds - b.seconds)[0] ?? null;
}
