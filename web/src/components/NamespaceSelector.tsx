//! Picks the namespace the pages show, from the namespaces the overview lists.

import { useNamespace } from '../hooks/useNamespace';
import { useApiQuery } from '../hooks/useApiQuery';
import { API } from '../lib/api/endpoints';
import { useTranslation } from '../lib/i18n/I18nProvider';
import type { Overview } from '../lib/k8s/overview';

export function NamespaceSelector() {
  const { t } = useTranslation();
  const [namespace, setNamespace] = useNamespace();
  const overview = useApiQuery<Overview>(API.overview);
  const names = (overview.data?.namespaces ?? []).map((n) => n.name).sort((a, b) => a.localeCompare(b));
  // A namespace in the URL stays selectable even before the list arrives or after it is deleted.
  if (namespace && !names.includes(namespace)) names.unshift(namespace);
  return (
    <label className="topbar__field">
      <span className="topbar__label">{t('glossary|Namespace')}</span>
      <select
        className="select"
        value={namespace}
        data-testid="namespace-selector"
        onChange={(event) => {
          setNamespace(event.target.value);
        }}
      >
        <option value="">{t('shell|All namespaces')}</option>
        {names.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}
