//! The overview of the cluster: nodes, pods by phase, problem pods, namespaces, recent warnings.

import type { ReactNode } from 'react';

import { Age } from '../../components/Age';
import { FiringAlerts } from '../../components/alerts/FiringAlerts';
import { ErrorPanel } from '../../components/ErrorPanel';
import { ClusterMetrics } from './ClusterMetrics';
import { RoutedLink } from '../../components/RoutedLink';
import { Table } from '../../components/Table';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { namespacesOf, useNamespace } from '../../hooks/useNamespace';
import { useApiQuery } from '../../hooks/useApiQuery';
import { API } from '../../lib/api/endpoints';
import type { MessageKey } from '../../lib/i18n/catalogue';
import type { ClusterInfo } from '../../lib/k8s/cluster';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import {
  POD_PHASES,
  overviewForNamespace,
  problemCount,
  podsInPhase,
  type Overview as OverviewData,
  type PodPhase,
} from '../../lib/k8s/overview';

const PHASE_LABELS: Record<PodPhase, MessageKey> = {
  Running: 'phase|Running',
  Pending: 'phase|Pending',
  Succeeded: 'phase|Succeeded',
  Failed: 'phase|Failed',
  Unknown: 'phase|Unknown',
};

/** Where a namespace's pods will be listed. */
function podsOf(namespace: string): string {
  return `pods?${new URLSearchParams({ namespace }).toString()}`;
}

function namespacePage(namespace: string): string {
  return `namespaces/${encodeURIComponent(namespace)}`;
}

function StatCard(props: { label: string; to: string; testId: string; children: ReactNode; tone?: 'ok' | 'warn' | 'bad' }) {
  return (
    <section className={`card stat${props.tone ? ` stat--${props.tone}` : ''}`} data-testid={props.testId}>
      <h2 className="stat__label">
        {props.to.startsWith('#') ? <a href={props.to}>{props.label}</a> : <RoutedLink to={props.to}>{props.label}</RoutedLink>}
      </h2>
      {props.children}
    </section>
  );
}

