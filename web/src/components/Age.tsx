//! How long ago something happened ("5m ago", "5分钟前"), with the exact time on hover.

import { useNow } from '../hooks/useNow';
import { useTranslation } from '../lib/i18n/I18nProvider';

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

/** The largest whole unit of an elapsed time, e.g. 150 s → [2, 'minute']. */
export function ageParts(seconds: number): [number, Intl.RelativeTimeFormatUnit] {
  const s = Math.max(0, Math.floor(seconds));
  for (const [unit, size] of UNITS) {
    if (s >= size) return [Math.floor(s / size), unit];
  }
  return [0, 'second'];
}

/** One formatter per locale: making one takes about 50 µs, and a page of 500 rows shows 500 ages. */
const relativeFormats = new Map<string, Intl.RelativeTimeFormat>();

function relativeFormat(locale: string): Intl.RelativeTimeFormat {
  let format = relativeFormats.get(locale);
  if (!format) {
    format = new Intl.RelativeTimeFormat(locale, { style: 'narrow', numeric: 'always' });
    relativeFormats.set(locale, format);
  }
  return format;
}

export function Age(props: { timestamp: string | null; now?: number }) {
  const { locale, t } = useTranslation();
  const clock = useNow();
  const time = props.timestamp ? Date.parse(props.timestamp) : Number.NaN;
  if (!props.timestamp || Number.isNaN(time)) return <span className="muted">—</span>;
  // The server's clock may run a little ahead of the browser's: never show "in 2s".
  const [value, unit] = ageParts(((props.now ?? clock) - time) / 1000);
  // Under a second reads "just now" (刚刚); Intl's "now" (现在) reads as a clock after "updated".
  const text = value === 0 ? t('time|just now') : relativeFormat(locale).format(-value, unit);
  return (
    <time dateTime={props.timestamp} title={new Date(time).toLocaleString(locale)}>
      {text}
    </time>
  );
}
