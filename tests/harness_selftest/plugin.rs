//! The plugin client: handshake parsing, and the whole spawn → handshake → gRPC path
//! against a stand-in "plugin" (a shell that prints the handshake of gRPC services
//! served by this test), so the harness is proven before the real binary exists.

use std::collections::HashMap;
use std::io::Cursor;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_ipc::writer::FileWriter;
use arrow_schema::{DataType, Field, Schema};
use futures::Stream;
use grafana_plugin_sdk::pluginv2::{
    self, data_server::DataServer, diagnostics_server::DiagnosticsServer,
    resource_server::ResourceServer,
};
use serde_json::{json, Value};
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{Request, Response, Status};

use crate::support::plugin::{
    frames_of, parse_handshake, DsSettings, PluginCommand, PluginError, QuerySpec, PLUGIN_ID,
};

#[test]
fn handshake_lines_are_parsed_as_go_plugin_and_grafana_require() {
    let ok = parse_handshake("1|2|tcp|127.0.0.1:41234|grpc\n").unwrap();
    assert_eq!(
        (ok.address.as_str(), ok.protocol.as_str(), ok.app_version),
        ("127.0.0.1:41234", "grpc", 2)
    );
    assert!(
        parse_handshake("1|2|tcp|127.0.0.1:41234|grpc|MIIBcert").is_ok(),
        "a 6th (cert) part is allowed"
    );
    let rejects = [
        ("1|2|tcp|127.0.0.1:1", "protocol must be grpc"),
        ("1|2|tcp|127.0.0.1:1|netrpc", "protocol must be grpc"),
        (
            "2|2|tcp|127.0.0.1:1|grpc",
            "core protocol version must be 1",
        ),
        ("1|1|tcp|127.0.0.1:1|grpc", "app protocol version 2"),
        ("1|x|tcp|127.0.0.1:1|grpc", "is not a number"),
        ("1|2|unix|/tmp/plugin.sock|grpc", "network must be tcp"),
        ("1|2|tcp|localhost|grpc", "is not host:port"),
        ("Listening on 127.0.0.1:1", "at least 4"),
    ];
    for (line, want) in rejects {
        let err = parse_handshake(line).unwrap_err();
        assert!(err.contains(want), "{line}: {err}");
    }
}

/// gRPC services standing in for the plugin; they echo what they receive.
#[derive(Debug, Clone, Default)]
struct Echo;

fn context_json(ctx: Option<&pluginv2::PluginContext>) -> Value {
    let Some(ctx) = ctx else { return Value::Null };
    let ds = ctx
        .data_source_instance_settings
        .clone()
        .unwrap_or_default();
    let mut secure_keys: Vec<&String> = ds.decrypted_secure_json_data.keys().collect();
    secure_keys.sort();
    json!({
        "pluginId": ctx.plugin_id, "orgId": ctx.org_id, "uid": ds.uid, "lastUpdatedMS": ds.last_updated_ms,
        "jsonData": serde_json::from_slice::<Value>(&ds.json_data).unwrap_or(Value::Null), "secureKeys": secure_keys,
    })
}

fn echo_frame(q: &pluginv2::DataQuery) -> Vec<u8> {
    let schema = Arc::new(
        Schema::new(vec![
            Field::new("key", DataType::Utf8, false),
            Field::new("value", DataType::Utf8, false),
        ])
        .with_metadata(HashMap::from([("refId".to_string(), q.ref_id.clone())])),
    );
    let range = q.time_range.unwrap_or_default();
    let keys: ArrayRef = Arc::new(StringArray::from(vec!["queryType", "json", "from"]));
    let values: ArrayRef = Arc::new(StringArray::from(vec![
        q.query_type.clone(),
        String::from_utf8_lossy(&q.json).into_owned(),
        range.from_epoch_ms.to_string(),
    ]));
    let mut out = Cursor::new(Vec::new());
    let mut writer = FileWriter::try_new(&mut out, &schema).unwrap();
    writer
        .write(&RecordBatch::try_new(schema.clone(), vec![keys, values]).unwrap())
        .unwrap();
    writer.finish().unwrap();
    drop(writer);
    out.into_inner()
}

#[tonic::async_trait]
impl pluginv2::diagnostics_server::Diagnostics for Echo {
    async fn check_health(
        &self,
        req: Request<pluginv2::CheckHealthRequest>,
    ) -> Result<Response<pluginv2::CheckHealthResponse>, Status> {
        let ctx = context_json(req.get_ref().plugin_context.as_ref());
        Ok(Response::new(pluginv2::CheckHealthResponse {
            status: 1,
            message: ctx.to_string(),
            ..Default::default()
        }))
    }

    async fn collect_metrics(
        &self,
        _: Request<pluginv2::CollectMetricsRequest>,
    ) -> Result<Response<pluginv2::CollectMetricsResponse>, Status> {
        Err(Status::unimplemented("not in the echo plugin"))
    }
}

#[tonic::async_trait]
impl pluginv2::data_server::Data for Echo {
    async fn query_data(
        &self,
        req: Request<pluginv2::QueryDataRequest>,
    ) -> Result<Response<pluginv2::QueryDataResponse>, Status> {
        let responses = req
            .get_ref()
            .queries
            .iter()
            .map(|q| {
                let frames = vec![echo_frame(q)];
                (
                    q.ref_id.clone(),
                    pluginv2::DataResponse {
                        frames,
                        status: 200,
                        ..Default::default()
                    },
                )
            })
            .collect();
        Ok(Response::new(pluginv2::QueryDataResponse { responses }))
    }
}

type ResourceStream =
    Pin<Box<dyn Stream<Item = Result<pluginv2::CallResourceResponse, Status>> + Send>>;

