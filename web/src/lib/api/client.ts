//! Fetches JSON from the Wheelhouse API with relative URLs (resolved against `<base href>`).

import { ApiError, CLIENT_REASONS, parseErrorBody, toApiError } from './errors';
import { inFlight } from './inflight';

/** How long a request may take before the person is told it failed. */
const TIMEOUT_MS = 30_000;

/**
 * GETs `path` (relative, e.g. `api/v1/overview`) and returns its JSON body.
 * Every failure becomes an ApiError: the server's own error when it sent one, otherwise one
 * that says what happened (no answer, a timeout, an answer that is not JSON).
 */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const request = `GET ${path}`;
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  inFlight.begin();
  try {
    let response: Response;
    try {
      response = await fetch(path, { headers: { Accept: 'application/json' }, signal: combined });
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
    const text = await response.text();
    let body: unknown = undefined;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const server = parseErrorBody(body);
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
    if (body === undefined) {
      throw new ApiError({
        status: response.status,
        reason: CLIENT_REASONS.badResponse,
        message: 'The server answered with something that is not JSON.',
        request,
        localMessage: { key: 'errors|The server answered with something that is not JSON.' },
      });
    }
    return body as T;
  } finally {
    inFlight.end();
  }
}
