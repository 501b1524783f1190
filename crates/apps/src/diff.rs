//! Unified diffs of text (values and manifests between revisions), as `diff -u` prints them.

/// Lines of context around each change.
const CONTEXT: usize = 3;
/// Beyond this many lines on both sides the diff is not computed line by line.
const MAX_CELLS: usize = 25_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Removed,
    Added,
}

/// The unified diff from `old` to `new` with headers naming them; empty when they are equal.
pub fn unified(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    if old == new {
        return String::new();
    }
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let ops = edit_script(&a, &b);
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    // Walk the script, emitting hunks of changes with their context.
    let mut i = 0;
    while i < ops.len() {
        if ops[i].0 == Op::Same {
            i += 1;
            continue;
        }
        let start = i.saturating_sub(CONTEXT);
        let mut end = i;
        // Extend while the next change is within 2×CONTEXT unchanged lines.
        loop {
            while end < ops.len() && ops[end].0 != Op::Same {
                end += 1;
            }
            let mut same = 0;
            while end + same < ops.len() && ops[end + same].0 == Op::Same {
                same += 1;
            }
            if end + same < ops.len() && same <= 2 * CONTEXT {
                end += same;
            } else {
                end = (end + same.min(CONTEXT)).min(ops.len());
                break;
            }
        }
        let hunk = &ops[start..end];
        let old_start = hunk
            .iter()
            .find(|(op, _, _)| *op != Op::Added)
            .map(|(_, ai, _)| *ai);
        let new_start = hunk
            .iter()
            .find(|(op, _, _)| *op != Op::Removed)
            .map(|(_, _, bi)| *bi);
        let old_count = hunk.iter().filter(|(op, _, _)| *op != Op::Added).count();
        let new_count = hunk.iter().filter(|(op, _, _)| *op != Op::Removed).count();
        let header = |start: Option<usize>, count: usize, fallback: usize| {
            let first = start.map_or(fallback, |s| s + 1);
            let first = if count == 0 {
                first.saturating_sub(1)
            } else {
                first
            };
            format!("{first},{count}")
        };
        let fallback_old = hunk.first().map_or(0, |h| h.1);
        let fallback_new = hunk.first().map_or(0, |h| h.2);
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            header(old_start, old_count, fallback_old + 1),
            header(new_start, new_count, fallback_new + 1)
        ));
        for (op, ai, bi) in hunk {
            match op {
                Op::Same => out.push_str(&format!(" {}\n", a[*ai])),
                Op::Removed => out.push_str(&format!("-{}\n", a[*ai])),
                Op::Added => out.push_str(&format!("+{}\n", b[*bi])),
            }
        }
        i = end;
    }
    out
}

/// The edit script as (op, index in a, index in b), from a longest common subsequence after
/// trimming the common prefix and suffix.
fn edit_script(a: &[&str], b: &[&str]) -> Vec<(Op, usize, usize)> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut ops: Vec<(Op, usize, usize)> = (0..prefix).map(|i| (Op::Same, i, i)).collect();
    if ma.len().saturating_mul(mb.len()) > MAX_CELLS {
        // Too large to align: everything in the middle is replaced.
        ops.extend((0..ma.len()).map(|i| (Op::Removed, prefix + i, prefix)));
        ops.extend((0..mb.len()).map(|j| (Op::Added, prefix + ma.len(), prefix + j)));
    } else {
        let (n, m) = (ma.len(), mb.len());
        let mut table = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                table[i * (m + 1) + j] = if ma[i] == mb[j] {
                    table[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    table[(i + 1) * (m + 1) + j].max(table[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && ma[i] == mb[j] {
                ops.push((Op::Same, prefix + i, prefix + j));
                i += 1;
                j += 1;
            } else if i < n
                && (j == m || table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1])
            {
                ops.push((Op::Removed, prefix + i, prefix + j));
                i += 1;
            } else {
                ops.push((Op::Added, prefix + i, prefix + j));
                j += 1;
            }
        }
    }
    let (oa, ob) = (a.len() - suffix, b.len() - suffix);
    ops.extend((0..suffix).map(|k| (Op::Same, oa + k, ob + k)));
    ops
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
            "--- a\n+++ b\n@@ -0,0 +1,1 @@\n+x: 1\n"
        );
    }
}
