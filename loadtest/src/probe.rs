//! The server's CPU time and memory, read from `/proc/<pid>` (Linux) for a server process
//! on this machine.

use serde::{Deserialize, Serialize};

/// One reading.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    /// User + system CPU time so far, in seconds.
    pub cpu_secs: f64,
    /// Resident memory, in bytes.
    pub rss_bytes: u64,
}

/// Reads `pid`'s CPU time and RSS; `None` if it cannot (no such process, not Linux).
pub fn read(pid: u32) -> Option<Reading> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(Reading {
        cpu_secs: ticks / clock_ticks_per_sec(),
        rss_bytes: rss_kib * 1024,
    })
}

/// `sysconf(_SC_CLK_TCK)`: 100 on every Linux this runs on (no libc call needed).
fn clock_ticks_per_sec() -> f64 {
    100.0
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_this_process() {
        let r = super::read(std::process::id()).expect("/proc");
        assert!(r.rss_bytes > 1024 * 1024);
        assert!(r.cpu_secs >= 0.0);
        assert!(super::read(u32::MAX).is_none());
    }
}
