//! Three real `petri serve` processes on one real `redis-server`, configured the way an operator
//! would (`--redis`, `--node-id`, a `[cluster]` file): a node killed with SIGKILL leaves every
//! listing by expiry, a restarted one comes back, one stopped with SIGTERM leaves at once.
//! Every wait is bounded; nothing asserts wall-clock time.

mod cluster_support;

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cluster_support::{RedisServer, WAIT};
use petri_server::testkit::http_get;
use serde_json::Value;

/// A `petri serve` child process.
struct Node {
    child: Child,
    address: SocketAddr,
}

impl Node {
    fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// SIGKILL: nothing is said to anyone, the entries are left to expire.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait for the exit (bounded).
    fn terminate(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        for _ in 0..200 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        self.kill();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_address() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
}

/// The cluster settings a test needs beyond the flags: short heartbeats and expiry. Written
/// under the target directory's temp folder, one file per test process.
fn config_file() -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("petri-cluster-{}.toml", std::process::id()));
    std::fs::write(
        &path,
        "[main_room]\nbots = 2\n\n[cluster]\nheartbeat_ms = 100\nexpiry_ms = 500\n",
    )
    .expect("write the config");
    path
}

async fn start(redis: &RedisServer, config: &std::path::Path, id: &str, at: SocketAddr) -> Node {
    let child = Command::new(env!("CARGO_BIN_EXE_petri"))
        .arg("serve")
        .arg("--config")
        .arg(config)
        .args(["--bind", &at.to_string(), "--node-id", id])
        .env("PETRI_REDIS_URL", redis.url())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("petri starts");
    let node = Node { child, address: at };
    let deadline = tokio::time::Instant::now() + WAIT;
    while !matches!(http_get(at, "/readyz").await, Ok((200, _))) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "node {id} never became ready"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    node
}

/// The node URLs `/api/rooms` of `at` lists rooms of.
async fn listed_nodes(at: SocketAddr) -> Vec<String> {
    let Ok((200, body)) = http_get(at, "/api/rooms").await else {
        return Vec::new();
    };
    let list: Vec<Value> = serde_json::from_str(&body).unwrap_or_default();
    let mut urls: Vec<String> = list
        .iter()
        .filter_map(|r| r["url"].as_str().map(str::to_owned))
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

async fn until_listed(at: SocketAddr, what: &str, want: impl Fn(&[String]) -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let urls = listed_nodes(at).await;
        if want(&urls) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: last {urls:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_nodes_expire_restarted_ones_return_stopped_ones_leave_at_once() {
    let redis = RedisServer::start();
    let config = config_file();
    let one = start(&redis, &config, "one", free_address()).await;
    let mut two = start(&redis, &config, "two", free_address()).await;
    let three_at = free_address();
    let mut three = start(&redis, &config, "three", three_at).await;
    let all = [one.url(), two.url(), three.url()];
    until_listed(one.address, "three nodes listed", |urls| {
        all.iter().all(|u| urls.contains(u))
    })
    .await;

    three.kill();
    until_listed(one.address, "the killed node expired", |urls| {
        !urls.contains(&three.url())
    })
    .await;

    let three = start(&redis, &config, "three", three_at).await;
    until_listed(two.address, "the restarted node is back", |urls| {
        urls.contains(&three.url())
    })
    .await;

    two.terminate();
    until_listed(one.address, "the stopped node left", |urls| {
        !urls.contains(&two.url()) && urls.contains(&three.url())
    })
    .await;
    let _ = std::fs::remove_file(&config);
}
