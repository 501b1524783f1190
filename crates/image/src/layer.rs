//! One layer: a tar archive with fixed owners, modes and modification times, gzip-compressed
//! without a timestamp, written as a blob named by its digest.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use ring::digest::{Context, SHA256};

use crate::{Error, Result};

/// One entry of a layer, owned by root (uid and gid 0): the image's user reads and runs what the
/// image carries but changes none of it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The path inside the image, relative (`usr/local/bin/helm`); folders have no trailing slash.
    pub path: String,
    /// Permission bits, e.g. 0o755; 0o1777 for `/tmp`.
    pub mode: u32,
    pub kind: EntryKind,
}

#[derive(Debug, Clone)]
pub enum EntryKind {
    Directory,
    /// A file written from these bytes (`/etc/passwd`).
    Bytes(Vec<u8>),
    /// A file copied from the build machine (the binaries, the CA certificates).
    File(PathBuf),
}

impl Entry {
    pub fn directory(path: &str, mode: u32) -> Self {
        Self {
            path: path.into(),
            mode,
            kind: EntryKind::Directory,
        }
    }

    pub fn bytes(path: &str, mode: u32, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            path: path.into(),
            mode,
            kind: EntryKind::Bytes(bytes.into()),
        }
    }

    pub fn file(path: &str, mode: u32, source: &Path) -> Self {
        Self {
            path: path.into(),
            mode,
            kind: EntryKind::File(source.to_path_buf()),
        }
    }
}

/// A written layer blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerBlob {
    /// `sha256:…` of the compressed blob: its name in `blobs/` and in the manifest.
    pub digest: String,
    /// Size of the compressed blob in bytes.
    pub size: u64,
    /// `sha256:…` of the uncompressed tar: the config's `rootfs.diff_ids` entry.
    pub diff_id: String,
}

/// Writes `entries` in their order as a gzip-compressed tar into `blobs` (a `blobs/sha256`
/// folder), every modification time set to `mtime` (seconds since the epoch).
pub fn write_layer(
    entries: &[Entry],
    mtime: u64,
    compression: Compression,
    blobs: &Path,
) -> Result<LayerBlob> {
    let partial = blobs.join(format!(".partial-layer-{}", std::process::id()));
    let file = File::create(&partial).map_err(|source| Error::File {
        what: "cannot create",
        path: partial.clone(),
        source,
    })?;
    let compressed = Hashing::new(file);
    // GzEncoder::new writes a header with no file name and a zero timestamp.
    let uncompressed = Hashing::new(GzEncoder::new(compressed, compression));
    let mut archive = tar::Builder::new(uncompressed);
    for entry in entries {
        append(&mut archive, entry, mtime)?;
    }
    let written = |source| Error::File {
        what: "cannot write the layer",
        path: partial.clone(),
        source,
    };
    let uncompressed = archive.into_inner().map_err(written)?;
    let (gzip, diff_id, _) = uncompressed.finish();
    let compressed = gzip.finish().map_err(written)?;
    let (mut file, digest, size) = compressed.finish();
    file.flush().map_err(written)?;
    drop(file);
    let target = blobs.join(digest.trim_start_matches("sha256:"));
    std::fs::rename(&partial, &target).map_err(|source| Error::File {
        what: "cannot name the layer blob",
        path: target,
        source,
    })?;
    Ok(LayerBlob {
        digest,
        size,
        diff_id,
    })
}

fn append(archive: &mut tar::Builder<impl Write>, entry: &Entry, mtime: u64) -> Result<()> {
    let mut header = tar::Header::new_ustar();
    header.set_mode(entry.mode);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(mtime);
    let written = |source| Error::File {
        what: "cannot add to the layer",
        path: PathBuf::from(&entry.path),
        source,
    };
    // Names are set as bytes, `root` like the uid, so the archive lists them as a person expects.
    header.set_username("root").map_err(written)?;
    header.set_groupname("root").map_err(written)?;
    match &entry.kind {
        EntryKind::Directory => {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_size(0);
            archive
                .append_data(&mut header, format!("{}/", entry.path), io::empty())
                .map_err(written)
        }
        EntryKind::Bytes(bytes) => {
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(bytes.len() as u64);
            archive
                .append_data(&mut header, &entry.path, bytes.as_slice())
                .map_err(written)
        }
        EntryKind::File(source) => {
            let read = |error| Error::File {
                what: "cannot read",
                path: source.clone(),
                source: error,
            };
            let file = File::open(source).map_err(read)?;
            let size = file.metadata().map_err(read)?.len();
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(size);
            archive
                .append_data(&mut header, &entry.path, file)
                .map_err(written)
        }
    }
}

