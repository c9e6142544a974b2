//! The unit blocks as they stood at the end of a reported year, for Table 4 (a snapshot
//! at 31 December, ARTICLE6.md §9.2), whatever the state's own time. Every action that
//! changes units logs them with their attributes after the action (`Event::units`), so
//! laying the logged blocks of the events dated up to 31 December over one another, in
//! log order, gives each serial's attributes at the end of that day.

use std::collections::BTreeMap;

use crate::events::Event;
use crate::state::{keys, ReadStore, StateExt};
use crate::time::Timestamp;
use crate::units::UnitBlock;

/// A serial space and a first serial: the blocks' order in the state (CA, FTP, serial).
type Key = (String, String, u64);

fn key_of(b: &UnitBlock, first: u64) -> Key {
    (b.ca.to_string(), b.ftp.to_string(), first)
}

/// Lays `block` over `blocks`: the serials it covers take its attributes, the parts of
/// older blocks around it keep theirs.
fn overlay(blocks: &mut BTreeMap<Key, UnitBlock>, block: &UnitBlock) {
    let start = key_of(block, 0);
    let end = key_of(block, block.last);
    let hit: Vec<Key> = blocks
        .range(start..=end)
        .filter(|(_, old)| old.last >= block.first)
        .map(|(k, _)| k.clone())
        .collect();
    for k in hit {
        let old = blocks.remove(&k).expect("a key just found");
        if old.first < block.first {
            let below = UnitBlock { last: block.first - 1, ..old.clone() };
            blocks.insert(key_of(&below, below.first), below);
        }
        if old.last > block.last {
            let above = UnitBlock { first: block.last + 1, ..old };
            blocks.insert(key_of(&above, above.first), above);
        }
    }
    blocks.insert(key_of(block, block.first), block.clone());
}

/// Every unit block at the end of 31 December of `year`, in the state's order, adjacent
/// blocks with equal attributes joined as the state joins them.
pub fn at_end_of<S: ReadStore + ?Sized>(st: &S, year: u16) -> Vec<UnitBlock> {
    let end = year.checked_add(1).map(Timestamp::start_of_year);
    let mut blocks = BTreeMap::new();
    for e in st.read_all::<Event>(keys::prefix::EVENT) {
        if end.is_some_and(|end| e.time >= end) {
            // The log is in time order: nothing later is dated in the year.
            break;
        }
        if let Some(units) = &e.units {
            overlay(&mut blocks, units);
        }
    }
    let mut out: Vec<UnitBlock> = Vec::new();
    for b in blocks.into_values() {
        match out.last_mut() {
            Some(prev)
                if prev.ca == b.ca
                    && prev.ftp == b.ftp
                    && prev.last + 1 == b.first
                    && prev.attrs == b.attrs =>
            {
                prev.last = b.last;
            }
            _ => out.push(b),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::UnitAttrs;

    fn block(first: u64, last: u64, account: &str) -> UnitBlock {
        UnitBlock {
            ca: "CA0001".parse().expect("a CA"),
            ftp: "IND".parse().expect("a Party"),
            first,
            last,
            attrs: UnitAttrs {
                origin: "IND01".parse().expect("a registry"),
                vintage: 2025,
                project: "INJ-001".parse().expect("a project"),
                account: account.parse().expect("an account"),
                authorization: None,
                first_transferred: false,
                use_year: None,
                hold: false,
                reserved_by: None,
            },
        }
    }

    #[test]
    fn a_later_block_splits_the_older_ones_it_covers() {
        let mut blocks = BTreeMap::new();
        overlay(&mut blocks, &block(1, 100, "IND01-H-GOV"));
        overlay(&mut blocks, &block(101, 200, "IND01-H-GOV"));
        overlay(&mut blocks, &block(51, 150, "IND01-H-EIN1"));
        let got: Vec<(u64, u64, String)> =
            blocks.values().map(|b| (b.first, b.last, b.attrs.account.to_string())).collect();
        assert_eq!(
            got,
            [
                (1, 50, "IND01-H-GOV".to_string()),
                (51, 150, "IND01-H-EIN1".to_string()),
                (151, 200, "IND01-H-GOV".to_string())
            ]
        );
    }
}
