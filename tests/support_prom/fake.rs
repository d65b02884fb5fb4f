//! Fake HTTP servers on 127.0.0.1: an axum router with graceful shutdown on drop, a
//! listener that accepts and never answers, and a port nothing listens on.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{oneshot, Notify};

/// An axum server stopped when dropped.
pub struct FakeServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl FakeServer {
    pub async fn start(router: axum::Router) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Self {
            addr,
            stop: Some(stop),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Accepts connections, reads the request, never answers. `closed` is notified when
/// the client closes a connection (EOF), which is how cancellation is observed.
pub struct SilentServer {
    pub addr: SocketAddr,
    pub accepted: Arc<Notify>,
    pub closed: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl SilentServer {
    pub async fn start() -> Self {
        use tokio::io::AsyncReadExt;
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let accepted = Arc::new(Notify::new());
        let closed = Arc::new(Notify::new());
        let (a, c) = (accepted.clone(), closed.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                a.notify_one();
                let c = c.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    // Bounded: a test never keeps a connection for more than a minute.
                    let deadline = tokio::time::sleep(Duration::from_secs(60));
                    tokio::pin!(deadline);
                    loop {
                        tokio::select! {
                            _ = &mut deadline => return,
                            r = sock.read(&mut buf) => match r {
                                Ok(0) | Err(_) => { c.notify_one(); return; }
                                Ok(_) => {}
                            }
                        }
                    }
                });
            }
        });
        Self {
            addr,
            accepted,
            closed,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A 127.0.0.1 port that was free a moment ago and has no listener now.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    l.local_addr().expect("local addr").port()
}
