//! The one table of the app: columns (header, cell, alignment, sorting), rows with a key and their
//! test attributes, an empty state, and an optional row of details below a row. Every list of
//! things in a page — a kind's rows, top pods, releases, events, containers — is one of these.
//!
//! ```tsx
//! <Table
//!   rows={pods}
//!   rowKey={(p) => `${p.namespace}/${p.name}`}
//!   columns={[
//!     { id: 'name', header: t('glossary|Pod'), cell: (p) => p.name },
//!     { id: 'cpu', header: t('columns|CPU'), numeric: true, cell: (p) => formatCpu(p.cpu, cores) },
//!   ]}
//!   empty={t('metrics|No pod has a sample yet.')}
//! />
//! ```

import { Fragment, type ReactNode } from 'react';
import { useTranslation } from '../lib/i18n/I18nProvider';

export interface TableColumn<T> {
  /** Names the column: the `data-column` of its header, and what sorting by it sends. */
  id: string;
  /** The header's text; an empty string for a column of buttons. */
  header: string;
  cell: (row: T, index: number) => ReactNode;
  /** Numbers are right-aligned, header and cells. */
  numeric?: boolean;
  /** More classes for the cells (`mono`, `message`, `detail-wrap`…). */
  className?: string;
  /** A header button sorts by this column (needs the table's `sort`). */
  sortable?: boolean;
  /** `low`: folded away on a narrow screen (header and cells), so the columns that matter stay. */
  priority?: 'low';
}

/** The attributes a row carries for tests and styles (`data-testid`, `data-name`…). */
export type RowAttributes = Partial<Record<`data-${string}`, string | number | undefined>>;

/** The sort a table shows: the column sorted by, which way, and what a header click asks for. */
export interface TableSort {
  column: string;
  descending: boolean;
  onSort: (column: string) => void;
}

export interface TableProps<T> {
  columns: readonly TableColumn<T>[];
  rows: readonly T[];
  rowKey: (row: T, index: number) => string;
  rowAttributes?: (row: T) => RowAttributes;
  /** Classes besides `table` (`table--events`, `resource-table`). */
  className?: string;
  testId?: string;
  caption?: ReactNode;
  captionClassName?: string;
  /** Shown instead of the table when there are no rows; without it an empty table is drawn. */
  empty?: ReactNode;
  /** More classes for the empty state (`empty` always). */
  emptyClassName?: string;
  emptyTestId?: string;
  sort?: TableSort;
  /** A full-width row under a row (a confirmation, an error), when it returns something. */
  below?: (row: T) => ReactNode;
}

function classes(...names: (string | false | undefined)[]): string | undefined {
  const joined = names.filter(Boolean).join(' ');
  return joined || undefined;
}

export function Table<T>(props: TableProps<T>) {
  const { t } = useTranslation();
  const { columns, sort } = props;
  if (props.rows.length === 0 && props.empty !== undefined) {
    return (
      <p className={classes('empty', props.emptyClassName)} data-testid={props.emptyTestId}>
        {props.empty}
      </p>
    );
  }
  return (
    <table className={classes('table', props.className)} data-testid={props.testId}>
      {props.caption && <caption className={props.captionClassName}>{props.caption}</caption>}
      <thead>
        <tr>
          {columns.map((column) => {
            const active = sort?.column === column.id;
            return (
              <th
                key={column.id}
                scope="col"
                className={classes(column.numeric && 'num', column.priority === 'low' && 'col--low')}
                aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : undefined}
                data-column={column.id}
              >
                {sort && column.sortable ? (
                  <button
                    type="button"
                    className={active ? 'sort-button sort-button--active' : 'sort-button'}
                    title={t('resources|Sort by {{column}}', { column: column.header })}
                    onClick={() => {
                      sort.onSort(column.id);
                    }}
                  >
                    {column.header}
                    <span className="sort-button__arrow" aria-hidden="true">
                      {active ? (sort.descending ? '▼' : '▲') : ''}
                    </span>
                  </button>
                ) : (
                  column.header
                )}
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row, index) => {
          const below = props.below?.(row);
          const key = props.rowKey(row, index);
          return (
            <Fragment key={key}>
              <tr {...props.rowAttributes?.(row)}>
                {columns.map((column) => (
                  <td key={column.id} className={classes(column.numeric && 'num', column.priority === 'low' && 'col--low', column.className)}>
                    {column.cell(row, index)}
                  </td>
                ))}
              </tr>
              {below ? (
                <tr>
                  <td colSpan={columns.length}>{below}</td>
                </tr>
              ) : null}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}
