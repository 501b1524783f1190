//! The list page of any kind (`/pods`, `/deployments`, `/widgets`): filters, the table, paging,
//! live updates — every bit of it in the URL, so a reload or a shared link shows the same view.

import { useEffect, useRef, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorPanel } from '../../components/ErrorPanel';
import { LiveIndicator } from '../../components/resources/LiveIndicator';
import { ResourceList } from '../../components/resources/ResourceList';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { useLivePaused } from '../../hooks/useLive';
import { useScrapeInterval } from '../../hooks/useMetricsStatus';
import { useApiQuery } from '../../hooks/useApiQuery';
import { useResourceList } from '../../hooks/useResourceList';
import { API } from '../../lib/api/endpoints';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import type { Permissions } from '../../lib/k8s/detail';
import { findKind, kindLabelKey, type Kind, type KindsAnswer } from '../../lib/k8s/kinds';
import { apiQuery, PAGE_SIZES, queryFromParams, type ListQuery } from '../../lib/k8s/rows';
import { NotFound } from '../NotFound';

/** How long typing in the name filter waits before asking the server. */
const FILTER_DEBOUNCE_MS = 250;

/** The kind's plural name as the navigation shows it (`kinds|Pod` → Pods; a custom kind as named). */
export function useKindLabel(): (kind: Pick<Kind, 'kind'>) => string {
  const { tx } = useTranslation();
  return (kind) => tx(kindLabelKey(kind));
}

export function ResourceListPage() {
  const { t } = useTranslation();
  const { resource = '' } = useParams();
  const kinds = useApiQuery<KindsAnswer>(API.kinds, 60_000);
  const kind = kinds.data ? findKind(kinds.data.kinds, resource) : undefined;

  if (!kinds.data) {
    return (
      <section className="page">
        <h1 className="page__title">{resource}</h1>
        {kinds.error ? (
          <ErrorPanel title={t('resources|Could not load the kinds the cluster serves')} error={kinds.error} onRetry={kinds.retry} />
        ) : (
          <p className="page__loading">{t('shell|Loading…')}</p>
        )}
      </section>
    );
  }
  if (!kind) return <NotFound />;
  return <KindList key={kind.path} kind={kind} resource={resource} />;
}

