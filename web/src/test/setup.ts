//! Runs around every unit test: each starts with an empty DOM, no cached API data, no storage.

import { cleanup } from '@testing-library/react';
import '@testing-library/jest-dom/vitest';
import { afterEach, vi } from 'vitest';
import { resetResources } from '../lib/api/resources';

afterEach(() => {
  cleanup();
  resetResources();
  window.localStorage.clear();
  vi.unstubAllGlobals();
});
