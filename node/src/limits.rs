//! Every fixed bound of the node in one place, with the relationships between them
//! asserted at compile time. What an operator may tune is in `node.toml`
//! ([`crate::home::config`]); these are the limits that protect the node whatever its
//! settings: sizes it reads back or accepts, queues between its tasks, and its timers.
//! The runtime's own bounds (transaction and block sizes, identifiers) are
//! `jcm_runtime::limits`.

use std::time::Duration;

use jcm_runtime::protocol::BLOCK_BYTES_MAX;

// ---- the store and the write-ahead record

/// Largest write-ahead batch read back (a block and its messages).
pub const BATCH_BYTES_MAX: usize = BLOCK_BYTES_MAX + 1024 * 1024;
/// Largest encoded commit certificate read back from the store.
pub use jcm_runtime::protocol::COMMIT_BYTES_MAX;
/// Largest validator set read back from the index: `VALIDATORS_MAX` records, each a
/// name, a key, a power and a Party.
pub const VALIDATOR_SET_BYTES_MAX: usize = jcm_runtime::protocol::VALIDATORS_MAX * 1024;
/// Validator sets read back from the index (one per change of the set; R49 schedules a
/// few at a time, so this is decades of changes).
pub const VALIDATOR_SETS_INDEXED_MAX: usize = 100_000;
/// Largest genesis file read, bytes.
pub const GENESIS_BYTES_MAX: u64 = 16 * 1024 * 1024;
/// Largest `node.toml` read, bytes.
pub const NODE_TOML_BYTES_MAX: u64 = 1024 * 1024;

// ---- the consensus engine

/// How often the node re-sends its own messages of the current height and its committed
/// height, so a peer that missed them (or restarted) still gets them.
pub const GOSSIP_INTERVAL: Duration = Duration::from_millis(1000);
/// How far in the future (by the local clock) a proposed block's time may be.
pub const BLOCK_TIME_AHEAD_MAX_SECS: u64 = 10;
/// Messages of the next height kept until the node gets there.
pub const FUTURE_MSGS_MAX: usize = 1024;
/// Evidence hashes a validator remembers having reported (R52); forgotten when full (a
/// second report of one is refused by the chain as known, `A6-9023`).
pub const EVIDENCE_REPORTED_MAX: usize = 1024;
/// Room left in a block for its header and last commit.
pub const BLOCK_OVERHEAD_BYTES: usize = 256 * 1024;
/// Transactions a proposer takes before it has timed any block's execution.
pub const BLOCK_TXS_UNMEASURED: usize = 1_000;
/// Fewest transactions a proposer takes, however slow execution was measured.
pub const BLOCK_TXS_FLOOR: usize = 100;
/// Blocks with fewer transactions say too little about the cost of one to be timed.
pub const TIMED_TXS_MIN: usize = 32;
/// Most transactions relayed in one message.
pub const RELAY_TXS_MAX: usize = 1024;

// ---- the actor and the RPC

/// Requests from RPC handlers waiting for the consensus engine.
pub const ENGINE_QUEUE: usize = 16_384;
/// Time allowed for a peer to answer a block request.
pub const SYNC_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Batches of relayed transactions waiting for their signature checks; beyond it a
/// batch is dropped (still pending at the peer, it reaches this node in a proposal).
pub const RELAYED_BATCHES_MAX: usize = 256;
/// Longest wait for a commit when the request names none, ms.
pub const COMMIT_WAIT_MS_DEFAULT: u64 = 10_000;
/// `rpc.request_timeout_ms` when `node.toml` says nothing, ms.
pub const REQUEST_TIMEOUT_MS_DEFAULT: u64 = 30_000;
/// Most blocks in one page of `/v1/blocks`, whatever `page_items_max` says: a block can
/// be megabytes of JSON.
pub const BLOCKS_PAGE_MAX: usize = 100;
/// Longest state key a proof is asked for, bytes.
pub const PROOF_KEY_BYTES_MAX: usize = 1024;
/// Most distinct validator labels the metrics keep: names come from genesis, so this is
/// never reached on a real chain; it bounds memory if a caller passes something else.
pub const VALIDATOR_LABELS_MAX: usize = 256;

// ---- settings' own bounds

/// Longest any timeout may be, milliseconds (ten minutes).
pub const TIMEOUT_MS_MAX: u64 = 10 * 60 * 1000;
/// Most peers plus observers one config may list.
pub const PEERS_LISTED_MAX: usize = 1024;

// ---- the peer-to-peer network

