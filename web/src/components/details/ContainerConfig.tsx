//! How each container is configured, after its state: where its environment comes from
//! (`envFrom`, ConfigMaps and Secrets by name, never a Secret's value unless revealed), its
//! probes, its mounts; and the pod's volumes.

import type { Container, EnvVar } from '../../lib/k8s/detail';
import type { Probe, Volume } from '../../lib/api/generated';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { Table } from '../Table';

/** A container's environment: values as they are, references named unless revealed. */
export function Environment(props: { container: Container }) {
  const { t } = useTranslation();
  const { env, envFrom } = props.container;
  if (env.length === 0 && envFrom.length === 0) return <span className="muted">—</span>;
  return (
    <>
      {envFrom.map((f, i) => (
        <div key={`from-${String(i)}`} data-testid="env-from">
          {t('details|all keys of {{kind}} {{name}}', { kind: f.kind, name: f.name ?? '—' })}
          {f.prefix ? ` ${t('details|(prefix {{prefix}})', { prefix: f.prefix })}` : ''}
          {f.optional ? ` ${t('details|(optional)')}` : ''}
        </div>
      ))}
      {env.map((e) => (
        <EnvLine key={e.name} env={e} />
      ))}
    </>
  );
}

function EnvLine(props: { env: EnvVar }) {
  const e = props.env;
  return (
    <div>
      {e.name}=
      {e.from ? (
        e.revealed ? (
          e.value
        ) : (
          <span className="muted">
            {e.from.kind}
            {e.from.name ? ` ${e.from.name}` : ''}
            {e.from.key ? `/${e.from.key}` : ''}
            {e.from.path ? ` ${e.from.path}` : ''}
          </span>
        )
      ) : (
        (e.value ?? '')
      )}
    </div>
  );
}

function ProbeText(props: { label: string; probe: Probe | null }) {
  const { t } = useTranslation();
  const p = props.probe;
  if (!p) return null;
  return (
    <div>
      <strong>{props.label}</strong> <span className="mono">{p.handler}</span>{' '}
      <span className="muted">
        {t('details|every {{period}} s, timeout {{timeout}} s, fails after {{failures}}, first after {{delay}} s', {
          period: p.periodSeconds,
          timeout: p.timeoutSeconds,
          failures: p.failureThreshold,
          delay: p.initialDelaySeconds,
        })}
      </span>
    </div>
  );
}

/** Each container's probes and mounts, and the pod's volumes. */
export function ContainerConfig(props: { containers: Container[]; volumes: Volume[] }) {
  const { t } = useTranslation();
  const { containers, volumes } = props;
  if (containers.length === 0) return null;
  return (
    <section className="card section section--wide" data-testid="container-config">
      <h2 className="section__title">{t('details|Probes, mounts and volumes')}</h2>
      <div className="section__body">
        <Table
          rows={containers}
          rowKey={(c) => c.name}
          rowAttributes={(c) => ({ 'data-testid': 'container-config-row', 'data-container': c.name })}
          columns={[
            { id: 'name', header: t('columns|Name'), cell: (c) => <strong>{c.name}</strong> },
            {
              id: 'probes',
              header: t('details|Probes'),
              className: 'detail-wrap',
              cell: (c) =>
                c.probes.liveness || c.probes.readiness || c.probes.startup ? (
                  <>
                    <ProbeText label={t('details|liveness')} probe={c.probes.liveness} />
                    <ProbeText label={t('details|readiness')} probe={c.probes.readiness} />
                    <ProbeText label={t('details|startup')} probe={c.probes.startup} />
                  </>
                ) : (
                  <span className="muted">{t('details|none')}</span>
                ),
            },
            {
              id: 'mounts',
              header: t('details|Mounts'),
              className: 'mono detail-wrap',
              cell: (c) =>
                c.mounts.length > 0 ? (
                  c.mounts.map((m) => (
                    <div key={`${m.name}:${m.mountPath}`}>
                      {m.mountPath} ← {m.name}
                      {m.subPath ? `/${m.subPath}` : ''}
                      {m.readOnly ? ` (${t('details|read-only')})` : ''}
                    </div>
                  ))
                ) : (
                  <span className="muted">—</span>
                ),
            },
          ]}
        />
        {volumes.length > 0 && (
          <>
            <h3 className="diagnosis__subtitle">{t('details|Volumes')}</h3>
            <Table
              rows={volumes}
              rowKey={(v, i) => v.name ?? String(i)}
              rowAttributes={() => ({ 'data-testid': 'volume-row' })}
              columns={[
                { id: 'name', header: t('columns|Name'), className: 'mono', cell: (v) => v.name ?? '—' },
                { id: 'type', header: t('columns|Type'), className: 'mono', cell: (v) => v.type },
                { id: 'source', header: t('details|Source'), className: 'mono', cell: (v) => v.source ?? '—' },
              ]}
            />
          </>
        )}
      </div>
    </section>
  );
}
