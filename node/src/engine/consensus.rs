//! The engine's consensus part: resuming from the write-ahead record, feeding the core,
//! acting on its outputs, and committing what it decides.

use std::collections::VecDeque;
use std::time::Duration;

use jcm_consensus::{
    CommitCertificate, Core, Decision, Input, InputError, Message as CoreMessage, Output, Signer as _,
    ValidatorKey,
};
use jcm_runtime::chain::Executed;
use jcm_runtime::invariants;
use jcm_runtime::protocol::PROTOCOL_VERSION;

use super::{Candidate, Chain, Clock, Committed, Effect, Engine, EngineError, Timer, FUTURE_MSGS_MAX};
use crate::home::NodeId;
use crate::wal::Record;
use crate::wire::Message;

/// Where a core input came from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Source {
    Own,
    Peer,
}

impl<C: Chain, K: Clock> Engine<C, K> {
    /// Restores the core from the record (same height as the store's next) or starts the
    /// next height afresh; an observer only restarts the record with its guard's mark.
    pub(super) fn resume(&mut self, records: Vec<Record>) -> Result<(), EngineError> {
        let own_key = self.guard.public_key();
        let mark = self.guard.last();
        if self.validators.get(&own_key).is_none() {
            tracing::info!(
                key = %own_key,
                height = self.head.height + 1,
                "the validator key is not in the set that decides the next height: running as an observer"
            );
            self.effects.push(Effect::RestartWal(mark.map(Record::Mark).into_iter().collect()));
            return Ok(());
        }
        let next = self.head.height + 1;
        let mut state = None;
        let mut decided = None;
        let mut blocks = Vec::new();
        let mut messages = Vec::new();
        for record in records {
            match record {
                Record::State(s) => state = Some(s),
                // Taken by the guard when the engine was made.
                Record::Mark(_) => {}
                Record::Decided(c) if c.height == next => decided = Some(c),
                Record::Decided(_) => {}
                Record::Block(b) if b.header.height == next => blocks.push(b),
                Record::Block(_) => {}
                Record::Proposal(p) if p.proposal.height == next => messages.push(Input::Proposal(p)),
                Record::Vote(v) if v.vote.height == next => messages.push(Input::Vote(v)),
                Record::Proposal(_) | Record::Vote(_) => {}
            }
        }
        let config = self.core_config(own_key);
        for block in blocks {
            self.validate_candidate(block);
        }
        let mut work = VecDeque::new();
        let (core, outputs) = match state {
            Some(s) if s.height == next => {
                tracing::info!(height = s.height, round = s.round, step = ?s.step, "resuming consensus from the write-ahead record");
                Core::restore(config, self.validators.clone(), s)
            }
            _ => {
                self.effects.push(Effect::RestartWal(mark.map(Record::Mark).into_iter().collect()));
                let input = Input::StartHeight { height: next, validators: self.validators.clone() };
                work.push_back((Source::Own, input));
                (Core::new(config), Vec::new())
            }
        };
        self.core = Some(core);
        // Replay the messages of this height the node had signed or accepted.
        for input in messages {
            if let Some(message) = self.own_message(&input, own_key) {
                self.own.push(message);
            } else if let Input::Vote(vote) = &input {
                self.accepted.push(vote.clone());
            }
            work.push_back((Source::Own, input));
        }
        let mut sends = Vec::new();
        let mut decisions = Vec::new();
        self.act(outputs, &mut work, &mut sends, &mut decisions);
        self.drive(work, sends, decisions)?;
        if let Some(certificate) = decided {
            self.on_certificate(certificate)?;
        }
        Ok(())
    }

    /// The message to re-send for a replayed input this node signed.
    fn own_message(&self, input: &Input, own_key: ValidatorKey) -> Option<Message> {
        match input {
            Input::Proposal(p) if p.proposal.proposer == own_key => {
                let block = Box::new(self.candidates.get(&p.proposal.value)?.block.clone());
                Some(Message::Proposal { proposal: p.clone(), block })
            }
            Input::Vote(v) if v.vote.validator == own_key => Some(Message::Vote(v.clone())),
            _ => None,
        }
    }

    /// A proposal or vote from a peer.
    pub(super) fn on_consensus_message(&mut self, from: NodeId, message: Message) -> Result<(), EngineError> {
        let Some(core_height) = self.core.as_ref().map(|core| core.state().map_or(0, |s| s.height)) else {
            return Ok(());
        };
        let Some(height) = height_of(&message) else {
            return Ok(());
        };
        if let Message::Proposal { proposal, block } = &message {
            self.take_proposed_block(from, proposal, block);
        }
        // A message of the next height (during the pause after a commit, or from a peer
        // that decided first) waits until the core gets there.
        if height == core_height + 1 {
            if self.future.len() < FUTURE_MSGS_MAX {
                self.future.push((from, message));
            }
            return Ok(());
        }
        let Some(input) = to_input(&message) else {
            return Ok(());
        };
        self.drive(VecDeque::from([(Source::Peer, input)]), Vec::new(), Vec::new())
    }

