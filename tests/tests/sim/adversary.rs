//! The Byzantine adversary: a liar runs the node's real engine, and everything it sends
//! passes through [`Adversary::rewrite`], which may withhold it, send it to some peers
//! only, equivocate, replay old messages, or replace it with a lie signed with the
//! liar's own key (no sign guard stands in the way). The lies: proposals of invalid
//! blocks, of blocks for another height, with a valid round nobody prevoted, or for a
//! round the liar does not propose; votes for unknown and for invalid values; false
//! heights; transactions with broken signatures; garbage in answer to block requests.
//!
//! Every value the adversary invents is remembered in [`Adversary::forged`], so the
//! world can check validity: no honest node ever commits one.

use std::collections::{BTreeMap, BTreeSet};

use jcm_consensus::{KeySigner, SignedProposal, SignedVote, Signer as _, ValidatorKey, ValueId, VoteKind};
use jcm_node::wire::Message;
use jcm_runtime::codec::Hash32;

use crate::rng::Rng;
use crate::trap::{Roles, Trap};

/// Messages kept for replays.
const HEARD_MAX: usize = 128;

pub struct Adversary {
    signers: BTreeMap<ValidatorKey, KeySigner>,
    /// Values the adversary invented: invalid blocks and ids of no block.
    pub forged: BTreeSet<ValueId>,
    /// Recent consensus messages on the wire, anyone's, for replays.
    heard: Vec<Message>,
    next_heard: usize,
    /// Lies told, by kind (for the run's summary).
    pub told: BTreeMap<&'static str, u64>,
    /// Prevoters of each (height, round, value) overheard, to find old polkas.
    prevoters: BTreeMap<(u64, u32, ValueId), BTreeSet<ValidatorKey>>,
    /// Blocks of overheard proposals, by value.
    blocks: BTreeMap<ValueId, jcm_runtime::protocol::Block>,
    /// Prevotes that make a polka (equal powers).
    quorum: usize,
    /// The old polka's value a trap's liar re-proposed, and votes for since.
    sprung: Option<ValueId>,
    /// The chain id (for votes signed ahead of time).
    chain_id: jcm_consensus::ChainId,
}

impl Adversary {
    /// An adversary holding the secrets of the liars, among `n` validators of equal power,
    /// on chain `chain_id`.
    pub fn new(secrets: &[[u8; 32]], n: usize, chain_id: jcm_consensus::ChainId) -> Self {
        let signers = secrets
            .iter()
            .map(|s| {
                let signer = KeySigner::from_secret(s);
                (signer.public_key(), signer)
            })
            .collect();
        Self {
            signers,
            forged: BTreeSet::new(),
            heard: Vec::new(),
            next_heard: 0,
            told: BTreeMap::new(),
            prevoters: BTreeMap::new(),
            blocks: BTreeMap::new(),
            quorum: 2 * ((n - 1) / 3) + 1,
            sprung: None,
            chain_id,
        }
    }

    /// Keeps a consensus message seen on the wire, for replays.
    pub fn overhear(&mut self, message: &Message) {
        match message {
            Message::Vote(v) if v.vote.kind == VoteKind::Prevote => {
                if let Some(value) = v.vote.value {
                    let slot = (v.vote.height, v.vote.round, value);
                    self.prevoters.entry(slot).or_default().insert(v.vote.validator);
                }
            }
            Message::Proposal { proposal, block } if !self.forged.contains(&proposal.proposal.value) => {
                self.blocks.entry(proposal.proposal.value).or_insert_with(|| (**block).clone());
            }
            Message::Vote(_) | Message::Proposal { .. } => {}
            Message::Txs(_) | Message::Status { .. } => return,
        }
        if self.heard.len() < HEARD_MAX {
            self.heard.push(message.clone());
        } else {
            self.heard[self.next_heard] = message.clone();
            self.next_heard = (self.next_heard + 1) % HEARD_MAX;
        }
    }

    fn tell(&mut self, lie: &'static str) {
        *self.told.entry(lie).or_default() += 1;
    }

    /// What a liar sends to `peers` in place of `message`: pairs of a peer and a message.
    pub fn rewrite(&mut self, rng: &mut Rng, message: Message, peers: &[usize]) -> Vec<(usize, Message)> {
        let all = |m: &Message| peers.iter().map(|&p| (p, m.clone())).collect::<Vec<_>>();
        match rng.below(10) {
            0 => {
                self.tell("withheld");
                Vec::new()
            }
            1 => {
                self.tell("sent to some peers only");
                peers.iter().filter(|_| rng.chance(500)).map(|&p| (p, message.clone())).collect()
            }
            2 => {
                let Some(lie) = self.lie(rng, &message) else { return all(&message) };
                peers
                    .iter()
                    .map(|&p| (p, if rng.chance(500) { message.clone() } else { lie.clone() }))
                    .collect()
            }
            3 => {
                let Some(lie) = self.lie(rng, &message) else { return all(&message) };
                let mut out = all(&message);
                out.extend(all(&lie));
                out
            }
            4 if !self.heard.is_empty() => {
                self.tell("replayed");
                let mut out = all(&message);
                for &p in peers {
                    let old = self.heard[rng.below(self.heard.len() as u64) as usize].clone();
                    out.push((p, old));
                }
                out
            }
            _ => all(&message),
        }
    }

