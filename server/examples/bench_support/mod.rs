//! Reading another process's CPU time and resident memory from /proc, for the benchmark
//! clients: the server's cost is measured from outside it, the same way for Petri and node.

#![allow(dead_code)]

/// CPU time (user + system) and resident set size of one process at one moment.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot {
    pub cpu_s: f64,
    /// The kernel's share of `cpu_s` (socket writes on loopback also pay for the receiver's
    /// TCP processing, so this dominates a fan-out).
    pub sys_s: f64,
    pub rss_kb: u64,
}

/// Clock ticks per second of `/proc/<pid>/stat` times. 100 on every Linux we run on; asked from
/// `getconf` rather than assumed, since no libc binding is at hand.
fn clk_tck() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// `pid` is a number or `self`. `None` if the process is gone or /proc is unreadable.
pub fn snapshot(pid: &str) -> Option<Snapshot> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces: count fields after its closing ')'.
    // There, index 11 is utime (field 14) and 12 is stime (field 15).
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = f.get(11)?.parse().ok()?;
    let stime: u64 = f.get(12)?.parse().ok()?;
    let tck = clk_tck();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Some(Snapshot {
        cpu_s: (utime + stime) as f64 / tck,
        sys_s: stime as f64 / tck,
        rss_kb,
    })
}
