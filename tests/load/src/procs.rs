//! The nodes' processes as Linux shows them: CPU time from `/proc/<pid>/stat` (user +
//! system, in clock ticks) and peak resident memory from `VmHWM` in `/proc/<pid>/status`.

use std::path::{Path, PathBuf};

use serde::Serialize;

/// Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`; 100 on Linux).
fn ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(100.0)
}

/// A process to watch.
#[derive(Clone, Debug, Serialize)]
pub struct Proc {
    /// Its id.
    pub pid: u32,
    /// What it is (the node's home, or `jcm-load`).
    pub label: String,
}

/// One reading of a process.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Reading {
    /// User + system CPU seconds since the process started.
    pub cpu_s: f64,
    /// Peak resident set size, MiB.
    pub peak_rss_mib: f64,
    /// Current resident set size, MiB.
    pub rss_mib: f64,
}

/// Reads `pid` now (`None` if it is gone).
pub fn read(pid: u32) -> Option<Reading> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces: fields count from its closing paren.
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of the whole line are utime and stime: 11 and 12 after the name.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = |name: &str| -> f64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    Some(Reading {
        cpu_s: (utime + stime) / ticks_per_second(),
        peak_rss_mib: kib("VmHWM:") / 1024.0,
        rss_mib: kib("VmRSS:") / 1024.0,
    })
}

/// The `jcm-node start --home H` processes whose home is under `dir`, by home.
pub fn find_nodes(dir: &Path) -> Vec<Proc> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let dir = canonical(dir);
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> =
            cmdline.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
        let is_node =
            args.first().is_some_and(|a| a.ends_with("jcm-node")) && args.iter().any(|a| a == "start");
        let home = args.iter().position(|a| a == "--home").and_then(|i| args.get(i + 1));
        if let (true, Some(home)) = (is_node, home) {
            let mut path = PathBuf::from(home);
            if path.is_relative() {
                if let Ok(cwd) = std::fs::read_link(entry.path().join("cwd")) {
                    path = cwd.join(path);
                }
            }
            let home = canonical(&path);
            if home.starts_with(&dir) {
                out.push(Proc { pid, label: home.display().to_string() });
            }
        }
    }
    out.sort_by(|a, b| a.label.cmp(&b.label));
    out
}
