//! Where the plugin meets the Grafana host, with the plugin spawned in exactly the
//! environment Grafana 12.4 and later pass (support::plugin::grafana_env: no
//! KUBERNETES_SERVICE_*, HOME or KUBECONFIG):
//! - in-cluster mode from the service-account files, without the service variables;
//! - kubeconfig files and the in-cluster identity only where grafana.ini's
//!   `[plugin.canarylens-rollouts-datasource]` allows them (Grafana passes its keys as
//!   `GF_PLUGIN_<KEY>`: pkg/services/pluginsintegration/pluginconfig/envvars.go);
//! - no message ever quotes a file's content;
//! - instances keyed by organisation and datasource id, as the Go SDK's instancemgmt
//!   keys them (grafana-plugin-sdk-go backend/datasource/instance_provider.go).

mod support;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use support::fake_kube::FakeKube;
use support::plugin::{frames_of, DsSettings, PluginProcess, QuerySpec};

const SECRET_LINE: &str = "SECRET-LINE-7f3a: do-not-show";

async fn cluster() -> FakeKube {
    let kube = FakeKube::start().await;
    kube.load_yaml_dir(support::fixtures("canary"))
        .unwrap_or_else(|e| panic!("{e}"));
    kube
}

/// A scratch folder of this test, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("canary-lens-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

async fn spawn(env: &[(&str, &str)]) -> PluginProcess {
    PluginProcess::spawn(env)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn health(plugin: &PluginProcess, ds: &DsSettings) -> (i32, String) {
    let r = plugin.check_health(ds).await.expect("CheckHealth call");
    (r.status, r.message)
}

/// The names the rollouts query lists, or its error.
async fn rollout_names(plugin: &PluginProcess, ds: &DsSettings) -> Result<Vec<String>, String> {
    let resp = plugin
        .query(ds, vec![QuerySpec::new("A", "rollouts", json!({}))])
        .await
        .expect("QueryData call");
    let r = &resp.responses["A"];
    if !r.error.is_empty() {
        return Err(r.error.clone());
    }
    Ok(frames_of(&resp, "A")[0].column_as_strings("name"))
}

fn kubeconfig_for(kube: &FakeKube) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {}\nusers:\n- name: fake\n  user:\n    token: kc-token\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\ncurrent-context: fake\n",
        kube.url()
    )
}

/// A kubeconfig datasource; each path gets its own uid (Grafana would bump
/// lastUpdatedMS on an edit).
fn kubeconfig_ds(path: &Path) -> DsSettings {
    DsSettings::new(
        &format!("kc-{}", path.display()),
        json!({ "kubeMode": "kubeconfig", "kubeconfigPath": s(path) }),
    )
}

#[tokio::test]
async fn in_cluster_works_from_the_service_account_files_without_the_service_variables() {
    let kube = cluster().await;
    kube.set_token(Some("sa-token-123"));
    let sa = Scratch::new("sa");
    sa.write("token", "sa-token-123");
    sa.write("namespace", "monitoring\n");
    let ds = DsSettings::new("incluster", json!({ "kubeMode": "inCluster" }));

    // The admin allowed it; the API server is named by in_cluster_api_url because the
    // cluster DNS name cannot resolve here.
    let plugin = spawn(&[
        ("GF_PLUGIN_ALLOW_IN_CLUSTER", "true"),
        ("GF_PLUGIN_SERVICE_ACCOUNT_DIR", s(&sa.0)),
        ("GF_PLUGIN_IN_CLUSTER_API_URL", &kube.url()),
    ])
    .await;
    let (status, message) = health(&plugin, &ds).await;
    assert_eq!(status, 1, "health: {message}");
    assert!(message.contains("2 rollouts visible"), "{message}");
    assert_eq!(rollout_names(&plugin, &ds).await.unwrap().len(), 2);
    // `auto` is in-cluster too, under the same grant.
    let auto = DsSettings::new("auto", json!({}));
    assert_eq!(health(&plugin, &auto).await.0, 1);
}

#[tokio::test]
async fn in_cluster_without_the_variables_uses_the_dns_name_and_says_how_to_fix_it() {
    let sa = Scratch::new("sa-dns");
    sa.write("token", "t");
    let plugin = spawn(&[
        ("GF_PLUGIN_ALLOW_IN_CLUSTER", "true"),
        ("GF_PLUGIN_SERVICE_ACCOUNT_DIR", s(&sa.0)),
    ])
    .await;
    let ds = DsSettings::new("incluster", json!({ "kubeMode": "inCluster" }));
    let (status, message) = health(&plugin, &ds).await;
    assert_eq!(status, 2, "{message}");
    assert!(
        message.contains("https://kubernetes.default.svc"),
        "{message}"
    );
    assert!(message.contains("forward_host_env_vars"), "{message}");
    assert!(
        !message.contains("not running in a Kubernetes pod"),
        "{message}"
    );
}

