//! The outbox's tests, and `FakeSink`, a socket double shared with the cork's tests.

use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A socket that takes at most `room` more bytes, recording them.
pub(crate) struct FakeSink {
    room: AtomicUsize,
    pub(crate) taken: Mutex<Vec<u8>>,
    write_calls: AtomicUsize,
}

impl FakeSink {
    pub(crate) fn new(room: usize) -> Arc<Self> {
        Arc::new(Self {
            room: AtomicUsize::new(room),
            taken: Mutex::new(Vec::new()),
            write_calls: AtomicUsize::new(0),
        })
    }

    /// System calls that took bytes.
    pub(crate) fn writes(&self) -> usize {
        self.write_calls.load(Ordering::SeqCst)
    }
}

impl RawSink for FakeSink {
    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.try_write_vectored(&[IoSlice::new(buf)])
    }

    fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let room = self.room.load(Ordering::SeqCst);
        if room == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let mut taken = self.taken.lock();
        let mut n = 0;
        for b in bufs {
            let k = b.len().min(room - n);
            taken.extend_from_slice(&b[..k]);
            n += k;
            if n == room {
                break;
            }
        }
        self.room.fetch_sub(n, Ordering::SeqCst);
        self.write_calls.fetch_add(1, Ordering::SeqCst);
        Ok(n)
    }

    fn poll_write_ready(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.room.load(Ordering::SeqCst) > 0 {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    }
}

fn frame(tag: u8) -> Bytes {
    Bytes::from(vec![tag; 4])
}

#[test]
fn writes_directly_while_the_socket_takes_everything() {
    let sink = FakeSink::new(100);
    let outbox = Outbox::new(sink.clone(), 4);
    assert_eq!(outbox.send(&frame(1), false), Ok(Sent::Written));
    assert_eq!(outbox.send(&frame(2), true), Ok(Sent::Written));
    assert_eq!(outbox.backlog_len(), 0);
    assert_eq!(*sink.taken.lock(), [1, 1, 1, 1, 2, 2, 2, 2]);
}

#[test]
fn a_full_socket_queues_then_drops_volatile_then_refuses_reliable() {
    let sink = FakeSink::new(6);
    let outbox = Outbox::new(sink.clone(), 4);
    // 4 bytes written, then 2 of the second frame: its tail must still go out whole
    assert_eq!(outbox.send(&frame(1), false), Ok(Sent::Written));
    assert_eq!(outbox.send(&frame(2), false), Ok(Sent::Queued));
    assert_eq!(outbox.send(&frame(3), true), Ok(Sent::Queued));
    assert_eq!(outbox.send(&frame(4), false), Ok(Sent::Queued));
    // three of four slots used: volatile frames are dropped, reliable ones still fit
    assert_eq!(outbox.send(&frame(5), true), Err(Refused::Dropped));
    assert_eq!(outbox.send(&frame(6), false), Ok(Sent::Queued));
    assert_eq!(outbox.send(&frame(7), false), Err(Refused::Overflow));
    outbox.discard_unstarted();
    assert_eq!(outbox.backlog_len(), 1, "the started frame's tail is kept");
    sink.room.store(100, Ordering::SeqCst);
    let waker = std::task::Waker::noop();
    let mut cx = Context::from_waker(waker);
    assert!(matches!(outbox.poll_flush(&mut cx), Poll::Ready(Ok(()))));
    assert_eq!(*sink.taken.lock(), [1, 1, 1, 1, 2, 2, 2, 2]);
}

#[test]
fn deferred_frames_leave_together_at_uncork() {
    let sink = FakeSink::new(100);
    let outbox = Outbox::new(sink.clone(), 4);
    assert_eq!(
        outbox.defer(&frame(1), Frames::shared(false)),
        Ok(Deferred::First)
    );
    assert_eq!(
        outbox.defer(&frame(2), Frames::shared(true)),
        Ok(Deferred::Again)
    );
    assert!(
        sink.taken.lock().is_empty(),
        "nothing is written while corked"
    );
    outbox.uncork();
    assert_eq!(*sink.taken.lock(), [1, 1, 1, 1, 2, 2, 2, 2]);
    assert_eq!(outbox.backlog_len(), 0);
    assert_eq!(
        outbox.defer(&frame(3), Frames::shared(false)),
        Ok(Deferred::First)
    );
    assert!(outbox.is_idle(), "the writer leaves a corked backlog alone");
    outbox.uncork_later();
    assert!(!outbox.is_idle(), "handed over: the writer takes it");
}

#[test]
fn the_backlog_drains_in_order_when_the_socket_frees_up() {
    let sink = FakeSink::new(0);
    let outbox = Outbox::new(sink.clone(), 8);
    for tag in 1..=3 {
        assert_eq!(outbox.send(&frame(tag), false), Ok(Sent::Queued));
    }
    let waker = std::task::Waker::noop();
    let mut cx = Context::from_waker(waker);
    assert!(outbox.poll_flush(&mut cx).is_pending());
    sink.room.store(5, Ordering::SeqCst);
    assert!(outbox.poll_flush(&mut cx).is_pending());
    sink.room.store(100, Ordering::SeqCst);
    assert!(matches!(outbox.poll_flush(&mut cx), Poll::Ready(Ok(()))));
    assert_eq!(*sink.taken.lock(), [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
    outbox.release();
    assert_eq!(outbox.send(&frame(9), false), Err(Refused::Closed));
}
