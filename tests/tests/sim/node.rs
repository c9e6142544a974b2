//! A simulated validator: the consensus core, a guarded signer, a disk that survives
//! crashes, and the small gossip and catch-up layer a real node has around its core.
//!
//! The node acts on the core's outputs in the documented order, with one refinement: all
//! writes caused by one event (including those of the node's own messages fed back to
//! it) form one batch, written before any message leaves. Gossip re-sends the node's own
//! signed messages of its current height at a fixed interval, standing in for the
//! reliable gossip the paper assumes; catch-up sends a decided height's certificate to a
//! peer seen at that (past) height.

use crate::net::{Dest, NetMsg};
use crate::wal::{Disk, Record};
use jcm_consensus::{
    CommitCertificate, Config, Core, GuardStore, Input, InputError, KeySigner, Message, Output, SignError,
    SignGuard, SignRecord, Signature, Signer, Timeout, ValidatorSet, ValueId,
};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

/// Messages of the next height kept until the node gets there.
const FUTURE_MSGS_MAX: usize = 512;
/// A node answers one peer about one past height at most this often (virtual ms).
const HELP_INTERVAL_MS: u64 = 300;

/// The simulation's validity predicate: byte 15 of a value says whether it is valid.
pub fn is_valid(value: &ValueId) -> bool {
    value.0[15] == 1
}

/// The value a node proposes: unique per (validator, instance, height, round).
pub fn make_value(validator: usize, instance: usize, height: u64, round: u32, valid: bool) -> ValueId {
    // Distinguishing bytes first, so the short form in traces tells values apart.
    let mut v = [0u8; 32];
    v[0] = validator as u8;
    v[1] = instance as u8;
    v[2..6].copy_from_slice(&round.to_le_bytes());
    v[6..14].copy_from_slice(&height.to_le_bytes());
    v[15] = u8::from(valid);
    ValueId(v)
}

/// What one event made a node do, for the world to carry out.
#[derive(Default, Debug)]
pub struct Effects {
    pub sends: Vec<(Dest, NetMsg)>,
    pub timers: Vec<(u64, Timeout)>,
    /// Heights decided, durably.
    pub decisions: Vec<(u64, ValueId)>,
    /// Values this node proposed.
    pub proposed: Vec<ValueId>,
    pub evidence: Vec<jcm_consensus::Evidence>,
    /// Messages the sign guard refused to sign.
    pub refused: Vec<SignError>,
    /// The node crashed in the middle of writing this event's batch.
    pub torn: bool,
    /// A height was decided: start the next one once the block is committed.
    pub next_height: Option<u64>,
}

/// The guard's store: marks go into the batch being assembled, which is written before
/// anything is sent, so a mark is durable before its signature leaves the node.
#[derive(Clone, Debug, Default)]
struct Staging(Rc<RefCell<Vec<Record>>>);

impl GuardStore for Staging {
    fn persist(&mut self, record: &SignRecord) -> Result<(), SignError> {
        self.0.borrow_mut().push(Record::Mark(*record));
        Ok(())
    }
}

/// The volatile part of a node: lost on a crash.
#[derive(Debug)]
struct Live {
    core: Core,
    guard: SignGuard<KeySigner, Staging>,
    staging: Staging,
    decided: BTreeMap<u64, CommitCertificate>,
    /// Own signed messages of the current height, re-sent to everyone by gossip.
    own: Vec<NetMsg>,
    /// Every message of the current height the core accepted, relayed by gossip.
    known: Vec<NetMsg>,
    /// Signatures of `known`, to drop copies before they reach the core.
    seen: BTreeSet<Signature>,
    future: Vec<(usize, NetMsg)>,
    /// Last time this node helped (peer, height).
    helped: BTreeMap<(usize, u64), u64>,
}

/// One simulated node (a validator, or one twin of a Byzantine validator).
#[derive(Debug)]
pub struct SimNode {
    pub id: usize,
    pub validator: usize,
    secret: [u8; 32],
    config: Config,
    validators: ValidatorSet,
    pub disk: Disk,
    live: Option<Live>,
    /// Bumped on each crash, so timers of an earlier life are ignored.
    pub incarnation: u32,
    /// The next batch written is torn after this fraction (per mille) of its bytes.
    pub tear_next: Option<u64>,
    /// Chance (per mille) that a value this node proposes is invalid (Byzantine only).
    pub invalid_per_mille: u64,
    /// A draw for each proposal's validity, from the node's own stream.
    draws: crate::rng::Rng,
}

