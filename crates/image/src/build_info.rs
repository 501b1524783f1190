//! Which build the image carries, read from the binary itself (`wheelhouse --version`).

use std::path::Path;
use std::process::Command;

use crate::{Error, Result};

/// The version, commit and build time of a `wheelhouse` binary: what its `/api/v1/version`
/// reports, and what the image's labels and `created` say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildInfo {
    /// The crate version, e.g. `0.1.0`.
    pub version: String,
    /// The git commit the binary was built from (`unknown` outside a checkout).
    pub revision: String,
    /// When it was built, RFC 3339 (SOURCE_DATE_EPOCH when the build set it).
    pub created: String,
    /// The same instant in seconds since the epoch: the modification time of every file in the
    /// layers.
    pub created_seconds: u64,
}

impl BuildInfo {
    /// Runs `BINARY --version` and reads its three lines.
    pub fn of_binary(binary: &Path) -> Result<Self> {
        let failure = |reason: String| Error::BuildInfo {
            binary: binary.to_path_buf(),
            reason,
        };
        let output = Command::new(binary)
            .arg("--version")
            .env_clear()
            .output()
            .map_err(|e| failure(format!("it does not run: {e}")))?;
        if !output.status.success() {
            return Err(failure(format!(
                "`--version` failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        let text = String::from_utf8_lossy(&output.stdout);
        Self::parse(&text).map_err(failure)
    }

    /// Reads what `wheelhouse --version` prints:
    ///
    /// ```text
    /// wheelhouse 0.1.0
    /// commit: 0123abcd…
    /// built: 2026-12-06T23:16:01Z
    /// ```
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut lines = text.lines();
        let version = lines
            .next()
            .and_then(|line| line.strip_prefix("wheelhouse "))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("`--version` printed {text:?}, not `wheelhouse VERSION`"))?;
        let mut field = |name: &str| {
            lines
                .next()
                .and_then(|line| line.strip_prefix(name))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    format!(
                        "`--version` has no `{name}` line (a binary older than the image build?): {text:?}"
                    )
                })
        };
        let revision = field("commit: ")?;
        let created = field("built: ")?;
        let timestamp: jiff::Timestamp = created
            .parse()
            .map_err(|e| format!("the build time {created:?} is not RFC 3339: {e}"))?;
        let created_seconds = u64::try_from(timestamp.as_second())
            .map_err(|_| format!("the build time {created:?} is before 1970"))?;
        Ok(Self {
            version: version.to_string(),
            revision,
            created,
            created_seconds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_lines_of_version_are_read() {
        let info =
            BuildInfo::parse("wheelhouse 0.1.0\ncommit: d24ea1d0\nbuilt: 2026-12-06T23:16:01Z\n")
                .expect("parses");
        assert_eq!(info.version, "0.1.0");
        assert_eq!(info.revision, "d24ea1d0");
        assert_eq!(info.created, "2026-12-06T23:16:01Z");
        assert_eq!(info.created_seconds, 1_796_598_961);
    }

    #[test]
    fn a_short_version_without_commit_and_time_is_refused() {
        let error = BuildInfo::parse("wheelhouse 0.1.0\n").expect_err("refused");
        assert!(error.contains("no `commit: ` line"), "{error}");
        let error = BuildInfo::parse("helm v4\n").expect_err("refused");
        assert!(error.contains("not `wheelhouse VERSION`"), "{error}");
        let error = BuildInfo::parse("wheelhouse 0.1.0\ncommit: x\nbuilt: yesterday\n")
            .expect_err("refused");
        assert!(error.contains("not RFC 3339"), "{error}");
    }
}
