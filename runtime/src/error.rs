//! Rejection codes (ARTICLE6.md §7): every rule's stable `A6-nnnn` code, and the
//! rejection a registry officer reads: the code, its mnemonic, and a sentence.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($($variant:ident = $num:literal, $mnemonic:literal, $rule:literal, $meaning:literal;)*) => {
        /// A rejection code. The numbers are stable names: never renumber one.
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        #[allow(missing_docs)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code, in numeric order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The number, e.g. 3002.
            pub fn number(self) -> u16 {
                match self { $(Code::$variant => $num,)* }
            }

            /// The mnemonic, e.g. `UNITS_NOT_HELD`.
            pub fn mnemonic(self) -> &'static str {
                match self { $(Code::$variant => $mnemonic,)* }
            }

            /// The rule that raises it, e.g. `R12`.
            pub fn rule(self) -> &'static str {
                match self { $(Code::$variant => $rule,)* }
            }

            /// What the code means, in one sentence.
            pub fn meaning(self) -> &'static str {
                match self { $(Code::$variant => $meaning,)* }
            }
        }
    };
}

codes! {
    DuplicateTransactionId = 1001, "DUPLICATE_TRANSACTION_ID", "R1", "this transaction was already recorded";
    InvalidMessage = 1002, "INVALID_MESSAGE", "R2", "the message is missing a required field or carries a value outside the nomenclature";
    InvalidUnitIdentifier = 1003, "INVALID_UNIT_IDENTIFIER", "R3", "a unit identifier does not follow CANNNN-PPPNN-PPP-serial-YYYY or does not match the units";
    InvalidQuantity = 1004, "INVALID_QUANTITY", "R4", "the quantity is not a positive whole number equal to the size of the block";
    InvalidActionDate = 1005, "INVALID_ACTION_DATE", "R5", "the action date is before 2021-01-01 or after the block time";
    BadSignature = 1006, "BAD_SIGNATURE", "R10", "the signature does not verify for the signer's key";
    WrongChain = 1007, "WRONG_CHAIN", "R2", "the transaction was signed for another chain";
    BadNonce = 1008, "BAD_NONCE", "R1", "the nonce is not the signer's next nonce";
    UnknownOrInactiveCa = 2001, "UNKNOWN_OR_INACTIVE_CA", "R6", "the cooperative approach is unknown or not active";
    PartyNotInCa = 2002, "PARTY_NOT_IN_CA", "R6", "a Party of the action does not participate in the cooperative approach";
    PartyNotEligible = 2003, "PARTY_NOT_ELIGIBLE", "R7", "a Party of the action does not meet the participation requirements";
    AccountNotFound = 2004, "ACCOUNT_NOT_FOUND", "R8", "an account does not exist in the named registry";
    AccountNotActive = 2005, "ACCOUNT_NOT_ACTIVE", "R9", "an account is closed, suspended or frozen";
    UnauthorizedSigner = 2006, "UNAUTHORIZED_SIGNER", "R10", "the signer is not an authorized representative for this action";
    AccountKindNotPermitted = 2007, "ACCOUNT_KIND_NOT_PERMITTED", "R11", "an account's kind does not allow this action";
    NotAMechanismApproach = 2008, "NOT_A_MECHANISM_APPROACH", "R6", "the cooperative approach does not track A6.4ERs from the Article 6.4 mechanism registry";
    UnitsNotFound = 3001, "UNITS_NOT_FOUND", "R12", "some units of the block do not exist";
    UnitsNotHeld = 3002, "UNITS_NOT_HELD", "R12", "some units of the block are not held by the source account";
    InsufficientBalance = 3003, "INSUFFICIENT_BALANCE", "R13", "the account does not hold enough available homogeneous units";
    SerialOverlap = 3004, "SERIAL_OVERLAP", "R14", "the issued serial range is not the next free range";
    UnitsAlreadyRetired = 3005, "UNITS_ALREADY_RETIRED", "R15", "some units are already used or cancelled";
    UnitsReserved = 3006, "UNITS_RESERVED", "R16", "some units belong to a pending external transfer";
    NonHomogeneousBlock = 3007, "NON_HOMOGENEOUS_BLOCK", "R17", "the units do not share all attributes; split the request";
    A64AlreadyReceived = 3008, "A64_ALREADY_RECEIVED", "R14", "some of the A6.4ERs were already received from the mechanism registry";
    NotAuthorized = 4001, "NOT_AUTHORIZED", "R18", "the units carry no authorization in force for this action";
    AuthorizerNotFtp = 4002, "AUTHORIZER_NOT_FTP", "R19", "only the first transferring Party may authorize its mitigation outcomes";
    OutsideAuthorizationScope = 4003, "OUTSIDE_AUTHORIZATION_SCOPE", "R20", "the units fall outside the authorization's scope or timeframe";
    AuthorizedQuantityExceeded = 4004, "AUTHORIZED_QUANTITY_EXCEEDED", "R21", "the authorization's quantity cap would be exceeded";
    PartyNotAuthorized = 4005, "PARTY_NOT_AUTHORIZED", "R22", "the acquiring or using Party is not authorized";
    EntityNotAuthorized = 4006, "ENTITY_NOT_AUTHORIZED", "R22", "the using or cancelling entity is not authorized";
    PurposeMismatch = 4007, "PURPOSE_MISMATCH", "R22", "the purpose of the action is not among the authorized purposes";
    VintageBefore2021 = 4008, "VINTAGE_BEFORE_2021", "R23", "the vintage is before 2021";
    AuthChangeNotPermitted = 4009, "AUTH_CHANGE_NOT_PERMITTED", "R24", "the authorization's change conditions do not permit this change";
    AuthChangeAffectsFirstTransferred = 4010, "AUTH_CHANGE_AFFECTS_FIRST_TRANSFERRED", "R25", "the change would act on units already first transferred";
    AuthorizationNotActive = 4011, "AUTHORIZATION_NOT_ACTIVE", "R26", "the authorization is revoked or outside its use timeframe";
    VintageOutsideNdcPeriod = 5001, "VINTAGE_OUTSIDE_NDC_PERIOD", "R27", "the vintage is outside the first transferring Party's NDC periods";
    FirstTransferAlreadyRecorded = 5002, "FIRST_TRANSFER_ALREADY_RECORDED", "R28", "the units are already first transferred";
    UseYearInvalid = 5003, "USE_YEAR_INVALID", "R32", "the use year is outside the using Party's NDC period or before the vintage";
    UserNotHolder = 5004, "USER_NOT_HOLDER", "R33", "the user does not hold the units in its own account";
    NdcUseRequiresParty = 5005, "NDC_USE_REQUIRES_PARTY", "R33", "only a Party's government may use units towards its NDC";
    UnitsOnHold = 5006, "UNITS_ON_HOLD", "R34", "some units are on hold after a consistency check or reconciliation";
    NoValidJcNotification = 6001, "NO_VALID_JC_NOTIFICATION", "R35", "the issuance lacks an approved JC notification signed by both sides";
    IssuanceNotMatchingNotification = 6002, "ISSUANCE_NOT_MATCHING_NOTIFICATION", "R35", "the issuance does not match the notification's allocation";
    NotificationAlreadyExecuted = 6003, "NOTIFICATION_ALREADY_EXECUTED", "R35", "the notification was already executed";
    MandatoryDeductionMissing = 6004, "MANDATORY_DEDUCTION_MISSING", "R36", "the cooperative approach's mandatory OMGE or SOP deduction is missing";
    MonitoringPeriodOverlap = 6005, "MONITORING_PERIOD_OVERLAP", "R37", "the monitoring period overlaps one already issued for the project";
    CreditedElsewhere = 6006, "CREDITED_ELSEWHERE", "R37", "the period is declared as credited by another programme";
    IssuedUnderJcm = 6007, "ISSUED_UNDER_JCM", "R37", "the period declared as credited by another programme was already issued as JCM credits";
    ReportingPeriodClosed = 7001, "REPORTING_PERIOD_CLOSED", "R38", "the reporting year of the action is closed";
    RejectedByAcquiringRegistry = 7002, "REJECTED_BY_ACQUIRING_REGISTRY", "R39", "the acquiring registry rejected the transfer";
    AcquiringRegistryTimeout = 7003, "ACQUIRING_REGISTRY_TIMEOUT", "R39", "the acquiring registry did not answer in time";
    ReversalNotPermitted = 7004, "REVERSAL_NOT_PERMITTED", "R40", "completed actions cannot be reversed";
    AefFieldMissing = 7005, "AEF_FIELD_MISSING", "R38", "a required field of the year's AEF tables is empty or not in the template's format";
    AefTotalsMismatch = 7006, "AEF_TOTALS_MISMATCH", "R38", "the AEF Table 3 totals do not reconcile with the ledger entries of the year";
    LedgerInvariantViolation = 8001, "LEDGER_INVARIANT_VIOLATION", "R41", "a ledger invariant does not hold";
    ReconciliationTotalsMismatch = 8002, "RECONCILIATION_TOTALS_MISMATCH", "R42", "reported totals differ from the chain";
    ReconciliationUnitBlockMismatch = 8003, "RECONCILIATION_UNIT_BLOCK_MISMATCH", "R42", "reported unit blocks differ from the chain";
    InvalidDeadline = 9001, "INVALID_DEADLINE", "R43", "the proposal's deadline is not a later height within the governance window";
    UnknownProposal = 9002, "UNKNOWN_PROPOSAL", "R43", "no proposal has this id";
    ProposalNotOpen = 9003, "PROPOSAL_NOT_OPEN", "R43", "the proposal was already executed or rejected";
    ProposalExpired = 9004, "PROPOSAL_EXPIRED", "R43", "the proposal's deadline has passed";
    ApproverNotEntitled = 9005, "APPROVER_NOT_ENTITLED", "R44", "the signer's Party has no say on this proposal";
    AlreadyVoted = 9006, "ALREADY_VOTED", "R44", "the signer's Party already approved or rejected this proposal";
    PartyAlreadyAdmitted = 9007, "PARTY_ALREADY_ADMITTED", "R45", "the Party or its registry is already on the chain";
    ConsentNotByAdmittedAuthority = 9008, "CONSENT_NOT_BY_ADMITTED_AUTHORITY", "R45", "only the admitted Party's own authority key consents to its admission";
    ApproachConflict = 9009, "APPROACH_CONFLICT", "R46", "the cooperative approach or its Joint Committee exists already or does not join two Parties of the chain";
    UnknownOfficer = 9010, "UNKNOWN_OFFICER", "R47", "the key is not an officer of the Party";
    RoleNotOfParty = 9011, "ROLE_NOT_OF_PARTY", "R47", "a Party's authority grants only roles of its own Party";
    OfficerExists = 9012, "OFFICER_EXISTS", "R47", "an officer with this key or name already exists";
    LastAuthority = 9013, "LAST_AUTHORITY", "R47", "the change would leave the Party without a designated authority";
    KeyRetired = 9014, "KEY_RETIRED", "R48", "the key was rotated away or revoked and can never be an officer's key again";
    KeyRevoked = 9015, "KEY_REVOKED", "R48", "the signer's key was rotated away or revoked";
    EffectiveHeightTooEarly = 9016, "EFFECTIVE_HEIGHT_TOO_EARLY", "R49", "a validator change or upgrade takes effect less than two heights after the deadline of its decision";
    ValidatorSetInvalid = 9017, "VALIDATOR_SET_INVALID", "R49", "the change would leave the validator set empty, without voting power or too large";
    UnknownValidator = 9018, "UNKNOWN_VALIDATOR", "R49", "no validator of the set in force then has this key";
    ValidatorExists = 9019, "VALIDATOR_EXISTS", "R49", "a validator with this key already is or will be in the set";
    ObserverConflict = 9020, "OBSERVER_CONFLICT", "R50", "the observer is already allowed, or is not allowed by this Party";
    UpgradeInvalid = 9021, "UPGRADE_INVALID", "R51", "the planned protocol version is not later than the version in force";
    EvidenceInvalid = 9022, "EVIDENCE_INVALID", "R52", "the evidence is not two conflicting votes, signed by a validator in force, of a height already reached on this chain";
    EvidenceKnown = 9023, "EVIDENCE_KNOWN", "R52", "this equivocation is recorded already";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "A6-{}", self.number())
    }
}