#[tokio::test]
async fn in_cluster_identity_and_kubeconfig_files_need_the_admins_grant() {
    let kube = cluster().await;
    let sa = Scratch::new("sa-off");
    sa.write("token", "t");
    let files = Scratch::new("kc-off");
    let config = files.write("config", &kubeconfig_for(&kube));
    // Nothing granted: the plugin's default.
    let plugin = spawn(&[("GF_PLUGIN_SERVICE_ACCOUNT_DIR", s(&sa.0))]).await;
    for mode in ["inCluster", "auto"] {
        let ds = DsSettings::new(mode, json!({ "kubeMode": mode }));
        let (status, message) = health(&plugin, &ds).await;
        assert_eq!(status, 2, "{mode}: {message}");
        assert!(
            message.contains("allow_in_cluster")
                && message.contains("[plugin.canarylens-rollouts-datasource]"),
            "{mode}: {message}"
        );
    }
    let (status, message) = health(&plugin, &kubeconfig_ds(&config)).await;
    assert_eq!(status, 2, "{message}");
    assert!(message.contains("kubeconfig_dir"), "{message}");
    // No service account at all: said as such, naming the folder.
    let plugin = spawn(&[
        ("GF_PLUGIN_ALLOW_IN_CLUSTER", "true"),
        ("GF_PLUGIN_SERVICE_ACCOUNT_DIR", s(&sa.path("missing"))),
    ])
    .await;
    let ds = DsSettings::new("incluster", json!({ "kubeMode": "inCluster" }));
    let (_, message) = health(&plugin, &ds).await;
    assert!(
        message.contains("service account token") && message.contains("missing"),
        "{message}"
    );
}

#[tokio::test]
async fn kubeconfig_files_only_from_the_allowed_folder_and_never_quoted() {
    let kube = cluster().await;
    kube.set_token(Some("kc-token"));
    let allowed = Scratch::new("kc-allowed");
    let good = allowed.write("prod/config", &kubeconfig_for(&kube));
    // A file that is not YAML, and one that is YAML but not a kubeconfig: kube's parser
    // errors quote lines of the file.
    let broken = allowed.write("broken", &format!("{SECRET_LINE}\n  - [unclosed\n"));
    let wrong = allowed.write("wrong", &format!("clusters: \"{SECRET_LINE}\"\n"));
    let outside = Scratch::new("kc-outside");
    let secret = outside.write("secret.yaml", &format!("{SECRET_LINE}\n"));

    let plugin = spawn(&[("GF_PLUGIN_KUBECONFIG_DIR", s(&allowed.0))]).await;
    let names = rollout_names(&plugin, &kubeconfig_ds(&good)).await.unwrap();
    assert!(names.contains(&"canary-demo".to_string()), "{names:?}");
    let escape = allowed
        .path("prod/../../")
        .join(secret.strip_prefix(std::env::temp_dir()).unwrap_or(&secret));
    for (what, path) in [
        ("broken", broken),
        ("wrong", wrong),
        ("outside", secret.clone()),
        ("escape", escape),
        ("system", PathBuf::from("/etc/passwd")),
    ] {
        let ds = kubeconfig_ds(&path);
        let (status, message) = health(&plugin, &ds).await;
        assert_eq!(status, 2, "{what}: {message}");
        let error = rollout_names(&plugin, &ds).await.unwrap_err();
        for text in [&message, &error] {
            assert!(!text.contains("SECRET-LINE"), "{what} leaked: {text}");
            assert!(!text.contains("root:"), "{what} leaked: {text}");
        }
        if what == "outside" || what == "escape" || what == "system" {
            assert!(message.contains("kubeconfig_dir"), "{what}: {message}");
        }
    }
    let logs = plugin.stderr();
    assert!(
        !logs.contains("SECRET-LINE"),
        "the log leaked a file: {logs}"
    );
}

#[tokio::test]
async fn one_uid_in_two_organisations_gets_two_instances() {
    let kube = cluster().await;
    kube.load_yaml_dir_into(support::fixtures("canary"), "default", "-org2")
        .unwrap_or_else(|e| panic!("{e}"));
    let plugin = spawn(&[]).await;
    let settings = |namespaces: Value| json!({ "kubeMode": "url", "kubeUrl": kube.url(), "namespaces": namespaces });
    // The same uid provisioned in two organisations, with different allow-lists.
    let org1 = DsSettings::new("canarylens", settings(json!(["jesse-test"]))).in_org(1, 3);
    let org2 = DsSettings::new("canarylens", settings(json!(["default"]))).in_org(2, 8);
    let namespaces = |mut list: Vec<String>| {
        list.dedup();
        list
    };
    for _ in 0..2 {
        let resp = plugin
            .query(&org1, vec![QuerySpec::new("A", "rollouts", json!({}))])
            .await
            .unwrap();
        assert_eq!(
            namespaces(frames_of(&resp, "A")[0].column_as_strings("namespace")),
            vec!["jesse-test".to_string()]
        );
        let resp = plugin
            .query(&org2, vec![QuerySpec::new("A", "rollouts", json!({}))])
            .await
            .unwrap();
        assert_eq!(
            namespaces(frames_of(&resp, "A")[0].column_as_strings("namespace")),
            vec!["default".to_string()]
        );
    }
}