impl SimNode {
    pub fn new(
        id: usize,
        validator: usize,
        secret: [u8; 32],
        config: Config,
        validators: ValidatorSet,
        draws: crate::rng::Rng,
    ) -> Self {
        Self {
            id,
            validator,
            secret,
            config,
            validators,
            disk: Disk::default(),
            live: None,
            incarnation: 0,
            tear_next: None,
            invalid_per_mille: 0,
            draws,
        }
    }

    pub fn is_up(&self) -> bool {
        self.live.is_some()
    }

    pub fn crash(&mut self) {
        self.live = None;
        self.incarnation += 1;
    }

    /// Boots from the disk: replays the write-ahead record, dropping a torn tail.
    pub fn start(&mut self, now: u64) -> Effects {
        let (records, _torn) = self.disk.recover();
        let mut state = None;
        let mut mark = None;
        let mut decided = BTreeMap::new();
        let mut signed = Vec::new();
        for record in records {
            match record {
                Record::State(s) => state = Some(s),
                Record::Mark(m) => mark = Some(m),
                Record::Decided(c) => {
                    decided.insert(c.height, c);
                }
                Record::Proposal(p) => signed.push(NetMsg::Proposal(p)),
                Record::Vote(v) => signed.push(NetMsg::Vote(v)),
            }
        }
        let last = decided.keys().max().copied().unwrap_or(0);
        let staging = Staging::default();
        let signer = KeySigner::from_secret(&self.secret);
        let mut work = VecDeque::new();
        let mut fx = Effects::default();
        let (core, outputs) = match state {
            Some(s) if s.height > last => Core::restore(self.config.clone(), self.validators.clone(), s),
            _ => {
                work.push_back((self.id, self.start_height(last + 1)));
                (Core::new(self.config.clone()), Vec::new())
            }
        };
        // Replay the messages of the current height this node had accepted or signed, as
        // a node replays its write-ahead log, so a restart forgets none of them.
        let height = core.state().map(|s| s.height);
        let own_key = self.config.own_key;
        let known: Vec<NetMsg> = signed.into_iter().filter(|m| Some(m.height()) == height).collect();
        let own = known.iter().filter(|m| m.signer() == own_key).cloned().collect();
        let seen = known.iter().map(NetMsg::signature).collect();
        work.extend(known.iter().map(|m| (self.id, m.to_input())));
        self.live = Some(Live {
            core,
            guard: SignGuard::new(signer, staging.clone(), mark),
            staging,
            decided,
            own,
            known,
            seen,
            future: Vec::new(),
            helped: BTreeMap::new(),
        });
        self.act(outputs, &mut work, &mut fx);
        self.drive(now, work, fx)
    }

    fn start_height(&self, height: u64) -> Input {
        Input::StartHeight { height, validators: self.validators.clone() }
    }

    pub fn on_timer(&mut self, now: u64, timeout: Timeout) -> Effects {
        let work = VecDeque::from([(self.id, Input::TimeoutElapsed(timeout))]);
        self.drive(now, work, Effects::default())
    }

    pub fn on_message(&mut self, now: u64, from: usize, msg: NetMsg) -> Effects {
        let mut fx = Effects::default();
        let mut work = VecDeque::new();
        match msg {
            NetMsg::Proposal(_) | NetMsg::Vote(_) => work.push_back((from, msg.to_input())),
            NetMsg::Commit(certificate) => self.on_commit(certificate, &mut fx),
        }
        self.drive(now, work, fx)
    }

    /// The decided block is committed: start the next height (unless already there).
    pub fn on_next_height(&mut self, now: u64, height: u64) -> Effects {
        let mut work = VecDeque::new();
        let current = self.live.as_ref().and_then(|l| l.core.state()).map_or(0, |s| s.height);
        if current < height {
            self.enter_height(height, &mut work);
        }
        self.drive(now, work, Effects::default())
    }