    /// Validates a proposal's block if it is for the height after the head and passes
    /// the cheap checks first: it hashes to the proposal's value, and the proposal is
    /// signed by that round's proposer in the set deciding the height. A proposal of a
    /// later height is checked when the node gets there (the set may change at it).
    fn take_proposed_block(
        &mut self,
        from: NodeId,
        proposal: &jcm_consensus::SignedProposal,
        block: &jcm_runtime::protocol::Block,
    ) {
        let height = proposal.proposal.height;
        if height != self.head.height + 1 {
            return;
        }
        if block.header.value_id() != proposal.proposal.value {
            tracing::warn!(peer = %from, "a proposal whose block does not hash to its value, dropped");
            return;
        }
        // From the set that decides this height, as the core computes it (a pure function
        // of the set, O(n) here): nothing cached can lag a set change.
        let expected =
            jcm_consensus::ProposerSchedule::new(&self.validators).proposer(height, proposal.proposal.round);
        if proposal.proposal.proposer != expected || self.validators.verify_proposal(proposal).is_err() {
            tracing::warn!(peer = %from, height, "a proposal not signed by its round's proposer, dropped");
            return;
        }
        self.check_double_proposal(proposal);
        self.validate_candidate(block.clone());
    }

    /// R52: a second proposal of a round for another value, both signed by its proposer,
    /// is evidence like a double vote.
    fn check_double_proposal(&mut self, proposal: &jcm_consensus::SignedProposal) {
        let round = proposal.proposal.round;
        let Some(seen) = self.proposals_seen.get(&round) else {
            if self.proposals_seen.len() < FUTURE_MSGS_MAX {
                self.proposals_seen.insert(round, proposal.clone());
            }
            return;
        };
        if seen.proposal.value == proposal.proposal.value {
            return;
        }
        if let Ok(evidence) = jcm_runtime::protocol::Evidence::proposals(seen.clone(), proposal.clone()) {
            tracing::warn!(
                validator = %evidence.validator(),
                slot = ?evidence.slot(),
                "a proposer signed two blocks for one round: reporting it on chain (R52)"
            );
            self.report_evidence(&evidence);
            self.effects.push(Effect::Evidence(Box::new(evidence)));
        }
    }

    pub(super) fn on_timeout(&mut self, timeout: jcm_consensus::Timeout) -> Result<(), EngineError> {
        if timeout.height != self.head.height + 1 {
            return Ok(());
        }
        let work = VecDeque::from([(Source::Own, Input::TimeoutElapsed(timeout))]);
        self.drive(work, Vec::new(), Vec::new())
    }

    /// The commit pause after `height` is over: start `height + 1`.
    pub(super) fn on_next_height(&mut self, height: u64) -> Result<(), EngineError> {
        let Some(core) = &self.core else {
            return Ok(());
        };
        let next = height + 1;
        if self.head.height != height || core.state().is_some_and(|s| s.height >= next) {
            return Ok(());
        }
        let mut work = VecDeque::new();
        work.push_back((
            Source::Own,
            Input::StartHeight { height: next, validators: self.validators.clone() },
        ));
        for (from, message) in std::mem::take(&mut self.future) {
            if height_of(&message) != Some(next) {
                continue;
            }
            if let Some(input) = to_input(&message) {
                if let Message::Proposal { proposal, block } = &message {
                    self.take_proposed_block(from, proposal, block);
                }
                work.push_back((Source::Peer, input));
            }
        }
        self.drive(work, Vec::new(), Vec::new())
    }

