import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, test, vi } from 'vitest';
import { POD_COLUMNS, podRow } from '../../test/fixtures';
import { renderApp } from '../../test/render';
import { nextSort, ResourceList } from './ResourceList';

describe('ResourceList', () => {
  test('draws the server columns with typed cells: coloured statuses, ratios, restarts, ages', async () => {
    const rows = [podRow('web-1'), podRow('cart-1', 'CrashLoopBackOff', 'error')];
    await renderApp(<ResourceList columns={POD_COLUMNS} items={rows} sort="name" onSort={() => undefined} wide={false} />);
    const headers = screen.getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(['Name▲', 'Namespace', 'Ready', 'Status', 'Restarts', 'Age']);
    const crashing = screen.getByText('CrashLoopBackOff');
    expect(crashing).toHaveAttribute('data-severity', 'error');
    expect(screen.getByText('Running')).toHaveAttribute('data-severity', 'ok');
    const cart = screen.getByText('cart-1').closest('tr');
    expect(cart).not.toBeNull();
    if (cart) {
      expect(within(cart).getByText('0/1')).toHaveClass('ratio--short');
      expect(within(cart).getByText('5')).toBeInTheDocument();
      expect(within(cart).getByText('5m ago')).toBeInTheDocument();
    }
  });

  test('the wide columns appear only when asked for', async () => {
    await renderApp(<ResourceList columns={POD_COLUMNS} items={[podRow('a')]} sort="name" onSort={() => undefined} wide />);
    expect(screen.getByText('worker-1')).toBeInTheDocument();
  });

  test('clicking a header sorts by it, and again the other way', async () => {
    const onSort = vi.fn();
    await renderApp(<ResourceList columns={POD_COLUMNS} items={[podRow('a')]} sort="name" onSort={onSort} wide={false} />);
    fireEvent.click(screen.getByRole('button', { name: /Age/ }));
    expect(onSort).toHaveBeenCalledWith('creationTimestamp');
    fireEvent.click(screen.getByRole('button', { name: 'Name' }));
    expect(onSort).toHaveBeenLastCalledWith('-name');
    expect(nextSort('-name', 'name')).toBe('name');
  });

  test('headers read in Chinese, and a custom column not in the catalogue keeps its own title', async () => {
    const columns = [...POD_COLUMNS.slice(0, 2), { id: 'color', title: 'columns|Color', type: 'text' as const, sortable: false, wide: false }];
    await renderApp(<ResourceList columns={columns} items={[{ ...podRow('a'), color: 'green' }]} sort="name" onSort={() => undefined} wide={false} />, {
      locale: 'zh-CN',
    });
    const headers = screen.getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(['名称▲', '命名空间', 'Color']);
  });
});
