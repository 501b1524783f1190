//! The token `wheelhouse port-forward` proves itself with to a console in local mode: made at
//! start, written where only this user can read it (`$XDG_CACHE_HOME/wheelhouse/consoles/`,
//! else `~/.cache/…`, the file 0600 in a 0700 directory), one file per port, removed at stop.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;

/// A new token: 256 bits from the system's random source, as hex.
pub fn generate() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Where the token of the console on `port` is kept.
pub fn path(port: u16) -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|d| !d.is_empty())
                .map(|home| PathBuf::from(home).join(".cache"))
        })?;
    Some(
        cache
            .join("wheelhouse")
            .join("consoles")
            .join(format!("{port}.token")),
    )
}

/// Writes the token of the console on `port`, readable by this user only; its path.
pub fn write(port: u16, token: &str) -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
    let path = path(port).context("no cache directory (neither XDG_CACHE_HOME nor HOME is set) to write the command-line token to")?;
    let dir = path.parent().context("the token's path has no directory")?;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot make {}", dir.display()))?;
    // A directory made before (or by someone else) is made private again.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("cannot make {} private", dir.display()))?;
    let _ = std::fs::remove_file(&path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(token.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_new_each_time() {
        let (a, b) = (generate(), generate());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }
}