    /// Runs the core over the work list, writes the batch, then sends and commits.
    fn drive(
        &mut self,
        mut work: VecDeque<(Source, Input)>,
        mut sends: Vec<Message>,
        mut decisions: Vec<Decision>,
    ) -> Result<(), EngineError> {
        while let Some((source, input)) = work.pop_front() {
            let Some(core) = self.core.as_mut() else {
                break;
            };
            let record = record_of_input(&input);
            let signature = signature_of(&input);
            if source != Source::Own && signature.is_some_and(|s| self.seen.contains(&s)) {
                continue;
            }
            let peer_vote = match (source, &input) {
                (Source::Peer, Input::Vote(vote)) => Some(vote.clone()),
                _ => None,
            };
            match core.handle(input) {
                Ok(outputs) => {
                    if let Some(signature) = signature {
                        self.seen.insert(signature);
                    }
                    self.accepted.extend(peer_vote);
                    if let (Source::Peer, Some(record)) = (source, record) {
                        // Logged like the node's own messages, so a restart keeps it.
                        self.staging.push(record);
                    }
                    self.act(outputs, &mut work, &mut sends, &mut decisions);
                }
                Err(InputError::FutureHeight { .. }) | Err(InputError::PastHeight { .. }) => {}
                Err(error) => tracing::debug!(%error, "the consensus core refused an input"),
            }
        }
        // Persist, then send, then commit.
        let batch = self.staging.take();
        if !batch.is_empty() {
            self.effects.push(Effect::Persist(batch));
        }
        for message in sends {
            self.broadcast(message);
        }
        for decision in decisions {
            self.on_certificate(decision.certificate)?;
        }
        Ok(())
    }

    /// Acts on outputs in order; own messages and answers go back on the work list.
    fn act(
        &mut self,
        outputs: Vec<Output>,
        work: &mut VecDeque<(Source, Input)>,
        sends: &mut Vec<Message>,
        decisions: &mut Vec<Decision>,
    ) {
        for output in outputs {
            match output {
                Output::Persist(state) => self.staging.push(Record::State(state)),
                Output::Broadcast(message) => self.sign_and_send(message, work, sends),
                Output::ScheduleTimeout { timeout, after_ms } => {
                    self.set_timer(Duration::from_millis(after_ms), Timer::Consensus(timeout));
                }
                Output::Decide(decision) => {
                    self.staging.push(Record::Decided(decision.certificate.clone()));
                    decisions.push(decision);
                }
                Output::Evidence(evidence) => {
                    tracing::warn!(
                        validator = %evidence.validator(),
                        slot = ?evidence.slot(),
                        "a validator signed two conflicting votes: reporting it on chain (R52)"
                    );
                    self.report_evidence(&evidence);
                    self.effects.push(Effect::Evidence(evidence));
                }
                Output::GetValue { height, round } => match self.build_block(height) {
                    Some(value) => {
                        work.push_back((Source::Own, Input::ProposeValue { height, round, value }))
                    }
                    None => tracing::warn!(height, round, "could not build a block to propose"),
                },
                Output::Validate { height, value } => {
                    let valid = self.candidates.get(&value).is_some_and(|c| c.executed.is_some());
                    work.push_back((Source::Own, Input::Validity { height, value, valid }));
                }
            }
        }
    }

    fn sign_and_send(
        &mut self,
        message: CoreMessage,
        work: &mut VecDeque<(Source, Input)>,
        sends: &mut Vec<Message>,
    ) {
        if self.core.is_none() {
            return;
        }
        let signed = match message {
            CoreMessage::Proposal(p) => {
                let Some(candidate) = self.candidates.get(&p.value) else {
                    tracing::warn!(value = ?p.value, "no block for the value to propose; peers hold it");
                    return;
                };
                let block = Box::new(candidate.block.clone());
                self.guard.sign_proposal(&p).map(|proposal| Message::Proposal { proposal, block })
            }
            CoreMessage::Vote(v) => self.guard.sign_vote(&v).map(Message::Vote),
        };
        match signed {
            Ok(message) => {
                if let Some(record) = record_of(&message) {
                    self.staging.push(record);
                }
                if let Some(input) = to_input(&message) {
                    work.push_back((Source::Own, input));
                }
                self.own.push(message.clone());
                sends.push(message);
            }
            Err(error) => tracing::error!(%error, "the sign guard refused to sign"),
        }
    }

    /// A certificate for the height being decided, from the core or a peer's block:
    /// commit the block if it is known, else fetch it.
    pub(super) fn on_certificate(&mut self, certificate: CommitCertificate) -> Result<(), EngineError> {
        if certificate.height != self.head.height + 1 {
            return Ok(());
        }
        let Some(candidate) = self.candidates.remove(&certificate.value) else {
            tracing::info!(
                height = certificate.height,
                "decided a block this node has not seen; fetching it"
            );
            self.maybe_fetch();
            return Ok(());
        };
        let Some(executed) = candidate.executed else {
            return Err(EngineError::Fatal(format!(
                "more than two thirds of the voting power committed block {:?} at height {}, which this \
                 node found invalid: stop, and compare this node's release and genesis with the others'",
                certificate.value, certificate.height
            )));
        };
        self.commit_block(candidate.block, certificate, executed)
    }