function PhaseBar(props: { data: OverviewData }) {
  const { t } = useTranslation();
  const total = props.data.pods.total;
  return (
    <div>
      <div className="phase-bar" aria-hidden="true">
        {POD_PHASES.map((phase) => {
          const count = podsInPhase(props.data, phase);
          return count > 0 && total > 0 ? (
            <span key={phase} className={`phase-bar__part phase--${phase.toLowerCase()}`} style={{ flexGrow: count }} />
          ) : null;
        })}
      </div>
      <ul className="phase-legend" data-testid="pod-phases">
        {POD_PHASES.map((phase) => (
          <li key={phase} data-phase={phase}>
            <span className={`swatch phase--${phase.toLowerCase()}`} aria-hidden="true" />
            <span className="phase-legend__name">{t(PHASE_LABELS[phase])}</span>
            <span className="phase-legend__count">{podsInPhase(props.data, phase)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Section(props: { title: string; count?: number; testId: string; children: ReactNode; wide?: boolean; id?: string }) {
  return (
    <section className={props.wide ? 'card section section--wide' : 'card section'} data-testid={props.testId} id={props.id} tabIndex={props.id ? -1 : undefined}>
      <h2 className="section__title">
        {props.title}
        {props.count !== undefined && <span className="count-pill">{props.count}</span>}
      </h2>
      {/* Long lists scroll inside their card; the events table is the page's last, so it just grows. */}
      <div className={props.wide ? 'section__body' : 'section__body section__scroll'}>{props.children}</div>
    </section>
  );
}

export function Overview() {
  const { t } = useTranslation();
  const [namespace, setNamespace] = useNamespace();
  const overview = useApiQuery<OverviewData>(API.overview);
  const cluster = useApiQuery<ClusterInfo>(API.cluster);
  useDocumentTitle(t('nav|Overview'));
  // The cluster banner already shows why the cluster cannot be reached; do not repeat it here.
  const becauseOfCluster =
    cluster.data?.connected === false && overview.error?.reason === (cluster.data.error?.reason ?? 'ClusterUnreachable');

  if (!overview.data) {
    return (
      <section className="page">
        <h1 className="page__title">{t('nav|Overview')}</h1>
        {overview.error ? (
          <ErrorPanel
            title={t('errors|Could not load the overview')}
            error={overview.error}
            onRetry={overview.retry}
            message={becauseOfCluster ? t('errors|The overview needs the cluster, which cannot be reached (see above). It appears as soon as the cluster answers.') : undefined}
          />
        ) : (
          <p className="page__loading">{t('overview|Loading the overview…')}</p>
        )}
      </section>
    );
  }

  const all = overview.data;
  const data = overviewForNamespace(all, namespace);
  const notReady = all.nodes.total - all.nodes.ready;
  const cordoned = all.nodes.unschedulable;
  const problems = problemCount(all);
  const problemsCut = !namespace && all.pods.problems.length < problems;
  const nodesHidden = all.hidden.some((w) => w.what === 'nodes');
  const scopedTo = all.hidden.some((w) => w.what === 'pods in all namespaces') ? all.namespaces.map((n) => n.name) : [];

  return (
    <section className="page" data-testid="overview">
      <header className="page__header">
        <h1 className="page__title">{t('nav|Overview')}</h1>
        <p className="page__subtitle">
          {t('overview|Updated')} <Age timestamp={all.generatedAt} />
          {' · '}
          {t('overview|Refreshes every 10 seconds')}
        </p>
      </header>

      {overview.error && (
        <ErrorPanel
          title={t('errors|Refreshing the overview failed; showing the last data received.')}
          error={overview.error}
          onRetry={overview.retry}
          message={becauseOfCluster ? t('errors|The cluster cannot be reached (see above).') : undefined}
          compact
        />
      )}

      <FiringAlerts testId="overview-alerts" />

      {all.hidden.length > 0 && (
        <div className="warning-box" role="status" data-testid="overview-hidden">
          <p>
            <strong>{t('overview|Not shown, because the cluster refused to list it:')}</strong>
          </p>
          <ul>
            {all.hidden.map((w) => (
              <li key={`${w.what ?? ''}-${w.message}`}>
                <code>{w.what ?? w.reason}</code>: {w.message}
              </li>
            ))}
          </ul>
        </div>
      )}

      <div className="stats">
        <StatCard label={t('glossary|Nodes')} to="nodes" testId="stat-nodes" tone={notReady > 0 || cordoned > 0 ? 'warn' : 'ok'}>
          {nodesHidden ? (
            <>
              <p className="stat__value">—</p>
              <p className="stat__hint" data-testid="nodes-hint">
                {t('overview|Not shown: listing nodes is refused')}
              </p>
            </>
          ) : (
            <>
              <p className="stat__value">
                <span data-testid="nodes-ready">{all.nodes.ready}</span>
                <span className="stat__of"> / <span data-testid="nodes-total">{all.nodes.total}</span></span>
              </p>
              <p className="stat__hint" data-testid="nodes-hint">
                {[notReady > 0 ? t('overview|{{count}} not ready', { count: notReady }) : null, cordoned > 0 ? t('overview|{{count}} cordoned', { count: cordoned }) : null]
                  .filter(Boolean)
                  .join(' · ') || t('overview|All ready')}
              </p>
            </>
          )}
        </StatCard>
        <StatCard label={t('glossary|Pods')} to="pods" testId="stat-pods" tone={problems > 0 ? 'warn' : 'ok'}>
          <p className="stat__value" data-testid="pods-total">
            {all.pods.total}
          </p>
          <p className="stat__hint">
            {t('overview|{{running}} running, {{problems}} with problems', {
              running: podsInPhase(all, 'Running'),
              problems,
            })}
          </p>
        </StatCard>
        <StatCard label={t('glossary|Namespaces')} to="namespaces" testId="stat-namespaces">
          <p className="stat__value" data-testid="namespaces-total">
            {all.namespaces.length}
          </p>
          <p className="stat__hint">
            {t('overview|{{count}} active', { count: all.namespaces.filter((n) => n.phase === 'Active').length })}
          </p>
        </StatCard>
        <StatCard label={t('overview|Recent warnings')} to="#recent-warnings" testId="stat-warnings" tone={all.warnings.length > 0 ? 'bad' : 'ok'}>
          <p className="stat__value" data-testid="warnings-total">
            {all.warnings.length}
          </p>
          <p className="stat__hint">{t('overview|Warning events, most recent first')}</p>
        </StatCard>
      </div>

      {namespace && (
        <p className="filter-note" data-testid="namespace-filter">
          {namespace.includes(',')
            ? t('overview|Problem pods, top pods, namespaces and warnings in namespaces {{namespaces}}.', { namespaces: namespace.split(',').join(', ') })
            : t('overview|Problem pods, top pods, namespaces and warnings in namespace {{namespace}}.', { namespace })}{' '}
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setNamespace('');
            }}
          >
            {t('overview|Show all namespaces')}
          </button>
        </p>
      )}

      <div className="sections">
        <Section title={t('overview|Problem pods')} count={namespace ? data.pods.problems.length : problems} testId="section-problems">
          {problemsCut && (
            <p className="section__note">
              {t('overview|Showing the first {{shown}} of {{total}}.', { shown: all.pods.problems.length, total: problems })}
            </p>
          )}
          <Table
            rows={data.pods.problems}
            rowKey={(pod) => `${pod.namespace}/${pod.name}`}
            empty={t('overview|No pods with problems.')}
            columns={[
              { id: 'namespace', header: t('glossary|Namespace'), cell: (pod) => <RoutedLink to={namespacePage(pod.namespace)}>{pod.namespace}</RoutedLink> },
              { id: 'pod', header: t('glossary|Pod'), className: 'mono', cell: (pod) => <RoutedLink to={`pods/${encodeURIComponent(pod.namespace)}/${encodeURIComponent(pod.name)}`}>{pod.name}</RoutedLink> },
              { id: 'reason', header: t('overview|Reason'), cell: (pod) => <span className="tag tag--bad">{pod.reason}</span> },
            ]}
          />
        </Section>

        <Section title={t('glossary|Nodes')} count={all.nodes.total} testId="section-nodes">
          {all.nodes.items.length < all.nodes.total && (
            <p className="section__note" data-testid="nodes-cut">
              {t('overview|Showing {{shown}} of {{total}} nodes, those needing attention first.', { shown: all.nodes.items.length, total: all.nodes.total })}{' '}
              <RoutedLink to="nodes">{t('overview|All nodes')}</RoutedLink>
            </p>
          )}
          <Table
            rows={all.nodes.items}
            rowKey={(node) => node.name}
            empty={nodesHidden ? t('overview|Not shown: listing nodes is refused') : t('overview|The cluster has no nodes.')}
            columns={[
              { id: 'name', header: t('overview|Name'), className: 'mono', cell: (node) => <RoutedLink to={`nodes/${encodeURIComponent(node.name)}`}>{node.name}</RoutedLink> },
              {
                id: 'status',
                header: t('overview|Status'),
                cell: (node) => (
                  <>
                    <span className={node.ready ? 'tag tag--ok' : 'tag tag--bad'}>{node.ready ? t('status|Ready') : t('status|Not ready')}</span>
                    {!node.schedulable && (
                      <>
                        {' '}
                        <span className="tag tag--warn" data-testid="node-cordoned">
                          {t('status|Cordoned')}
                        </span>
                      </>
                    )}
                  </>
                ),
              },
              { id: 'roles', header: t('overview|Roles'), cell: (node) => (node.roles.length > 0 ? node.roles.join(', ') : <span className="muted">{t('overview|none')}</span>) },
              { id: 'kubelet', header: t('overview|Kubelet'), className: 'mono muted', cell: (node) => node.kubeletVersion ?? '—' },
            ]}
          />
        </Section>

        <Section title={t('overview|Recent warning events')} count={data.warnings.length} testId="section-warnings" id="recent-warnings" wide>
          <Table
            className="table--events"
            rows={data.warnings}
            rowKey={(w, index) => `${w.namespace}/${w.object.kind}/${w.object.name}/${w.reason}/${index}`}
            empty={t('overview|No warning events.')}
            columns={[
              { id: 'lastSeen', header: t('overview|Last seen'), className: 'nowrap muted', cell: (w) => <Age timestamp={w.lastSeen} /> },
              { id: 'reason', header: t('overview|Reason'), cell: (w) => <span className="tag tag--warn">{w.reason}</span> },
              {
                id: 'namespace',
                header: t('glossary|Namespace'),
                cell: (w) => (w.namespace ? <RoutedLink to={namespacePage(w.namespace)}>{w.namespace}</RoutedLink> : <span className="muted">—</span>),
              },
              {
                id: 'object',
                header: t('overview|Object'),
                className: 'mono object',
                cell: (w) => (
                  <>
                    <span className="muted">{w.object.kind.toLowerCase()}/</span>
                    {w.object.name}
                  </>
                ),
              },
              { id: 'message', header: t('overview|Message'), className: 'message', cell: (w) => w.message },
              { id: 'count', header: t('overview|Count'), numeric: true, cell: (w) => w.count },
            ]}
          />
        </Section>

        {/* When the console may read pods only in some namespaces, their metrics stand for the cluster's. */}
        <ClusterMetrics namespaces={namespace ? namespacesOf(namespace) : scopedTo} scoped={scopedTo.length > 0} />

        <Section title={t('overview|Pods by phase')} testId="section-phases">
          <PhaseBar data={all} />
        </Section>



        <Section title={t('glossary|Namespaces')} count={data.namespaces.length} testId="section-namespaces">
          <Table
            rows={data.namespaces}
            rowKey={(ns) => ns.name}
            empty={t('overview|No namespaces.')}
            columns={[
              { id: 'name', header: t('overview|Name'), className: 'mono', cell: (ns) => <RoutedLink to={namespacePage(ns.name)}>{ns.name}</RoutedLink> },
              {
                id: 'status',
                header: t('overview|Status'),
                cell: (ns) => (
                  <span className={ns.phase === 'Active' ? 'tag tag--ok' : 'tag tag--warn'}>
                    {ns.phase === 'Active' ? t('status|Active') : ns.phase === 'Terminating' ? t('status|Terminating') : ns.phase}
                  </span>
                ),
              },
              { id: 'pods', header: t('glossary|Pods'), numeric: true, cell: (ns) => <RoutedLink to={podsOf(ns.name)}>{ns.pods}</RoutedLink> },
            ]}
          />
        </Section>

      </div>
    </section>
  );
}
