//! A chart's README: the Markdown library is fetched only when a README is shown.

import { useEffect, useState } from 'react';
import { useTranslation } from '../../lib/i18n/I18nProvider';

export function Readme(props: { source: string }) {
  const { t } = useTranslation();
  const [html, setHtml] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let current = true;
    import('../../lib/apps/markdown')
      .then((m) => {
        if (current) setHtml(m.renderMarkdown(props.source));
      })
      .catch(() => {
        if (current) setFailed(true);
      });
    return () => {
      current = false;
    };
  }, [props.source]);
  if (failed) return <pre className="apps-pre">{props.source}</pre>;
  if (html === null) return <p className="muted">{t('apps|Loading the README…')}</p>;
  // renderMarkdown keeps only allow-listed HTML, safe links and images (see its tests).
  return <div className="markdown" data-testid="chart-readme" dangerouslySetInnerHTML={{ __html: html }} />;
}
