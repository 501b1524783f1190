//! Runs around every unit test: each starts with an empty DOM, no cached API data or session, no storage.

import { cleanup } from '@testing-library/react';
import '@testing-library/jest-dom/vitest';
import { afterEach, vi } from 'vitest';
import { live } from '../lib/api/live';
import { forgetAnswers } from '../lib/api/query';
import { session } from '../lib/api/session';
import { livePause } from '../hooks/useLive';

afterEach(() => {
  cleanup();
  forgetAnswers();
  session.reset();
  live.shutdown();
  livePause.set(false);
  window.localStorage.clear();
  vi.unstubAllGlobals();
});
