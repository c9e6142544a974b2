//! A node's disk: an append-only write-ahead record that survives crashes.
//!
//! Everything one event makes a node write (its consensus state, the sign guard's
//! high-water mark, the messages it signed, the heights it decided) goes in one batch,
//! framed as `len:u32le ‖ checksum:u32le ‖ payload`. The batch is written before the node
//! sends anything, so a batch that is lost was never acted on. A crash in the middle of a
//! write leaves a torn tail (a frame cut short); recovery keeps the whole frames and
//! drops the rest, exactly as a node must after a power cut.

use jcm_consensus::{
    ChainId, CommitCertificate, CommitSignature, Proposal, RoundValue, SignRecord, SignStep, Signature,
    SignedProposal, SignedVote, State, Step, ValidatorKey, ValueId, Vote, VoteKind,
};

/// One record of a batch.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Record {
    State(State),
    Mark(SignRecord),
    Proposal(SignedProposal),
    Vote(SignedVote),
    Decided(CommitCertificate),
}

/// The disk of one node.
#[derive(Clone, Default, Debug)]
pub struct Disk {
    bytes: Vec<u8>,
}

impl Disk {
    /// Appends one batch, whole.
    pub fn append(&mut self, batch: &[Record]) {
        let frame = frame(batch);
        self.bytes.extend_from_slice(&frame);
    }

    /// Appends the first `keep` bytes of a batch's frame (`keep` below its length): the
    /// write a crash interrupted.
    pub fn append_torn(&mut self, batch: &[Record], keep: usize) {
        let frame = frame(batch);
        assert!(keep < frame.len(), "a torn write is shorter than the frame");
        self.bytes.extend_from_slice(&frame[..keep]);
    }

    /// Length of the whole frame of `batch`.
    pub fn frame_len(batch: &[Record]) -> usize {
        frame(batch).len()
    }

    /// Reads every whole batch, truncates a torn tail, and returns the records and how
    /// many torn bytes were dropped.
    pub fn recover(&mut self) -> (Vec<Record>, usize) {
        let mut records = Vec::new();
        let mut at = 0;
        while let Some((batch, next)) = read_frame(&self.bytes, at) {
            records.extend(batch);
            at = next;
        }
        let torn = self.bytes.len() - at;
        self.bytes.truncate(at);
        (records, torn)
    }
}