    /// R52: a validator reports an equivocation it saw in a `report_evidence`
    /// transaction signed with its consensus key, admitted to its own mempool and relayed
    /// like any other, so it ends up in a block and on every node. Once per evidence; not
    /// when the chain has it already (another validator reported it first).
    fn report_evidence(&mut self, evidence: &jcm_runtime::protocol::Evidence) {
        use jcm_runtime::tx::gov::GovState as _;
        if self.core.is_none() {
            return;
        }
        let hash = evidence.hash();
        if self.evidence_reported.len() >= crate::limits::EVIDENCE_REPORTED_MAX {
            self.evidence_reported.clear();
        }
        let known = self.chain.with_state(|state| state.evidence(&hash).is_some());
        if known || !self.evidence_reported.insert(hash) {
            return;
        }
        let signer = self.reporter.public();
        let state_nonce = self.chain.with_state(|s| jcm_runtime::state::StateExt::nonce(s, &signer));
        let nonce = self.mempool.next_nonce(&signer, state_nonce);
        let payload = jcm_runtime::protocol::Payload::ReportEvidence { evidence: evidence.clone() };
        let tx =
            jcm_runtime::protocol::Transaction::sign(self.chain_id.as_str(), &self.reporter, nonce, payload);
        let checked = crate::mempool::Checked::new(tx);
        let bytes = checked.bytes.clone();
        let ctx = self.next_block();
        match self.admit(&ctx, checked) {
            Ok(id) => {
                tracing::info!(tx = %id, evidence = %hash, "evidence reported");
                self.relay.push(bytes);
            }
            Err(refusal) => tracing::warn!(?refusal, evidence = %hash, "the evidence report was refused"),
        }
    }

    /// R41: the ledger invariants over what the block writes ([`invariants::check_block`],
    /// a cost that follows the block, not the chain). A violation stops the node before
    /// the block is committed: every validator runs the same rules, so a broken state
    /// means a defect in this release or a corrupted store, never something to vote on.
    fn check_invariants(&self, height: u64, executed: &Executed) -> Result<(), EngineError> {
        let violations =
            self.chain.with_state(|state| invariants::check_block(state, &executed.state_writes));
        if violations.is_empty() {
            return Ok(());
        }
        Err(EngineError::Invariant {
            height,
            violations: violations.into_iter().map(|v| v.message).collect(),
        })
    }

    /// R51: the protocol version the chain requires at `height` (a governance upgrade
    /// plan) must be one this release runs; otherwise the node stops before it executes
    /// anything of that height, so nothing runs under the wrong rules.
    pub(super) fn check_protocol(&self, height: u64) -> Result<(), EngineError> {
        let needed =
            self.chain.with_state(|state| jcm_runtime::tx::gov::required_protocol_version(state, height));
        if needed > PROTOCOL_VERSION {
            return Err(EngineError::Upgrade { height, needed });
        }
        Ok(())
    }

    /// Commits a block with its certificate, then starts the next height after the
    /// commit pause.
    pub(super) fn commit_block(
        &mut self,
        block: jcm_runtime::protocol::Block,
        certificate: CommitCertificate,
        executed: Executed,
    ) -> Result<(), EngineError> {
        let height = block.header.height;
        let txs = block.txs.len();
        let rejected = executed.results.iter().filter(|r| !r.verdict.is_accepted()).count();
        let hashes: Vec<_> = executed.results.iter().map(|r| r.tx).collect();
        let missed: Vec<ValidatorKey> = self
            .validators
            .validators()
            .iter()
            .map(|v| v.key)
            .filter(|key| !certificate.signatures.iter().any(|s| s.validator == *key))
            .collect();
        self.check_invariants(height, &executed)?;
        self.chain.commit(&block, &certificate, executed)?;
        let ctx = jcm_runtime::tx::BlockContext { height: height + 1, time: self.clock.timestamp() };
        let mempool = &mut self.mempool;
        self.chain.with_state(|state| mempool.update(state, &ctx, &hashes));
        for hash in &hashes {
            self.verified.ids.remove(hash);
        }
        let now = self.clock.now();
        let interval = now.saturating_sub(self.last_commit_at);
        self.last_commit_at = now;
        tracing::info!(height, txs, rejected, hash = %block.header.hash(), "committed block");
        self.effects.push(Effect::Committed(Committed {
            header: block.header.clone(),
            txs,
            rejected,
            interval,
            missed,
        }));
        self.head = block.header;
        self.candidates.clear();
        self.proposals_seen.clear();
        self.own.clear();
        self.seen.clear();
        self.accepted.clear();
        let mark = self.guard.last();
        self.effects.push(Effect::RestartWal(mark.map(Record::Mark).into_iter().collect()));
        self.check_protocol(height + 1)?;
        self.follow_validator_set(height);
        self.set_timer(Duration::from_millis(self.config.timeout_commit_ms), Timer::NextHeight(height));
        self.maybe_fetch();
        Ok(())
    }

