import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, test, vi } from 'vitest';
import { renderApp } from '../test/render';
import { Table, WINDOW_FROM, type TableColumn } from './Table';

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

  test('a long table draws the rows near the screen, and others as the page scrolls to them', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => ({ name: `pod-${String(i)}`, restarts: i }));
    await renderApp(<Table testId="pods" columns={columns} rows={rows} rowKey={(_, i) => String(i)} rowAttributes={(p) => ({ 'data-name': p.name })} windowed />);
    const table = screen.getByTestId('pods');
    const drawn = () => [...table.querySelectorAll('tbody tr[data-name]')].map((tr) => tr.getAttribute('data-name'));
    expect(table).toHaveAttribute('aria-rowcount', '501');
    expect(drawn()[0]).toBe('pod-0');
    expect(drawn().length).toBeLessThan(100);
    expect(table.querySelector('tr[data-name="pod-499"]')).toBeNull();
    const spacer = table.querySelector('tbody tr.table__spacer');
    expect(spacer).toHaveAttribute('aria-hidden', 'true');

    // The table's body now starts 10,000 px above the screen: rows around 10,000 / 32 are drawn.
    vi.spyOn(HTMLTableSectionElement.prototype, 'getBoundingClientRect').mockReturnValue(new DOMRect(0, -10_000, 800, 16_000));
    await act(async () => {
      window.dispatchEvent(new Event('scroll'));
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
    const names = drawn();
    expect(names).toContain('pod-320');
    expect(names).not.toContain('pod-0');
    expect(table.querySelector('tr[data-name="pod-320"]')).toHaveAttribute('aria-rowindex', '322');
    expect(table.querySelectorAll('tbody tr.table__spacer')).toHaveLength(2);
  });

  test(`a windowed table of ${String(WINDOW_FROM)} rows, or a long one not windowed, draws every row`, async () => {
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `pod-${String(i)}`, restarts: i }));
    const { unmount } = await renderApp(<Table testId="pods" columns={columns} rows={rows(WINDOW_FROM)} rowKey={(p) => p.name} windowed />);
    expect(screen.getByTestId('pods').querySelectorAll('tbody tr')).toHaveLength(WINDOW_FROM);
    unmount();
    await renderApp(<Table testId="pods" columns={columns} rows={rows(300)} rowKey={(p) => p.name} />);
    expect(screen.getByTestId('pods').querySelectorAll('tbody tr')).toHaveLength(300);
    expect(screen.getByTestId('pods')).not.toHaveAttribute('aria-rowcount');
  });
});
