//! The metrics part of a pod's, workload's or node's page: current usage against requests, limits
//! or allocatable, CPU and memory charts over a chosen range that refresh at the scrape interval,
//! a pod's containers one by one — or the one notice that says why there is nothing to chart.

import { lazy, Suspense, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { ErrorPanel } from '../ErrorPanel';
import { Table } from '../Table';
import { useApiQuery } from '../../hooks/useApiQuery';
import { useMetricsStatus } from '../../hooks/useMetricsStatus';
import { API } from '../../lib/api/endpoints';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import {
  formatAmount,
  hasSamples,
  pickRange,
  plotData,
  usageCellOf,
  type Amounts,
  type MetricsAnswer,
  type MetricsRange,
  type MetricsStatus,
  type Resource,
} from '../../lib/k8s/metrics';
import { MetricsState } from './MetricsState';
import { UsageCell } from './UsageCell';
import { TopPodsTable } from './TopPodsTable';
import { useCoresLabel } from './useCoresLabel';
import { Utilisation } from './Utilisation';

const MetricsChart = lazy(() => import('./MetricsChart'));

export type TargetKind = 'pod' | 'workload' | 'node' | 'namespace';

export function MetricsSection(props: { target: string; targetKind: TargetKind }) {
  const { t } = useTranslation();
  const status = useMetricsStatus();
  const [search, setSearch] = useSearchParams();
  const ranges = status.data?.ranges ?? [];
  const range = pickRange(ranges, search.get('range'));
  return (
    <section className="card section section--wide metrics" data-testid="metrics">
      <header className="metrics__header">
        <h2 className="section__title">{t('metrics|CPU and memory')}</h2>
        {ranges.length > 0 && range && (
          <div className="segmented" role="group" aria-label={t('metrics|Time range')} data-testid="metrics-ranges">
            {ranges.map((r) => (
              <button
                key={r.id}
                type="button"
                className={r.id === range.id ? 'segmented__item segmented__item--active' : 'segmented__item'}
                aria-pressed={r.id === range.id}
                data-range={r.id}
                title={r.source === 'prometheus' ? t('metrics|From Prometheus') : t('metrics|From the history Wheelhouse keeps')}
                onClick={() => {
                  setSearch(
                    (prev) => {
                      const next = new URLSearchParams(prev);
                      next.set('range', r.id);
                      return next;
                    },
                    { replace: true },
                  );
                }}
              >
                {r.id}
              </button>
            ))}
          </div>
        )}
      </header>
      <div className="section__body">
        {!status.data ? (
          status.error ? (
            <ErrorPanel title={t('metrics|Could not read the state of the metrics sources')} error={status.error} onRetry={status.retry} compact />
          ) : (
            <p className="page__loading">{t('shell|Loading…')}</p>
          )
        ) : range ? (
          <TargetMetrics
            key={range.id}
            target={props.target}
            targetKind={props.targetKind}
            range={range}
            status={status.data}
            intervalSeconds={status.data.metricsServer.intervalSeconds}
          />
        ) : (
          <MetricsState source={status.data.metricsServer} hasSamples={false} />
        )}
      </div>
    </section>
  );
}

function TargetMetrics(props: { target: string; targetKind: TargetKind; range: MetricsRange; status: MetricsStatus; intervalSeconds: number }) {
  const { t } = useTranslation();
  const path = API.metrics(props.target, props.range.id);
  const metrics = useApiQuery<MetricsAnswer>(path, props.intervalSeconds * 1000);
  const answer = metrics.data;
  if (!answer) {
    return metrics.error ? (
      <ErrorPanel title={t('metrics|Could not load the metrics')} error={metrics.error} onRetry={metrics.retry} compact />
    ) : (
      <p className="page__loading">{t('shell|Loading…')}</p>
    );
  }
  const fromPrometheus = props.range.source === 'prometheus';
  const samples = hasSamples(answer.series);
  // A Prometheus range's series come from Prometheus: its state is the one that explains gaps.
  const source = fromPrometheus && props.status.prometheus ? props.status.prometheus : answer.state;
  const topPods = answer.top?.pods ?? [];
  const containers = answer.containers ?? [];
  return (
    <div className="metrics__body" data-state={answer.state.state}>
      {metrics.error && <ErrorPanel title={t('metrics|Refreshing the metrics failed; showing the last values received.')} error={metrics.error} onRetry={metrics.retry} compact />}
      <MetricsState source={source} hasSamples={samples} sourceName={fromPrometheus ? 'Prometheus' : 'metrics-server'} compact={samples} />
      {answer.current && <CurrentFigures targetKind={props.targetKind} cpu={answer.current.cpu} memory={answer.current.memory} />}
      {answer.series && samples && (
        <>
          <div className="metrics__charts">
            <Chart resource="cpu" answer={answer} range={props.range} />
            <Chart resource="memory" answer={answer} range={props.range} />
          </div>
          <p className="metrics__note muted" data-testid="metrics-source">
            {t('metrics|Source: {{source}}, one point every {{seconds}} s; updates every {{interval}} s.', {
              source: answer.series.source === 'prometheus' ? 'Prometheus' : 'metrics-server',
              seconds: answer.series.resolutionSeconds,
              interval: props.intervalSeconds,
            })}
          </p>
        </>
      )}
      {topPods.length > 0 && (
        <TopPodsTable pods={topPods} caption={t('metrics|Top pods by CPU')} className="metrics__top" testId="metrics-top-pods" />
      )}
      {props.targetKind === 'pod' && containers.length > 0 && (
        <Table
          className="metrics__containers"
          testId="metrics-containers"
          rows={containers}
          rowKey={(c) => c.name}
          rowAttributes={(c) => ({ 'data-container': c.name })}
          columns={[
            { id: 'container', header: t('metrics|Container'), className: 'mono', cell: (c) => c.name },
            { id: 'cpu', header: t('columns|CPU'), numeric: true, cell: (c) => <UsageCell resource="cpu" value={usageCellOf(c.current?.cpu)} /> },
            { id: 'cpuLevels', header: t('metrics|CPU requests / limits'), numeric: true, className: 'muted', cell: (c) => <Levels resource="cpu" amounts={c.current?.cpu} /> },
            { id: 'memory', header: t('columns|Memory'), numeric: true, cell: (c) => <UsageCell resource="memory" value={usageCellOf(c.current?.memory)} /> },
            { id: 'memoryLevels', header: t('metrics|Memory requests / limits'), numeric: true, className: 'muted', cell: (c) => <Levels resource="memory" amounts={c.current?.memory} /> },
          ]}
        />
      )}
    </div>
  );
}

function Levels(props: { resource: Resource; amounts: Amounts | null | undefined }) {
  const { t } = useTranslation();
  const unit = useCoresLabel();
  const a = props.amounts;
  return (
    <span title={t('metrics|Requests / limits; a dash is not set')}>
      {formatAmount(props.resource, a?.requests, unit)} / {formatAmount(props.resource, a?.limits, unit)}
    </span>
  );
}

function CurrentFigures(props: { targetKind: TargetKind; cpu: Amounts; memory: Amounts }) {
  const { t } = useTranslation();
  const cores = useCoresLabel();
  if (props.targetKind === 'node') {
    return (
      <div className="metrics__utilisation" data-testid="metrics-utilisation">
        <Utilisation label={t('metrics|CPU used of allocatable')} resource="cpu" value={props.cpu.usage} of={props.cpu.allocatable} testId="node-cpu-usage" />
        <Utilisation label={t('metrics|CPU requested of allocatable')} resource="cpu" value={props.cpu.requests} of={props.cpu.allocatable} testId="node-cpu-requests" />
        <Utilisation label={t('metrics|Memory used of allocatable')} resource="memory" value={props.memory.usage} of={props.memory.allocatable} testId="node-memory-usage" />
        <Utilisation label={t('metrics|Memory requested of allocatable')} resource="memory" value={props.memory.requests} of={props.memory.allocatable} testId="node-memory-requests" />
      </div>
    );
  }
  return (
    <dl className="metrics__current" data-testid="metrics-current">
      {(['cpu', 'memory'] as const).map((resource) => {
        const amounts = resource === 'cpu' ? props.cpu : props.memory;
        return (
          <div key={resource} className="metrics__figure" data-resource={resource}>
            <dt>{resource === 'cpu' ? t('columns|CPU') : t('columns|Memory')}</dt>
            <dd>
              <UsageCell resource={resource} value={usageCellOf(amounts)} />
              <span className="muted metrics__levels">
                {t('metrics|requests {{requests}}, limits {{limits}}', {
                  requests: formatAmount(resource, amounts.requests, cores),
                  limits: formatAmount(resource, amounts.limits, cores),
                })}
              </span>
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

function Chart(props: { resource: Resource; answer: MetricsAnswer; range: MetricsRange }) {
  const { t, locale } = useTranslation();
  const cores = useCoresLabel();
  const { answer, resource } = props;
  const { series, current, containers } = answer;
  const data = useMemo(() => (series ? plotData(series, current, resource, containers ?? []) : null), [series, current, resource, containers]);
  const labels = useMemo(() => {
    const out: Record<string, string> = {
      usage: (answer.containers ?? []).length > 1 ? t('metrics|Pod total') : t('metrics|Usage'),
      requests: t('metrics|Requests'),
      limits: t('metrics|Limits'),
      allocatable: t('metrics|Allocatable'),
    };
    for (const c of answer.containers ?? []) out[`container:${c.name}`] = c.name;
    return out;
  }, [answer.containers, t]);
  if (!data) return null;
  const title = resource === 'cpu' ? t('columns|CPU') : t('columns|Memory');
  return (
    <figure className="metrics__chart" data-testid={`chart-${resource}`}>
      <figcaption className="metrics__chart-title">{title}</figcaption>
      <Suspense fallback={<div className="metrics-chart metrics-chart--loading">{t('shell|Loading…')}</div>}>
        <MetricsChart
          resource={resource}
          data={data}
          labels={labels}
          timeLabel={t('metrics|Time')}
          cores={cores}
          locale={locale}
          rangeSeconds={props.range.seconds}
          testId={`chart-${resource}-plot`}
        />
      </Suspense>
    </figure>
  );
}
