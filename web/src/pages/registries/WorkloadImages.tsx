//! A workload's images in their registries: for each container, the digest its tag points at now
//! and the digests its pods run ("newer image available" when they differ).

import { ErrorPanel } from '../../components/ErrorPanel';
import { Table } from '../../components/Table';
import { useApiQuery } from '../../hooks/useApiQuery';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { REGISTRIES_API, shortDigest, type WorkloadImages as Answer } from '../../lib/registries/types';

/** The kinds whose pods run images, as the server names them. */
const KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job', 'Pod']);

export function WorkloadImages(props: { kind: string; namespace: string | null; name: string }) {
  const { t } = useTranslation();
  const shown = KINDS.has(props.kind) && props.namespace !== null;
  const images = useApiQuery<Answer>(REGISTRIES_API.workload(props.namespace ?? '', props.kind, props.name), 60_000, { enabled: shown });
  // Only where a registry Wheelhouse knows holds one of the images (or asking failed): other
  // workloads' images are in registries nobody added.
  const known = images.data?.items.some((i) => i.registry !== null) ?? false;
  if (!shown || (!known && !(images.error && images.error.status !== 404))) return null;
  return (
    <section className="card section section--wide" data-testid="workload-images">
      <h2 className="section__title">{t('registries|Images in their registries')}</h2>
      <div className="section__body">
        {images.error && <ErrorPanel title={t('registries|The images could not be compared with their registries')} error={images.error} onRetry={images.retry} compact />}
        {images.data && (
          <Table
            testId="workload-image-table"
            rows={images.data.items}
            rowKey={(r) => r.container}
            rowAttributes={(r) => ({ 'data-testid': 'workload-image', 'data-newer': String(r.newer) })}
            columns={[
              { id: 'container', header: t('registries|Container'), cell: (r) => r.container },
              { id: 'image', header: t('registries|Image'), className: 'mono', cell: (r) => <span title={r.image}>{r.repository ? `${r.repository}${r.tag ? `:${r.tag}` : ''}` : r.image}</span> },
              { id: 'current', header: t('registries|Tag points at'), className: 'mono', cell: (r) => shortDigest(r.currentDigest) },
              { id: 'running', header: t('registries|Running'), className: 'mono', cell: (r) => r.runningDigests.map(shortDigest).join(', ') },
              {
                id: 'state',
                header: t('registries|State'),
                cell: (r) =>
                  r.newer ? <span className="tag tag--warning">{t('registries|newer image available')}</span>
                    : r.problem ? <span className="muted">{r.problem}</span>
                      : r.currentDigest ? <span className="tag tag--ok">{t('registries|up to date')}</span> : '',
              },
            ]}
          />
        )}
      </div>
    </section>
  );
}
