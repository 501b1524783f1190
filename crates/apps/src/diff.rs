//! Unified diffs of text (values and manifests between revisions), as `diff -u` prints them.
//!
//! The line diff is `similar`'s Myers (the algorithm of `diff` and git, with git's heuristics
//! for expensive inputs), so a manifest of tens of thousands of lines with a few changes diffs
//! in milliseconds. A [`DEADLINE`] bounds pathological inputs: past it the diff is still
//! complete and correct (applying it turns the old text into the new one), only no longer the
//! shortest, with the remaining differences shown as lines removed and added.
//!
//! ```
//! let diff = wheelhouse_apps::diff::unified("a: 1\n", "a: 2\n", "revision 1", "revision 2");
//! assert_eq!(diff, "--- revision 1\n+++ revision 2\n@@ -1 +1 @@\n-a: 1\n+a: 2\n");
//! ```

use std::time::Duration;

use similar::{Algorithm, TextDiff};

/// Lines of context around each change.
const CONTEXT: usize = 3;
/// How long one diff may search for the shortest edit before it settles for a longer one.
pub const DEADLINE: Duration = Duration::from_secs(1);

/// The unified diff from `old` to `new` with headers naming them; empty when they are equal.
///
/// Hunk ranges are written as GNU `diff -u` writes them (`@@ -2,7 +2,7 @@`, a count of one
/// left out), and a last line without a newline is followed by `\ No newline at end of file`.
pub fn unified(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    if old == new {
        return String::new();
    }
    TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .timeout(DEADLINE)
        .diff_lines(old, new)
        .unified_diff()
        .context_radius(CONTEXT)
        .header(old_name, new_name)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_an_empty_diff() {
        assert_eq!(unified("a\nb\n", "a\nb\n", "1", "2"), "");
    }

    #[test]
    fn a_changed_value_is_one_hunk_with_context() {
        let old = "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\ng: 7\nh: 8\n";
        let new = "a: 1\nb: 2\nc: 3\nd: 4\ne: five\nf: 6\ng: 7\nh: 8\n";
        assert_eq!(
            unified(old, new, "revision 1", "revision 2"),
            "--- revision 1\n+++ revision 2\n@@ -2,7 +2,7 @@\n b: 2\n c: 3\n d: 4\n-e: 5\n+e: five\n f: 6\n g: 7\n h: 8\n"
        );
    }

    #[test]
    fn added_and_removed_lines_far_apart_make_two_hunks() {
        let old: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        let new = old
            .replace("line 2\n", "")
            .replace("line 18\n", "line 18\nnew\n");
        let diff = unified(&old, &new, "a", "b");
        assert_eq!(diff.matches("@@ -").count(), 2, "{diff}");
        assert!(
            diff.contains("-line 2\n") && diff.contains("+new\n"),
            "{diff}"
        );
    }

    #[test]
    fn a_diff_from_nothing_adds_every_line() {
        assert_eq!(
            unified("", "x: 1\n", "a", "b"),
            "--- a\n+++ b\n@@ -0,0 +1 @@\n+x: 1\n"
        );
    }

    #[test]
    fn a_missing_final_newline_is_shown_as_diff_shows_it() {
        assert_eq!(
            unified("x: 1\n", "x: 1", "a", "b"),
            "--- a\n+++ b\n@@ -1 +1 @@\n-x: 1\n+x: 1\n\\ No newline at end of file\n"
        );
    }

    /// A manifest of many near-identical Deployments, as a large release has.
    fn manifest(lines: usize) -> Vec<String> {
        (0..lines)
            .map(|i| match i % 10 {
                0 => "---".to_string(),
                1 => "apiVersion: apps/v1".to_string(),
                2 => "kind: Deployment".to_string(),
                3 => "metadata:".to_string(),
                4 => format!("  name: app-{}", i / 10),
                5 => "spec:".to_string(),
                6 => "  replicas: 1".to_string(),
                7 => "  template:".to_string(),
                8 => "    spec:".to_string(),
                _ => "      containers: []".to_string(),
            })
            .collect()
    }

    #[test]
    fn a_large_manifest_with_a_few_changes_diffs_completely() {
        let old = manifest(20_000);
        let mut new = old.clone();
        new[106] = "  replicas: 3".to_string();
        new.remove(19_994);
        new.insert(10_000, "# added".to_string());
        let (old_text, new_text) = (old.join("\n") + "\n", new.join("\n") + "\n");

        let diff = unified(&old_text, &new_text, "revision 1", "revision 2");

        let changed: Vec<&str> = diff
            .lines()
            .filter(|l| {
                (l.starts_with('+') || l.starts_with('-'))
                    && !l.starts_with("+++")
                    && !l.starts_with("---")
            })
            .collect();
        assert_eq!(
            changed,
            [
                "-  replicas: 1",
                "+  replicas: 3",
                "+# added",
                "-  name: app-1999"
            ],
            "{diff}"
        );
        // The shortest diff, not the deadline's fallback (which would replace whole stretches);
        // how fast is a figure: `cargo xtask bench apps`.
        assert_eq!(diff.matches("@@ -").count(), 3, "{diff}");
    }

    #[test]
    fn texts_with_nothing_in_common_still_diff_completely() {
        let old: String = (0..20_000).map(|i| format!("old {i}\n")).collect();
        let new: String = (0..20_000).map(|i| format!("new {i}\n")).collect();
        let diff = unified(&old, &new, "a", "b");
        assert_eq!(
            diff.lines().filter(|l| l.starts_with("-old")).count(),
            20_000
        );
        assert_eq!(
            diff.lines().filter(|l| l.starts_with("+new")).count(),
            20_000
        );
    }
}
