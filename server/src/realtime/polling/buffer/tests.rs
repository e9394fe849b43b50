//! The poll buffer under the outbox: bounded like a socket, drained by polls, and handed over
//! whole at the upgrade.

use super::super::super::outbox::tests::FakeSink;
use super::super::super::outbox::{Outbox, Refused, Sent};
use super::super::super::wire::text_frame;
use super::*;
use std::sync::Arc;

fn outbox(buffer: &Arc<PollBuffer>, depth: usize) -> Outbox {
    let sink: Arc<dyn RawSink> = buffer.clone();
    Outbox::new(sink, depth)
}

#[test]
fn a_poller_that_stops_polling_cannot_grow_memory() {
    let buffer = Arc::new(PollBuffer::default());
    let outbox = outbox(&buffer, 8);
    let frame = text_frame(&"4".repeat(10_000));
    let mut written = 0;
    while outbox.send(&frame, true) == Ok(Sent::Written) {
        written += 1;
        assert!(written < 100, "the buffer must fill");
    }
    assert!(buffer.held() <= POLL_BUFFER_BYTES, "the buffer is bounded");
    // the backlog takes the rest, under the outbox's own slow-consumer policy
    while outbox.send(&frame, true).is_ok() {
        assert!(outbox.backlog_len() <= 8);
    }
    assert_eq!(
        outbox.send(&frame, true),
        Err(Refused::Dropped),
        "volatile is dropped"
    );
    let mut reliable = Ok(Sent::Queued);
    for _ in 0..8 {
        reliable = outbox.send(&frame, false);
        if reliable.is_err() {
            break;
        }
    }
    assert_eq!(
        reliable,
        Err(Refused::Overflow),
        "reliable overflows: the caller closes"
    );
    assert!(buffer.held() <= POLL_BUFFER_BYTES && outbox.backlog_len() <= 8);
}

#[tokio::test]
async fn a_poll_takes_at_most_sixteen_packets_and_the_next_one_the_rest() {
    let buffer = Arc::new(PollBuffer::default());
    let outbox = outbox(&buffer, 64);
    for i in 0..20 {
        assert_eq!(
            outbox.send(&text_frame(&format!("4{i}")), false),
            Ok(Sent::Written)
        );
    }
    let first = buffer.poll().await.expect("a payload");
    assert_eq!(first.split(|b| *b == 0x1e).count(), 16);
    let second = buffer.poll().await.expect("the rest, at once");
    assert_eq!(second, b"416\x1e417\x1e418\x1e419");
}

#[tokio::test]
async fn a_second_poll_is_an_overlap_and_a_closing_session_answers_the_first() {
    let buffer = Arc::new(PollBuffer::default());
    let waiting = {
        let buffer = buffer.clone();
        tokio::spawn(async move { buffer.poll().await })
    };
    tokio::task::yield_now().await;
    while !buffer.state.lock().polling {
        tokio::task::yield_now().await;
    }
    assert_eq!(buffer.poll().await, Err(PollRefused::Overlap));
    buffer.finish(Closing::Close, false);
    assert_eq!(waiting.await.expect("joins"), Ok(b"1".to_vec()));
    assert_eq!(buffer.poll().await, Err(PollRefused::Gone));
}

#[test]
fn the_upgrade_hands_the_unpolled_frames_over_first_in_order() {
    let buffer = Arc::new(PollBuffer::default());
    let outbox = outbox(&buffer, 64);
    let big = text_frame(&"4".repeat(POLL_BUFFER_BYTES));
    assert_eq!(outbox.send(&text_frame("4a"), false), Ok(Sent::Written));
    assert_eq!(
        outbox.send(&big, false),
        Ok(Sent::Queued),
        "the buffer is full"
    );
    let socket = FakeSink::new(1 << 20);
    assert!(outbox.switch_sink(socket.clone(), || buffer.take_for_upgrade(), None));
    assert_eq!(outbox.send(&text_frame("4b"), false), Ok(Sent::Queued));
    outbox.uncork();
    let mut expected = Vec::new();
    for frame in [text_frame("4a"), big, text_frame("4b")] {
        expected.extend_from_slice(&frame);
    }
    assert_eq!(
        *socket.taken.lock(),
        expected,
        "no loss, no duplicate, in order"
    );
    assert_eq!(buffer.take_now(), Vec::<u8>::new());
}
