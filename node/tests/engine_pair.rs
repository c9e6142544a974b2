//! One engine of fixture F0's two validators, run alone: it proposes height 1 (or gets
//! the other's proposal) and prevotes, but cannot decide without its peer, so the height
//! stays in flight.
//!
//! - After a crash, a new engine made from the same chain and write-ahead record carries
//!   on where the first stopped: it re-sends (not re-makes) its proposal and its vote, so
//!   a peer that missed them can still decide the height.
//! - A proposal whose signature does not verify is dropped before its block is executed
//!   or logged: executing blocks is the expensive part of a proposal, and a forged one
//!   kept as the round's first proposal would hide the proposer's real equivocation.
//! - Gossip relays the peers' prevotes of the polka behind the node's valid value.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use jcm_consensus::{ChainId, ValidatorKey, VoteKind};
use jcm_node::engine::{Clock, Effect, Engine, EngineParts, Event, MemChain};
use jcm_node::home::config::{ConsensusConfig, MempoolConfig};
use jcm_node::home::NodeId;
use jcm_node::wal::Record;
use jcm_node::wire::Message;
use jcm_runtime::crypto::SecretKey;
use jcm_tests::fixture::Fixture;

/// Virtual time, in ms since the Unix epoch.
#[derive(Clone, Debug)]
struct TestClock(Rc<Cell<u64>>);

impl Clock for TestClock {
    fn now(&self) -> Duration {
        Duration::from_millis(self.0.get())
    }
}

