//! Names the browser tab after the page, in the page's language ("Overview · Wheelhouse").

import { useEffect } from 'react';

export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Wheelhouse` : 'Wheelhouse';
  }, [title]);
}
