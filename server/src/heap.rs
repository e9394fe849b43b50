//! The C allocator's own account of the heap, for `/metrics` and the soak benchmark.
//!
//! RSS alone cannot tell a leak from an allocator that keeps freed memory for reuse: both make
//! RSS climb. glibc's `mallinfo2` can: `in_use` is what the program holds (a leak makes it climb),
//! `free` is what malloc keeps around unused (fragmentation makes it climb). Issue 17's soak
//! reads both to say which one the remaining growth is. On other platforms the numbers are absent.
//!
//! This is the crate's only `unsafe`: two calls into glibc with no pointers passed in, whose
//! results are plain integers.

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
}