/// Capacity of the channel of network events to the node. When it is full, inbound
/// messages and requests are dropped (and counted); connection events wait in order.
pub const EVENTS_CAPACITY: usize = 4096;
/// Capacity of the command queue from network handles to the network task.
pub const COMMANDS_CAPACITY: usize = 8192;
/// One-way messages sent to one peer and not yet acknowledged; more wait in its outbox.
pub const MESSAGES_IN_FLIGHT_PER_PEER_MAX: usize = 192;
/// One-way messages waiting in one peer's outbox; more are dropped (and counted).
pub const OUTBOX_MESSAGES_MAX: usize = 8192;
/// Bytes of the messages waiting in one peer's outbox; more are dropped (and counted).
pub const OUTBOX_BYTES_MAX: usize = 64 << 20;
/// Requests sent to one peer and not yet answered; more fail as a full queue.
pub const REQUESTS_IN_FLIGHT_PER_PEER_MAX: usize = 32;
/// Streams yamux allows on one connection (its default).
pub const STREAMS_PER_CONNECTION_MAX: usize = 512;
/// The longest a one-way message may wait for its acknowledgement.
pub const MESSAGE_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest any request waits for its answer, whatever its caller's timeout.
pub const REQUEST_TIMEOUT_MAX: Duration = Duration::from_secs(30);
/// The first re-dial delay after a peer is lost or a dial fails.
pub const REDIAL_BACKOFF_MIN: Duration = Duration::from_millis(100);
/// The re-dial delay never grows beyond this, so a restarted peer is back within it.
pub const REDIAL_BACKOFF_MAX: Duration = Duration::from_secs(2);
/// How often the task checks for peers to re-dial.
pub const REDIAL_TICK: Duration = Duration::from_millis(100);
/// Hello requests tried on one connected peer before giving up on it.
pub const HELLO_ATTEMPTS_MAX: u32 = 3;
/// The longest a hello may wait for its answer.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest chain id a hello carries.
pub const CHAIN_ID_BYTES_MAX: usize = 128;
/// Idle connections stay open (the peers are few and always wanted); a day rather than
/// "forever" because libp2p adds it to an `Instant`.
pub const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);
/// Refusals kept for the operator's view (the most recent ones).
pub const REFUSALS_KEPT_MAX: usize = 64;
/// Refused peer ids remembered so that each is logged once; when full, it starts over
/// (so a flood of fresh identities costs log lines, not memory).
pub const REFUSED_PEERS_REMEMBERED_MAX: usize = 1024;

// ---- how they relate

// A write-ahead batch holds the largest block with room for the votes beside it.
const _: () = assert!(BATCH_BYTES_MAX > BLOCK_BYTES_MAX);
// A block leaves room for its header and last commit, and for the fewest transactions
// a proposer takes.
const _: () = assert!(BLOCK_OVERHEAD_BYTES < BLOCK_BYTES_MAX);
const _: () = assert!(BLOCK_TXS_FLOOR <= BLOCK_TXS_UNMEASURED && TIMED_TXS_MIN <= BLOCK_TXS_FLOOR);
// A certificate read back is no larger than a block could carry as its last commit.
const _: () = assert!(COMMIT_BYTES_MAX <= BLOCK_OVERHEAD_BYTES);
// Both directions of all three protocols at their limits fit in one yamux connection
// (hello: one in flight each way).
const _: () = assert!(
    2 * (MESSAGES_IN_FLIGHT_PER_PEER_MAX + REQUESTS_IN_FLIGHT_PER_PEER_MAX + 1) <= STREAMS_PER_CONNECTION_MAX
);
const _: () = assert!(REDIAL_BACKOFF_MIN.as_millis() <= REDIAL_BACKOFF_MAX.as_millis());
const _: () = assert!(REDIAL_TICK.as_millis() <= REDIAL_BACKOFF_MIN.as_millis());
// A block request gives up before the network's own bound on any request.
const _: () = assert!(SYNC_REQUEST_TIMEOUT.as_millis() <= REQUEST_TIMEOUT_MAX.as_millis());
const _: () = assert!(HELLO_TIMEOUT.as_millis() <= REQUEST_TIMEOUT_MAX.as_millis());
// Gossip re-sends well within the time a message may wait for its acknowledgement.
const _: () = assert!(GOSSIP_INTERVAL.as_millis() < MESSAGE_TIMEOUT.as_millis());
// The outbox holds at least what is in flight.
const _: () = assert!(MESSAGES_IN_FLIGHT_PER_PEER_MAX <= OUTBOX_MESSAGES_MAX);
// A default commit wait ends before the default request timeout cuts it.
const _: () = assert!(COMMIT_WAIT_MS_DEFAULT < REQUEST_TIMEOUT_MS_DEFAULT);
