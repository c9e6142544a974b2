//! The rules of "The latest gossip on BFT consensus" (Buchman, Kwon, Milosevic, 2018),
//! Algorithm 1, one function per `upon` clause, each citing its line numbers.
//!
//! After every input the core re-evaluates the rules until none fires ([`progress`]):
//! an `upon` clause of the paper fires whenever its condition becomes true, whichever
//! input made it so. "2f+1" is more than two thirds of the voting power and "f+1" more
//! than one third. The validity predicate `valid(v)` is answered by the caller; a rule
//! that needs a verdict not yet given waits for it (the propose timeout bounds the wait).
//!
//! [`progress`]: HeightMachine::progress

use crate::config::Config;
use crate::limits::RULE_PASSES_MAX;
use crate::machine::HeightMachine;
use crate::output::{Decision, Output, Timeout, TimeoutKind};
use crate::protocol::{CommitCertificate, ValueId, VoteKind};
use crate::state::{RoundValue, Step};

impl HeightMachine {
    /// StartRound (lines 11-21).
    pub(crate) fn start_round(&mut self, config: &Config, round: u32, out: &mut Vec<Output>) {
        self.state.round = round; // L12
        self.state.step = Step::Propose; // L13
        self.awaiting_value = None;
        let height = self.state.height;
        if self.schedule.proposer(height, round) == config.own_key {
            // L14
            match self.state.valid {
                // L15-16, L19
                Some(valid) => self.broadcast_proposal(config, valid.value, Some(valid.round), out),
                None => {
                    // L18: getValue(), answered by Input::ProposeValue (L19)
                    self.awaiting_value = Some(round);
                    out.push(Output::GetValue { height, round });
                }
            }
        }
        // L21. The paper arms this timeout for other validators only; the proposer arms
        // it too, because after a restart its log may lack the 2f+1 prevotes its own
        // proposal cites (L28), and without the timeout it would wait for them forever.
        // The timeout only ever prevotes nil (L57-60), so safety is unchanged.
        self.schedule(config, TimeoutKind::Propose, out);
    }

    /// Fires the rules until none applies.
    pub(crate) fn progress(&mut self, config: &Config, out: &mut Vec<Output>) {
        for _ in 0..RULE_PASSES_MAX {
            if self.state.decided.is_some() {
                return;
            }
            let fired = self.decide(out) // L49
                || self.skip_round(config, out) // L55
                || self.prevote_on_proposal(config, out) // L22, L28
                || self.lock_on_prevotes(config, out) // L36
                || self.precommit_nil_on_prevotes(config, out) // L44
                || self.schedule_prevote_timeout(config, out) // L34
                || self.schedule_precommit_timeout(config, out); // L47
            if !fired {
                return;
            }
        }
        panic!("consensus rules did not reach a fixpoint in {RULE_PASSES_MAX} passes");
    }

    fn verdict(&self, value: ValueId) -> Option<bool> {
        self.verdicts.get(&value).copied()
    }

    /// Lines 22-27 and 28-33: prevote on the proposal of the current round.
    fn prevote_on_proposal(&mut self, config: &Config, out: &mut Vec<Output>) -> bool {
        if self.state.step != Step::Propose {
            return false;
        }
        let round = self.state.round;
        let Some(log) = self.log.round(round) else {
            return false;
        };
        let locked = self.state.locked;
        for signed in &log.proposals {
            let proposal = &signed.proposal;
            let value = proposal.value;
            let Some(valid) = self.verdict(value) else {
                continue;
            };
            let acceptable = match proposal.valid_round {
                // L22: ⟨PROPOSAL, h, r, v, -1⟩
                None => {
                    // L23
                    valid && locked.is_none_or(|l| l.value == value)
                }
                // L28: ⟨PROPOSAL, h, r, v, vr⟩ AND 2f+1 ⟨PREVOTE, h, vr, id(v)⟩, vr < r
                Some(vr) => {
                    let prevotes =
                        self.log.round(vr).map_or(0, |r| r.tally(VoteKind::Prevote).power_for(Some(value)));
                    if !self.validators.is_quorum(prevotes) {
                        continue;
                    }
                    // L29
                    valid && locked.is_none_or(|l| l.round <= vr || l.value == value)
                }
            };
            // L24, L30 (for v) or L26, L32 (nil)
            let vote = acceptable.then_some(value);
            self.broadcast_vote(config, VoteKind::Prevote, vote, out);
            self.state.step = Step::Prevote; // L27, L33
            return true;
        }
        false
    }

    /// Lines 34-35: 2f+1 prevotes of any kind in the current round, step prevote.
    fn schedule_prevote_timeout(&mut self, config: &Config, out: &mut Vec<Output>) -> bool {
        let round = self.state.round;
        let Some(log) = self.log.round(round) else {
            return false;
        };
        if self.state.step != Step::Prevote
            || log.fired.l34
            || !self.validators.is_quorum(log.prevotes.power_any())
        {
            return false;
        }
        self.log.round_mut(round).fired.l34 = true;
        self.schedule(config, TimeoutKind::Prevote, out); // L35
        true
    }

