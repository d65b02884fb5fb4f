//! Starts the real Prometheus binary on 127.0.0.1 with a temporary TSDB, exemplar
//! storage and a 1s scrape of one target; kills it and removes the directory on drop
//! (also when a test panics).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::fake::free_port;

/// Where the binary is looked for; `PROMETHEUS_BIN` overrides.
pub fn binary() -> PathBuf {
    let path = std::env::var_os("PROMETHEUS_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/prometheus"));
    assert!(
        path.exists(),
        "Prometheus is not installed at {}: install Debian's package with \
         `apt-get update && apt-get install -y prometheus` (or set PROMETHEUS_BIN)",
        path.display()
    );
    path
}

/// A running Prometheus.
pub struct RealPrometheus {
    pub url: String,
    /// First line of `prometheus --version`.
    pub version_line: String,
    child: Child,
    dir: PathBuf,
}

impl RealPrometheus {
    /// Starts Prometheus scraping `target` (host:port) every second and waits until it
    /// reports ready.
    pub async fn start(target: &str) -> Self {
        let bin = binary();
        let version_line = Command::new(&bin)
            .arg("--version")
            .output()
            .map(|o| {
                let text = format!(
                    "{}{}",
                    String::from_utf8_lossy(&o.stdout),
                    String::from_utf8_lossy(&o.stderr)
                );
                text.lines().next().unwrap_or_default().to_string()
            })
            .unwrap_or_default();
        let dir = std::env::temp_dir().join(format!(
            "canary-lens-prometheus-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(dir.join("data")).expect("create temp dir");
        let config = format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: fixture\n    honor_labels: true\n    \
             static_configs:\n      - targets: ['{target}']\n"
        );
        std::fs::write(dir.join("prometheus.yml"), config).expect("write config");
        let log = std::fs::File::create(dir.join("prometheus.log")).expect("create log");
        let port = free_port();
        let child = Command::new(&bin)
            .arg(format!(
                "--config.file={}",
                dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--enable-feature=exemplar-storage")
            .arg("--storage.tsdb.retention.time=1h")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn prometheus");
        let mut me = Self {
            url: format!("http://127.0.0.1:{port}"),
            version_line,
            child,
            dir,
        };
        me.wait_ready().await;
        me
    }

    async fn wait_ready(&mut self) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("Prometheus exited with {status}:\n{}", self.log());
            }
            if let Ok(r) = http.get(format!("{}/-/ready", self.url)).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "Prometheus did not become ready within 30s:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The server's log (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default()
    }
}

impl Drop for RealPrometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
