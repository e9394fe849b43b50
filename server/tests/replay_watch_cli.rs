//! `petri replay watch FILE` and `petri match --watch` with the real binary (issue 15): start
//! it, read the URL it prints, connect to that replay over Socket.IO, get frames, stop it with
//! SIGTERM and see it exit cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use petri_server::swarm::client::SocketIoClient;
use petri_server::testkit::{WAIT, next_frame};
use petri_shared::game::{events, namespaces};
use serde_json::json;

/// A `petri` child process, stopped with SIGTERM (and killed if it lingers).
struct Petri(Child);

impl Petri {
    fn start(args: &[&str]) -> (Self, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_petri"))
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("petri starts");
        let stdout = child.stdout.take().expect("its stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("reads the URL line");
        let url = line
            .trim()
            .strip_prefix("watch at ")
            .unwrap_or_else(|| panic!("a URL line, not {line:?}"))
            .to_owned();
        (Self(child), url)
    }

    /// SIGTERM, then the exit status within a bounded wait.
    fn stop(mut self) -> bool {
        let pid = self.0.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        for _ in 0..400 {
            if let Ok(Some(status)) = self.0.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        false
    }
}

impl Drop for Petri {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Opens the replay the URL names and returns the first frame's tick.
async fn watch_url(url: &str) -> u32 {
    let (base, id) = url.split_once("/#replay/").expect("a replay URL");
    let mut client = SocketIoClient::connect(base, namespaces::REPLAY, None, WAIT)
        .await
        .expect("connects to /replay");
    let answer = client
        .call(events::WATCH, &[json!({ "id": id })], WAIT)
        .await
        .expect("answered");
    assert_eq!(answer[0]["ok"], true, "{answer:?}");
    let frame = next_frame(&mut client).await;
    assert!(!frame.entered.is_empty(), "the frame shows the arena");
    frame.tick
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_watch_serves_the_file_it_is_given() {
    let dir = std::env::temp_dir().join(format!("petri-watch-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let file = dir.join("m.petri-replay");
    let file = file.to_str().expect("a UTF-8 path");
    let recorded = Command::new(env!("CARGO_BIN_EXE_petri"))
        .args([
            "match",
            "--bots",
            "forager:5",
            "--ticks",
            "300",
            "--no-progress",
        ])
        .args(["--record", file])
        .output()
        .expect("petri match runs");
    assert!(recorded.status.success(), "{recorded:?}");
    let (petri, url) = Petri::start(&["replay", "watch", file, "--port", "0"]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(url.ends_with("/#replay/m"), "{url}");
    watch_url(&url).await;
    assert!(petri.stop(), "stops cleanly on SIGTERM");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn match_watch_serves_the_match_as_it_runs() {
    let args = [
        "match",
        "--watch",
        "--bots",
        "hunter:4,forager:4",
        "--ticks",
        "2000",
    ];
    let (petri, url) = Petri::start(&[&args[..], &["--speed", "4", "--port", "0"]].concat());
    assert!(url.ends_with("/#replay/match-42"), "{url}");
    watch_url(&url).await;
    assert!(petri.stop(), "stops cleanly on SIGTERM");
}
