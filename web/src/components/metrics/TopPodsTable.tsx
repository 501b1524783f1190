//! The pods using the most CPU, each linked to its page (overview, namespace and workload pages).

import { useTranslation } from '../../lib/i18n/I18nProvider';
import { formatBytes, formatCpu, type TopPod } from '../../lib/k8s/metrics';
import { RoutedLink } from '../RoutedLink';
import { useCoresLabel } from './useCoresLabel';

export function TopPodsTable(props: { pods: TopPod[]; caption?: string; className?: string; testId?: string }) {
  const { t } = useTranslation();
  const cores = useCoresLabel();
  return (
    <table className={props.className ? `table ${props.className}` : 'table'} data-testid={props.testId}>
      {props.caption && <caption className="metrics__caption">{props.caption}</caption>}
      <thead>
        <tr>
          <th>{t('glossary|Pod')}</th>
          <th className="num">{t('columns|CPU')}</th>
          <th className="num">{t('columns|Memory')}</th>
        </tr>
      </thead>
      <tbody>
        {props.pods.map((pod) => (
          <tr key={`${pod.namespace}/${pod.name}`} data-name={pod.name}>
            <td className="mono">
              <span className="muted">{pod.namespace}/</span>
              <RoutedLink to={`pods/${encodeURIComponent(pod.namespace)}/${encodeURIComponent(pod.name)}`}>{pod.name}</RoutedLink>
            </td>
            <td className="num">{formatCpu(pod.cpu, cores)}</td>
            <td className="num">{formatBytes(pod.memory)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
