//! One table cell, drawn by its column's type: coloured statuses, relative ages, ratios, restarts.

import { Age } from '../Age';
import { UsageCell } from '../metrics/UsageCell';
import { useNow } from '../../hooks/useNow';
import {
  humanDuration,
  isDurationCell,
  isRestartsCell,
  isStatusCell,
  parseRatio,
  type Column,
  type Severity,
} from '../../lib/k8s/rows';

const SEVERITY_CLASS: Record<Severity, string> = {
  ok: 'sev sev--ok',
  neutral: 'sev sev--neutral',
  progressing: 'sev sev--progressing',
  warning: 'sev sev--warning',
  error: 'sev sev--error',
};

function None() {
  return <span className="muted">—</span>;
}

function Duration(props: { start: string; end: string | null }) {
  const now = useNow();
  const start = Date.parse(props.start);
  const end = props.end ? Date.parse(props.end) : now;
  if (Number.isNaN(start) || Number.isNaN(end)) return <None />;
  return <span>{humanDuration(end - start)}</span>;
}

export function Cell(props: { column: Column; value: unknown }) {
  const { column, value } = props;
  // A usage cell explains its own dash (no sample yet), so it comes before the generic one.
  if (column.type === 'usage') return <UsageCell resource={column.id === 'memory' ? 'memory' : 'cpu'} value={value} />;
  if (value === null || value === undefined || value === '') return <None />;
  switch (column.type) {
    case 'status':
      if (isStatusCell(value)) {
        return (
          <span className={SEVERITY_CLASS[value.severity]} data-severity={value.severity}>
            {value.text}
          </span>
        );
      }
      break;
    case 'since':
      if (typeof value === 'string') return <Age timestamp={value} />;
      break;
    case 'ratio': {
      const ratio = parseRatio(value);
      if (ratio) {
        const [ready, total] = ratio;
        return <span className={ready < total ? 'ratio ratio--short' : 'ratio'}>{`${ready}/${total}`}</span>;
      }
      break;
    }
    case 'restarts':
      if (isRestartsCell(value)) {
        return (
          <span className={value.count > 0 ? 'restarts restarts--some' : 'restarts'}>
            {value.count}
            {value.lastRestart && (
              <span className="muted">
                {' ('}
                <Age timestamp={value.lastRestart} />
                {')'}
              </span>
            )}
          </span>
        );
      }
      break;
    case 'duration':
      if (isDurationCell(value)) return <Duration start={value.start} end={value.end} />;
      break;
    default:
      break;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return <span>{String(value)}</span>;
  return <span className="mono">{JSON.stringify(value)}</span>;
}

/** Columns whose cells are numbers are right-aligned. */
export function isNumeric(column: Column): boolean {
  return column.type === 'integer' || column.type === 'quantity' || column.type === 'ratio' || column.type === 'restarts' || column.type === 'usage';
}