/// A writer that passes bytes on and keeps their SHA-256 and count.
pub(crate) struct Hashing<W> {
    inner: W,
    digest: Context,
    count: u64,
}

impl<W: Write> Hashing<W> {
    pub(crate) fn new(inner: W) -> Self {
        Self {
            inner,
            digest: Context::new(&SHA256),
            count: 0,
        }
    }

    /// The inner writer, `sha256:…` of what passed, and its size.
    pub(crate) fn finish(self) -> (W, String, u64) {
        (
            self.inner,
            hex_digest(self.digest.finish().as_ref()),
            self.count,
        )
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.digest.update(&buf[..written]);
        self.count += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// `sha256:` and the lowercase hex of a digest.
pub(crate) fn hex_digest(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(7 + bytes.len() * 2);
    text.push_str("sha256:");
    for byte in bytes {
        text.push_str(&format!("{byte:02x}"));
    }
    text
}

/// `sha256:…` of some bytes.
pub(crate) fn sha256(bytes: &[u8]) -> String {
    hex_digest(ring::digest::digest(&SHA256, bytes).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    fn entries(dir: &Path) -> Vec<Entry> {
        let program = dir.join("program");
        std::fs::write(&program, b"\x7fELF pretend").expect("write");
        vec![
            Entry::directory("tmp", 0o1777),
            Entry::bytes(
                "etc/passwd",
                0o644,
                "nonroot:x:65532:65532::/tmp:/sbin/nologin\n",
            ),
            Entry::file("usr/local/bin/program", 0o755, &program),
        ]
    }

    #[test]
    fn the_same_entries_give_the_same_digests_whenever_they_are_written() {
        let dir = tempfile::tempdir().expect("dir");
        let first = write_layer(&entries(dir.path()), 1_000, Compression::fast(), dir.path())
            .expect("written");
        std::thread::sleep(std::time::Duration::from_millis(1100));
        // A later write, with the source file touched again, is the same blob.
        let second = write_layer(&entries(dir.path()), 1_000, Compression::fast(), dir.path())
            .expect("written");
        assert_eq!(first, second);
        let other = write_layer(&entries(dir.path()), 2_000, Compression::fast(), dir.path())
            .expect("written");
        assert_ne!(first.digest, other.digest, "the time is part of the layer");
    }

    #[test]
    fn a_layer_lists_its_entries_with_the_owners_modes_and_time_given() {
        let dir = tempfile::tempdir().expect("dir");
        let blobs = dir.path().join("blobs");
        std::fs::create_dir(&blobs).expect("dir");
        let layer = write_layer(&entries(dir.path()), 1_234, Compression::default(), &blobs)
            .expect("written");
        let blob = std::fs::read(blobs.join(layer.digest.trim_start_matches("sha256:")))
            .expect("the blob is named by its digest");
        assert_eq!(sha256(&blob), layer.digest);
        assert_eq!(blob.len() as u64, layer.size);
        let mut tar = Vec::new();
        flate2::read::GzDecoder::new(blob.as_slice())
            .read_to_end(&mut tar)
            .expect("gzip");
        assert_eq!(sha256(&tar), layer.diff_id);
        let mut archive = tar::Archive::new(tar.as_slice());
        let listed: Vec<(String, u32, u64, u64, u64)> = archive
            .entries()
            .expect("entries")
            .map(|entry| {
                let entry = entry.expect("entry");
                let header = entry.header();
                (
                    entry.path().expect("path").display().to_string(),
                    header.mode().expect("mode"),
                    header.uid().expect("uid"),
                    header.gid().expect("gid"),
                    header.mtime().expect("mtime"),
                )
            })
            .collect();
        assert_eq!(
            listed,
            [
                ("tmp/".to_string(), 0o1777, 0, 0, 1_234),
                ("etc/passwd".to_string(), 0o644, 0, 0, 1_234),
                ("usr/local/bin/program".to_string(), 0o755, 0, 0, 1_234),
            ]
        );
    }
}
