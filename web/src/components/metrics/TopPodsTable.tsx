//! The pods using the most CPU, each linked to its page (overview, namespace and workload pages).

import { useTranslation } from '../../lib/i18n/I18nProvider';
import { formatBytes, formatCpu, type TopPod } from '../../lib/k8s/metrics';
import { RoutedLink } from '../RoutedLink';
import { Table } from '../Table';
import { useCoresLabel } from './useCoresLabel';

export function TopPodsTable(props: { pods: TopPod[]; caption?: string; className?: string; testId?: string }) {
  const { t } = useTranslation();
  const cores = useCoresLabel();
  return (
    <Table
      className={props.className}
      testId={props.testId}
      caption={props.caption}
      captionClassName="metrics__caption"
      rows={props.pods}
      rowKey={(pod) => `${pod.namespace}/${pod.name}`}
      rowAttributes={(pod) => ({ 'data-name': pod.name })}
      columns={[
        {
          id: 'pod',
          header: t('glossary|Pod'),
          className: 'mono',
          cell: (pod) => (
            <>
              <span className="muted">{pod.namespace}/</span>
              <RoutedLink to={`pods/${encodeURIComponent(pod.namespace)}/${encodeURIComponent(pod.name)}`}>{pod.name}</RoutedLink>
            </>
          ),
        },
        { id: 'cpu', header: t('columns|CPU'), numeric: true, cell: (pod) => formatCpu(pod.cpu, cores) },
        { id: 'memory', header: t('columns|Memory'), numeric: true, cell: (pod) => formatBytes(pod.memory) },
      ]}
    />
  );
}
