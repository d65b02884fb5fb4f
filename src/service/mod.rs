//! The gRPC services Grafana calls: Data (QueryData), Diagnostics (CheckHealth,
//! CollectMetrics) and Resource (CallResource), plus go-plugin's health service.
//!
//! These are implemented directly on the `pluginv2` protos of grafana-plugin-sdk 0.5
//! (the SDK's typed layer cannot express the frames we send; see [`crate::frames`]);
//! the SDK still provides the handshake and the generated tonic code.

mod data;
mod health;
mod resources;

use std::sync::Arc;

use grafana_plugin_sdk::pluginv2;
use tokio::net::TcpListener;

use crate::instance::{DatasourceRef, Instances};

pub use data::query_data;
pub use health::check_health;
pub use resources::call_resource;

/// The plugin: every datasource instance this process serves.
#[derive(Debug, Clone, Default)]
pub struct Plugin {
    pub instances: Arc<Instances>,
}

impl Plugin {
    /// The plugin with the host access the Grafana admin granted (grafana.ini options
    /// passed as `GF_PLUGIN_*` variables; see [`crate::host`]).
    pub fn from_env() -> Self {
        let host = crate::host::HostAccess::from_env();
        tracing::info!(
            kubeconfig_dir = ?host.kubeconfig_dir,
            allow_in_cluster = host.in_cluster,
            "host access"
        );
        Plugin {
            instances: Arc::new(Instances::new(host)),
        }
    }
}

/// The datasource of a request's plugin context.
fn datasource(ctx: Option<&pluginv2::PluginContext>) -> Option<DatasourceRef> {
    let ds = ctx?.data_source_instance_settings.as_ref()?;
    Some(DatasourceRef {
        org_id: ctx?.org_id,
        id: ds.id,
        uid: ds.uid.clone(),
        name: ds.name.clone(),
        json_data: ds.json_data.clone(),
        secure: ds.decrypted_secure_json_data.clone(),
        last_updated_ms: ds.last_updated_ms,
    })
}

/// Binds the plugin's gRPC port on 127.0.0.1 and prints go-plugin's handshake line,
/// honouring the `PLUGIN_MIN_PORT`/`PLUGIN_MAX_PORT` range go-plugin passes (any free
/// port when they are absent or the range is full).
///
/// # Errors
/// When no port can be bound.
pub async fn listen() -> std::io::Result<TcpListener> {
    let env_port = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u16>().ok());
    let mut listener = None;
    if let (Some(min), Some(max)) = (env_port("PLUGIN_MIN_PORT"), env_port("PLUGIN_MAX_PORT")) {
        for port in min..=max {
            if let Ok(l) = TcpListener::bind(("127.0.0.1", port)).await {
                listener = Some(l);
                break;
            }
        }
    }
    let listener = match listener {
        Some(l) => l,
        None => TcpListener::bind("127.0.0.1:0").await?,
    };
    // core protocol 1, app protocol 2 (Grafana's pluginv2), tcp, address, grpc.
    println!("1|2|tcp|{}|grpc", listener.local_addr()?);
    Ok(listener)
}

/// Accepted connections with Nagle's algorithm off: Grafana sends small requests and
/// waits for each answer, which Nagle plus delayed ACKs would hold back ~40 ms.
fn incoming(
    listener: TcpListener,
) -> impl futures::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    use futures::StreamExt;
    tokio_stream::wrappers::TcpListenerStream::new(listener).map(|conn| {
        let conn = conn?;
        conn.set_nodelay(true)?;
        Ok(conn)
    })
}

/// Serves the plugin on `listener` until the process is stopped.
///
/// # Errors
/// When the gRPC server fails.
pub async fn serve(plugin: Plugin, listener: TcpListener) -> Result<(), tonic::transport::Error> {
    // Deleted datasources are never announced: drop instances left unused.
    let instances = Arc::downgrade(&plugin.instances);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            let Some(instances) = instances.upgrade() else {
                break;
            };
            instances.evict_idle(crate::instance::IDLE_TTL);
        }
    });
    let (mut reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    let max = 64 * 1024 * 1024;
    tonic::transport::Server::builder()
        .add_service(health)
        .add_service(
            pluginv2::data_server::DataServer::new(plugin.clone())
                .max_decoding_message_size(max)
                .max_encoding_message_size(usize::MAX),
        )
        .add_service(pluginv2::diagnostics_server::DiagnosticsServer::new(
            plugin.clone(),
        ))
        .add_service(
            pluginv2::resource_server::ResourceServer::new(plugin).max_decoding_message_size(max),
        )
        .serve_with_incoming(incoming(listener))
        .await
}
