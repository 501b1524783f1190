//! The `wheelhouse` binary: parses the command line, sets up logging and runs a subcommand.

mod alerter;
mod cli;
mod console_token;
mod logging;
mod login;
mod port_forward;
mod serve;
mod shutdown;
mod sim;
mod tls;

use clap::Parser;

use crate::cli::{Cli, Command};

/// Lists of 100,000 objects and metrics scrapes free as much as they allocate; mimalloc returns
/// that memory where glibc's per-thread arenas kept it (docs/adr/0025).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    logging::init(cli.log_format);
    // Before any HTTP client is built: reqwest has no crypto provider of its own.
    wheelhouse_tls::install_crypto_provider();
    let outcome = match cli.command {
        Some(Command::Serve(args)) => serve::run(*args).await,
        Some(Command::Sim(args)) => sim::run(*args).await,
        Some(Command::Alerter(args)) => alerter::run(*args).await,
        Some(Command::PortForward(args)) => port_forward::run(*args).await,
        None => serve::run(cli.serve).await,
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
