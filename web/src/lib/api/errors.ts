//! The one error type for failed API calls, carrying the server's `{"error":{code,reason,message}}`.

import type { MessageKey, Vars } from '../i18n/catalogue';
import type { ErrorBody } from './generated';

export type { ErrorAnswer, ErrorBody } from './generated';

/** Reasons the browser itself assigns when no server answer could be read. */
export const CLIENT_REASONS = {
  /** fetch() rejected: the server is down, the network is gone, or a proxy refused. */
  network: 'NetworkError',
  /** The answer was not the JSON the contract promises (an HTML error page from a proxy, say). */
  badResponse: 'BadResponse',
} as const;

export class ApiError extends Error {
  /** HTTP status, or 0 when no response arrived. */
  readonly status: number;
  /** The server's machine-readable reason (`ClusterUnreachable`, `Forbidden`, ...). */
  readonly reason: string;
  /** What was asked for, e.g. `GET api/v1/overview`, so the person knows what failed. */
  readonly request: string;
  readonly details: unknown;
  /**
   * For failures the browser itself describes (no answer, not JSON), the catalogue key of the
   * message, so it is shown in the page's language; the server's own messages have none.
   */
  readonly localMessage: { key: MessageKey; vars?: Vars } | undefined;

  constructor(init: {
    status: number;
    reason: string;
    message: string;
    request: string;
    details?: unknown;
    localMessage?: { key: MessageKey; vars?: Vars };
  }) {
    super(init.message);
    this.localMessage = init.localMessage;
    this.name = 'ApiError';
    this.status = init.status;
    this.reason = init.reason;
    this.request = init.request;
    this.details = init.details ?? null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the contract's error body (`ErrorAnswer`'s `error`); null when the body is not in that shape. */
export function parseErrorBody(body: unknown): ErrorBody | null {
  if (!isRecord(body) || !isRecord(body.error)) return null;
  const { code, reason, message, details } = body.error;
  if (typeof reason !== 'string' || typeof message !== 'string') return null;
  return { code: typeof code === 'number' ? code : 0, reason, message, details };
}

/** Any thrown value as an ApiError, so every error surface can show a reason and a message. */
export function toApiError(error: unknown, request: string): ApiError {
  if (error instanceof ApiError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new ApiError({
    status: 0,
    reason: CLIENT_REASONS.network,
    message: `Could not reach the Wheelhouse server: ${detail}`,
    request,
    localMessage: { key: 'errors|Could not reach the Wheelhouse server: {{detail}}', vars: { detail } },
  });
}
