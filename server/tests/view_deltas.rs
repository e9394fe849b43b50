//! A shadow client that only ever sees encoded frames holds exactly what the server says that
//! client can see, after every tick of a long match, even when frames are skipped.

use std::collections::HashMap;

use petri_server::rooms::view::{ClientView, Watching};
use petri_server::sim::{Arena, PlayerId};
use petri_server::testkit::arena_with_bots;
use petri_shared::codec;
use petri_shared::game::{self, CellKindCode, Frame};
use petri_shared::{ClientWorld, KnownCell};

/// Every cell overlapping the client's camera, computed from scratch from the arena.
fn expected_view(
    arena: &mut Arena,
    view: &ClientView,
    watching: Watching,
) -> HashMap<u32, KnownCell> {
    let camera = view.camera(arena, watching);
    let (min, max) = (
        camera.center - camera.half_extents,
        camera.center + camera.half_extents,
    );
    arena
        .cells()
        .into_iter()
        .filter(|c| {
            let s = c.size();
            c.position.x + s >= min.x
                && c.position.x - s <= max.x
                && c.position.y + s >= min.y
                && c.position.y - s <= max.y
        })
        .map(|c| {
            (
                c.id.0,
                KnownCell {
                    kind: CellKindCode::from(c.kind).code(),
                    x: game::quantize(c.position.x),
                    y: game::quantize(c.position.y),
                    size: game::quantize_size(c.size()),
                    owner: c.owner.map_or(0, |o| o.0),
                },
            )
        })
        .collect()
}

fn play(watching: impl Fn(PlayerId) -> Watching, ticks: u32, skip_every: u32) {
    let mut arena = arena_with_bots("forager:20,hunter:20,survivor:20", 11);
    let me = arena.add_player("me", 0x3366ff, None);
    arena.respawn(me);
    let watching = watching(me);
    let mut view = ClientView::new();
    let mut shadow = ClientWorld::default();
    let mut bytes = Vec::new();
    let (mut sent, mut skipped, mut max_entered) = (0, 0, 0);
    for tick in 1..=ticks {
        let angle = tick as f32 * 0.01;
        arena.set_target(me, glam::Vec2::new(angle.cos(), angle.sin()) * 3000.0);
        if tick % 40 == 0 {
            arena.split(me);
        }
        if arena.is_dead(me) {
            arena.respawn(me);
        }
        arena.step();

        view.build(&arena, watching, 0);
        // a slow client: some frames never reach it, and the server knows
        if skip_every > 0 && tick % skip_every == 0 {
            skipped += 1;
            continue;
        }
        bytes.clear();
        codec::encode_into(view.frame(), &mut bytes).expect("encodes");
        view.commit()
            .expect("the server's copy applies its own frame");
        let frame: Frame = codec::decode(&bytes).expect("decodes");
        max_entered = max_entered.max(frame.entered.len());
        shadow
            .apply(&frame)
            .expect("the shadow applies every frame it gets");
        sent += 1;

        let expected = expected_view(&mut arena, &view, watching);
        assert_eq!(
            shadow.cells.len(),
            expected.len(),
            "tick {tick}: cell count"
        );
        for (id, cell) in &expected {
            let handle = view
                .handle_of(*id)
                .unwrap_or_else(|| panic!("tick {tick}: cell {id} has no handle"));
            assert_eq!(
                shadow.cells.get(&handle),
                Some(cell),
                "tick {tick}: cell {id} (handle {handle})"
            );
        }
        assert_eq!(
            shadow.view,
            view.sent().view,
            "tick {tick}: the view deltas add up"
        );
        let camera = view.camera(&arena, watching);
        assert_eq!(
            shadow.view.x,
            game::quantize(camera.center.x),
            "tick {tick}: view x"
        );
        for cell in shadow.cells.values() {
            if cell.owner != 0 {
                assert!(
                    shadow.players.contains_key(&cell.owner),
                    "tick {tick}: owner {} introduced",
                    cell.owner
                );
            }
        }
    }
    assert!(sent > 0 && max_entered > 0);
    let largest_handle = shadow.cells.keys().max().copied().unwrap_or(0);
    assert!(
        largest_handle < 251,
        "handles stay one byte: {largest_handle}"
    );
    if skip_every > 0 {
        assert!(skipped > 0);
    }
}

#[test]
fn a_player_shadow_matches_the_server_view_every_tick() {
    play(Watching::Player, 3000, 0);
}

#[test]
fn a_slow_client_that_skips_frames_still_converges() {
    play(Watching::Player, 1500, 3);
}

#[test]
fn a_spectator_of_the_top_player_matches_too() {
    play(|_| Watching::Spectator(None), 1500, 7);
}

#[test]
fn deltas_are_much_smaller_than_snapshots() {
    let mut arena = arena_with_bots("forager:100,hunter:100,survivor:100", 5);
    let me = arena.add_player("me", 0x3366ff, None);
    arena.respawn(me);
    let mut view = ClientView::new();
    let (mut delta_bytes, mut snapshot_bytes, mut buf) = (0usize, 0usize, Vec::new());
    for tick in 0..500 {
        arena.set_target(me, glam::Vec2::new(tick as f32, 0.0));
        if arena.is_dead(me) {
            arena.respawn(me);
        }
        arena.step();
        view.build(&arena, Watching::Player(me), 1);
        buf.clear();
        delta_bytes += codec::encode_into(view.frame(), &mut buf).expect("encodes");
        view.commit().expect("applies");
        // a fresh view each tick is a full snapshot
        let mut fresh = ClientView::new();
        fresh.build(&arena, Watching::Player(me), 1);
        buf.clear();
        snapshot_bytes += codec::encode_into(fresh.frame(), &mut buf).expect("encodes");
    }
    assert!(
        delta_bytes * 3 < snapshot_bytes,
        "deltas {delta_bytes} B vs snapshots {snapshot_bytes} B"
    );
}
