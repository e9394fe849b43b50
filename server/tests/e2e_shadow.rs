//! The delta check over a real socket: the test owns a room and ticks it itself, while that
//! room's frames travel through the real Socket.IO server to a real client on 127.0.0.1. After
//! every tick of a long match, the client's picture, built only from the frames it received,
//! equals exactly what the server believes that client holds.

use std::sync::Arc;

use petri_server::realtime::{RealtimeConfig, SocketIo, SocketRef};
use petri_server::rooms::socket_link::SocketLink;
use petri_server::rooms::{HostLimits, Room, RoomCommand, RoomSettings};
use petri_server::sim::SimConfig;
use petri_server::swarm::client::SocketIoClient;
use petri_server::testkit::{TestServer, WAIT, join_now, named, next_frame};
use petri_shared::ClientWorld;
use petri_shared::game::namespaces;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_client_holds_exactly_the_servers_view_after_every_tick() {
    // the network: a Socket.IO server whose /play namespace hands each socket to the test
    let (sockets_tx, mut sockets) = tokio::sync::mpsc::unbounded_channel::<SocketRef>();
    let io = SocketIo::new(RealtimeConfig::default());
    io.ns(namespaces::PLAY, move |socket| {
        let _ = sockets_tx.send(socket);
    });
    let server = TestServer::with_io(io).await;
    let mut client = SocketIoClient::connect(&server.url, namespaces::PLAY, None, WAIT)
        .await
        .expect("connects");
    let socket = tokio::time::timeout(WAIT, sockets.recv())
        .await
        .expect("in time")
        .expect("a socket");

    // the room, ticked by the test
    let settings = RoomSettings {
        bot_fill: 25,
        sim: SimConfig::classic().scaled_for_players(25),
        persistent: true,
        ..RoomSettings::default_public("shadow")
    };
    let mut room = Room::new("shadow".into(), settings, HostLimits::default(), 3).expect("a room");
    join_now(
        &mut room,
        1,
        Arc::new(SocketLink::new(socket)),
        named("shadow", "shadow"),
    )
    .expect("joined");

    let mut world = ClientWorld::default();
    let (mut entered, mut changed, mut left) = (0, 0, 0);
    for tick in 0..1_500u32 {
        if tick % 30 == 0 {
            let angle = f64::from(tick) * 0.07;
            room.handle(RoomCommand::Target {
                client: 1,
                x: 3000.0 * angle.cos(),
                y: 3000.0 * angle.sin(),
            });
        }
        if tick % 200 == 0 {
            room.handle(RoomCommand::Respawn { client: 1 });
        }
        room.tick();
        let now = room.arena().tick() as u32;
        // read this tick's frame off the socket (every earlier one has been applied already)
        loop {
            let frame = next_frame(&mut client).await;
            entered += frame.entered.len();
            changed += frame.changed.len();
            left += frame.left.len();
            world
                .apply(&frame)
                .expect("every frame applies to what the client has");
            if frame.tick == now {
                break;
            }
        }
        let server_side = room.client_view(1).expect("the client").sent();
        assert_eq!(
            world.cells, server_side.cells,
            "tick {now}: the client's cells"
        );
        assert_eq!(
            world.view, server_side.view,
            "tick {now}: the client's view"
        );
        assert_eq!(
            world.own, server_side.own,
            "tick {now}: the client's own cells"
        );
    }
    assert_eq!(
        room.status()
            .frames_skipped
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
    assert!(
        entered > 100 && changed > 1_000 && left > 10,
        "a real match: {entered} entered, {changed} changed, {left} left"
    );
    client.close().await;
    server.stop().await;
}
