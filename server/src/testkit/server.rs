//! A real server on 127.0.0.1 (a free port) for end-to-end tests, and helpers to talk to it the
//! way any client would. Every wait is bounded by `WAIT`.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use petri_shared::codec;
use petri_shared::game::{Frame, JoinRequest, events, namespaces};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

use crate::config::ServerConfig;
use crate::realtime::SocketIo;
use crate::swarm::client::{Incoming, SocketIoClient};

/// Upper bound of every single wait.
pub const WAIT: Duration = Duration::from_secs(10);

/// A server running on the test's runtime until `stop`.
pub struct TestServer {
    pub address: SocketAddr,
    pub url: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// A small, quick configuration: a small main room with a few bots.
pub fn quick_config() -> ServerConfig {
    let mut config = ServerConfig::default();
    config.main_room.bots = 4;
    config.main_room.capacity = 8;
    config.shutdown_grace_ms = 1_000;
    config
}

impl TestServer {
    /// The whole `petri serve` with `config`; returns once `/readyz` says the main room answers.
    pub async fn start(config: ServerConfig) -> Self {
        let server = Self::spawn(|listener, stopped| async move {
            crate::serve::serve(config, listener, stopped).await
        })
        .await;
        let deadline = tokio::time::Instant::now() + WAIT;
        while tokio::time::Instant::now() < deadline {
            if matches!(server.get("/readyz").await, Ok((200, _))) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the server did not become ready");
    }

    /// Only the Socket.IO endpoint, serving the namespaces the test registered on `io`.
    pub async fn with_io(io: SocketIo) -> Self {
        Self::spawn(|listener, stopped| async move {
            crate::realtime::http::serve(listener, io, crate::realtime::http::no_routes, stopped)
                .await?;
            Ok(())
        })
        .await
    }

    async fn spawn<F, S>(serve: S) -> Self
    where
        S: FnOnce(tokio::net::TcpListener, std::pin::Pin<Box<dyn Future<Output = ()> + Send>>) -> F,
        F: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let address = listener.local_addr().expect("an address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(
            listener,
            Box::pin(async move {
                let _ = stopped.await;
            }),
        ));
        Self {
            address,
            url: format!("http://{address}"),
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// A plain HTTP/1.1 GET: (status, body).
    pub async fn get(&self, path: &str) -> std::io::Result<(u16, String)> {
        http_get(self.address, path).await
    }

    /// Stops the server and checks it stopped cleanly, in time.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let result = tokio::time::timeout(WAIT, task)
                .await
                .expect("the server stops in time");
            result
                .expect("the server task did not panic")
                .expect("the server stopped cleanly");
        }
    }
}

/// A plain HTTP/1.1 GET to `address` with `Connection: close`: (status, body).
pub async fn http_get(address: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut raw))
        .await
        .map_err(|_| std::io::Error::other("timed out"))??;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// A value of a metric line such as `petri_players{room="main"} 3`.
pub fn metric(text: &str, line_prefix: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(line_prefix) && l[line_prefix.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

pub async fn play_client(server: &TestServer) -> SocketIoClient {
    SocketIoClient::connect(&server.url, namespaces::PLAY, None, WAIT)
        .await
        .expect("connects to /play")
}

pub async fn lobby_client(server: &TestServer) -> SocketIoClient {
    SocketIoClient::connect(&server.url, namespaces::LOBBY, None, WAIT)
        .await
        .expect("connects to /lobby")
}

/// Emits `join` and returns the ack's first argument.
pub async fn join(client: &mut SocketIoClient, request: JoinRequest) -> Value {
    let args = client
        .call(
            events::JOIN,
            &[serde_json::to_value(request).expect("json")],
            WAIT,
        )
        .await
        .expect("join answered");
    args.into_iter().next().unwrap_or(Value::Null)
}

/// A join request for `room` under `name`.
pub fn named(room: &str, name: &str) -> JoinRequest {
    JoinRequest {
        room: room.to_owned(),
        name: name.to_owned(),
        ..JoinRequest::default()
    }
}

/// The next `frame`, decoded (other events pass by).
pub async fn next_frame(client: &mut SocketIoClient) -> Frame {
    loop {
        match tokio::time::timeout(WAIT, client.next())
            .await
            .expect("a frame in time")
            .expect("connected")
        {
            Incoming::Event {
                name, attachments, ..
            } if name == events::FRAME => {
                return codec::decode(attachments.first().expect("an attachment"))
                    .expect("decodes");
            }
            _ => continue,
        }
    }
}

/// Waits for an event by name, returning its JSON args and attachments.
pub async fn next_event(
    client: &mut SocketIoClient,
    wanted: &str,
) -> (Vec<Value>, Vec<bytes::Bytes>) {
    loop {
        match tokio::time::timeout(WAIT, client.next())
            .await
            .expect("the event in time")
            .expect("connected")
        {
            Incoming::Event {
                name,
                args,
                attachments,
            } if name == wanted => return (args, attachments),
            _ => continue,
        }
    }
}

/// A player who only watches the world go on while a test throws bad input at the server;
/// `still_playing` asserts that it still gets frames (the hostile-input suites share it).
pub struct Bystander(SocketIoClient);

impl Bystander {
    pub async fn join(server: &TestServer) -> Self {
        let mut client = play_client(server).await;
        assert_eq!(
            join(&mut client, named("main", "bystander")).await["ok"],
            true
        );
        Self(client)
    }

    pub async fn still_playing(&mut self, case: &str) {
        for _ in 0..3 {
            let frame = tokio::time::timeout(WAIT, next_frame(&mut self.0)).await;
            assert!(
                frame.is_ok(),
                "{case}: the bystander stopped getting frames"
            );
        }
    }
}