    /// Gossip tick: re-send own messages of the current height to everyone, and relay
    /// everything known at this height to one peer, so that a message any correct node
    /// holds eventually reaches all (the paper's gossip assumption).
    pub fn on_gossip(&mut self, peers: usize) -> Effects {
        let mut fx = Effects::default();
        if let Some(live) = &self.live {
            fx.sends.extend(live.own.iter().map(|m| (Dest::All, m.clone())));
            let peer = self.draws.below(peers as u64) as usize;
            if peer != self.id {
                fx.sends.extend(live.known.iter().map(|m| (Dest::One(peer), m.clone())));
            }
        }
        fx
    }

    /// A certificate for the current height from a peer: catch up by it.
    fn on_commit(&mut self, certificate: CommitCertificate, fx: &mut Effects) {
        let Some(live) = self.live.as_mut() else {
            return;
        };
        let height = live.core.state().map_or(0, |s| s.height);
        // Decided by the core, or already by an earlier certificate (the next height
        // starts only after the commit delay).
        let decided_here =
            live.core.state().is_some_and(|s| s.decided.is_some()) || live.decided.contains_key(&height);
        if certificate.height != height || decided_here {
            return;
        }
        let verified = certificate.verify(&self.config.chain_id, &self.validators).is_ok();
        if !verified || !is_valid(&certificate.value) {
            return;
        }
        live.staging.0.borrow_mut().push(Record::Decided(certificate.clone()));
        fx.decisions.push((height, certificate.value));
        live.decided.insert(height, certificate);
        fx.next_height = Some(height + 1);
    }

    fn enter_height(&mut self, height: u64, work: &mut VecDeque<(usize, Input)>) {
        let input = self.start_height(height);
        let Some(live) = self.live.as_mut() else {
            return;
        };
        live.own.clear();
        live.known.clear();
        live.seen.clear();
        work.push_back((self.id, input));
        let future = std::mem::take(&mut live.future);
        work.extend(future.into_iter().map(|(from, m)| (from, m.to_input())));
    }

    /// Runs the core over the work list, then writes the batch and releases effects.
    fn drive(&mut self, now: u64, mut work: VecDeque<(usize, Input)>, mut fx: Effects) -> Effects {
        while let Some((from, input)) = work.pop_front() {
            let Some(live) = self.live.as_mut() else {
                break;
            };
            let message = NetMsg::from_input(&input);
            let from_peer = message.as_ref().filter(|_| from != self.id);
            if from_peer.is_some_and(|m| live.seen.contains(&m.signature())) {
                continue;
            }
            match live.core.handle(input) {
                Ok(outputs) => {
                    if let Some(m) = from_peer {
                        // Logged like the node's own messages, so a restart keeps it.
                        live.staging.0.borrow_mut().push(m.to_record());
                        live.seen.insert(m.signature());
                        live.known.push(m.clone());
                    }
                    self.act(outputs, &mut work, &mut fx)
                }
                Err(error) => self.refused(now, from, message, error, &mut fx),
            }
        }
        self.flush(fx)
    }

    fn refused(
        &mut self,
        now: u64,
        from: usize,
        message: Option<NetMsg>,
        error: InputError,
        fx: &mut Effects,
    ) {
        let (Some(live), Some(message)) = (self.live.as_mut(), message) else {
            return;
        };
        match error {
            InputError::FutureHeight { height, current }
                if height == current + 1 && live.future.len() < FUTURE_MSGS_MAX =>
            {
                live.future.push((from, message));
            }
            InputError::PastHeight { height, .. } if from != self.id => {
                let last = live.helped.get(&(from, height)).copied();
                if last.is_none_or(|t| now >= t + HELP_INTERVAL_MS) {
                    if let Some(certificate) = live.decided.get(&height) {
                        live.helped.insert((from, height), now);
                        fx.sends.push((Dest::One(from), NetMsg::Commit(certificate.clone())));
                    }
                }
            }
            _ => {}
        }
    }

