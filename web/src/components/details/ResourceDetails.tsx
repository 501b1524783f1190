//! The one details component every kind's page uses: metadata, the kind's summary, conditions,
//! owner chain, related objects, events, and the server's warnings — each a slot that shows
//! only when the object has it.

import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { Age } from '../Age';
import { Table } from '../Table';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { objectUrl, type Detail, type ObjectLink } from '../../lib/k8s/detail';
import type { Kind } from '../../lib/k8s/kinds';
import { Summary } from './Summary';

/** The catalogue key naming a group of related objects (the server's `relation`). */
const RELATION_LABELS: Record<string, string> = {
  pods: 'kinds|Pods',
  replicaSets: 'kinds|Replica Sets',
  jobs: 'kinds|Jobs',
  services: 'kinds|Services',
  endpoints: 'kinds|Endpoint Slices',
  persistentVolumeClaims: 'kinds|Persistent Volume Claims',
  persistentVolume: 'kinds|Persistent Volumes',
  configMaps: 'kinds|Config Maps',
  secrets: 'kinds|Secrets',
  serviceAccount: 'kinds|Service Accounts',
  node: 'kinds|Nodes',
};

/** Conditions where True is the bad news (`MemoryPressure`, `NetworkUnavailable`). */
export function conditionSeverity(type: string, status: string): 'ok' | 'warning' | 'neutral' {
  if (status !== 'True' && status !== 'False') return 'neutral';
  const negative = /Pressure$|Unavailable$|Failed$|Stalled$/.test(type);
  return (status === 'True') !== negative ? 'ok' : 'warning';
}

function Section(props: { title: string; testId: string; count?: number; wide?: boolean; children: ReactNode }) {
  return (
    <section className={props.wide ? 'card section section--wide' : 'card section'} data-testid={props.testId}>
      <h2 className="section__title">
        {props.title}
        {props.count !== undefined && <span className="count-pill">{props.count}</span>}
      </h2>
      <div className="section__body">{props.children}</div>
    </section>
  );
}

function ObjectLinkView(props: { link: ObjectLink; kinds: readonly Kind[] }) {
  const url = objectUrl(props.kinds, props.link);
  const text = `${props.link.kind} ${props.link.namespace ? `${props.link.namespace}/` : ''}${props.link.name}`;
  return url ? <Link to={url}>{text}</Link> : <span>{text}</span>;
}

function Tags(props: { values: Record<string, string> | null }) {
  const entries = Object.entries(props.values ?? {});
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <span className="labels">
      {entries.map(([k, v]) => (
        <span key={k} className="label mono">
          {k}={v}
        </span>
      ))}
    </span>
  );
}

export function ResourceDetails(props: { detail: Detail; kinds: readonly Kind[]; lead?: ReactNode; extra?: ReactNode; metrics?: ReactNode }) {
  const { t, tx } = useTranslation();
  const { detail } = props;
  const m = detail.metadata;
  const annotations = Object.entries(m.annotations);
  return (
    <div className="details" data-testid="details">
      {detail.warnings.map((w) => (
        <div key={`${w.reason}:${w.what ?? ''}`} className="warning-box" role="status" data-testid="detail-warning">
          <strong>{w.reason}</strong> {w.what ? t('details|Could not read {{what}}:', { what: w.what }) : ''} {w.message}
        </div>
      ))}
      {props.lead}
      {props.extra}
      <div className="sections">
        {props.metrics}
        <Section title={t('details|Metadata')} testId="metadata">
          <dl className="fields">
            <dt>{t('columns|Name')}</dt>
            <dd className="mono">{m.name}</dd>
            {m.namespace && (
              <>
                <dt>{t('columns|Namespace')}</dt>
                <dd>{m.namespace}</dd>
              </>
            )}
            <dt>{t('details|Created')}</dt>
            <dd>
              <Age timestamp={m.creationTimestamp} />
            </dd>
            {m.deletionTimestamp && (
              <>
                <dt>{t('details|Deleting since')}</dt>
                <dd>
                  <Age timestamp={m.deletionTimestamp} />
                </dd>
              </>
            )}
            <dt>UID</dt>
            <dd className="mono">{m.uid}</dd>
            <dt>{t('resources|Labels')}</dt>
            <dd>
              <Tags values={m.labels} />
            </dd>
            {detail.owners.length > 0 && (
              <>
                <dt>{t('details|Controlled by')}</dt>
                <dd data-testid="owners">
                  {detail.owners.map((o, i) => (
                    <span key={o.path}>
                      {i > 0 && ' → '}
                      <ObjectLinkView link={o} kinds={props.kinds} />
                    </span>
                  ))}
                </dd>
              </>
            )}
            {annotations.length > 0 && (
              <>
                <dt>{t('details|Annotations')}</dt>
                <dd>
                  <details>
                    <summary>{t('details|{{count}} annotations', { count: annotations.length })}</summary>
                    <ul className="plain mono detail-wrap">
                      {annotations.map(([k, v]) => (
                        <li key={k}>
                          {k}: {v}
                        </li>
                      ))}
                    </ul>
                  </details>
                </dd>
              </>
            )}
          </dl>
        </Section>
        {detail.summary && <Summary summary={detail.summary} namespace={m.namespace} name={m.name} />}
        {detail.conditions.length > 0 && (
          <Section title={t('details|Conditions')} testId="conditions" wide>
            <Table
              rows={detail.conditions}
              rowKey={(c) => c.type}
              columns={[
                { id: 'type', header: t('columns|Type'), cell: (c) => c.type },
                { id: 'status', header: t('columns|Status'), cell: (c) => <span className={`sev sev--${conditionSeverity(c.type, c.status)}`}>{c.status}</span> },
                { id: 'reason', header: t('columns|Reason'), cell: (c) => c.reason ?? '—' },
                { id: 'message', header: t('columns|Message'), className: 'detail-wrap', cell: (c) => c.message ?? '—' },
                { id: 'since', header: t('details|Since'), cell: (c) => <Age timestamp={c.lastTransitionTime} /> },
              ]}
            />
          </Section>
        )}
        {detail.related.map((group) => (
          <Section key={group.relation} title={RELATION_LABELS[group.relation] ? tx(RELATION_LABELS[group.relation] ?? '') : group.relation} testId={`related-${group.relation}`} count={group.items.length}>
            <ul className="plain">
              {group.items.map((item) => (
                <li key={item.path}>
                  <ObjectLinkView link={item} kinds={props.kinds} />
                  {item.status && <span className="muted"> · {item.status}</span>}
                </li>
              ))}
            </ul>
          </Section>
        ))}
        <Section title={t('details|Events')} testId="events" count={detail.events.length} wide>
          <Table
            className="table--events"
            rows={detail.events}
            rowKey={(e, i) => `${e.reason ?? ''}-${String(i)}`}
            empty={t('details|No events.')}
            columns={[
              { id: 'type', header: t('columns|Type'), cell: (e) => <span className={e.type === 'Warning' ? 'sev sev--warning' : 'sev sev--neutral'}>{e.type}</span> },
              { id: 'reason', header: t('columns|Reason'), cell: (e) => e.reason ?? '—' },
              { id: 'message', header: t('columns|Message'), className: 'message', cell: (e) => e.message ?? '' },
              { id: 'count', header: t('columns|Count'), numeric: true, cell: (e) => e.count },
              { id: 'lastSeen', header: t('columns|Last Seen'), cell: (e) => <Age timestamp={e.lastSeen ?? e.firstSeen} /> },
            ]}
          />
        </Section>
      </div>
    </div>
  );
}
