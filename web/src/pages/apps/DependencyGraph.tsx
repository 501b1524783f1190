//! A chart's dependencies as a small graph: the chart on the left, an edge to each dependency.

import type { ChartDependency } from '../../lib/apps/types';
import { useTranslation } from '../../lib/i18n/I18nProvider';

const ROW = 60;
const NODE_H = 50;
const WIDTH = 640;
const LEFT_W = 170;
const RIGHT_X = 300;
const RIGHT_W = 330;

/** The host of a dependency's repository (or the alias scheme `@repo`, `file://`). */
function repositoryLabel(repository: string | null): string {
  if (!repository) return '';
  try {
    const url = new URL(repository);
    return url.protocol === 'file:' ? repository : `${url.protocol === 'oci:' ? 'oci://' : ''}${url.host}`;
  } catch {
    return repository;
  }
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function DependencyGraph(props: { chart: string; version: string; dependencies: ChartDependency[] }) {
  const { t } = useTranslation();
  const deps = props.dependencies;
  if (deps.length === 0) return <p className="muted">{t('apps|This chart has no dependencies.')}</p>;
  const height = Math.max(ROW, deps.length * ROW) + 8;
  const rootY = height / 2 - NODE_H / 2;
  return (
    <svg
      className="dep-graph"
      viewBox={`0 0 ${WIDTH} ${height}`}
      width="100%"
      style={{ maxWidth: WIDTH }}
      role="img"
      aria-label={t('apps|{{chart}} depends on {{names}}', { chart: props.chart, names: deps.map((d) => d.alias ?? d.name).join(', ') })}
      data-testid="dependency-graph"
    >
      <rect x={4} y={rootY} width={LEFT_W} height={NODE_H} rx={6} className="dep-graph__root" />
      <text x={14} y={rootY + 20} className="dep-graph__name">
        {clip(props.chart, 22)}
      </text>
      <text x={14} y={rootY + 35} className="dep-graph__meta">
        {props.version}
      </text>
      {deps.map((d, i) => {
        const y = 4 + i * ROW;
        const label = d.alias ? `${d.alias} (${d.name})` : d.name;
        const meta = [d.version, repositoryLabel(d.repository)].filter(Boolean).join(' · ');
        const startX = 4 + LEFT_W;
        const startY = rootY + NODE_H / 2;
        const endY = y + NODE_H / 2;
        return (
          <g key={`${d.name}-${String(i)}`} data-testid="dependency-node">
            <title>{[label, d.version, d.repository, d.condition ? `${t('apps|enabled by')} ${d.condition}` : ''].filter(Boolean).join('\n')}</title>
            <path d={`M ${startX} ${startY} C ${startX + 60} ${startY}, ${RIGHT_X - 60} ${endY}, ${RIGHT_X} ${endY}`} className={d.condition ? 'dep-graph__edge dep-graph__edge--optional' : 'dep-graph__edge'} />
            <rect x={RIGHT_X} y={y} width={RIGHT_W} height={NODE_H} rx={6} className="dep-graph__node" />
            <text x={RIGHT_X + 10} y={y + 15} className="dep-graph__name">
              {clip(label, 32)}
            </text>
            <text x={RIGHT_X + 10} y={y + 30} className="dep-graph__meta">
              {clip(meta, 50)}
            </text>
            {d.condition && (
              <text x={RIGHT_X + 10} y={y + 43} className="dep-graph__meta">
                {clip(`${t('apps|enabled by')} ${d.condition}`, 50)}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}
