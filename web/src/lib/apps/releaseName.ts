//! Helm's rules for a release name, checked as the person types so a bad name never reaches helm.

import type { MessageKey } from '../i18n/catalogue';

/** Helm refuses longer names: the name ends up in resource names and labels with suffixes. */
export const RELEASE_NAME_MAX = 53;

/** A DNS-1123 subdomain: dot-separated labels of lowercase letters, digits and '-'. */
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `name` is not a valid release name (a catalogue key), or null when it is. */
export function releaseNameProblem(name: string): MessageKey | null {
  if (name === '') return 'apps|Enter a release name.';
  if (name.length > RELEASE_NAME_MAX) return 'apps|At most 53 characters.';
  if (/[A-Z]/.test(name)) return 'apps|Use lowercase letters only.';
  if (/[^a-z0-9.-]/.test(name)) return "apps|Only lowercase letters, digits, '-' and '.' are allowed.";
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'apps|Start and end with a letter or a digit.';
  if (!RELEASE_NAME.test(name)) return "apps|Each part between dots must start and end with a letter or a digit.";
  return null;
}

/** A default release name from a chart name: the chart name made valid. */
export function suggestReleaseName(chart: string): string {
  const cleaned = chart
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, RELEASE_NAME_MAX)
    .replace(/[^a-z0-9]+$/, '');
  return cleaned || 'release';
}
