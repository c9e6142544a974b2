//! Deterministic weighted round-robin choice of the proposer of `(height, round)`.
//!
//! Voting powers are divided by their greatest common divisor, giving a cycle of
//! `units = Σ power / gcd` slots in which validator `i` owns `power_i / gcd` units (in key
//! order). Slot `s = height + round` maps to unit `(s · stride) mod units`, where the
//! stride is coprime to `units`, so every window of `units` consecutive slots visits every
//! unit exactly once: each validator proposes exactly in proportion to its power, with
//! its turns spread over the cycle rather than bunched together. Equal powers give a
//! plain round robin. The choice is a pure function of the set, the height and the round,
//! costs `O(log n)`, and needs no state carried between heights.

use crate::protocol::{ValidatorKey, ValidatorSet};

/// The proposer schedule of one validator set.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ProposerSchedule {
    /// `(cumulative units up to and including this validator, key)`, in key order.
    cumulative: Vec<(u64, ValidatorKey)>,
    units: u64,
    stride: u64,
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl ProposerSchedule {
    /// The schedule of `validators`.
    pub fn new(validators: &ValidatorSet) -> Self {
        let divisor = validators.validators().iter().fold(0, |acc, v| gcd(acc, v.power)).max(1);
        let mut cumulative = Vec::with_capacity(validators.validators().len());
        let mut units: u64 = 0;
        for validator in validators.validators() {
            // Bounded: the set's total power fits u64 / 4 and units <= total power.
            units += validator.power / divisor;
            cumulative.push((units, validator.key));
        }
        // A stride near units / φ spreads consecutive slots across the cycle; it must be
        // coprime to units for the slots to visit every unit.
        let mut stride = ((u128::from(units) * 618_034 / 1_000_000) as u64).max(1);
        while gcd(stride, units) != 1 {
            stride += 1;
        }
        Self { cumulative, units, stride }
    }

    /// The proposer of `(height, round)`.
    pub fn proposer(&self, height: u64, round: u32) -> ValidatorKey {
        let units = u128::from(self.units);
        let slot = (u128::from(height) + u128::from(round)) % units;
        // unit < units <= u64::MAX, so the cast is lossless.
        let unit = ((slot * u128::from(self.stride)) % units) as u64;
        let index = self.cumulative.partition_point(|&(end, _)| end <= unit);
        self.cumulative[index].1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;
    use std::collections::BTreeMap;

    fn set(powers: &[u64]) -> ValidatorSet {
        let members: Vec<_> = powers
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                let key = SigningKey::from_bytes(&[i as u8 + 1; 32]);
                (ValidatorKey(key.verifying_key().to_bytes()), p)
            })
            .collect();
        ValidatorSet::new(&members).expect("valid set")
    }

    fn turns(validators: &ValidatorSet, slots: u32) -> BTreeMap<ValidatorKey, u64> {
        let schedule = ProposerSchedule::new(validators);
        let mut turns = BTreeMap::new();
        for round in 0..slots {
            *turns.entry(schedule.proposer(5, round)).or_insert(0) += 1;
        }
        turns
    }

    #[test]
    fn every_cycle_gives_turns_in_proportion_to_power() {
        let cases: [(&str, &[u64]); 4] = [
            ("one validator", &[7]),
            ("equal powers are a round robin", &[10, 10, 10, 10]),
            ("unequal powers", &[3, 1, 2]),
            ("coprime powers", &[5, 7, 11, 13]),
        ];
        for (description, powers) in cases {
            let validators = set(powers);
            let divisor = powers.iter().fold(0, |a, &p| gcd(a, p));
            let cycle: u64 = powers.iter().map(|p| p / divisor).sum();
            let turns = turns(&validators, (cycle * 3) as u32);
            for validator in validators.validators() {
                let expected = 3 * validator.power / divisor;
                assert_eq!(turns[&validator.key], expected, "{description}");
            }
        }
    }

    #[test]
    fn equal_powers_rotate_through_everyone_before_repeating() {
        let validators = set(&[1, 1, 1, 1, 1, 1, 1]);
        let schedule = ProposerSchedule::new(&validators);
        for height in [0, 1, 1000, u64::MAX - 7] {
            let window: std::collections::BTreeSet<_> =
                (0..7).map(|r| schedule.proposer(height, r)).collect();
            assert_eq!(window.len(), 7, "height {height}");
        }
    }

    #[test]
    fn schedule_is_the_same_for_any_member_order() {
        let validators = set(&[4, 2, 9]);
        let mut reversed: Vec<_> = validators.validators().iter().map(|v| (v.key, v.power)).collect();
        reversed.reverse();
        let reversed = ValidatorSet::new(&reversed).expect("valid set");
        let (a, b) = (ProposerSchedule::new(&validators), ProposerSchedule::new(&reversed));
        for round in 0..50 {
            assert_eq!(a.proposer(9, round), b.proposer(9, round));
        }
    }
}