function KindList(props: { kind: Kind; resource: string }) {
  const { kind, resource } = props;
  const { t } = useTranslation();
  const label = useKindLabel()(kind);
  useDocumentTitle(label);
  const [params, setParams] = useSearchParams();
  const query = queryFromParams(params);
  const wide = params.get('wide') === '1';
  const [paused] = useLivePaused();
  // Known once a page arrived: whether its columns include usage, which changes at every scrape.
  const [usage, setUsage] = useState(false);
  const pollMs = useScrapeInterval(usage && !paused);
  const list = useResourceList(kind.path, apiQuery(query, kind.namespaced), query.sort, { paused, pollMs });
  const hasUsage = (list.data?.columns ?? []).some((c) => c.type === 'usage');
  if (hasUsage !== usage) setUsage(hasUsage);

  /** Changes the URL's query; any change but paging goes back to the first page. */
  const update = (changes: Partial<Record<keyof ListQuery | 'wide', string>>) => {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [key, value] of Object.entries(changes)) {
          if (value) next.set(key, value);
          else next.delete(key);
        }
        if (!('page' in changes)) next.delete('page');
        return next;
      },
      { replace: true },
    );
  };

  // The pager sits under the table: the next page is read from its top, so that comes into view.
  const top = useRef<HTMLElement>(null);
  const turnTo = (page: number) => {
    update({ page: String(page) });
    const section = top.current;
    if (section && section.getBoundingClientRect().top < 0) section.scrollIntoView({ block: 'start' });
  };

  const data = list.data;
  const warnings = data?.warnings ?? [];
  const loadingCache = data?.state === 'loading';
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  const first = data && data.items.length > 0 ? (data.page - 1) * data.pageSize + 1 : 0;
  const last = data && data.items.length > 0 ? Math.min(data.total, first + data.items.length - 1) : 0;
  const filtered = Boolean(query.q || query.labelSelector || (kind.namespaced && query.namespace));

  return (
    <section className="page" data-testid="resource-list" data-kind={kind.kind} ref={top}>
      <header className="page__header">
        <h1 className="page__title">{label}</h1>
        {data && (
          <span className="count-pill" data-testid="resource-total">
            {data.total}
          </span>
        )}
        <p className="page__subtitle mono">{kind.group ? `${kind.group}/${kind.version}` : kind.version}</p>
        {kind.namespaced && query.namespace && (
          <p className="page__subtitle">{t('resources|In namespace {{namespace}}', { namespace: query.namespace })}</p>
        )}
        <div className="page__header-end">
          {kind.verbs.includes('create') && <CreateLink kind={kind} namespace={query.namespace} />}
          <LiveIndicator />
        </div>
      </header>

      <Filters query={query} update={update} wide={wide} hasWide={(data?.columns ?? []).some((c) => c.wide)} />

      {list.error && (
        <ErrorPanel
          title={data ? t('resources|Refreshing the list failed; showing the last rows received.') : t('resources|Could not list {{kind}}', { kind: label })}
          error={list.error}
          onRetry={list.retry}
          compact={Boolean(data)}
        />
      )}
      {list.liveError && list.liveError.message !== list.error?.message && (
        <ErrorPanel
          title={
            list.liveError.reason === 'ResourceRemoved'
              ? t('live|The resource type {{kind}} was removed from the cluster', { kind: label })
              : t('live|Live updates for this list are unavailable')
          }
          error={list.liveError}
          onRetry={list.retry}
          compact
        />
      )}
      {warnings
        .filter((w) => w.reason !== 'Loading')
        .map((w) => (
          <div key={`${w.reason}:${w.message}`} className="warning-box" role="status" data-testid="list-warning">
            <strong>{w.reason}</strong> {w.message}
          </div>
        ))}

      {!data && !list.error && <p className="page__loading">{t('resources|Loading {{kind}}…', { kind: label })}</p>}
      {loadingCache && (
        <div className="notice card" role="status" data-testid="list-loading-cache">
          <strong>{t('resources|Loading the cache')}</strong>
          <p>
            {warnings.find((w) => w.reason === 'Loading')?.message ??
              t('resources|Wheelhouse is reading {{kind}} from the cluster for the first time. The rows appear as soon as it is done.', { kind: label })}
          </p>
        </div>
      )}
      {data && !loadingCache && (
        <div className="card">
          {data.items.length === 0 ? (
            <p className="empty empty--list" data-testid="list-empty">
              {filtered
                ? t('resources|No {{kind}} match these filters.', { kind: label })
                : data.total > 0
                  ? t('resources|This page is past the end of the list.')
                  : t('resources|There are no {{kind}}.', { kind: label })}
            </p>
          ) : (
            <ResourceList
              columns={data.columns}
              items={data.items}
              sort={query.sort}
              wide={wide}
              onSort={(sort) => {
                update({ sort });
              }}
              rowLink={(row) =>
                kind.namespaced && row.namespace
                  ? `/${resource}/${encodeURIComponent(row.namespace)}/${encodeURIComponent(row.name)}`
                  : `/${resource}/${encodeURIComponent(row.name)}`
              }
              namespaceLink={(namespace) => `?${new URLSearchParams({ ...Object.fromEntries(params), namespace, page: '1' }).toString()}`}
            />
          )}
          <footer className="pager" data-testid="pager">
            <span data-testid="pager-range">
              {data.items.length > 0 ? t('resources|{{first}}–{{last}} of {{total}}', { first, last, total: data.total }) : t('resources|0 of {{total}}', { total: data.total })}
            </span>
            <label className="pager__size">
              {t('resources|Rows per page')}
              <select
                className="select select--light"
                value={query.pageSize}
                onChange={(e) => {
                  update({ pageSize: e.target.value });
                }}
              >
                {PAGE_SIZES.map((size) => (
                  <option key={size} value={size}>
                    {size}
                  </option>
                ))}
              </select>
            </label>
            <span className="pager__pages">
              <button
                type="button"
                className="button button--small"
                disabled={query.page <= 1}
                onClick={() => {
                  turnTo(query.page - 1);
                }}
              >
                {t('resources|Previous')}
              </button>
              <span data-testid="pager-page">{t('resources|Page {{page}} of {{pages}}', { page: query.page, pages })}</span>
              <button
                type="button"
                className="button button--small"
                disabled={query.page >= pages}
                onClick={() => {
                  turnTo(query.page + 1);
                }}
              >
                {t('resources|Next')}
              </button>
            </span>
          </footer>
        </div>
      )}
    </section>
  );
}

