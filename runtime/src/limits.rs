//! Every bound of the runtime in one place (STYLE.md convention 7). Decoders check these
//! before they allocate; the rules engine rejects messages that exceed them.

/// Longest identifier (account, project, authorization, ...), in bytes.
pub const ID_LEN_MAX: usize = 64;
/// Longest free text (names, terms and conditions, reasons), in bytes.
pub const TEXT_LEN_MAX: usize = 2_048;
/// Largest encoded transaction, in bytes.
pub const TX_BYTES_MAX: usize = 64 * 1024;
/// Most allocation lines in one JC issuance notification.
pub const ALLOCATION_LINES_MAX: usize = 64;
/// Most elements of any set in an authorization (sectors, Parties, entities, ...).
pub const SET_LEN_MAX: usize = 128;
/// Most signatures on one JC notification.
pub const ENDORSEMENTS_MAX: usize = 8;
/// Most identifiers of another programme in one crediting declaration (R37).
pub const CREDITING_IDENTIFIERS_MAX: usize = 256;
/// Most accounts in one reconciliation report.
pub const RECONCILIATION_LINES_MAX: usize = 512;
/// Most homogeneous blocks a quantity-based request may draw from.
pub const SELECTION_BLOCKS_MAX: usize = 256;
/// Most unit blocks one range request may span before it is refused as too fragmented.
pub const RANGE_BLOCKS_MAX: usize = 1_024;
/// Largest serial number: leaves room so `last + 1` never overflows.
pub const SERIAL_MAX: u64 = u64::MAX / 2;
/// Default time an acquiring registry has to accept an external transfer (R39): 24 h.
pub const TRANSFER_TIMEOUT_SECS_DEFAULT: u64 = 24 * 60 * 60;
/// Most heights a governance proposal stays open (R43): about a week at one block per
/// five seconds.
pub const PROPOSAL_WINDOW_BLOCKS_MAX: u64 = 120_960;
/// Fewest heights between the deadline of a proposal and the height at which a validator
/// change or an upgrade it decides takes effect (R49, R51): the decision is in a block at
/// or before the deadline, and every node must have the next set before it is in force.
pub const GOV_EFFECT_DELAY_BLOCKS: u64 = 2;
/// Most officers one admission or one new cooperative approach brings (R45, R46).
pub const GOV_OFFICERS_MAX: usize = 64;
/// Most roles one officer holds (R47).
pub const OFFICER_ROLES_MAX: usize = 16;
/// Most observer nodes allowed at once (R50).
pub const OBSERVERS_MAX: usize = 256;
/// Most validator changes scheduled at once (R49).
pub const SCHEDULED_CHANGES_MAX: usize = 256;

const _: () = assert!(ID_LEN_MAX < TEXT_LEN_MAX);
const _: () = assert!(ALLOCATION_LINES_MAX * ID_LEN_MAX * 4 < TX_BYTES_MAX);
const _: () = assert!(CREDITING_IDENTIFIERS_MAX * ID_LEN_MAX < TX_BYTES_MAX);
const _: () = assert!(GOV_EFFECT_DELAY_BLOCKS >= 2);
