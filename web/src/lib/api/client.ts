//! Fetches JSON from the Wheelhouse API with relative URLs (resolved against `<base href>`).

import { ApiError, CLIENT_REASONS, parseErrorBody, toApiError } from './errors';
import { inFlight } from './inflight';

/** How long a request may take before the person is told it failed. */
const TIMEOUT_MS = 30_000;

/**
 * An answer the server gave, as observers see it: `reason` is the error body's reason (none for a
 * success). `expected401` is set by requests whose 401 is their own answer (a rejected token at
 * sign-in), which says nothing about the session of the rest of the app.
 */
export interface AnswerSeen {
  status: number;
  reason: string | undefined;
  /** The error body's message (empty for a success). */
  message: string;
  request: string;
  expected401: boolean;
}

type AnswerObserver = (answer: AnswerSeen) => void;
const observers = new Set<AnswerObserver>();

/**
 * Calls `observer` after every answer from the server (not for requests that got none). The
 * session uses this to notice, in one place, that any call was refused for want of a session.
 */
export function observeAnswers(observer: AnswerObserver): () => void {
  observers.add(observer);
  return () => {
    observers.delete(observer);
  };
}

function tellObservers(answer: AnswerSeen): void {
  for (const observer of observers) observer(answer);
}

/**
 * Tells observers of a refusal that came another way than a fetch: the live connection's
 * `error` for the connection itself (the server ends a WebSocket with `SessionExpired` when the
 * session does), so the session ends in the same one place.
 */
export function reportRefusal(status: number, reason: string, message: string, request: string): void {
  tellObservers({ status, reason, message, request, expected401: false });
}

/** Reads an answer's body; the connection breaking halfway is an ApiError like any other failure. */
async function bodyOf(response: Response, request: string, signal: AbortSignal | undefined): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    if (signal?.aborted) throw error;
    throw toApiError(error, request);
  }
}

/**
 * Fetches `path` as text (YAML, a log), with the same error handling as requestJson.
 */
export async function getText(path: string, signal?: AbortSignal): Promise<string> {
  const request = `GET ${path}`;
  inFlight.begin();
  try {
    let response: Response;
    try {
      response = await fetch(path, { signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]) : AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw toApiError(error, request);
    }
    const text = await bodyOf(response, request, signal);
    if (!response.ok) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const server = parseErrorBody(parsed);
      tellObservers({ status: response.status, reason: server?.reason, message: server?.message ?? '', request, expected401: false });
      throw new ApiError({
        status: response.status,
        reason: server?.reason ?? CLIENT_REASONS.badResponse,
        message: server?.message ?? `The server answered ${response.status} ${response.statusText} without an error description.`,
        details: server?.details,
        request,
        // Without the server's own message, the person reads the catalogue's.
        localMessage: server
          ? undefined
          : {
              key: 'errors|The server answered {{status}} without an error description. A proxy in between may have failed.',
              vars: { status: `${response.status} ${response.statusText}`.trim() },
            },
      });
    }
    tellObservers({ status: response.status, reason: undefined, message: '', request, expected401: false });
    return text;
  } finally {
    inFlight.end();
  }
}

/**
 * GETs `path` (relative, e.g. `api/v1/overview`) and returns its JSON body.
 * Every failure becomes an ApiError: the server's own error when it sent one, otherwise one
 * that says what happened (no answer, a timeout, an answer that is not JSON).
 */
export function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return requestJson<T>('GET', path, { signal });
}

/** A request body: JSON (an object) or text with its type (YAML). */
export type Body = { json: unknown } | { text: string; contentType: string };

export interface RequestOptions {
  body?: Body;
  signal?: AbortSignal;
  /**
   * A 401 is this request's own answer (signing in with a rejected token; asking for the
   * cluster's name before signing in), not a sign that the person's session ended.
   */
  expect401?: boolean;
}

/**
 * Sends `method path` with an optional body and returns the JSON answer, with the same error
 * handling as getJson (the server's error body becomes an ApiError with its details).
 */
export async function requestJson<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const { signal } = options;
  const expected401 = options.expect401 ?? false;
  const request = `${method} ${path}`;
  // The server refuses changing requests that carry neither JSON/YAML nor this header: no other
  // web page can send it without the browser asking the server first (see docs/security.md).
  const headers: Record<string, string> = { Accept: 'application/json', 'X-Wheelhouse-Client': 'web' };
  let body: string | undefined;
  if (options.body && 'json' in options.body) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body.json);
  } else if (options.body) {
    headers['Content-Type'] = options.body.contentType;
    body = options.body.text;
  }
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  inFlight.begin();
  try {
    let response: Response;
    try {
      response = await fetch(path, { method, headers, body, signal: combined });
    } catch (error) {
      if (signal?.aborted) throw error;
      if (timeout.aborted) {
        const seconds = TIMEOUT_MS / 1000;
        throw new ApiError({
          status: 0,
          reason: CLIENT_REASONS.network,
          message: `No answer from the Wheelhouse server within ${seconds} s.`,
          request,
          localMessage: { key: 'errors|No answer from the Wheelhouse server within {{seconds}} s.', vars: { seconds } },
        });
      }
      throw toApiError(error, request);
    }
    const text = await bodyOf(response, request, signal);
    let answer: unknown = undefined;
    try {
      answer = text === '' ? undefined : JSON.parse(text);
    } catch {
      answer = undefined;
    }
    const server = response.ok ? null : parseErrorBody(answer);
    tellObservers({ status: response.status, reason: server?.reason, message: server?.message ?? '', request, expected401 });
    if (!response.ok) {
      if (server) {
        throw new ApiError({
          status: response.status,
          reason: server.reason,
          message: server.message,
          details: server.details,
          request,
        });
      }
      throw new ApiError({
        status: response.status,
        reason: CLIENT_REASONS.badResponse,
        message: `The server answered ${response.status} ${response.statusText} without an error description.`,
        request,
        localMessage: {
          key: 'errors|The server answered {{status}} without an error description. A proxy in between may have failed.',
          vars: { status: `${response.status} ${response.statusText}`.trim() },
        },
      });
    }
    if (answer === undefined) {
      throw new ApiError({
        status: response.status,
        reason: CLIENT_REASONS.badResponse,
        message: 'The server answered with something that is not JSON.',
        request,
        localMessage: { key: 'errors|The server answered with something that is not JSON.' },
      });
    }
    return answer as T;
  } finally {
    inFlight.end();
  }
}
