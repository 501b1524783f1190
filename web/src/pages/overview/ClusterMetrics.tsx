//! The overview's metrics: how much of the cluster's allocatable CPU and memory is used and
//! requested, and the pods and nodes using the most — or why metrics are missing. With namespaces
//! selected, the top pods are theirs (the server sums them); utilisation and nodes stay the cluster's.

import type { ReactNode } from 'react';
import { ErrorPanel } from '../../components/ErrorPanel';
import { RoutedLink } from '../../components/RoutedLink';
import { Table } from '../../components/Table';
import { MetricsState } from '../../components/metrics/MetricsState';
import { TopPodsTable } from '../../components/metrics/TopPodsTable';
import { Utilisation } from '../../components/metrics/Utilisation';
import { useCoresLabel } from '../../components/metrics/useCoresLabel';
import { useApiQuery } from '../../hooks/useApiQuery';
import { useMetricsStatus } from '../../hooks/useMetricsStatus';
import { API } from '../../lib/api/endpoints';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { formatBytes, formatCpu, formatPercent, pickRange, type MetricsAnswer, type MetricsStatus, type TopPod } from '../../lib/k8s/metrics';

/**
 * `namespaces`: the chosen namespaces, whose busiest pods are shown. `scoped`: the console may
 * read only those (the cluster refused the rest), so cluster-wide figures refused are a note,
 * not an error.
 */
export function ClusterMetrics(props: { namespaces: string[]; scoped?: boolean }) {
  const { t } = useTranslation();
  const status = useMetricsStatus();
  if (!status.data) {
    return (
      <section className="card section section--wide" data-testid="cluster-metrics">
        <h2 className="section__title">{t('metrics|Cluster utilisation')}</h2>
        <div className="section__body">
          {status.error ? (
            <ErrorPanel title={t('metrics|Could not read the state of the metrics sources')} error={status.error} onRetry={status.retry} compact />
          ) : (
            <p className="page__loading">{t('shell|Loading…')}</p>
          )}
        </div>
      </section>
    );
  }
  // Only the current figures and the top lists are shown: the shortest range costs least.
  const range = pickRange(status.data.ranges.filter((r) => r.source !== 'prometheus'), null);
  if (!range) {
    // No range to ask for: the source itself is missing, and its state says why.
    return (
      <section className="card section section--wide" data-testid="cluster-metrics">
        <h2 className="section__title">{t('metrics|Cluster utilisation')}</h2>
        <div className="section__body">
          <MetricsState source={status.data.metricsServer} hasSamples={false} />
        </div>
      </section>
    );
  }
  return <ClusterFigures range={range.id} status={status.data} namespaces={props.namespaces} scoped={props.scoped ?? false} />;
}