function Filters(props: {
  query: ListQuery;
  update: (changes: Partial<Record<keyof ListQuery | 'wide', string>>) => void;
  wide: boolean;
  hasWide: boolean;
}) {
  const { t } = useTranslation();
  const { query, update } = props;
  const [name, setName] = useState(query.q);
  const [selector, setSelector] = useState(query.labelSelector);
  const updateRef = useRef(update);
  useEffect(() => {
    updateRef.current = update;
  });
  // The URL wins when it changes from elsewhere (back button, a link).
  const [shown, setShown] = useState({ q: query.q, labelSelector: query.labelSelector });
  if (shown.q !== query.q || shown.labelSelector !== query.labelSelector) {
    setShown({ q: query.q, labelSelector: query.labelSelector });
    setName(query.q);
    setSelector(query.labelSelector);
  }
  // Both filters apply as they are typed, once the typing pauses.
  useEffect(() => {
    if (name === query.q) return;
    const timer = setTimeout(() => {
      updateRef.current({ q: name });
    }, FILTER_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [name, query.q]);
  useEffect(() => {
    if (selector.trim() === query.labelSelector) return;
    const timer = setTimeout(() => {
      updateRef.current({ labelSelector: selector.trim() });
    }, FILTER_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [selector, query.labelSelector]);

  return (
    <div className="filters">
      <label className="filters__field">
        <span className="filters__label">{t('resources|Name')}</span>
        <input
          className="input"
          type="search"
          value={name}
          data-testid="filter-name"
          placeholder={t('resources|Filter by name')}
          onChange={(e) => {
            setName(e.target.value);
          }}
        />
      </label>
      <form
        className="filters__field"
        onSubmit={(e) => {
          e.preventDefault();
          update({ labelSelector: selector.trim() });
        }}
      >
        <label className="filters__field">
          <span className="filters__label">{t('resources|Labels')}</span>
          <input
            className="input input--wide mono"
            type="search"
            value={selector}
            data-testid="filter-labels"
            placeholder="app=web,tier!=db"
            title={t('resources|A label selector as kubectl takes it; it applies as you type.')}
            onChange={(e) => {
              setSelector(e.target.value);
            }}
            onBlur={() => {
              if (selector.trim() !== query.labelSelector) update({ labelSelector: selector.trim() });
            }}
          />
        </label>
      </form>
      {props.hasWide && (
        <label className="filters__check">
          <input
            type="checkbox"
            checked={props.wide}
            onChange={(e) => {
              update({ wide: e.target.checked ? '1' : '' });
            }}
          />
          {t('resources|More columns')}
        </label>
      )}
      {(query.q || query.labelSelector) && (
        <Link className="link-button" to={{ search: query.namespace ? `?namespace=${encodeURIComponent(query.namespace)}` : '' }}>
          {t('resources|Clear filters')}
        </Link>
      )}
    </div>
  );
}

export default ResourceListPage;

/**
 * Create from YAML, for the namespace the list shows. Where the question has one answer (one
 * namespace, or a cluster-scoped kind) the API server is asked whether the person may create the
 * kind there, and a refusal disables the button with its reason; until it answers, or when it
 * cannot, the button stays usable and the apply itself is checked.
 */
function CreateLink(props: { kind: Kind; namespace: string }) {
  const one = props.namespace.includes(',') ? '' : props.namespace;
  const to = `/apply${props.namespace ? `?namespace=${encodeURIComponent(props.namespace)}` : ''}`;
  if (props.kind.namespaced && !one) return <CreateButton to={to} />;
  return <CheckedCreateLink kind={props.kind} namespace={props.kind.namespaced ? one : ''} to={to} />;
}

function CheckedCreateLink(props: { kind: Kind; namespace: string; to: string }) {
  const permissions = useApiQuery<Permissions>(API.kindPermissions(props.kind.path, props.namespace), 30_000);
  const create = permissions.data?.actions.create;
  return <CreateButton to={props.to} refused={create && !create.allowed ? (create.reason ?? '') : undefined} />;
}

function CreateButton(props: { to: string; refused?: string }) {
  const { t } = useTranslation();
  if (props.refused === undefined) {
    return (
      <Link className="button button--small" data-testid="create-link" to={props.to}>
        {t('yaml|Create from YAML')}
      </Link>
    );
  }
  const reason = props.refused || t('actions|You may not do this.');
  return (
    <span className="action">
      <button type="button" className="button button--small" data-testid="create-link" disabled title={reason}>
        {t('yaml|Create from YAML')}
      </button>
      <span className="action__reason" data-testid="create-reason">
        {reason}
      </span>
    </span>
  );
}