impl std::str::FromStr for Code {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let number = text.strip_prefix("A6-").and_then(|n| n.parse::<u16>().ok());
        Code::ALL
            .iter()
            .copied()
            .find(|c| Some(c.number()) == number || c.mnemonic() == text)
            .ok_or_else(|| format!("`{text}` is not a rejection code (A6-nnnn)"))
    }
}

/// Encoded as its number, so that adding a code never changes another's encoding.
impl BorshSerialize for Code {
    fn serialize<W: std::io::Write>(&self, w: &mut W) -> std::io::Result<()> {
        BorshSerialize::serialize(&self.number(), w)
    }
}

impl BorshDeserialize for Code {
    fn deserialize_reader<R: std::io::Read>(r: &mut R) -> std::io::Result<Self> {
        let number = u16::deserialize_reader(r)?;
        Code::ALL.iter().copied().find(|c| c.number() == number).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, format!("unknown code {number}"))
        })
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <String as Deserialize>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One failed check: the code and a sentence naming what failed, for the officer.
#[derive(
    Clone, PartialEq, Eq, PartialOrd, Ord, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize,
)]
pub struct Rejection {
    /// The code.
    pub code: Code,
    /// What failed, in the terms of the rule.
    pub message: String,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({}): {}", self.code, self.code.mnemonic(), self.code.rule(), self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_parse_back() {
        let numbers: Vec<u16> = Code::ALL.iter().map(|c| c.number()).collect();
        let mut sorted = numbers.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(numbers, sorted, "codes must be unique and declared in order");
        for code in Code::ALL {
            assert_eq!(code.to_string().parse::<Code>(), Ok(*code));
            assert_eq!(code.mnemonic().parse::<Code>(), Ok(*code));
        }
        assert!("A6-9999".parse::<Code>().is_err());
    }
}
