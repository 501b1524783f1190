//! Small edits of YAML text the editor holds.

/** The YAML with `metadata.resourceVersion` set to `version` (to save over a newer object). */
export function withResourceVersion(text: string, version: string): string {
  return text.replace(/^(\s+resourceVersion:\s*).*$/m, `$1"${version}"`);
}
