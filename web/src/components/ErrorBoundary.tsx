//! Catches a page that throws while rendering and shows the error instead of a blank page.

import { Component, type ErrorInfo, type ReactNode } from 'react';
import { useTranslation } from '../lib/i18n/I18nProvider';

function CrashPanel(props: { error: Error; onReset: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="error-panel" role="alert">
      <div className="error-panel__body">
        <strong className="error-panel__title">{t('errors|This page failed to display')}</strong>
        <p className="error-panel__message">{props.error.message}</p>
        <p className="error-panel__meta">{t('errors|Reload the page to try again. If it keeps failing, please report it.')}</p>
      </div>
      <button type="button" className="button" onClick={props.onReset}>
        {t('errors|Retry')}
      </button>
    </div>
  );
}

interface State {
  error: Error | null;
}

export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('Wheelhouse: a page failed to render', error, info.componentStack);
  }

  override render(): ReactNode {
    if (this.state.error) {
      return (
        <CrashPanel
          error={this.state.error}
          onReset={() => {
            this.setState({ error: null });
          }}
        />
      );
    }
    return this.props.children;
  }
}