    /// Acts on outputs in order; own messages and answers go back on the work list.
    fn act(&mut self, outputs: Vec<Output>, work: &mut VecDeque<(usize, Input)>, fx: &mut Effects) {
        for output in outputs {
            let Some(live) = self.live.as_mut() else {
                return;
            };
            match output {
                Output::Persist(state) => live.staging.0.borrow_mut().push(Record::State(state)),
                Output::Broadcast(message) => {
                    let signed = match message {
                        Message::Proposal(p) => live.guard.sign_proposal(&p).map(NetMsg::Proposal),
                        Message::Vote(v) => live.guard.sign_vote(&v).map(NetMsg::Vote),
                    };
                    match signed {
                        Ok(msg) => {
                            live.staging.0.borrow_mut().push(msg.to_record());
                            live.own.push(msg.clone());
                            live.known.push(msg.clone());
                            live.seen.insert(msg.signature());
                            work.push_back((self.id, msg.to_input()));
                            fx.sends.push((Dest::All, msg));
                        }
                        Err(error) => fx.refused.push(error),
                    }
                }
                Output::ScheduleTimeout { timeout, after_ms } => fx.timers.push((after_ms, timeout)),
                Output::Decide(decision) => {
                    let certificate = decision.certificate;
                    live.staging.0.borrow_mut().push(Record::Decided(certificate.clone()));
                    live.decided.insert(decision.height, certificate);
                    fx.decisions.push((decision.height, decision.value));
                    fx.next_height = Some(decision.height + 1);
                }
                Output::Evidence(evidence) => fx.evidence.push(evidence),
                Output::GetValue { height, round } => {
                    let valid = !self.draws.chance(self.invalid_per_mille);
                    let value = make_value(self.validator, self.id, height, round, valid);
                    fx.proposed.push(value);
                    work.push_back((self.id, Input::ProposeValue { height, round, value }));
                }
                Output::Validate { height, value } => {
                    let valid = is_valid(&value);
                    work.push_back((self.id, Input::Validity { height, value, valid }));
                }
            }
        }
    }

    /// Writes the event's batch (whole, or torn by a crash) and returns what may leave.
    fn flush(&mut self, mut fx: Effects) -> Effects {
        let Some(live) = self.live.as_mut() else {
            return fx;
        };
        let batch = std::mem::take(&mut *live.staging.0.borrow_mut());
        if batch.is_empty() {
            return fx;
        }
        match self.tear_next.take() {
            None => self.disk.append(&batch),
            Some(per_mille) => {
                let keep = Disk::frame_len(&batch) * per_mille as usize / 1000;
                self.disk.append_torn(&batch, keep);
                self.crash();
                // Nothing of this event happened as far as the world can tell.
                fx = Effects { torn: true, ..Effects::default() };
            }
        }
        fx
    }
}

impl NetMsg {
    fn to_input(&self) -> Input {
        match self {
            NetMsg::Proposal(p) => Input::Proposal(p.clone()),
            NetMsg::Vote(v) => Input::Vote(v.clone()),
            NetMsg::Commit(_) => unreachable!("certificates never reach the core"),
        }
    }

    fn from_input(input: &Input) -> Option<NetMsg> {
        match input {
            Input::Proposal(p) => Some(NetMsg::Proposal(p.clone())),
            Input::Vote(v) => Some(NetMsg::Vote(v.clone())),
            _ => None,
        }
    }

    fn to_record(&self) -> Record {
        match self {
            NetMsg::Proposal(p) => Record::Proposal(p.clone()),
            NetMsg::Vote(v) => Record::Vote(v.clone()),
            NetMsg::Commit(c) => Record::Decided(c.clone()),
        }
    }

    fn signature(&self) -> Signature {
        match self {
            NetMsg::Proposal(p) => p.signature,
            NetMsg::Vote(v) => v.signature,
            NetMsg::Commit(_) => Signature([0; 64]),
        }
    }

    fn signer(&self) -> jcm_consensus::ValidatorKey {
        match self {
            NetMsg::Proposal(p) => p.proposal.proposer,
            NetMsg::Vote(v) => v.vote.validator,
            NetMsg::Commit(_) => jcm_consensus::ValidatorKey([0; 32]),
        }
    }

    pub fn height(&self) -> u64 {
        match self {
            NetMsg::Proposal(p) => p.proposal.height,
            NetMsg::Vote(v) => v.vote.height,
            NetMsg::Commit(c) => c.height,
        }
    }
}
