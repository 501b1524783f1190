//! Wheelhouse's container image, built without a container engine: an OCI image layout
//! (`oci-layout`, `index.json`, `blobs/sha256/…`) written from the static `wheelhouse` binary, the
//! `helm` the app store runs and the build machine's CA certificates, and pushed to a registry
//! over the OCI distribution API.
//!
//! The same inputs give the same digests: layers are tar archives with fixed modification times
//! (the binary's build time), owners and modes, gzip-compressed without a timestamp, and every
//! JSON document is written with sorted keys. The labels come from the binary itself
//! (`wheelhouse --version`, see [`BuildInfo`]), so they match `/api/v1/version` by construction.
//!
//! ```no_run
//! # async fn run() -> wheelhouse_image::Result<()> {
//! use std::path::Path;
//! use wheelhouse_image::{BuildInfo, Contents, Layout, Reference, push};
//!
//! let binary = Path::new("target/x86_64-unknown-linux-gnu/release/wheelhouse");
//! let contents = Contents::new(binary, "helm".as_ref(), "/etc/ssl/certs/ca-certificates.crt".as_ref());
//! let info = BuildInfo::of_binary(binary)?;
//! let layout = Layout::write(&contents, &info, Path::new("target/image"))?;
//! let reference: Reference = "localhost:5000/wheelhouse:0.1.0".parse()?;
//! push(&layout, &reference, &wheelhouse_image::PushOptions::default()).await?;
//! # Ok(()) }
//! ```

mod build_info;
mod elf;
mod layer;
mod layout;
mod push;

pub use build_info::BuildInfo;
pub use elf::{Architecture, Elf};
pub use layer::{Entry, EntryKind, LayerBlob};
pub use layout::{
    Contents, Descriptor, ENTRYPOINT, HELM_PATH, Layout, MEDIA_TYPE_CONFIG, MEDIA_TYPE_INDEX,
    MEDIA_TYPE_LAYER, MEDIA_TYPE_MANIFEST, PORT, USER, labels,
};
pub use push::{PushOptions, Pushed, Reference, push};

/// How hard gzip works on the layers ([`Contents::compression`]).
pub use flate2::Compression;

use std::path::PathBuf;

/// Everything that can go wrong while building or pushing the image.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file of the image or of the layout could not be read or written.
    #[error("{what} {}: {source}", path.display())]
    File {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The binary did not run, or `--version` did not print what a Wheelhouse binary prints.
    #[error("cannot read the build info of {}: {reason}", binary.display())]
    BuildInfo { binary: PathBuf, reason: String },
    /// An executable for the image is not what the image needs (not ELF, another architecture,
    /// dynamically linked where a static one is required).
    #[error("{}: {reason}", path.display())]
    Executable { path: PathBuf, reason: String },
    /// The output folder holds something other than an earlier image layout; it is not touched.
    #[error(
        "{} exists and is not an OCI image layout (no oci-layout file); choose an empty or new folder",
        .0.display()
    )]
    NotALayout(PathBuf),
    /// The layout read for a push is malformed (a hand-edited or foreign layout).
    #[error("the image layout {} is not usable: {reason}", path.display())]
    Layout { path: PathBuf, reason: String },
    /// An image reference such as `registry.example.com:5000/team/wheelhouse:0.1.0` did not parse.
    #[error(
        "{reference:?} is not an image reference: {reason} (expected REGISTRY[:PORT]/REPOSITORY:TAG, e.g. localhost:5000/wheelhouse:0.1.0)"
    )]
    Reference { reference: String, reason: String },
    /// The HTTP client could not be built (no CA certificates on the machine, in practice).
    #[error("{0}")]
    Client(String),
    /// The registry could not be reached or broke off.
    #[error("{what}: {message}")]
    Http { what: String, message: String },
    /// The registry answered with a status the distribution API does not allow at this step.
    #[error("{what}: the registry answered {status}{}", body_suffix(body))]
    Registry {
        what: String,
        status: u16,
        body: String,
    },
}

fn body_suffix(body: &str) -> String {
    if body.is_empty() {
        String::new()
    } else {
        format!(": {body}")
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