#[tonic::async_trait]
impl pluginv2::resource_server::Resource for Echo {
    type CallResourceStream = ResourceStream;

    async fn call_resource(
        &self,
        req: Request<pluginv2::CallResourceRequest>,
    ) -> Result<Response<ResourceStream>, Status> {
        let r = req.into_inner();
        let body = json!({"path": r.path, "url": r.url, "method": r.method, "ctx": context_json(r.plugin_context.as_ref())})
            .to_string()
            .into_bytes();
        let (head, tail) = body.split_at(body.len() / 2);
        let headers = HashMap::from([(
            "Content-Type".to_string(),
            pluginv2::StringList {
                values: vec!["application/json".into()],
            },
        )]);
        let chunks = vec![
            Ok(pluginv2::CallResourceResponse {
                code: 200,
                headers,
                body: head.to_vec().into(),
            }),
            Ok(pluginv2::CallResourceResponse {
                code: 0,
                headers: HashMap::new(),
                body: tail.to_vec().into(),
            }),
        ];
        Ok(Response::new(Box::pin(futures::stream::iter(chunks))))
    }
}

/// Serves the echo services on a free port; returns the port.
async fn serve_echo() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (mut reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(health)
            .add_service(DiagnosticsServer::new(Echo))
            .add_service(DataServer::new(Echo))
            .add_service(ResourceServer::new(Echo))
            .serve_with_incoming(TcpListenerStream::new(listener)),
    );
    port
}

fn sh(script: &str) -> PluginCommand {
    PluginCommand::new("/bin/sh").arg("-c").arg(script)
}

#[tokio::test]
async fn a_spawned_plugin_gets_grafanas_env_and_answers_typed_calls() {
    let port = serve_echo().await;
    let script = format!(
        "echo starting >&2; env | grep -E '^(grafana_plugin_type|PLUGIN_PROTOCOL_VERSIONS|EXTRA)=' | sort >&2; \
         echo '1|2|tcp|127.0.0.1:{port}|grpc'; echo after-handshake; exec sleep 60"
    );
    let plugin = sh(&script)
        .env("EXTRA", "yes")
        .spawn()
        .await
        .expect("spawn");
    assert_eq!(plugin.handshake().address, format!("127.0.0.1:{port}"));
    assert!(
        plugin.ping().await,
        "health service 'plugin' should be SERVING"
    );

    let settings =
        DsSettings::new("ds-1", json!({"namespace": "jesse-test"})).with_secure("token", "s3cret");
    let health = plugin.check_health(&settings).await.unwrap();
    let seen: Value = serde_json::from_str(&health.message).unwrap();
    assert_eq!(seen["pluginId"], PLUGIN_ID);
    assert_eq!(seen["uid"], "ds-1");
    assert_eq!(seen["jsonData"]["namespace"], "jesse-test");
    assert_eq!(seen["secureKeys"], json!(["token"]));

    let queries = vec![
        QuerySpec::new("A", "rollouts", json!({"rollout": "canary-demo"})),
        QuerySpec::new("B", "metrics", json!({})).time_range(1000, 2000),
    ];
    let resp = plugin.query(&settings, queries).await.unwrap();
    let a = frames_of(&resp, "A");
    assert_eq!(a[0].ref_id, "A");
    assert_eq!(
        a[0].column_as_strings("value")[..2],
        [
            "rollouts".to_string(),
            r#"{"rollout":"canary-demo"}"#.to_string()
        ]
    );
    assert_eq!(
        frames_of(&resp, "B")[0].column_as_strings("value")[2],
        "1000"
    );

    let reply = plugin
        .call_resource(&settings, "/namespaces", "namespaces?limit=5")
        .await
        .unwrap();
    assert_eq!(reply.code, 200);
    assert_eq!(
        reply.headers["Content-Type"],
        vec!["application/json".to_string()]
    );
    let body = reply.json();
    assert_eq!(
        (body["path"].as_str(), body["url"].as_str()),
        (Some("namespaces"), Some("namespaces?limit=5"))
    );

    let stderr = plugin.stderr();
    for want in [
        "starting",
        "grafana_plugin_type=datasource",
        "PLUGIN_PROTOCOL_VERSIONS=2",
        "EXTRA=yes",
    ] {
        assert!(
            stderr.contains(want),
            "{want} missing from stderr:\n{stderr}"
        );
    }
    assert!(plugin.stdout().contains("after-handshake"));

    let pid = plugin.pid();
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    drop(plugin);
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "plugin still running after drop"
    );
}

#[tokio::test]
async fn startup_failures_carry_the_plugins_stderr() {
    let early = sh("echo 'cannot parse settings' >&2; exit 3")
        .spawn()
        .await
        .unwrap_err();
    assert!(
        matches!(early, PluginError::ExitedEarly { ref status, ref stderr } if status.contains('3') && stderr.contains("cannot parse settings")),
        "{early}"
    );

    let bad = sh("echo 'Listening on 127.0.0.1:1'; echo oops >&2; sleep 5")
        .spawn()
        .await
        .unwrap_err();
    assert!(
        matches!(bad, PluginError::BadHandshake { ref stderr, .. } if stderr.contains("oops")),
        "{bad}"
    );

    let slow = sh("echo still-loading >&2; sleep 5")
        .handshake_timeout(Duration::from_millis(300))
        .spawn()
        .await;
    let err = slow.unwrap_err();
    assert!(
        matches!(err, PluginError::HandshakeTimeout { ref stderr, .. } if stderr.contains("still-loading")),
        "{err}"
    );

    let missing = PluginCommand::new("/nonexistent/gpx_canarylens")
        .spawn()
        .await
        .unwrap_err();
    assert!(matches!(missing, PluginError::Spawn { .. }), "{missing}");
}
