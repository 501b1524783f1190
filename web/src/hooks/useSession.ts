//! React access to the tab's session (who is signed in, and whether they must sign in again).

import { useSyncExternalStore } from 'react';
import { session, type SessionState } from '../lib/api/session';

export function useSession(): SessionState {
  return useSyncExternalStore(session.subscribe, session.snapshot);
}
