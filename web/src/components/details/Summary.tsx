//! The per-kind part of a detail page: a pod's containers, a workload's replicas, a service's
//! ports, a node's taints and addresses. A Service's ports and a pod's container ports open in
//! the browser through the console (the API server's `services/proxy` and `pods/proxy`).

import { Age } from '../Age';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import type { Container, ContainerState, Summary as SummaryData } from '../../lib/k8s/detail';
import type { Volume } from '../../lib/api/generated';
import { ContainerConfig, Environment } from './ContainerConfig';
import { Table } from '../Table';

function str(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Where a port opens through the console: the API server's proxy path, relative to `<base href>`. */
export function proxyHref(resource: 'pods' | 'services', namespace: string, name: string, port: string | number, https = false): string {
  const target = `${https ? 'https:' : ''}${encodeURIComponent(name)}:${encodeURIComponent(String(port))}`;
  return `api/v1/namespaces/${encodeURIComponent(namespace)}/${resource}/${target}/proxy/`;
}

/** A port that opens in a new tab; the page is sandboxed by the console. */
function OpenInBrowser(props: { href: string; port: string; testId: string }) {
  const { t } = useTranslation();
  return (
    <a href={props.href} target="_blank" rel="noopener noreferrer" className="open-in-browser" data-testid={props.testId} title={t('details|Open port {{port}} in a new tab, through the API server as you', { port: props.port })}>
      {t('details|Open {{port}} in browser', { port: props.port })}
    </a>
  );
}

function Field(props: { label: string; value: unknown }) {
  const { t } = useTranslation();
  const text = typeof props.value === 'boolean' ? (props.value ? t('details|yes') : t('details|no')) : str(props.value);
  return (
    <>
      <dt>{props.label}</dt>
      <dd>{text ?? <span className="muted">—</span>}</dd>
    </>
  );
}

function StateText(props: { state: ContainerState | null | undefined }) {
  const s = props.state;
  if (!s?.state) return <span className="muted">—</span>;
  const severity = s.state === 'running' ? 'ok' : s.state === 'waiting' ? (s.reason && /BackOff|Err/.test(s.reason) ? 'error' : 'progressing') : s.exitCode === 0 ? 'neutral' : 'error';
  return (
    <span className={`sev sev--${severity}`} title={s.message ?? undefined}>
      {s.reason ?? s.state}
      {s.exitCode !== null && s.state === 'terminated' ? ` (${s.exitCode})` : ''}
    </span>
  );
}

export function Containers(props: { title: string; containers: Container[]; pod?: { namespace: string; name: string } }) {
  const { t } = useTranslation();
  if (props.containers.length === 0) return null;
  return (
    <section className="card section section--wide" data-testid="containers">
      <h2 className="section__title">
        {props.title}
        <span className="count-pill">{props.containers.length}</span>
      </h2>
      <div className="section__body">
        <Table
          rows={props.containers}
          rowKey={(c) => c.name}
          columns={[
            { id: 'name', header: t('columns|Name'), cell: (c) => <strong>{c.name}</strong> },
            { id: 'image', header: t('details|Image'), className: 'mono detail-wrap', cell: (c) => c.image ?? '—' },
            {
              id: 'status',
              header: t('columns|Status'),
              cell: (c) => (
                <>
                  <StateText state={c.state} />
                  {c.state?.startedAt && (
                    <span className="muted">
                      {' '}
                      <Age timestamp={c.state.startedAt} />
                    </span>
                  )}
                </>
              ),
            },
            { id: 'restarts', header: t('columns|Restarts'), numeric: true, cell: (c) => c.restartCount ?? '—' },
            {
              id: 'ports',
              header: t('columns|Ports'),
              className: 'mono',
              cell: (c) => {
                if (c.ports.length === 0) return '—';
                const pod = props.pod;
                return c.ports.map((p) => (
                  <div key={`${String(p.containerPort)}/${p.protocol}`}>
                    {`${String(p.containerPort)}/${p.protocol}`}
                    {pod && p.protocol === 'TCP' && (
                      <>
                        {' '}
                        <OpenInBrowser href={proxyHref('pods', pod.namespace, pod.name, p.containerPort)} port={String(p.containerPort)} testId={`open-port-${String(p.containerPort)}`} />
                      </>
                    )}
                  </div>
                ));
              },
            },
            {
              id: 'resources',
              header: t('details|Requests / limits'),
              className: 'mono',
              cell: (c) => {
                const list = (values: Record<string, string>) =>
                  Object.entries(values)
                    .map(([k, v]) => `${k} ${v}`)
                    .join(', ') || t('details|none');
                return (
                  <>
                    <div>{t('details|requests: {{list}}', { list: list(c.resources.requests) })}</div>
                    <div>{t('details|limits: {{list}}', { list: list(c.resources.limits) })}</div>
                  </>
                );
              },
            },
            { id: 'env', header: t('details|Environment'), className: 'mono detail-wrap', cell: (c) => <Environment container={c} /> },
          ]}
        />
      </div>
    </section>
  );
}

/** The summary fields of any kind, and its containers when it has them. */
export function Summary(props: { summary: SummaryData; namespace?: string | null; name?: string }) {
  const { t } = useTranslation();
  const s: Record<string, unknown> = props.summary;
  const replicas = s.replicas as Record<string, unknown> | null | undefined;
  const ports = Array.isArray(s.ports) ? (s.ports as Record<string, unknown>[]) : [];
  const taints = Array.isArray(s.taints) ? (s.taints as Record<string, unknown>[]) : [];
  const addresses = Array.isArray(s.addresses) ? (s.addresses as Record<string, unknown>[]) : [];
  const fields: [string, unknown][] = [];
  const add = (label: string, key: string) => {
    if (s[key] !== null && s[key] !== undefined) fields.push([label, s[key]]);
  };
  add(t('columns|Status'), 'status');
  add(t('details|Phase'), 'phase');
  add(t('columns|Node'), 'node');
  add(t('details|Pod IP'), 'podIP');
  add(t('details|Host IP'), 'hostIP');
  add(t('details|QoS class'), 'qosClass');
  add(t('details|Service account'), 'serviceAccount');
  add(t('details|Strategy'), 'strategy');
  add(t('columns|Schedule'), 'schedule');
  add(t('columns|Suspend'), 'suspend');
  add(t('details|Paused'), 'paused');
  add(t('details|Revision'), 'revision');
  add(t('columns|Type'), 'serviceType');
  add(t('columns|Cluster-IP'), 'clusterIP');
  add(t('details|Unschedulable'), 'unschedulable');
  add(t('details|Pod CIDR'), 'podCIDR');
  if (s.selector && typeof s.selector === 'object') {
    fields.push([t('columns|Selector'), Object.entries(s.selector as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(', ')]);
  }
  if (replicas) {
    const count = (k: string) => str(replicas[k]) ?? '';
    const words: [string, string][] = [
      ['desired', t('details|desired {{count}}', { count: count('desired') })],
      ['current', t('details|current {{count}}', { count: count('current') })],
      ['ready', t('details|ready {{count}}', { count: count('ready') })],
      ['updated', t('details|updated {{count}}', { count: count('updated') })],
      ['available', t('details|available {{count}}', { count: count('available') })],
    ];
    fields.push([
      t('columns|Replicas'),
      words
        .filter(([k]) => replicas[k] !== undefined && replicas[k] !== null)
        .map(([, text]) => text)
        .join(' · '),
    ]);
  }
  if (ports.length > 0) {
    fields.push([t('columns|Ports'), ports.map((p) => `${str(p.name) ? `${str(p.name) ?? ''}: ` : ''}${str(p.port) ?? ''}→${str(p.targetPort) ?? ''}/${str(p.protocol) ?? 'TCP'}${p.nodePort ? ` (${str(p.nodePort) ?? ''})` : ''}`).join(', ')]);
  }
  if (taints.length > 0) fields.push([t('columns|Taints'), taints.map((x) => `${str(x.key) ?? ''}${x.value ? `=${str(x.value) ?? ''}` : ''}:${str(x.effect) ?? ''}`).join(', ')]);
  if (addresses.length > 0) fields.push([t('columns|Address'), addresses.map((a) => `${str(a.type) ?? ''} ${str(a.address) ?? ''}`).join(', ')]);
  const containers = Array.isArray(s.containers) ? (s.containers as Container[]) : [];
  const initContainers = Array.isArray(s.initContainers) ? (s.initContainers as Container[]) : [];
  return (
    <>
      {fields.length > 0 && (
        <section className="card section" data-testid="summary">
          <h2 className="section__title">{t('details|Summary')}</h2>
          <dl className="fields">
            {fields.map(([label, value]) => (
              <Field key={label} label={label} value={value} />
            ))}
          </dl>
        </section>
      )}
      {s.type === 'Service' && props.namespace && props.name && ports.some((p) => (str(p.protocol) ?? 'TCP') === 'TCP') && (
        <section className="card section" data-testid="service-open">
          <h2 className="section__title">{t('details|Open in browser')}</h2>
          <div className="section__body">
            <p className="muted section__note">{t('details|Each port opens in a new tab through the API server, with your rights; the link names the Service, so it keeps working when its pods are replaced.')}</p>
            <ul className="plain">
              {ports
                .filter((p) => (str(p.protocol) ?? 'TCP') === 'TCP')
                .map((p) => {
                  const port = str(p.port) ?? '';
                  const https = str(p.name) === 'https' || port === '443';
                  return (
                    <li key={port}>
                      <OpenInBrowser href={proxyHref('services', props.namespace ?? '', props.name ?? '', port, https)} port={str(p.name) ? `${str(p.name) ?? ''} (${port})` : port} testId={`open-service-port-${port}`} />
                    </li>
                  );
                })}
            </ul>
          </div>
        </section>
      )}
      <Containers title={t('details|Init containers')} containers={initContainers} />
      <Containers title={t('details|Containers')} containers={containers} pod={s.type === 'Pod' && props.namespace && props.name ? { namespace: props.namespace, name: props.name } : undefined} />
      <ContainerConfig containers={[...initContainers, ...containers]} volumes={Array.isArray(s.volumes) ? (s.volumes as Volume[]) : []} />
    </>
  );
}