fn checksum(bytes: &[u8]) -> u32 {
    // FNV-1a: enough to tell a torn frame from a whole one in a simulation.
    bytes.iter().fold(0x811c_9dc5, |h, &b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

fn frame(batch: &[Record]) -> Vec<u8> {
    let mut payload = Vec::new();
    payload.extend_from_slice(&(batch.len() as u32).to_le_bytes());
    for record in batch {
        encode(record, &mut payload);
    }
    let mut out = Vec::with_capacity(payload.len() + 8);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&checksum(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

fn read_frame(bytes: &[u8], at: usize) -> Option<(Vec<Record>, usize)> {
    let mut r = Reader { bytes, at };
    let len = r.u32()? as usize;
    let sum = r.u32()?;
    let payload = r.take(len)?;
    if checksum(payload) != sum {
        return None;
    }
    let next = r.at;
    let mut p = Reader { bytes: payload, at: 0 };
    let count = p.u32()?;
    let records = (0..count).map(|_| decode(&mut p)).collect::<Option<Vec<_>>>()?;
    Some((records, next))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let out = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(out)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn b32(&mut self) -> Option<[u8; 32]> {
        self.take(32)?.try_into().ok()
    }
    fn sig(&mut self) -> Option<Signature> {
        Some(Signature(self.take(64)?.try_into().ok()?))
    }
    fn opt<T>(&mut self, f: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        match self.u8()? {
            0 => Some(None),
            _ => Some(Some(f(self)?)),
        }
    }
    fn round_value(&mut self) -> Option<Option<RoundValue>> {
        self.opt(|r| Some(RoundValue { round: r.u32()?, value: ValueId(r.b32()?) }))
    }
    fn chain(&mut self) -> Option<ChainId> {
        let len = self.u8()? as usize;
        ChainId::new(std::str::from_utf8(self.take(len)?).ok()?).ok()
    }
}

fn put_opt<T>(out: &mut Vec<u8>, v: Option<T>, f: impl FnOnce(&mut Vec<u8>, T)) {
    match v {
        None => out.push(0),
        Some(v) => {
            out.push(1);
            f(out, v);
        }
    }
}

fn put_round_value(out: &mut Vec<u8>, v: Option<RoundValue>) {
    put_opt(out, v, |o, v| {
        o.extend_from_slice(&v.round.to_le_bytes());
        o.extend_from_slice(&v.value.0);
    });
}

fn put_chain(out: &mut Vec<u8>, chain: &ChainId) {
    out.push(chain.as_str().len() as u8);
    out.extend_from_slice(chain.as_str().as_bytes());
}

fn step_tag(step: Step) -> u8 {
    match step {
        Step::Propose => 0,
        Step::Prevote => 1,
        Step::Precommit => 2,
    }
}

fn encode(record: &Record, out: &mut Vec<u8>) {
    match record {
        Record::State(s) => {
            out.push(1);
            out.extend_from_slice(&s.height.to_le_bytes());
            out.extend_from_slice(&s.round.to_le_bytes());
            out.push(step_tag(s.step));
            put_round_value(out, s.locked);
            put_round_value(out, s.valid);
            put_round_value(out, s.decided);
        }
        Record::Mark(m) => {
            out.push(2);
            out.extend_from_slice(&m.height.to_le_bytes());
            out.extend_from_slice(&m.round.to_le_bytes());
            out.push(m.step as u8);
            put_opt(out, m.value, |o, v| o.extend_from_slice(&v.0));
        }
        Record::Proposal(p) => {
            out.push(3);
            let q = &p.proposal;
            put_chain(out, &q.chain_id);
            out.extend_from_slice(&q.height.to_le_bytes());
            out.extend_from_slice(&q.round.to_le_bytes());
            out.extend_from_slice(&q.value.0);
            put_opt(out, q.valid_round, |o, r| o.extend_from_slice(&r.to_le_bytes()));
            out.extend_from_slice(&q.proposer.0);
            out.extend_from_slice(&p.signature.0);
        }
        Record::Vote(v) => {
            out.push(4);
            let q = &v.vote;
            put_chain(out, &q.chain_id);
            out.extend_from_slice(&q.height.to_le_bytes());
            out.extend_from_slice(&q.round.to_le_bytes());
            out.push(u8::from(q.kind == VoteKind::Precommit));
            put_opt(out, q.value, |o, v| o.extend_from_slice(&v.0));
            out.extend_from_slice(&q.validator.0);
            out.extend_from_slice(&v.signature.0);
        }
        Record::Decided(c) => {
            out.push(5);
            out.extend_from_slice(&c.height.to_le_bytes());
            out.extend_from_slice(&c.round.to_le_bytes());
            out.extend_from_slice(&c.value.0);
            out.extend_from_slice(&(c.signatures.len() as u32).to_le_bytes());
            for s in &c.signatures {
                out.extend_from_slice(&s.validator.0);
                out.extend_from_slice(&s.signature.0);
            }
        }
    }
}

fn decode(r: &mut Reader<'_>) -> Option<Record> {
    Some(match r.u8()? {
        1 => Record::State(State {
            height: r.u64()?,
            round: r.u32()?,
            step: [Step::Propose, Step::Prevote, Step::Precommit].get(r.u8()? as usize).copied()?,
            locked: r.round_value()?,
            valid: r.round_value()?,
            decided: r.round_value()?,
        }),
        2 => Record::Mark(SignRecord {
            height: r.u64()?,
            round: r.u32()?,
            step: [SignStep::Propose, SignStep::Prevote, SignStep::Precommit]
                .get(r.u8()? as usize)
                .copied()?,
            value: r.opt(|r| Some(ValueId(r.b32()?)))?,
        }),
        3 => Record::Proposal(SignedProposal {
            proposal: Proposal {
                chain_id: r.chain()?,
                height: r.u64()?,
                round: r.u32()?,
                value: ValueId(r.b32()?),
                valid_round: r.opt(|r| r.u32())?,
                proposer: ValidatorKey(r.b32()?),
            },
            signature: r.sig()?,
        }),
        4 => Record::Vote(SignedVote {
            vote: Vote {
                chain_id: r.chain()?,
                height: r.u64()?,
                round: r.u32()?,
                kind: if r.u8()? == 1 { VoteKind::Precommit } else { VoteKind::Prevote },
                value: r.opt(|r| Some(ValueId(r.b32()?)))?,
                validator: ValidatorKey(r.b32()?),
            },
            signature: r.sig()?,
        }),
        5 => {
            let (height, round, value) = (r.u64()?, r.u32()?, ValueId(r.b32()?));
            let count = r.u32()? as usize;
            // Bounded: a certificate has at most one signature per validator.
            if count > jcm_consensus::protocol::VALIDATORS_MAX {
                return None;
            }
            let signatures = (0..count)
                .map(|_| Some(CommitSignature { validator: ValidatorKey(r.b32()?), signature: r.sig()? }))
                .collect::<Option<Vec<_>>>()?;
            Record::Decided(CommitCertificate { height, round, value, signatures })
        }
        _ => return None,
    })
}

#[test]
fn records_survive_a_round_trip_and_a_torn_tail_is_dropped() {
    let state = State { locked: Some(RoundValue { round: 2, value: ValueId([3; 32]) }), ..State::initial(9) };
    let mark = SignRecord { height: 9, round: 2, step: SignStep::Precommit, value: None };
    let first = vec![Record::State(state), Record::Mark(mark)];
    let second = vec![Record::State(State::initial(10))];
    for keep in [0, 1, 7, 8, Disk::frame_len(&second) - 1] {
        let mut disk = Disk::default();
        disk.append(&first);
        disk.append_torn(&second, keep);
        let (records, torn) = disk.recover();
        assert_eq!(records, first, "torn after {keep} bytes");
        assert_eq!(torn, keep);
        disk.append(&second);
        assert_eq!(disk.recover().0.len(), 3, "appends resume after the cut");
    }
}
