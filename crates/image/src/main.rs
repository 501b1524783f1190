//! `wheelhouse-image`: writes Wheelhouse's container image as an OCI image layout and pushes it.
//! `cargo xtask image` runs it after building the static binary; see the README, "The container
//! image".

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use wheelhouse_image::{BuildInfo, Contents, Layout, PushOptions, Reference};

#[derive(Debug, Parser)]
#[command(
    name = "wheelhouse-image",
    version,
    about = "Wheelhouse's container image, without a container engine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the image as an OCI image layout (labels from `WHEELHOUSE --version`)
    Build {
        /// The static wheelhouse binary
        #[arg(long, value_name = "PATH")]
        wheelhouse: PathBuf,
        /// The static helm binary the app store runs
        #[arg(long, value_name = "PATH")]
        helm: PathBuf,
        /// The CA bundle to carry
        #[arg(
            long,
            value_name = "PATH",
            default_value = "/etc/ssl/certs/ca-certificates.crt"
        )]
        ca_certificates: PathBuf,
        /// The folder to write the layout into (an earlier layout there is replaced)
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Push an image layout to a registry
    Push {
        /// The layout written by `build`
        #[arg(long, value_name = "DIR")]
        layout: PathBuf,
        /// REGISTRY[:PORT]/REPOSITORY[:TAG]; without a tag, the image's version
        #[arg(long, value_name = "REFERENCE")]
        to: String,
        /// Speak plain HTTP to the registry (a local one); https otherwise
        #[arg(long)]
        plain_http: bool,
        /// A login for the registry; the password comes from WHEELHOUSE_REGISTRY_PASSWORD
        #[arg(long, value_name = "NAME", env = "WHEELHOUSE_REGISTRY_USERNAME")]
        username: Option<String>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("wheelhouse-image: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> wheelhouse_image::Result<()> {
    match cli.command {
        Command::Build {
            wheelhouse,
            helm,
            ca_certificates,
            out,
        } => {
            let info = BuildInfo::of_binary(&wheelhouse)?;
            let contents = Contents::new(&wheelhouse, &helm, &ca_certificates);
            let layout = Layout::write(&contents, &info, &out)?;
            println!("image layout: {}", layout.dir.display());
            println!("  tag:        {}", layout.tag);
            println!("  version:    {}", info.version);
            println!("  revision:   {}", info.revision);
            println!("  created:    {}", info.created);
            println!("  manifest:   {}", layout.manifest.digest);
            for (layer, what) in layout.layers.iter().zip(["base", "helm", "wheelhouse"]) {
                println!(
                    "  layer:      {} {:>11} B  {what}",
                    layer.digest, layer.size
                );
            }
            println!("  compressed: {} B", layout.compressed_size());
            Ok(())
        }
        Command::Push {
            layout,
            to,
            plain_http,
            username,
        } => {
            let layout = Layout::read(&layout)?;
            let reference: Reference = to.parse()?;
            let options = PushOptions {
                plain_http,
                password: std::env::var("WHEELHOUSE_REGISTRY_PASSWORD").ok(),
                username,
            };
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|source| wheelhouse_image::Error::File {
                    what: "cannot start the async runtime for",
                    path: layout.dir.clone(),
                    source,
                })?;
            let pushed = runtime.block_on(wheelhouse_image::push(&layout, &reference, &options))?;
            println!(
                "pushed {} ({}): {} blobs uploaded, {} already there",
                pushed.reference, pushed.digest, pushed.uploaded, pushed.skipped
            );
            Ok(())
        }
    }
}
