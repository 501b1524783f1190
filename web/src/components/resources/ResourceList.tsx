//! The one table every kind's list page uses, driven by the server's columns.

import { Link } from 'react-router';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { rowKey, sortColumn, type Column, type Row } from '../../lib/k8s/rows';
import { Cell, isNumeric } from './Cell';

export interface ResourceListProps {
  columns: readonly Column[];
  items: readonly Row[];
  /** `name`, `-creationTimestamp`… */
  sort: string;
  onSort: (sort: string) => void;
  /** Show the `kubectl get -o wide` columns. */
  wide: boolean;
  /** Where a row's name links to (its detail page). */
  rowLink?: (row: Row) => string;
  /** Where a namespace cell links to (the same list filtered to it). */
  namespaceLink?: (namespace: string) => string;
}

/** The next sort after clicking a header: ascending first, then descending. */
export function nextSort(current: string, column: string): string {
  if (sortColumn(current) !== column) return column;
  return current.startsWith('-') ? column : `-${column}`;
}

export function ResourceList(props: ResourceListProps) {
  const { t, tx } = useTranslation();
  const columns = props.columns.filter((c) => props.wide || !c.wide);
  const sorted = sortColumn(props.sort || 'name');
  const descending = props.sort.startsWith('-');
  return (
    <div className="resource-table__scroll">
      <table className="table resource-table" data-testid="resource-table">
        <thead>
          <tr>
            {columns.map((column) => {
              const title = tx(column.title);
              const active = sorted === column.id;
              return (
                <th
                  key={column.id}
                  scope="col"
                  className={isNumeric(column) ? 'num' : undefined}
                  aria-sort={active ? (descending ? 'descending' : 'ascending') : undefined}
                  data-column={column.id}
                >
                  {column.sortable ? (
                    <button
                      type="button"
                      className={active ? 'sort-button sort-button--active' : 'sort-button'}
                      title={t('resources|Sort by {{column}}', { column: title })}
                      onClick={() => {
                        props.onSort(nextSort(props.sort, column.id));
                      }}
                    >
                      {title}
                      <span className="sort-button__arrow" aria-hidden="true">
                        {active ? (descending ? '▼' : '▲') : ''}
                      </span>
                    </button>
                  ) : (
                    title
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {props.items.map((row) => (
            <tr key={rowKey(row)} data-name={row.name} data-namespace={row.namespace ?? undefined}>
              {columns.map((column) => (
                <td key={column.id} className={isNumeric(column) ? 'num' : undefined}>
                  {column.id === 'name' ? (
                    props.rowLink ? (
                      <Link className="resource-table__name" to={props.rowLink(row)}>
                        {row.name}
                      </Link>
                    ) : (
                      <strong className="resource-table__name">{row.name}</strong>
                    )
                  ) : column.id === 'namespace' && typeof row.namespace === 'string' && props.namespaceLink ? (
                    <Link to={props.namespaceLink(row.namespace)}>{row.namespace}</Link>
                  ) : (
                    <Cell column={column} value={row[column.id]} />
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
