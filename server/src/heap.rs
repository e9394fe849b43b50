//! The C allocator's own account of the heap, for `/metrics` and the soak benchmark.
//!
//! RSS alone cannot tell a leak from an allocator that keeps freed memory for reuse: both make
//! RSS climb. glibc's `mallinfo2` can: `in_use` is what the program holds (a leak makes it climb),
//! `free` is what malloc keeps around unused (fragmentation makes it climb). Issue 17's soak
//! reads both to say which one the remaining growth is. On other platforms the numbers are absent.
//!
//! It is also where that kept memory is given back. glibc returns freed memory to the system only
//! from the top of each arena, so the room threads' arenas keep freed pages in their middles for
//! good (issue 17's soak measured `free` climbing 0.15 MB a minute at 1,000 bots while the heap in
//! use was flat). `malloc_trim(0)` walks every arena and releases every whole free page
//! (`MADV_DONTNEED`); [`trim_every`] calls it on a timer (`memory_trim_secs`), off the runtime's
//! threads, because it holds each arena's lock while it walks it.
//!
//! This is the crate's only `unsafe`: three calls into glibc with no pointers passed in, whose
//! results are plain integers.

use std::time::Duration;

/// What the allocator reports, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HeapStats {
    /// Held by the program: small-chunk bytes in use plus large (mmap'd) chunks.
    pub in_use: u64,
    /// Kept by malloc in its free lists, neither used nor given back to the system.
    pub free: u64,
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod glibc {
    /// `struct mallinfo2` (glibc 2.33+): every field a `size_t`.
    #[repr(C)]
    #[derive(Default)]
    pub struct MallInfo2 {
        pub arena: usize,
        pub ordblks: usize,
        pub smblks: usize,
        pub hblks: usize,
        pub hblkhd: usize,
        pub usmblks: usize,
        pub fsmblks: usize,
        pub uordblks: usize,
        pub fordblks: usize,
        pub keepcost: usize,
    }

    unsafe extern "C" {
        pub fn mallinfo2() -> MallInfo2;
        pub fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
}

/// The heap now (locks malloc's arenas briefly: call at scrape time, not per tick).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn stats() -> Option<HeapStats> {
    // SAFETY: mallinfo2 takes no arguments and returns a struct by value; it only reads
    // malloc's own bookkeeping under malloc's locks.
    let info = unsafe { glibc::mallinfo2() };
    let bytes = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    Some(HeapStats {
        in_use: bytes(info.uordblks) + bytes(info.hblkhd),
        free: bytes(info.fordblks),
    })
}

/// Not glibc: no numbers.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn stats() -> Option<HeapStats> {
    None
}

/// Gives malloc's free pages back to the system; true if any were released.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn give_back() -> bool {
    // SAFETY: malloc_trim takes a byte count and only touches malloc's own arenas, under their
    // locks; it frees nothing the program still holds.
    unsafe { glibc::malloc_trim(0) == 1 }
}

/// Not glibc: nothing to give back this way.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn give_back() -> bool {
    false
}

/// Calls [`give_back`] every `period` until `stop` completes; `Duration::ZERO` turns it off.
/// Each call runs on tokio's blocking pool (it takes about a millisecond per 50 MB of heap
/// here), so no connection's task waits behind it.
pub async fn trim_every(period: Duration, stop: impl std::future::Future<Output = ()>) {
    if period.is_zero() {
        return;
    }
    let mut timer = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = timer.tick() => {
                let released = tokio::task::spawn_blocking(give_back).await.unwrap_or(false);
                tracing::trace!(released, "gave malloc's free pages back");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn holding_memory_shows_in_use() {
        let before = super::stats().expect("glibc reports").in_use;
        let block = vec![7u8; 8 << 20];
        let during = super::stats().expect("glibc reports").in_use;
        assert!(during >= before + (8 << 20) - 4096, "{before} -> {during}");
        drop(block);
    }

    /// Resident bytes of this process (nextest runs each test in a process of its own).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn resident() -> u64 {
        let statm = std::fs::read_to_string("/proc/self/statm").expect("procfs");
        let pages: u64 = statm
            .split(' ')
            .nth(1)
            .and_then(|p| p.parse().ok())
            .expect("statm");
        pages * 4096
    }

    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn giving_back_releases_free_pages_inside_the_heap() {
        // 64 MiB of small blocks, then all freed but every 512th: the free memory lies between
        // blocks still held, where free() alone never returns it
        let mut blocks: Vec<Option<Vec<u8>>> =
            (0..65_536).map(|i| Some(vec![i as u8; 1000])).collect();
        for (i, block) in blocks.iter_mut().enumerate() {
            if i % 512 != 0 {
                *block = None;
            }
        }
        let before = resident();
        assert!(super::give_back(), "there were free pages to give back");
        let after = resident();
        assert!(before > after + (32 << 20), "resident {before} -> {after}");
        let held = blocks.iter().flatten().count();
        assert_eq!(held, 128);
    }
}
