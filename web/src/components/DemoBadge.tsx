//! The unmistakable sign that the console shows the built-in simulated cluster.

import { useId } from 'react';
import { useTranslation } from '../lib/i18n/I18nProvider';

export function DemoBadge() {
  const { t } = useTranslation();
  const tipId = useId();
  return (
    <span className="demo-badge" tabIndex={0} aria-describedby={tipId} data-testid="demo-badge">
      {t('shell|DEMO')}
      <span className="tooltip" role="tooltip" id={tipId}>
        {t('shell|This is the built-in simulated demo cluster, not a real one. Nothing you see or do here touches a real cluster. Start Wheelhouse with a kubeconfig to manage a real cluster.')}
      </span>
    </span>
  );
}
