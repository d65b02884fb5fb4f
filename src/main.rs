//! The plugin executable: serves Grafana when started without arguments, otherwise a
//! small CLI (see `canary-lens --help`).

use clap::Parser;
use tracing_subscriber::prelude::*;

use canary_lens::cli::{self, Cli};
use canary_lens::service::{self, Plugin};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // The CLI runs one command on a single thread: when it returns, the runtime drops
    // the watch tasks without polling them again, so none can race the shutdown of the
    // Kubernetes client and print a stray warning after the answer.
    let runtime = match cli.command {
        None => tokio::runtime::Runtime::new(),
        Some(_) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
    };
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // kube-rs uses rustls; pick the crypto provider once for the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match cli.command {
        None => {
            // Grafana reads hclog-style JSON from the plugin's stderr.
            tracing_subscriber::registry()
                .with(grafana_plugin_sdk::backend::layer())
                .with(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| "info".into()),
                )
                .init();
            runtime.block_on(async {
                let listener = match service::listen().await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot bind the plugin's gRPC port");
                        return std::process::ExitCode::FAILURE;
                    }
                };
                match service::serve(Plugin::from_env(), listener).await {
                    Ok(()) => std::process::ExitCode::SUCCESS,
                    Err(e) => {
                        tracing::error!(error = %e, "gRPC server failed");
                        std::process::ExitCode::FAILURE
                    }
                }
            })
        }
        Some(command) => {
            tracing_subscriber::fmt()
                .with_writer(std::io::stderr)
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| "warn".into()),
                )
                .init();
            match runtime.block_on(cli::run(command)) {
                Ok(text) => {
                    println!("{text}");
                    std::process::ExitCode::SUCCESS
                }
                Err(message) => {
                    eprintln!("error: {message}");
                    std::process::ExitCode::FAILURE
                }
            }
        }
    }
}
