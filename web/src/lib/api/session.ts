//! Who is signed in: reads, starts and ends the session, and notices in one place when any API
//! call is refused because the session is missing or over.
//!
//! ```ts
//! session.subscribe(render);          // the first subscriber reads `GET api/v1/session`
//! await session.signIn(token);        // POST; a rejected token throws the server's ApiError
//! mustSignIn(session.snapshot());     // true after any call answered 401 Unauthorized/SessionExpired
//! ```

import { type AnswerSeen, observeAnswers, requestJson } from './client';
import { API } from './endpoints';
import { ApiError, toApiError } from './errors';
import type { Session, TokenSignIn } from './generated';
import { forgetAnswers } from './query';

/**
 * The answer of `GET/POST/DELETE api/v1/session`. Its `mode` is `local` (the console acts with
 * its own kubeconfig identity; nobody signs in or out), `login` (people sign in with one of
 * `methods`) or `proxy` (an authenticating proxy in front decides who is asking; Wheelhouse
 * shows the name but has no sign-in form and no sign-out).
 */
export type { Person, Session, SessionMode, SignInMethod } from './generated';

/** The reasons with which the server refuses a call that has no valid session. */
export const SIGNED_OUT_REASONS = ['Unauthorized', 'SessionExpired'] as const;
export type SignedOutReason = (typeof SIGNED_OUT_REASONS)[number];

/** Why the person has to sign in again: the server's reason and its message (empty when none came). */
export interface SessionEnd {
  reason: SignedOutReason;
  message: string;
}

export interface SessionState {
  /** The last answer of the session endpoint; undefined until one arrived. */
  session: Session | undefined;
  /** Reading the session failed (an older server without the endpoint, no network). */
  error: ApiError | undefined;
  /** A call was refused for want of a session, or the session ran out: sign in again. */
  ended: SessionEnd | undefined;
}

/** How long before the session ends the header warns, and calls re-read the session. */
export const WARN_BEFORE_MS = 5 * 60_000;
/** Near the end, re-read the session at most this often (each API call could ask). */
const REREAD_EVERY_MS = 30_000;
/** setTimeout takes at most 2^31-1 ms; a session ending later is re-checked by then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function isSignedOutReason(reason: string | undefined): reason is SignedOutReason {
  return SIGNED_OUT_REASONS.some((r) => r === reason);
}

/** The sign-in page's path inside the app. */
export const LOGIN_PATH = '/login';

/** Whether the app must show the sign-in page instead of a page of the console. */
export function mustSignIn(state: SessionState): boolean {
  if (state.ended) return true;
  return state.session?.mode === 'login' && state.session.person === null;
}

/**
 * The in-app path to go to after signing in, from an untrusted `return` parameter: only a path
 * inside this app (`/pods?namespace=shop`), never another origin (`//evil.example`) or the
 * sign-in page itself; anything else is the overview.
 */
export function safeReturnPath(raw: string | null | undefined): string {
  if (!raw?.startsWith('/')) return '/';
  // Read it as a browser would (which takes `/\host` for `//host` and drops tabs and newlines):
  // it must stay on this origin.
  const probe = 'http://in-app.invalid';
  let url: URL;
  try {
    url = new URL(raw, probe);
  } catch {
    return '/';
  }
  if (url.origin !== probe || raw.startsWith('//') || raw.includes('\\')) return '/';
  const path = `${url.pathname}${url.search}${url.hash}`;
  return url.pathname === LOGIN_PATH ? '/' : path;
}

/** The sign-in page, remembering `from` (an in-app path with its query) to go back to. */
export function signInPath(from: string): string {
  const back = safeReturnPath(from);
  return back === '/' ? LOGIN_PATH : `${LOGIN_PATH}?return=${encodeURIComponent(back)}`;
}

type Listener = () => void;

export class SessionStore {
  private state: SessionState = { session: undefined, error: undefined, ended: undefined };
  private readonly listeners = new Set<Listener>();
  private loading: Promise<void> | undefined;
  private lastRead = 0;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by signing in and out, so a read that started before cannot undo them. */
  private generation = 0;

