//! The command line: serving Grafana (no arguments), `get rollout` (the text of
//! `kubectl argo rollouts get rollout`) and `query` (one query run as Grafana would,
//! printed as tables or JSON), for people debugging their setup.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand, ValueEnum};

use crate::frames;
use crate::instance::Instance;
use crate::query::{self, Query, Request, TimeRange};
use crate::settings::{KubeConnection, Settings};

#[derive(Debug, Parser)]
#[command(
    name = "canary-lens",
    version,
    about = "Argo Rollouts canaries in Grafana. Run without arguments, Grafana's plugin host starts the gRPC plugin."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show an object as `kubectl argo rollouts get` does.
    Get {
        #[command(subcommand)]
        what: GetWhat,
    },
    /// Run one query the way Grafana would and print its frames.
    Query {
        /// JSON file with `jsonData` and `secureJsonData` of the datasource.
        #[arg(long)]
        settings: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
        /// Start of the time range (RFC 3339); default an hour ago.
        #[arg(long)]
        from: Option<DateTime<Utc>>,
        /// End of the time range (RFC 3339); default now.
        #[arg(long)]
        to: Option<DateTime<Utc>>,
        /// The query JSON, e.g. '{"queryType":"rollouts"}'.
        query: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum GetWhat {
    /// A rollout's header and object tree.
    Rollout {
        name: String,
        #[arg(short, long, default_value = "default")]
        namespace: String,
        #[arg(long)]
        kubeconfig: Option<String>,
        #[arg(long)]
        context: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Output {
    Table,
    Json,
}

/// Runs a CLI command; returns the text to print.
///
/// # Errors
/// With a message for the user (printed to stderr by `main`).
pub async fn run(command: Command) -> Result<String, String> {
    match command {
        Command::Get {
            what:
                GetWhat::Rollout {
                    name,
                    namespace,
                    kubeconfig,
                    context,
                },
        } => {
            let settings = Settings {
                kube: KubeConnection::Kubeconfig {
                    path: kubeconfig,
                    context,
                },
                namespaces: Some(BTreeSet::from([namespace.clone()])),
                json: Default::default(),
                secure: HashMap::new(),
            };
            let instance = Instance::new("cli", "cli", settings);
            let kube = instance.synced_cache().await.map_err(|e| e.to_string())?;
            let snapshot = kube.cache.snapshot();
            let now = Utc::now();
            let info =
                query::rollouts::one(&instance, &kube.cache, &snapshot, &namespace, &name, now)
                    .map_err(|e| e.message)?;
            Ok(crate::rollout::render_get(
                &info,
                now,
                crate::rollout::RenderOptions::default(),
            ))
        }
        Command::Query {
            settings,
            output,
            from,
            to,
            query: text,
        } => {
            let settings = match settings {
                Some(path) => read_settings(&path)?,
                None => Settings::parse(b"", &HashMap::new()).map_err(|e| e.to_string())?,
            };
            let instance = Instance::new("cli", "cli", settings);
            let query = Query::parse("", text.as_bytes()).map_err(|e| e.to_string())?;
            let now = Utc::now();
            let request = Request {
                ref_id: "A".into(),
                query,
                range: TimeRange {
                    from: from.unwrap_or(now - chrono::Duration::hours(1)),
                    to: to.unwrap_or(now),
                },
                interval_ms: 15_000,
                max_data_points: 1_000,
                now,
                from_alert: false,
            };
            let frames = query::run(&instance, &request)
                .await
                .map_err(|e| e.message)?;
            Ok(match output {
                Output::Table => frames
                    .iter()
                    .map(frames::table::render)
                    .collect::<Vec<_>>()
                    .join("\n"),
                Output::Json => serde_json::to_string_pretty(
                    &frames.iter().map(frames::json::to_json).collect::<Vec<_>>(),
                )
                .unwrap_or_default(),
            })
        }
    }
}

/// Reads `{"jsonData": {...}, "secureJsonData": {...}}`.
fn read_settings(path: &PathBuf) -> Result<Settings, String> {
    let text = std::fs::read(path)
        .map_err(|e| format!("cannot read settings file {}: {e}", path.display()))?;
    let doc: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|e| format!("settings file {} is not JSON: {e}", path.display()))?;
    let json_data = doc
        .get("jsonData")
        .cloned()
        .unwrap_or_else(|| serde_json::json!({}));
    let secure: HashMap<String, String> = doc
        .get("secureJsonData")
        .and_then(|s| serde_json::from_value(s.clone()).ok())
        .unwrap_or_default();
    Settings::parse(json_data.to_string().as_bytes(), &secure).map_err(|e| e.to_string())
}
