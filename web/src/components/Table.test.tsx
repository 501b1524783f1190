import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, test, vi } from 'vitest';
import { renderApp } from '../test/render';
import { Table, type TableColumn } from './Table';

interface Pod {
  name: string;
  restarts: number;
}

const columns: TableColumn<Pod>[] = [
  { id: 'name', header: 'Name', sortable: true, className: 'mono', cell: (p) => p.name },
  { id: 'restarts', header: 'Restarts', numeric: true, sortable: true, cell: (p) => p.restarts },
];

describe('Table', () => {
  test('draws a header per column and a row per item, numbers right-aligned, with the row attributes', async () => {
    await renderApp(<Table testId="pods" columns={columns} rows={[{ name: 'web-1', restarts: 3 }]} rowKey={(p) => p.name} rowAttributes={(p) => ({ 'data-name': p.name })} />);
    const table = screen.getByTestId('pods');
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Name', 'Restarts']);
    const row = table.querySelector('tr[data-name="web-1"]');
    expect(row).not.toBeNull();
    expect(within(table).getByText('3')).toHaveClass('num');
    expect(within(table).getByText('web-1')).toHaveClass('mono');
  });

  test('says its empty state instead of drawing an empty table', async () => {
    await renderApp(<Table testId="pods" columns={columns} rows={[]} rowKey={(p) => p.name} empty="No pods." emptyTestId="pods-empty" />);
    expect(screen.getByTestId('pods-empty')).toHaveTextContent('No pods.');
    expect(screen.queryByTestId('pods')).toBeNull();
  });

  test('marks the sorted column and asks to sort by the header clicked', async () => {
    const onSort = vi.fn();
    await renderApp(<Table columns={columns} rows={[{ name: 'a', restarts: 0 }]} rowKey={(p) => p.name} sort={{ column: 'restarts', descending: true, onSort }} />);
    const headers = screen.getAllByRole('columnheader');
    expect(headers.map((h) => h.getAttribute('aria-sort'))).toEqual([null, 'descending']);
    expect(headers.map((h) => h.textContent)).toEqual(['Name', 'Restarts▼']);
    fireEvent.click(screen.getByRole('button', { name: 'Name' }));
    expect(onSort).toHaveBeenCalledWith('name');
  });

  test('draws a full-width row under a row that has something to say', async () => {
    const rows = [
      { name: 'a', restarts: 0 },
      { name: 'b', restarts: 1 },
    ];
    await renderApp(<Table columns={columns} rows={rows} rowKey={(p) => p.name} below={(p) => p.restarts > 0 && <span>{`${p.name} restarted`}</span>} />);
    expect(screen.getAllByRole('row')).toHaveLength(4); // header, a, b, b's note
    expect(screen.getByText('b restarted').closest('td')).toHaveAttribute('colspan', '2');
  });
});
