import { screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderApp } from '../test/render';
import { isRouted, RoutedLink } from './RoutedLink';

describe('isRouted', () => {
  const patterns = ['/', '/nodes', '/namespaces/:name'];

  test.each([
    ['nodes', true],
    ['namespaces/shop', true],
    ['pods?namespace=shop', false],
    ['namespaces', false],
    ['', true],
  ])('%s is routed: %s', (to, expected) => {
    expect(isRouted(to, patterns)).toBe(expected);
  });
});

describe('RoutedLink', () => {
  test('is a link when a page exists and plain text otherwise', async () => {
    await renderApp(
      <>
        <RoutedLink to="nodes">to nodes</RoutedLink>
        <RoutedLink to="pods?namespace=a">to pods</RoutedLink>
      </>,
      { routes: ['/', '/nodes'] },
    );
    expect(screen.getByRole('link', { name: 'to nodes' })).toHaveAttribute('href', '/nodes');
    expect(screen.queryByRole('link', { name: 'to pods' })).toBeNull();
    expect(screen.getByText('to pods')).toBeInTheDocument();
  });
});
