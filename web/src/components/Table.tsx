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

import { Fragment, useEffect, useRef, useState, type ReactNode, type RefObject } from 'react';
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
  /**
   * Draw only the rows near the screen when there are more than [`WINDOW_FROM`] (a page of 500
   * pods): the rest are spacers of the same height, drawn as the page scrolls. Not with `below`.
   */
  windowed?: boolean;
}

/** Tables with more rows than this draw only those near the screen when `windowed`. */
export const WINDOW_FROM = 100;
/** How far above and below the screen rows are drawn, so a scroll shows drawn rows. */
const OVERSCAN_PX = 1_000;
/** The height a row is taken to have until rows were drawn and measured. */
const ROW_HEIGHT_GUESS = 32;

interface RowWindow {
  start: number;
  end: number;
  /** Of a drawn row, measured (or guessed before any was drawn). */
  rowHeight: number;
}

/**
 * The window for the table's body as it now sits on the screen: its drawn rows give their height,
 * its position which rows are within `OVERSCAN_PX` of the screen.
 */
function nextWindow(tbody: HTMLTableSectionElement, count: number, adoptHeight: boolean): (current: RowWindow) => RowWindow {
  const drawn = tbody.querySelectorAll<HTMLTableRowElement>(':scope > tr[aria-rowindex]');
  const [first, last] = [drawn[0], drawn[drawn.length - 1]];
  const measured = first && last ? (last.getBoundingClientRect().bottom - first.getBoundingClientRect().top) / drawn.length : 0;
  const top = tbody.getBoundingClientRect().top;
  const from = Math.max(0, -top - OVERSCAN_PX);
  const to = Math.max(0, -top + window.innerHeight + OVERSCAN_PX);
  return (current) => {
    // The height is taken up when the page moved (or before any was measured), not after a
    // window change alone: rows of other heights could otherwise swap two windows for ever.
    const adopt = measured > 4 && (adoptHeight || current.rowHeight === ROW_HEIGHT_GUESS);
    const rowHeight = adopt ? measured : current.rowHeight;
    const start = Math.min(count, Math.floor(from / rowHeight));
    const end = Math.min(count, Math.max(start + 1, Math.ceil(to / rowHeight)));
    const same = current.start === start && current.end === end && Math.abs(current.rowHeight - rowHeight) < 0.5;
    return same ? current : { start, end, rowHeight };
  };
}

/**
 * Which of `count` rows to draw: those within the screen (and `OVERSCAN_PX` around it) as the page
 * scrolls, from the rows' measured height. All of them when not `enabled`.
 */
function useRowWindow(count: number, enabled: boolean, body: RefObject<HTMLTableSectionElement | null>): RowWindow {
  // The first screen, until the rows are measured (clamped to the rows there are when drawn).
  const [shown, setShown] = useState<RowWindow>({ start: 0, end: 40, rowHeight: ROW_HEIGHT_GUESS });
  // Measured in the next frame after rows were drawn (until what is drawn is what the screen
  // needs), and in the frame after the page scrolls or resizes.
  useEffect(() => {
    if (!enabled) return;
    let frame = 0;
    let moved = false;
    const schedule = (pageMoved: boolean) => {
      moved ||= pageMoved;
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        if (body.current) setShown(nextWindow(body.current, count, moved));
        moved = false;
      });
    };
    const onMove = () => {
      schedule(true);
    };
    schedule(false);
    window.addEventListener('scroll', onMove, { passive: true });
    window.addEventListener('resize', onMove, { passive: true });
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener('scroll', onMove);
      window.removeEventListener('resize', onMove);
    };
  }, [body, count, enabled, shown.start, shown.end]);
  if (!enabled) return { start: 0, end: count, rowHeight: shown.rowHeight };
  const end = Math.min(shown.end, count);
  return { start: Math.min(shown.start, end), end, rowHeight: shown.rowHeight };
}

function classes(...names: (string | false | undefined)[]): string | undefined {
  const joined = names.filter(Boolean).join(' ');
  return joined || undefined;
}

export function Table<T>(props: TableProps<T>) {
  const { t } = useTranslation();
  const { columns, sort } = props;
  const body = useRef<HTMLTableSectionElement>(null);
  const windowed = Boolean(props.windowed) && !props.below && props.rows.length > WINDOW_FROM;
  const shown = useRowWindow(props.rows.length, windowed, body);
  if (props.rows.length === 0 && props.empty !== undefined) {
    return (
      <p className={classes('empty', props.emptyClassName)} data-testid={props.emptyTestId}>
        {props.empty}
      </p>
    );
  }
  return (
    <table className={classes('table', props.className)} data-testid={props.testId} aria-rowcount={windowed ? props.rows.length + 1 : undefined}>
      {props.caption && <caption className={props.captionClassName}>{props.caption}</caption>}
      <thead>
        <tr aria-rowindex={windowed ? 1 : undefined}>
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
      <tbody ref={body}>
        {windowed && shown.start > 0 && <Spacer columns={columns.length} height={shown.start * shown.rowHeight} />}
        {props.rows.slice(shown.start, shown.end).map((row, offset) => {
          const index = shown.start + offset;
          const below = props.below?.(row);
          const key = props.rowKey(row, index);
          return (
            <Fragment key={key}>
              <tr {...props.rowAttributes?.(row)} aria-rowindex={windowed ? index + 2 : undefined}>
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
        {windowed && shown.end < props.rows.length && <Spacer columns={columns.length} height={(props.rows.length - shown.end) * shown.rowHeight} />}
      </tbody>
    </table>
  );
}

/** Stands for rows not drawn: as tall as they would be, empty, hidden from screen readers. */
function Spacer(props: { columns: number; height: number }) {
  return (
    <tr className="table__spacer" aria-hidden="true">
      <td colSpan={props.columns} style={{ height: props.height }} />
    </tr>
  );
}
