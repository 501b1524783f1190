import { screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import type { Column } from '../../lib/k8s/rows';
import { renderApp } from '../../test/render';
import { Cell } from '../resources/Cell';

const cpu: Column = { id: 'cpu', title: 'columns|CPU', type: 'usage', sortable: true, wide: false };
const memory: Column = { id: 'memory', title: 'columns|Memory', type: 'usage', sortable: true, wide: false };

function fill(): HTMLElement {
  const element = document.querySelector<HTMLElement>('.usage__fill');
  if (!element) throw new Error('no bar');
  return element;
}

describe('usage cells', () => {
  test('show the usage and a bar of the share of requests', async () => {
    await renderApp(<Cell column={cpu} value={{ usage: 0.25, requests: 0.5, limits: 1, percent: 50, of: 'requests' }} />);
    const cell = screen.getByTestId('usage');
    expect(cell).toHaveTextContent('250m');
    expect(cell).toHaveTextContent('50%');
    expect(cell).toHaveAttribute('title', '50% of requests (500m)');
    expect(fill().style.width).toBe('50%');
  });

  test('memory reads in binary units, and a share over the limit fills the bar and turns it red', async () => {
    await renderApp(<Cell column={memory} value={{ usage: 300 * 2 ** 20, requests: null, limits: 256 * 2 ** 20, percent: 117.2, of: 'limits' }} />);
    const cell = screen.getByTestId('usage');
    expect(cell).toHaveTextContent('300 MiB');
    expect(cell).toHaveTextContent('117%');
    expect(cell).toHaveAttribute('title', '117% of limits (256 MiB)');
    expect(fill().style.width).toBe('100%');
    expect(fill().parentElement).toHaveClass('usage__bar--bad');
  });

  test('more than requested is a warning, not an error: a pod may use more up to its limit', async () => {
    await renderApp(<Cell column={cpu} value={{ usage: 0.8, requests: 0.25, limits: 1, percent: 320, of: 'requests' }} />);
    expect(fill().style.width).toBe('100%');
    expect(fill().parentElement).toHaveClass('usage__bar--warn');
  });

  test('a node measures against allocatable', async () => {
    await renderApp(<Cell column={cpu} value={{ usage: 1.9, requests: null, limits: null, percent: 47.5, of: 'allocatable' }} />);
    expect(screen.getByTestId('usage')).toHaveTextContent('1.9 cores');
    expect(screen.getByTestId('usage')).toHaveAttribute('title', '48% of allocatable');
  });

  test('without requests or limits there is no bar, and the title says why', async () => {
    await renderApp(<Cell column={cpu} value={{ usage: 0.01, requests: null, limits: null, percent: null, of: null }} />);
    expect(screen.getByTestId('usage')).toHaveTextContent('10m');
    expect(screen.getByTestId('usage')).toHaveAttribute('title', 'No requests or limits set');
    expect(document.querySelector('.usage__fill')).toBeNull();
  });

  test('no sample is a dash whose title explains it, never 0', async () => {
    await renderApp(<Cell column={memory} value={null} />);
    const none = screen.getByTestId('usage-none');
    expect(none).toHaveTextContent('—');
    expect(none.getAttribute('title')).toMatch(/No usage sample/);
  });

  test('reads in Chinese', async () => {
    await renderApp(<Cell column={cpu} value={{ usage: 2, requests: 4, limits: null, percent: 50, of: 'requests' }} />, { locale: 'zh-CN' });
    expect(screen.getByTestId('usage')).toHaveTextContent('2 核');
    expect(screen.getByTestId('usage')).toHaveAttribute('title', '占请求（4 核）的 50%');
  });
});