/// F0's two validators, the one that proposes round 0 of height 1 first: their dev key
/// names and keys.
fn validators(fixture: &Fixture) -> [(&'static str, ValidatorKey); 2] {
    let validators = jcm_runtime::chain::genesis_validators(&fixture.genesis).expect("validators");
    let proposer = jcm_consensus::ProposerSchedule::new(&validators).proposer(1, 0);
    let mut both =
        ["validator-ind", "validator-jpn"].map(|name| (name, ValidatorKey(SecretKey::dev(name).public().0)));
    if both[1].1 == proposer {
        both.swap(0, 1);
    }
    assert_eq!(both[0].1, proposer, "F0's round-0 proposer is one of its two validators");
    both
}

/// An engine of `name` over `chain`, resumed from `records`, with the effects of starting.
fn engine(
    fixture: &Fixture,
    name: &str,
    chain: MemChain,
    records: Vec<Record>,
    now: &Rc<Cell<u64>>,
) -> (Engine<MemChain, TestClock>, Vec<Effect>) {
    let head = chain.head().clone();
    let parts = EngineParts {
        chain,
        clock: TestClock(Rc::clone(now)),
        chain_id: ChainId::new(fixture.genesis.chain_id.as_str()).expect("chain id"),
        validator_secret: SecretKey::dev(name).seed(),
        consensus: ConsensusConfig::default(),
        mempool: MempoolConfig::default(),
        head,
        records,
    };
    Engine::new(parts).expect("the engine starts")
}

/// The write-ahead disk: what the engine asked to persist, as a restart reads it.
#[derive(Default)]
struct Disk(Vec<Record>);

impl Disk {
    fn apply(&mut self, effects: &[Effect]) {
        for effect in effects {
            match effect {
                Effect::Persist(records) => self.0.extend(records.iter().cloned()),
                Effect::RestartWal(records) => self.0 = records.clone(),
                _ => {}
            }
        }
    }
}

/// Own proposals and prevotes of height 1 among `effects` (sent or broadcast).
fn own_sends(effects: &[Effect], own: ValidatorKey) -> (Vec<Message>, Vec<Message>) {
    let mut proposals = Vec::new();
    let mut prevotes = Vec::new();
    for effect in effects {
        let message = match effect {
            Effect::Broadcast(message) | Effect::Send { message, .. } => message,
            _ => continue,
        };
        match message {
            Message::Proposal { proposal, .. }
                if proposal.proposal.proposer == own && proposal.proposal.height == 1 =>
            {
                proposals.push(message.clone())
            }
            Message::Vote(v)
                if v.vote.validator == own && v.vote.height == 1 && v.vote.kind == VoteKind::Prevote =>
            {
                prevotes.push(message.clone())
            }
            _ => {}
        }
    }
    (proposals, prevotes)
}

/// Runs `engine` on its timers for `ms` of virtual time, then three gossip ticks; its
/// effects.
fn run_for(
    engine: &mut Engine<MemChain, TestClock>,
    start: Vec<Effect>,
    now: &Rc<Cell<u64>>,
    ms: u64,
) -> Vec<Effect> {
    let end = now.get() + ms;
    let mut all = Vec::new();
    let mut timers = BTreeMap::new();
    let mut seq = 0u64;
    let mut pending = start;
    loop {
        for effect in &pending {
            if let Effect::SetTimer { after, timer } = effect {
                seq += 1;
                timers.insert((now.get() + after.as_millis() as u64, seq), timer.clone());
            }
        }
        all.append(&mut pending);
        let Some(((at, _), timer)) = timers.pop_first() else { break };
        if at > end {
            break;
        }
        now.set(now.get().max(at));
        pending = engine.handle(Event::Timer(timer)).expect("the engine runs");
    }
    now.set(end);
    // A proposal, which carries its block, is re-sent every third tick.
    for _ in 0..3 {
        all.extend(engine.handle(Event::Gossip).expect("a gossip tick"));
    }
    all
}

#[test]
fn after_a_crash_a_proposer_re_sends_the_proposal_and_vote_it_had_made() {
    let fixture = Fixture::f0();
    let [(name, own), _] = validators(&fixture);
    let (chain, _) = MemChain::new(&fixture.genesis).expect("genesis");
    let now = Rc::new(Cell::new(fixture.genesis.genesis_time.0 * 1000 + 3_600_000));

    let (mut first, started) = engine(&fixture, name, chain.clone(), Vec::new(), &now);
    let before = run_for(&mut first, started, &now, 2_000);
    let (proposals, prevotes) = own_sends(&before, own);
    let (Some(proposal), Some(prevote)) = (proposals.first(), prevotes.first()) else {
        panic!("the proposer proposed and prevoted height 1: {proposals:?} {prevotes:?}");
    };
    assert_eq!(first.head().height, 0, "one of two validators cannot decide alone");
    let mut disk = Disk::default();
    disk.apply(&before);
    drop(first);

    // The crash: a new engine over the same committed chain and what reached the disk.
    let (mut second, resumed) = engine(&fixture, name, chain, disk.0, &now);
    let after = run_for(&mut second, resumed, &now, 1_000);
    let (re_proposals, re_prevotes) = own_sends(&after, own);
    assert!(!re_proposals.is_empty(), "the proposal is sent again after the restart");
    assert!(
        re_proposals.iter().all(|p| p == proposal),
        "the very proposal made before the crash, not a new one: {re_proposals:?}"
    );
    assert!(!re_prevotes.is_empty(), "the prevote is sent again after the restart");
    assert!(re_prevotes.iter().all(|v| v == prevote), "the same prevote: {re_prevotes:?}");
}

/// Whether `effects` log a block in the write-ahead record (a validated candidate).
fn logs_a_block(effects: &[Effect]) -> bool {
    effects.iter().any(
        |e| matches!(e, Effect::Persist(records) if records.iter().any(|r| matches!(r, Record::Block(_)))),
    )
}

/// The round-0 proposer's engine after it proposed height 1, with the genesis chain,
/// the clock and its proposal.
struct Proposed {
    chain: MemChain,
    now: Rc<Cell<u64>>,
    maker: Engine<MemChain, TestClock>,
    proposal: Message,
}

fn proposed(fixture: &Fixture) -> Proposed {
    let [(proposer, proposer_key), _] = validators(fixture);
    let (chain, _) = MemChain::new(&fixture.genesis).expect("genesis");
    let now = Rc::new(Cell::new(fixture.genesis.genesis_time.0 * 1000 + 3_600_000));
    let (mut maker, started) = engine(fixture, proposer, chain.clone(), Vec::new(), &now);
    let made = run_for(&mut maker, started, &now, 2_000);
    let Some(proposal) = own_sends(&made, proposer_key).0.first().cloned() else {
        panic!("the proposer proposed height 1");
    };
    Proposed { chain, now, maker, proposal }
}

#[test]
fn a_proposal_whose_signature_does_not_verify_is_dropped_before_its_block_is_executed() {
    let fixture = Fixture::f0();
    let [_, (validator, _)] = validators(&fixture);
    let Proposed { chain, now, proposal, .. } = proposed(&fixture);
    let Message::Proposal { proposal, block } = proposal else { unreachable!("own_sends keeps proposals") };
    let (mut receiver, _) = engine(&fixture, validator, chain, Vec::new(), &now);
    let from = NodeId(SecretKey::dev("a-peer").public());

    let mut forged = proposal.clone();
    forged.signature.0[0] ^= 1;
    let message = Message::Proposal { proposal: forged, block: block.clone() };
    let refused = receiver.handle(Event::Message { from, message }).expect("the engine runs");
    assert!(!logs_a_block(&refused), "a forged proposal's block was validated: {refused:?}");

    let message = Message::Proposal { proposal, block };
    let accepted = receiver.handle(Event::Message { from, message }).expect("the engine runs");
    assert!(logs_a_block(&accepted), "the genuine proposal's block is validated and logged: {accepted:?}");
}

/// A peer's prevote in `effects`, sent or broadcast.
fn sends_vote(effects: &[Effect], vote: &Message) -> bool {
    effects.iter().any(|e| matches!(e, Effect::Broadcast(m) | Effect::Send { message: m, .. } if m == vote))
}

/// Gossip relays the peers' prevotes of the polka behind this node's valid value: a
/// validator that missed one of them (its signer may have crashed since, or sent another
/// vote to it) can still count the polka and accept the value's re-proposal (L28).
#[test]
fn gossip_relays_the_peers_prevotes_of_the_polka_behind_the_valid_value() {
    let fixture = Fixture::f0();
    let [_, (validator, validator_key)] = validators(&fixture);
    let Proposed { chain, now, mut maker, proposal } = proposed(&fixture);
    let (mut other, _) = engine(&fixture, validator, chain, Vec::new(), &now);
    let from = NodeId(SecretKey::dev("a-peer").public());
    let voted = other.handle(Event::Message { from, message: proposal }).expect("the engine runs");
    let Some(prevote) = own_sends(&voted, validator_key).1.first().cloned() else {
        panic!("the other validator prevoted the proposal: {voted:?}");
    };

    let polka = maker.handle(Event::Message { from, message: prevote.clone() }).expect("the engine runs");
    let precommitted = polka.iter().any(|e| {
        matches!(e, Effect::Broadcast(Message::Vote(v)) if v.vote.kind == VoteKind::Precommit && v.vote.value.is_some())
    });
    assert!(precommitted, "both prevotes make a polka, and the proposer locks on it: {polka:?}");
    let gossip = maker.handle(Event::Gossip).expect("a gossip tick");
    assert!(sends_vote(&gossip, &prevote), "the peer's prevote of the polka is relayed: {gossip:?}");
}