    /// R49: after committing `height`, takes the set that decides `height + 1` from the
    /// new state, and this node starts or stops its core as its key joins or leaves it.
    fn follow_validator_set(&mut self, height: u64) {
        let decided = self.validators.clone();
        let sets =
            self.chain.with_state(|state| jcm_runtime::tx::gov::Sets::after_commit(decided, state, height));
        self.parent_validators = sets.decided;
        if sets.next != self.validators {
            tracing::info!(
                height = height + 1,
                validators = sets.next.validators().len(),
                total_power = sets.next.total_power(),
                "the validator set changes"
            );
        }
        self.validators = sets.next;
        let own_key = self.guard.public_key();
        let member = self.validators.get(&own_key).is_some();
        if member && self.core.is_none() {
            tracing::info!(key = %own_key, height = height + 1, "this node's validator key joined the set: validating");
            self.core = Some(Core::new(self.core_config(own_key)));
        } else if !member && self.core.is_some() {
            tracing::info!(key = %own_key, height = height + 1, "this node's validator key left the set: observing");
            self.core = None;
            self.future.clear();
        }
    }

    /// Validates a block for the height being decided (once per id) and keeps it.
    pub(super) fn validate_candidate(&mut self, block: jcm_runtime::protocol::Block) {
        let value = block.header.value_id();
        if self.candidates.contains_key(&value) || block.header.height != self.head.height + 1 {
            return;
        }
        let ahead = block.header.time.0.saturating_sub(self.clock.timestamp().0);
        let executed = if ahead > super::BLOCK_TIME_AHEAD_MAX_SECS {
            tracing::warn!(
                height = block.header.height,
                ahead,
                "a proposed block's time is ahead of this node's clock"
            );
            None
        } else {
            let started = self.clock.now();
            let validated = self.validate(&block);
            self.execution_rate.observe(block.txs.len(), self.clock.now().saturating_sub(started));
            match validated {
                Ok(executed) => Some(executed),
                Err(error) => {
                    tracing::warn!(%error, "a proposed block is invalid");
                    None
                }
            }
        };
        if executed.is_some() {
            // Kept in the record, so the node can commit or re-propose it after a restart.
            self.staging.push(Record::Block(block.clone()));
        }
        self.candidates.insert(value, Candidate { block, executed });
    }

    /// Checks that `block` follows the head and executes it over the committed state,
    /// checking the results and state root its header claims. Signatures this node
    /// checked at admission are not checked again.
    pub(super) fn validate(
        &self,
        block: &jcm_runtime::protocol::Block,
    ) -> Result<jcm_runtime::chain::Executed, crate::chain::ChainError> {
        let height = block.header.height;
        let link = |error| crate::chain::ChainError::Link { height, error };
        jcm_runtime::protocol::check_link(&self.head, block, &self.validators, &self.parent_validators)
            .map_err(link)?;
        let verified = &self.verified.ids;
        let executed = self.chain.execute(&self.head, &block.header, &block.txs, &|id| verified.contains(id));
        jcm_runtime::chain::check_execution(&block.header, &executed).map_err(link)?;
        Ok(executed)
    }
}

fn to_input(message: &Message) -> Option<Input> {
    match message {
        Message::Proposal { proposal, .. } => Some(Input::Proposal(proposal.clone())),
        Message::Vote(vote) => Some(Input::Vote(vote.clone())),
        _ => None,
    }
}

fn signature_of(input: &Input) -> Option<jcm_consensus::Signature> {
    match input {
        Input::Proposal(p) => Some(p.signature),
        Input::Vote(v) => Some(v.signature),
        _ => None,
    }
}

fn height_of(message: &Message) -> Option<u64> {
    match message {
        Message::Proposal { proposal, .. } => Some(proposal.proposal.height),
        Message::Vote(vote) => Some(vote.vote.height),
        _ => None,
    }
}

fn record_of_input(input: &Input) -> Option<Record> {
    match input {
        Input::Proposal(p) => Some(Record::Proposal(p.clone())),
        Input::Vote(v) => Some(Record::Vote(v.clone())),
        _ => None,
    }
}

fn record_of(message: &Message) -> Option<Record> {
    match message {
        Message::Proposal { proposal, .. } => Some(Record::Proposal(proposal.clone())),
        Message::Vote(vote) => Some(Record::Vote(vote.clone())),
        _ => None,
    }
}
