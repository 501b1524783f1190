//! The page language's way of writing a number of CPU cores.

import { useCallback } from 'react';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import type { CoresLabel } from '../../lib/k8s/metrics';

export function useCoresLabel(): CoresLabel {
  const { t } = useTranslation();
  return useCallback((amount: string) => (amount === '1' ? t('metrics|1 core') : t('metrics|{{count}} cores', { count: amount })), [t]);
}
