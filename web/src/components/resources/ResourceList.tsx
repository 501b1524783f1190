//! Every kind's list page: the app's one Table, its columns and sorting driven by the server's columns.

import { Link } from 'react-router';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { sortColumn, type Column, type Row } from '../../lib/k8s/rows';
import { Table, type TableColumn } from '../Table';
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
  const { tx } = useTranslation();
  const { rowLink, namespaceLink } = props;
  const columns: TableColumn<Row>[] = props.columns
    .filter((c) => props.wide || !c.wide)
    .map((column) => ({
      id: column.id,
      header: tx(column.title),
      numeric: isNumeric(column),
      // Free text (selectors, images, node names) folds away first on a narrow screen.
      priority: column.type === 'text' && column.id !== 'name' && column.id !== 'namespace' ? ('low' as const) : undefined,
      sortable: column.sortable,
      cell: (row) => {
        if (column.id === 'name') {
          return rowLink ? (
            <Link className="resource-table__name" to={rowLink(row)}>
              {row.name}
            </Link>
          ) : (
            <strong className="resource-table__name">{row.name}</strong>
          );
        }
        if (column.id === 'namespace' && typeof row.namespace === 'string' && namespaceLink) {
          return <Link to={namespaceLink(row.namespace)}>{row.namespace}</Link>;
        }
        return <Cell column={column} value={row[column.id]} />;
      },
    }));
  return (
    <div className="resource-table__scroll">
      <Table
        className="resource-table"
        testId="resource-table"
        columns={columns}
        rows={props.items}
        // By position: the next page (or a new sort) rewrites the text of the rows already drawn
        // instead of removing 500 rows and building 500 more, which made every page turn jank.
        rowKey={(_, index) => String(index)}
        windowed
        rowAttributes={(row) => ({ 'data-name': row.name, 'data-namespace': row.namespace ?? undefined })}
        sort={{
          column: sortColumn(props.sort || 'name'),
          descending: props.sort.startsWith('-'),
          onSort: (column) => {
            props.onSort(nextSort(props.sort, column));
          },
        }}
      />
    </div>
  );
}
