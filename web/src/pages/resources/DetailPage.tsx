//! One object's page (`/pods/shop/web-1`, `/nodes/worker-1`): the shared details component with
//! the kind's summary, the action bar, and tabs for YAML and logs — the tab in the URL (`?tab=yaml`).

import { lazy, Suspense, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { ErrorPanel } from '../../components/ErrorPanel';
import { ActionBar } from '../../components/details/ActionBar';
import { PodDiagnosis, WorkloadDiagnosis } from '../../components/details/Diagnosis';
import { ResourceDetails } from '../../components/details/ResourceDetails';
import { onTabListKeyDown } from '../../components/tabKeys';
import { MetricsSection, type TargetKind } from '../../components/metrics/MetricsSection';
import { WorkloadImages } from '../registries/WorkloadImages';
import { LiveIndicator } from '../../components/resources/LiveIndicator';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { useLivePaused } from '../../hooks/useLive';
import { useObject } from '../../hooks/useObject';
import { useApiQuery } from '../../hooks/useApiQuery';
import { API } from '../../lib/api/endpoints';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { containersOf, hasLogs, type Detail } from '../../lib/k8s/detail';
import { NodeShellLauncher, RunOnNodesLink, RunOnPodsLink, TerminalLauncher, WorkloadTerminalLauncher } from '../../components/terminal/TerminalLauncher';
import { FiringAlerts } from '../../components/alerts/FiringAlerts';
import { findKind, kindLabelKey, routeName, type Kind, type KindsAnswer } from '../../lib/k8s/kinds';
import { metricsTarget } from '../../lib/k8s/metrics';
import { NotFound } from '../NotFound';

const YamlTab = lazy(() => import('../../components/yaml/YamlTab'));
const LogViewer = lazy(() => import('../../components/logs/LogViewer'));

/** Whether any container takes an environment variable from a Secret. */
function usesSecrets(detail: Detail): boolean {
  const { initContainers, containers } = containersOf(detail.summary);
  return [...containers, ...initContainers].some((c) => c.env.some((e) => e.from?.kind === 'Secret'));
}

export function DetailPage() {
  const { t } = useTranslation();
  const params = useParams();
  const kinds = useApiQuery<KindsAnswer>(API.kinds, 60_000);
  if (!kinds.data) {
    return (
      <section className="page">
        {kinds.error ? (
          <ErrorPanel title={t('resources|Could not load the kinds the cluster serves')} error={kinds.error} onRetry={kinds.retry} />
        ) : (
          <p className="page__loading">{t('shell|Loading…')}</p>
        )}
      </section>
    );
  }
  const kind = findKind(kinds.data.kinds, params.resource ?? '');
  // `/:resource/:name` is a cluster-scoped object, `/:resource/:namespace/:name` a namespaced one.
  if (!kind || (kind.namespaced ? !params.namespace : Boolean(params.namespace))) return <NotFound />;
  const name = params.name ?? '';
  const namespace = kind.namespaced ? (params.namespace ?? null) : null;
  return <ObjectPage key={`${kind.path}/${namespace ?? ''}/${name}`} kind={kind} kinds={kinds.data} name={name} namespace={namespace} />;
}

function ObjectPage(props: { kind: Kind; kinds: KindsAnswer; name: string; namespace: string | null }) {
  const { kind, name, namespace } = props;
  const { t, tx } = useTranslation();
  const navigate = useNavigate();
  const [search, setSearch] = useSearchParams();
  const tab = search.get('tab') ?? 'overview';
  const label = tx(kindLabelKey(kind));
  useDocumentTitle(`${name} · ${label}`);
  /** Secret values of environment variables are fetched only when the person asks (and may). */
  const [reveal, setReveal] = useState(false);
  /** The YAML tab holds an edit not saved: leaving the tab asks first. */
  const [yamlDirty, setYamlDirty] = useState(false);
  const [paused] = useLivePaused();
  const { detail, error, permissions, permissionsError, gone, liveError, refresh } = useObject(kind, name, namespace, { reveal, paused });

  const listUrl = `/${routeName(kind, props.kinds.kinds)}${namespace ? `?namespace=${encodeURIComponent(namespace)}` : ''}`;
  const logs = hasLogs(kind);
  const metrics = metricsTarget(kind, name, namespace);
  const targetKind: TargetKind = kind.resource === 'pods' ? 'pod' : kind.resource === 'nodes' ? 'node' : kind.resource === 'namespaces' ? 'namespace' : 'workload';
  const tabs: [string, string][] = [
    ['overview', t('details|Overview')],
    ['yaml', 'YAML'],
    ...(logs ? [['logs', t('details|Logs')] as [string, string]] : []),
  ];

  return (
    <section className="page" data-testid="detail-page" data-kind={kind.kind} data-name={name}>
      <header className="page__header">
        <h1 className="page__title">
          <span className="page__kind">{label}</span> {name}
        </h1>
        {namespace && <span className="tag">{namespace}</span>}
        <div className="page__header-end">
          {kind.resource === 'pods' && kind.group === '' && namespace && detail && <TerminalLauncher detail={detail} namespace={namespace} pod={name} />}
          {namespace && detail && <WorkloadTerminalLauncher detail={detail} namespace={namespace} />}
          {kind.resource === 'nodes' && kind.group === '' && detail && <NodeShellLauncher node={name} />}
          {kind.resource === 'nodes' && kind.group === '' && detail && <RunOnNodesLink detail={detail} />}
          {kind.group !== '' && namespace && detail && <RunOnPodsLink detail={detail} namespace={namespace} />}
          <LiveIndicator />
        </div>
      </header>
      {gone && (
        <div className="warning-box" role="status" data-testid="object-gone">
          {t('details|This object has been deleted.')}
        </div>
      )}
      {liveError && (
        <ErrorPanel
          title={
            liveError.reason === 'ResourceRemoved'
              ? t('live|The resource type {{kind}} was removed from the cluster', { kind: label })
              : t('live|Live updates for this object are unavailable')
          }
          error={liveError}
          compact
        />
      )}
      {error && <ErrorPanel title={t('details|Could not load {{name}}', { name })} error={error} onRetry={refresh} compact={Boolean(detail)} />}
      {!detail && !error && <p className="page__loading">{t('shell|Loading…')}</p>}
      {/* A namespace's usage is its pods': a person who may read those but not the namespace
          object itself (a kubeconfig for a few namespaces) still sees its metrics. */}
      {!detail && error?.status === 403 && targetKind === 'namespace' && metrics && (
        <div className="details" data-testid="forbidden-object-metrics">
          <MetricsSection target={metrics} targetKind={targetKind} />
        </div>
      )}
      {detail && (
        <>
          <FiringAlerts about={{ kind: kind.kind, namespace: namespace ?? undefined, name }} testId="object-alerts" />
          <ActionBar
            kind={kind}
            detail={detail}
            permissions={permissions}
            permissionsError={permissionsError}
            onDone={refresh}
            onDeleted={() => {
              void navigate(listUrl);
            }}
          />
          <div className="tabs" role="tablist" aria-label={t('details|Views of this object')} onKeyDown={onTabListKeyDown}>
            {tabs.map(([id, text]) => (
              <button
                key={id}
                type="button"
                role="tab"
                aria-selected={tab === id}
                tabIndex={tab === id ? 0 : -1}
                className={tab === id ? 'tabs__tab tabs__tab--active' : 'tabs__tab'}
                data-testid={`tab-${id}`}
                onClick={() => {
                  if (id === tab) return;
                  if (tab === 'yaml' && yamlDirty && !window.confirm(t('yaml|Leave the YAML tab and discard your unsaved edit?'))) return;
                  setSearch(
                    (prev) => {
                      const next = new URLSearchParams(prev);
                      if (id === 'overview') next.delete('tab');
                      else next.set('tab', id);
                      return next;
                    },
                    { replace: true },
                  );
                }}
              >
                {text}
              </button>
            ))}
          </div>
          <Suspense fallback={<p className="page__loading">{t('shell|Loading…')}</p>}>
            {tab === 'yaml' ? (
              <YamlTab kind={kind} name={name} namespace={namespace} canEdit={permissions?.actions.edit?.allowed === true} editReason={permissions?.actions.edit?.reason ?? null} onSaved={refresh} onDirtyChange={setYamlDirty} />
            ) : tab === 'logs' && logs ? (
              <LogViewer kind={kind} detail={detail} mode={logs} />
            ) : (
              <ResourceDetails
                detail={detail}
                kinds={props.kinds.kinds}
                lead={kind.resource === 'pods' ? <PodDiagnosis detail={detail} /> : <WorkloadDiagnosis detail={detail} kinds={props.kinds.kinds} />}
                metrics={
                  <>
                    {metrics ? <MetricsSection target={metrics} targetKind={targetKind} /> : null}
                    <WorkloadImages kind={kind.kind} namespace={namespace} name={name} />
                  </>
                }
                extra={
                  permissions?.actions.revealSecrets && usesSecrets(detail) ? (
                    <div className="action reveal">
                      <button
                        type="button"
                        className="button button--small"
                        data-testid="reveal-secrets"
                        disabled={!permissions.actions.revealSecrets.allowed}
                        title={permissions.actions.revealSecrets.reason ?? undefined}
                        onClick={() => {
                          setReveal(!reveal);
                        }}
                      >
                        {reveal ? t('details|Hide secret values') : t('details|Reveal secret values')}
                      </button>
                      {!permissions.actions.revealSecrets.allowed && permissions.actions.revealSecrets.reason && (
                        <span className="action__reason">{permissions.actions.revealSecrets.reason}</span>
                      )}
                    </div>
                  ) : null
                }
              />
            )}
          </Suspense>
        </>
      )}
    </section>
  );
}

export default DetailPage;