function ClusterFigures(props: { range: string; status: MetricsStatus; namespaces: string[]; scoped: boolean }) {
  const { t } = useTranslation();
  const interval = props.status.metricsServer.intervalSeconds;
  const metrics = useApiQuery<MetricsAnswer>(API.metrics('cluster', props.range), interval * 1000);
  const answer = metrics.data;
  const current = answer?.current ?? null;
  const top = answer?.top;
  const unit = useCoresLabel();
  return (
    <>
      <section className="card section section--wide" data-testid="cluster-metrics">
        <h2 className="section__title">{t('metrics|Cluster utilisation')}</h2>
        <div className="section__body">
          {metrics.error && props.scoped && metrics.error.status === 403 ? (
            <p className="empty" data-testid="cluster-metrics-refused">
              {t('metrics|Cluster-wide figures are not shown: the cluster refused them.')} <span className="muted">{metrics.error.message}</span>
            </p>
          ) : metrics.error && (
            <ErrorPanel
              title={answer ? t('metrics|Refreshing the metrics failed; showing the last values received.') : t('metrics|Could not load the metrics')}
              error={metrics.error}
              onRetry={metrics.retry}
              compact
            />
          )}
          {!answer && !metrics.error && <p className="page__loading">{t('shell|Loading…')}</p>}
          {answer && <MetricsState source={answer.state} hasSamples={current !== null} compact={current !== null} />}
          {current && (
            <div className="metrics__utilisation metrics__utilisation--cluster">
              <Utilisation label={t('metrics|CPU used of allocatable')} resource="cpu" value={current.cpu.usage} of={current.cpu.allocatable} testId="cluster-cpu-usage" />
              <Utilisation label={t('metrics|CPU requested of allocatable')} resource="cpu" value={current.cpu.requests} of={current.cpu.allocatable} testId="cluster-cpu-requests" />
              <Utilisation label={t('metrics|Memory used of allocatable')} resource="memory" value={current.memory.usage} of={current.memory.allocatable} testId="cluster-memory-usage" />
              <Utilisation label={t('metrics|Memory requested of allocatable')} resource="memory" value={current.memory.requests} of={current.memory.allocatable} testId="cluster-memory-requests" />
            </div>
          )}
        </div>
      </section>
      {/* The chosen namespaces' pods have their own answer: it stands even when the cluster's
          is forbidden (a person who may use only some namespaces). */}
      {props.namespaces.length > 0 && <NamespaceTopPods namespaces={props.namespaces} range={props.range} refreshMs={interval * 1000} />}
      {top && current && (
        <>
          {props.namespaces.length === 0 && <TopPods title={t('metrics|Top pods by CPU')} pods={top.pods} />}
          <section className="card section" data-testid="top-nodes">
            <h2 className="section__title">{t('metrics|Top nodes by CPU')}</h2>
            <div className="section__body section__scroll">
              <Table
                rows={top.nodes}
                rowKey={(node) => node.name}
                rowAttributes={(node) => ({ 'data-name': node.name })}
                empty={t('metrics|No node has a sample yet.')}
                columns={[
                  { id: 'node', header: t('glossary|Node'), className: 'mono', cell: (node) => <RoutedLink to={`nodes/${encodeURIComponent(node.name)}`}>{node.name}</RoutedLink> },
                  {
                    id: 'cpu',
                    header: t('columns|CPU'),
                    numeric: true,
                    cell: (node) => (
                      <>
                        {formatCpu(node.cpu, unit)} <span className="muted">({formatPercent(node.cpuPercent)})</span>
                      </>
                    ),
                  },
                  {
                    id: 'memory',
                    header: t('columns|Memory'),
                    numeric: true,
                    cell: (node) => (
                      <>
                        {formatBytes(node.memory)} <span className="muted">({formatPercent(node.memoryPercent)})</span>
                      </>
                    ),
                  },
                ]}
              />
            </div>
          </section>
        </>
      )}
    </>
  );
}

/** The busiest pods of the chosen namespaces, from their own metrics (several summed by the server). */
function NamespaceTopPods(props: { namespaces: string[]; range: string; refreshMs: number }) {
  const { t } = useTranslation();
  const [only] = props.namespaces;
  const path = props.namespaces.length === 1 && only !== undefined ? API.metrics(`namespaces/${encodeURIComponent(only)}`, props.range) : API.namespacesMetrics(props.namespaces, props.range);
  const metrics = useApiQuery<MetricsAnswer>(path, props.refreshMs);
  const chosen = props.namespaces.join(', ');
  return (
    <TopPods
      title={props.namespaces.length === 1 ? t('metrics|Top pods by CPU in {{namespace}}', { namespace: chosen }) : t('metrics|Top pods by CPU in namespaces {{namespaces}}', { namespaces: chosen })}
      pods={metrics.data?.top?.pods}
      namespace={props.namespaces.join(',')}
    >
      {metrics.error && <ErrorPanel title={t('metrics|Could not load the metrics')} error={metrics.error} onRetry={metrics.retry} compact />}
    </TopPods>
  );
}

/** Pods by CPU, linked to their pages; `pods` undefined while loading. */
function TopPods(props: { title: string; pods: TopPod[] | undefined; namespace?: string; children?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <section className="card section" data-testid="top-pods" data-namespace={props.namespace}>
      <h2 className="section__title">{props.title}</h2>
      <div className="section__body section__scroll">
        {props.children}
        {!props.pods ? (
          !props.children && <p className="page__loading">{t('shell|Loading…')}</p>
        ) : props.pods.length === 0 ? (
          <p className="empty">{t('metrics|No pod has a sample yet.')}</p>
        ) : (
          <TopPodsTable pods={props.pods} />
        )}
      </div>
    </section>
  );
}
