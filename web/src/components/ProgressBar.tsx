//! A thin bar across the top of the window while API requests are in flight.
//!
//! The bar fades in only after a short delay (in CSS), so quick periodic refreshes do not blink.

import { useInFlight } from '../hooks/useInFlight';
import { useTranslation } from '../lib/i18n/I18nProvider';

export function ProgressBar() {
  const { t } = useTranslation();
  const busy = useInFlight() > 0;
  return (
    <div
      className={busy ? 'progress progress--active' : 'progress'}
      role="progressbar"
      aria-label={t('shell|Loading')}
      aria-hidden={!busy}
      aria-busy={busy}
      data-testid="progress"
    />
  );
}