  snapshot = (): SessionState => this.state;

  /** The first subscriber reads the session, unless it was read already. */
  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    if (this.state.session === undefined && this.state.error === undefined) void this.load();
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** Reads `GET api/v1/session` (one read at a time). */
  load = (): Promise<void> => {
    this.loading ??= this.read().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  };

  /** Signs in with a bearer token; a rejected token throws the server's ApiError. */
  signIn = async (token: string): Promise<Session> => {
    const body: TokenSignIn = { token };
    const session = await requestJson<Session>('POST', API.session, { body: { json: body }, expect401: true });
    this.generation += 1;
    // What the previous person's pages fetched is not the new person's to see, even briefly.
    forgetAnswers();
    this.accept(session, undefined);
    return session;
  };

  /** Ends the session; the server clears its cookie. */
  signOut = async (): Promise<void> => {
    let session: Session;
    try {
      session = await requestJson<Session>('DELETE', API.session);
    } catch (error) {
      // A session that already ended needs no ending: the person is signed out either way.
      if (!(error instanceof ApiError && error.status === 401) || !this.state.session) throw error;
      session = { ...this.state.session, person: null };
    }
    this.generation += 1;
    this.accept(session, undefined);
  };

  /** Called after every API answer: a refusal ends the session; a success near the end re-reads it. */
  notice = (answer: AnswerSeen): void => {
    if (answer.request.endsWith(` ${API.session}`)) return;
    if (answer.status === 401 && isSignedOutReason(answer.reason) && !answer.expected401) {
      this.end({ reason: answer.reason, message: answer.message });
      return;
    }
    if (answer.status < 400 && this.nearExpiry() && Date.now() - this.lastRead > REREAD_EVERY_MS) {
      // The server refreshes an OIDC session on a request; the new end time is read back here.
      void this.load();
    }
  };

  /** Forgets everything; for tests, which each start from nothing. */
  reset(): void {
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    this.loading = undefined;
    this.lastRead = 0;
    this.generation += 1;
    this.state = { session: undefined, error: undefined, ended: undefined };
  }

  private async read(): Promise<void> {
    this.lastRead = Date.now();
    const generation = this.generation;
    try {
      const session = await requestJson<Session>('GET', API.session);
      if (generation !== this.generation) return;
      const hadPerson = this.state.session?.person != null;
      // A person who was signed in and no longer is: the session ran out (or was ended elsewhere).
      const ended = hadPerson && session.mode === 'login' && session.person === null ? { reason: 'SessionExpired' as const, message: '' } : this.state.ended;
      this.accept(session, ended);
    } catch (error) {
      if (generation !== this.generation) return;
      this.set({ ...this.state, error: toApiError(error, `GET ${API.session}`) });
    }
  }

  private end(ended: SessionEnd): void {
    if (this.state.ended) return;
    const session = this.state.session ? { ...this.state.session, person: null } : undefined;
    clearTimeout(this.expiryTimer);
    this.set({ session, error: this.state.error, ended });
  }

  private accept(session: Session, ended: SessionEnd | undefined): void {
    this.set({ session, error: undefined, ended: session.person ? undefined : ended });
    this.scheduleExpiryCheck(session.person?.expiresAt ?? null);
  }

  /** Re-reads the session when it ends, so the sign-in page appears without waiting for a call to fail. */
  private scheduleExpiryCheck(expiresAt: string | null): void {
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    if (!expiresAt) return;
    const at = Date.parse(expiresAt);
    if (Number.isNaN(at)) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now()) + 1_000);
    this.expiryTimer = setTimeout(() => void this.load(), delay);
  }

  private nearExpiry(): boolean {
    const expiresAt = this.state.session?.person?.expiresAt;
    if (!expiresAt) return false;
    return Date.parse(expiresAt) - Date.now() < WARN_BEFORE_MS;
  }

  private set(state: SessionState): void {
    this.state = state;
    for (const listener of this.listeners) listener();
  }
}

/** The tab's session. */
export const session = new SessionStore();
observeAnswers(session.notice);