    /// What the liar of a trap sends in place of `message` (see [`Trap`]); everything
    /// but its part in the script goes out as its engine made it.
    pub fn spring(&mut self, roles: &Roles, message: Message) -> Vec<Message> {
        if roles.trap == Trap::EarlyNil {
            return self.early_nil(message);
        }
        if roles.trap.decides_in_round_0() {
            // Its part is to be absent: the network cuts it off at height 1 (trap::route).
            self.tell("trap: cut off at height 1");
            return vec![message];
        }
        let lie = match (&message, roles.trap) {
            (Message::Vote(signed), Trap::StalePolka) if signed.vote.height == 1 => {
                let value = match (signed.vote.round, signed.vote.kind) {
                    // No polka in time at round 0, nor a lock; no decision for `b` and `c`
                    // at round 1.
                    (0, _) | (1, VoteKind::Precommit) => None,
                    (2, _) if self.sprung.is_some() => self.sprung,
                    _ => return vec![message],
                };
                let vote = jcm_consensus::Vote { value, ..signed.vote.clone() };
                self.tell("trap: scripted vote");
                self.signers.get_mut(&vote.validator).and_then(|s| s.sign_vote(&vote).ok()).map(Message::Vote)
            }
            (Message::Proposal { proposal, .. }, Trap::StalePolka)
                if proposal.proposal.height == 1 && proposal.proposal.round == 2 =>
            {
                self.polka_at(1, 0).and_then(|(value, round)| {
                    self.sprung = Some(value);
                    self.tell("trap: re-proposal of an old polka");
                    let stale = jcm_consensus::Proposal {
                        value,
                        valid_round: Some(round),
                        ..proposal.proposal.clone()
                    };
                    let block = Box::new(self.blocks.get(&value)?.clone());
                    let signed = self.signers.get_mut(&stale.proposer)?.sign_proposal(&stale).ok()?;
                    Some(Message::Proposal { proposal: signed, block })
                })
            }
            (Message::Proposal { proposal, block }, Trap::FalseValidRound)
                if proposal.proposal.height == 1 && proposal.proposal.round == 1 =>
            {
                self.tell("trap: fresh value with a valid round nobody prevoted it in");
                let lying = jcm_consensus::Proposal { valid_round: Some(0), ..proposal.proposal.clone() };
                self.signers
                    .get_mut(&lying.proposer)
                    .and_then(|s| s.sign_proposal(&lying).ok())
                    .map(|signed| Message::Proposal { proposal: signed, block: block.clone() })
            }
            _ => None,
        };
        vec![lie.unwrap_or(message)]
    }

    /// [`Trap::EarlyNil`]: the liar's prevotes are nil, and with each message of a height
    /// it sends its nil prevotes of the next rounds of that height (of the next height,
    /// with a status), signed ahead of time.
    fn early_nil(&mut self, message: Message) -> Vec<Message> {
        let Some(liar) = self.signers.keys().next().copied() else { return vec![message] };
        let (height, from_round) = match &message {
            Message::Vote(v) => (v.vote.height, v.vote.round),
            Message::Proposal { proposal, .. } => (proposal.proposal.height, proposal.proposal.round),
            Message::Status { height } => (height + 1, 0),
            Message::Txs(_) => return vec![message],
        };
        let mut out = Vec::new();
        match message {
            Message::Vote(v) if v.vote.kind == VoteKind::Prevote => {}
            other => out.push(other),
        }
        for round in from_round..from_round + 4 {
            let vote = jcm_consensus::Vote {
                chain_id: self.chain_id.clone(),
                height,
                round,
                kind: VoteKind::Prevote,
                value: None,
                validator: liar,
            };
            if let Some(signed) = self.signers.get_mut(&liar).and_then(|s| s.sign_vote(&vote).ok()) {
                out.push(Message::Vote(signed));
            }
        }
        self.tell("trap: early nil prevotes");
        out
    }

    /// A lie in place of `message`, signed by the liar, if the adversary has one for it.
    fn lie(&mut self, rng: &mut Rng, message: &Message) -> Option<Message> {
        match message {
            Message::Vote(signed) => self.lie_vote(rng, signed).map(Message::Vote),
            Message::Proposal { proposal, block } => self.lie_proposal(rng, proposal, block),
            Message::Status { height } => {
                self.tell("false height");
                Some(Message::Status { height: height + rng.range(1, 30) })
            }
            Message::Txs(txs) if !txs.is_empty() => {
                self.tell("transaction with a broken signature");
                let mut txs = txs.clone();
                let i = rng.below(txs.len() as u64) as usize;
                let tx = &mut txs[i];
                let at = tx.len() - 1 - rng.below(64.min(tx.len() as u64)) as usize;
                tx[at] ^= 1 + rng.below(255) as u8;
                Some(Message::Txs(txs))
            }
            Message::Txs(_) => None,
        }
    }

