//! Loopback ports for tests that start real nodes: blocks of ports that are free now and
//! that no outgoing connection will take before a node binds them.
//!
//! A test picks ports, writes them into a node's configuration, and the node binds them
//! a moment later. A port from the kernel's ephemeral range (where `bind(port 0)` and
//! every outgoing connection get theirs, 32768–60999 by default) can be taken in that
//! moment by any connection on the machine, such as another test's nodes dialling each
//! other, and the node then fails with "address in use". So ports are chosen below that
//! range, and the test binaries that run in parallel start their search at different
//! places (by process id).

use std::net::TcpListener;
use std::sync::atomic::{AtomicU16, Ordering};

/// The lowest port handed out.
const LOW: u16 = 10_000;

/// The first port of the kernel's ephemeral range (Linux: `ip_local_port_range`).
fn ephemeral_start() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .filter(|&start: &u16| start > LOW + 1_000)
        .unwrap_or(32_768)
}

/// A base port `b` such that, for each of `nodes` nodes `i`, the ports `b + i * stride`
/// and `b + i * stride + 1` are free on 127.0.0.1 now and below the ephemeral range.
///
/// # Panics
///
/// If no such block is found.
pub fn free_block(nodes: u16, stride: u16) -> u16 {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let span = nodes.saturating_mul(stride).max(2);
    let slots = (ephemeral_start() - LOW) / span;
    assert!(slots > 0, "no room for {nodes} nodes below the ephemeral ports");
    let first = u16::try_from(std::process::id() % u32::from(slots)).unwrap_or(0);
    for _ in 0..slots {
        let slot = (first + NEXT.fetch_add(1, Ordering::Relaxed) % slots) % slots;
        let base = LOW + slot * span;
        let free = (0..nodes)
            .all(|i| (0..2).all(|p| TcpListener::bind(("127.0.0.1", base + i * stride + p)).is_ok()));
        if free {
            return base;
        }
    }
    panic!("no free block of {nodes} nodes' ports on 127.0.0.1 below the ephemeral range");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_free_below_the_ephemeral_range_and_distinct() {
        let a = free_block(4, 10);
        let b = free_block(4, 10);
        assert_ne!(a, b, "consecutive calls hand out different blocks");
        for base in [a, b] {
            assert!(base >= LOW && base + 40 <= ephemeral_start(), "{base}");
        }
    }
}
