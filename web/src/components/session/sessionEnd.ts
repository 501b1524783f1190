//! How the header words the end of a session: "until 20:00", or a warning shortly before.

import { WARN_BEFORE_MS } from '../../lib/api/session';

export type SessionEndLabel =
  /** Far off: the time it ends (`20:00`, or `7 Dec, 20:00` on another day). */
  | { kind: 'until'; time: string; full: string }
  /** Within WARN_BEFORE_MS: whole minutes left, rounded up (0 when less than one is left). */
  | { kind: 'soon'; minutes: number; full: string };

/** Describes a session ending at `expiresAt` (RFC 3339) as seen at `now`, in `locale`; null if unreadable. */
export function sessionEndLabel(expiresAt: string, now: number, locale: string): SessionEndLabel | null {
  const end = Date.parse(expiresAt);
  if (Number.isNaN(end)) return null;
  const date = new Date(end);
  const full = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
  const left = end - now;
  if (left <= WARN_BEFORE_MS) {
    return { kind: 'soon', minutes: left < 60_000 ? 0 : Math.ceil(left / 60_000), full };
  }
  const sameDay = new Date(now).toDateString() === date.toDateString();
  const time = new Intl.DateTimeFormat(locale, {
    ...(sameDay ? {} : { month: 'short', day: 'numeric' }),
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(date);
  return { kind: 'until', time, full };
}