    fn lie_vote(&mut self, rng: &mut Rng, signed: &SignedVote) -> Option<SignedVote> {
        let mut vote = signed.vote.clone();
        let forged: Vec<ValueId> = self.forged.iter().copied().collect();
        vote.value = match (vote.value, rng.below(3)) {
            (Some(_), 0) => {
                self.tell("vote for nil instead");
                None
            }
            (_, 1) if !forged.is_empty() => {
                self.tell("vote for an invalid block");
                Some(forged[rng.below(forged.len() as u64) as usize])
            }
            _ => {
                self.tell("vote for an unknown value");
                let value = ValueId(rng.bytes32());
                self.forged.insert(value);
                Some(value)
            }
        };
        self.signers.get_mut(&vote.validator)?.sign_vote(&vote).ok()
    }

    fn lie_proposal(
        &mut self,
        rng: &mut Rng,
        signed: &SignedProposal,
        block: &jcm_runtime::protocol::Block,
    ) -> Option<Message> {
        let mut proposal = signed.proposal.clone();
        let mut block = block.clone();
        let mut forged = true;
        if rng.chance(400) {
            if let Some(old) = self.old_polka(&proposal) {
                // A value that had a polka in an earlier round of this height, re-proposed
                // with that round: nodes locked since on a newer value must refuse it.
                self.tell("re-proposal of an old polka");
                proposal.value = old.0;
                proposal.valid_round = Some(old.1);
                let proposal = self.signers.get_mut(&proposal.proposer)?.sign_proposal(&proposal).ok()?;
                let block = Box::new(self.blocks.get(&old.0)?.clone());
                return Some(Message::Proposal { proposal, block });
            }
        }
        match rng.below(5) {
            0 => {
                self.tell("proposal of a block with a wrong state root");
                block.header.state_root = Hash32(rng.bytes32());
            }
            1 => {
                self.tell("proposal of a block for another height");
                block.header.height += 1;
            }
            2 => {
                self.tell("proposal of a block with a wrong parent");
                block.header.previous_block_hash = Hash32(rng.bytes32());
            }
            3 => {
                self.tell("proposal with a valid round nobody prevoted");
                if proposal.round == 0 {
                    // A valid round is below the proposal's round.
                    proposal.round = 1 + rng.below(2) as u32;
                }
                proposal.valid_round = Some(rng.below(u64::from(proposal.round)) as u32);
                forged = false;
            }
            _ => {
                self.tell("proposal for a round the liar does not propose");
                proposal.round += 1 + rng.below(2) as u32;
                proposal.valid_round = None;
                forged = false;
            }
        }
        proposal.value = block.header.value_id();
        if forged {
            self.forged.insert(proposal.value);
        }
        let proposal = self.signers.get_mut(&proposal.proposer)?.sign_proposal(&proposal).ok()?;
        Some(Message::Proposal { proposal, block: Box::new(block) })
    }

    /// The latest polka of this height before the proposal's round for another value
    /// whose block the adversary holds: its value and round.
    fn old_polka(&self, proposal: &jcm_consensus::Proposal) -> Option<(ValueId, u32)> {
        let from = (proposal.height, 0, ValueId([0; 32]));
        let to = (proposal.height, proposal.round, ValueId([0; 32]));
        self.prevoters
            .range(from..to)
            .filter(|((_, _, value), voters)| {
                voters.len() >= self.quorum && *value != proposal.value && self.blocks.contains_key(value)
            })
            .map(|((_, round, value), _)| (*value, *round))
            .next_back()
    }

    /// A value with a polka overheard at (`height`, `round`) whose block the adversary
    /// holds, with that round.
    fn polka_at(&self, height: u64, round: u32) -> Option<(ValueId, u32)> {
        let from = (height, round, ValueId([0; 32]));
        let to = (height, round + 1, ValueId([0; 32]));
        self.prevoters
            .range(from..to)
            .find(|((_, _, value), voters)| voters.len() >= self.quorum && self.blocks.contains_key(value))
            .map(|((_, round, value), _)| (*value, *round))
    }

    /// What a liar answers to a block request in place of `honest`.
    pub fn answer(&mut self, rng: &mut Rng, honest: Vec<u8>) -> Vec<u8> {
        match rng.below(4) {
            0 => {
                self.tell("garbage block answer");
                (0..rng.range(0, 64)).map(|_| rng.below(256) as u8).collect()
            }
            1 if !honest.is_empty() => {
                self.tell("truncated block answer");
                honest[..rng.below(honest.len() as u64) as usize].to_vec()
            }
            _ => honest,
        }
    }
}