    /// Lines 36-43: the proposal and 2f+1 prevotes for it in the current round: lock
    /// (if still at prevote) and remember the value as valid.
    fn lock_on_prevotes(&mut self, config: &Config, out: &mut Vec<Output>) -> bool {
        let round = self.state.round;
        let Some(log) = self.log.round(round) else {
            return false;
        };
        if self.state.step < Step::Prevote || log.fired.l36 {
            return false;
        }
        let found = log.proposals.iter().map(|p| p.proposal.value).find(|&value| {
            self.verdict(value) == Some(true)
                && self.validators.is_quorum(log.prevotes.power_for(Some(value)))
        });
        let Some(value) = found else {
            return false;
        };
        self.log.round_mut(round).fired.l36 = true;
        if self.state.step == Step::Prevote {
            // L37
            self.state.locked = Some(RoundValue { round, value }); // L38-39
            self.broadcast_vote(config, VoteKind::Precommit, Some(value), out); // L40
            self.state.step = Step::Precommit; // L41
        }
        self.state.valid = Some(RoundValue { round, value }); // L42-43
        true
    }

    /// Lines 44-46: 2f+1 nil prevotes in the current round, step prevote.
    fn precommit_nil_on_prevotes(&mut self, config: &Config, out: &mut Vec<Output>) -> bool {
        let nil_quorum = self
            .log
            .round(self.state.round)
            .is_some_and(|log| self.validators.is_quorum(log.tally(VoteKind::Prevote).power_for(None)));
        if self.state.step != Step::Prevote || !nil_quorum {
            return false;
        }
        self.broadcast_vote(config, VoteKind::Precommit, None, out); // L45
        self.state.step = Step::Precommit; // L46
        true
    }

    /// Lines 47-48: 2f+1 precommits of any kind in the current round.
    fn schedule_precommit_timeout(&mut self, config: &Config, out: &mut Vec<Output>) -> bool {
        let round = self.state.round;
        let Some(log) = self.log.round(round) else {
            return false;
        };
        if log.fired.l47 || !self.validators.is_quorum(log.precommits.power_any()) {
            return false;
        }
        self.log.round_mut(round).fired.l47 = true;
        self.schedule(config, TimeoutKind::Precommit, out); // L48
        true
    }

    /// Lines 49-54: a proposal of any round and 2f+1 precommits for it: decide, if valid.
    fn decide(&mut self, out: &mut Vec<Output>) -> bool {
        let mut found = None;
        for (&round, log) in self.log.rounds() {
            for signed in &log.proposals {
                let value = signed.proposal.value;
                let power = log.precommits.power_for(Some(value));
                // L50: a value judged invalid is never decided.
                if self.validators.is_quorum(power) && self.verdict(value) == Some(true) {
                    let signatures = log.precommits.signatures_for(value);
                    found = Some((round, value, signatures));
                    break;
                }
            }
            if found.is_some() {
                break;
            }
        }
        let Some((round, value, signatures)) = found else {
            return false;
        };
        let height = self.state.height;
        // L51; the caller does L52-54 by starting the next height.
        self.state.decided = Some(RoundValue { round, value });
        out.push(Output::Decide(Decision {
            height,
            round,
            value,
            certificate: CommitCertificate { height, round, value, signatures },
        }));
        true
    }

    /// Lines 55-56: f+1 messages of a higher round: go to that round.
    fn skip_round(&mut self, config: &Config, out: &mut Vec<Output>) -> bool {
        match self.log.skip_target(self.state.round, &self.validators) {
            Some(round) => {
                self.start_round(config, round, out); // L56
                true
            }
            None => false,
        }
    }

    /// Lines 57-67: a scheduled timeout elapsed.
    pub(crate) fn on_timeout(&mut self, config: &Config, timeout: Timeout, out: &mut Vec<Output>) {
        let current = timeout.height == self.state.height && timeout.round == self.state.round;
        if !current || self.state.decided.is_some() {
            return;
        }
        match timeout.kind {
            // L57-60
            TimeoutKind::Propose if self.state.step == Step::Propose => {
                self.broadcast_vote(config, VoteKind::Prevote, None, out);
                self.state.step = Step::Prevote;
            }
            // L61-64
            TimeoutKind::Prevote if self.state.step == Step::Prevote => {
                self.broadcast_vote(config, VoteKind::Precommit, None, out);
                self.state.step = Step::Precommit;
            }
            // L65-67
            TimeoutKind::Precommit => {
                let next = self.state.round.saturating_add(1);
                self.start_round(config, next, out);
            }
            TimeoutKind::Propose | TimeoutKind::Prevote => {}
        }
    }
}
