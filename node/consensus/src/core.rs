//! [`Core`]: the public face of the state machine. One call, [`Core::handle`], takes an
//! [`Input`] and returns the [`Output`]s in the order the caller must act on them.

use crate::config::Config;
use crate::input::{Input, InputError};
use crate::machine::HeightMachine;
use crate::output::Output;
use crate::protocol::{ValidatorKey, ValidatorSet};
use crate::state::{State, Step};

/// The Tendermint consensus core of one node. Pure: no I/O, no clock, no randomness.
#[derive(Clone, Debug)]
pub struct Core {
    config: Config,
    current: Option<HeightMachine>,
    /// The state the caller was last asked to persist.
    persisted: Option<State>,
}

impl Core {
    /// A core that has not started any height yet; feed it [`Input::StartHeight`].
    pub fn new(config: Config) -> Self {
        Self { config, current: None, persisted: None }
    }

    /// A core resumed from the last state its caller persisted, after a crash.
    ///
    /// The returned outputs re-enter the persisted step: in the propose step the round's
    /// entry actions are repeated (a proposer asks for or re-sends its proposal; since
    /// the valid value was persisted, the proposal is the one it may already have
    /// signed), and the propose timeout is armed. Votes received before the crash are
    /// gone; peers re-send theirs, and the caller re-sends this node's own from its
    /// write-ahead record.
    pub fn restore(config: Config, validators: ValidatorSet, state: State) -> (Self, Vec<Output>) {
        let mut machine = HeightMachine::new(&config, validators, state);
        let mut out = Vec::new();
        if state.decided.is_none() && state.step == Step::Propose {
            machine.start_round(&config, state.round, &mut out);
        }
        let mut core = Self { config, current: Some(machine), persisted: Some(state) };
        let out = core.finish(out);
        (core, out)
    }

    /// Applies one input and returns what the caller must do, sorted by
    /// [`Output::rank`]: persist, broadcast, schedule timeouts, decide, report evidence,
    /// answer requests. On error nothing changed.
    pub fn handle(&mut self, input: Input) -> Result<Vec<Output>, InputError> {
        let mut out = Vec::new();
        let config = &self.config;
        if let Input::StartHeight { height, validators } = input {
            if let Some(current) = &self.current {
                if height <= current.state.height {
                    return Err(InputError::PastHeight { height, current: current.state.height });
                }
            }
            let mut machine = HeightMachine::new(config, validators, State::initial(height));
            machine.start_round(config, 0, &mut out); // L10
            self.current = Some(machine);
        } else {
            let machine = self.current.as_mut().ok_or(InputError::NotStarted)?;
            match input {
                Input::StartHeight { .. } => {}
                Input::Proposal(proposal) => machine.on_proposal(config, proposal, &mut out)?,
                Input::Vote(vote) => machine.on_vote(config, vote, &mut out)?,
                Input::TimeoutElapsed(timeout) => machine.on_timeout(config, timeout, &mut out),
                Input::ProposeValue { height, round, value } => {
                    machine.on_propose_value(config, height, round, value, &mut out)?
                }
                Input::Validity { height, value, valid } => machine.on_validity(height, value, valid)?,
            }
        }
        if let Some(machine) = self.current.as_mut() {
            machine.progress(config, &mut out);
        }
        Ok(self.finish(out))
    }

    /// Puts the persist request first (once, with the final state) and sorts the rest.
    fn finish(&mut self, mut out: Vec<Output>) -> Vec<Output> {
        if let Some(machine) = &self.current {
            if self.persisted != Some(machine.state) {
                self.persisted = Some(machine.state);
                out.push(Output::Persist(machine.state));
            }
        }
        out.sort_by_key(Output::rank);
        out
    }

    /// The state at the current height (`None` before the first height starts).
    pub fn state(&self) -> Option<&State> {
        self.current.as_ref().map(|m| &m.state)
    }

    /// The validator set of the current height.
    pub fn validators(&self) -> Option<&ValidatorSet> {
        self.current.as_ref().map(|m| &m.validators)
    }

    /// The proposer of `round` at the current height.
    pub fn proposer(&self, round: u32) -> Option<ValidatorKey> {
        let machine = self.current.as_ref()?;
        Some(machine.schedule.proposer(machine.state.height, round))
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
}
