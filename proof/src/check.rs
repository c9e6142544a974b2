//! The verifier's checks of one certified header and of state entries against its root,
//! shared by the proven height and by each validator-set transition.

use jcm_runtime::chain;
use jcm_runtime::codec::{self, Hash32};
use jcm_runtime::merkle;
use jcm_runtime::model::Validator;
use jcm_runtime::protocol;
use jcm_runtime::protocol::{ChainId, CommitCertificate, Genesis, Header, ValidatorSet, COMMIT_BYTES_MAX};
use jcm_runtime::state::{keys, ChainMeta};

use super::file::{Entry, Lookup};
use super::{CheckError, HEADER_BYTES_MAX, VALUE_BYTES_MAX};

/// What the verifier takes from the trusted genesis.
pub(super) struct Chain {
    /// The chain id every header names.
    pub chain_id: ChainId,
    /// The genesis validators, as the runtime keeps them.
    pub validators: Vec<Validator>,
    /// Their consensus form.
    pub set: ValidatorSet,
    /// The genesis hash the chain metadata names.
    pub genesis_hash: Hash32,
}

impl Chain {
    pub(super) fn of(genesis: &Genesis) -> Result<Self, CheckError> {
        let bad = |e: String| CheckError::Header(format!("the genesis cannot start a chain: {e}"));
        let chain_id = ChainId::new(genesis.chain_id.as_str()).map_err(|e| bad(e.to_string()))?;
        let set = chain::genesis_validators(genesis).map_err(|e| bad(e.to_string()))?;
        Ok(Self { chain_id, validators: genesis.validators.clone(), set, genesis_hash: genesis.hash() })
    }
}

/// Why a header is not one the trusted set certified.
pub(super) enum Uncertified {
    /// The header does not decode, or is not the one expected.
    Header(String),
    /// The certificate does not decode, or does not certify the header.
    Commit(String),
}

/// Decodes a header of `height` and its certificate, and checks that `trusted` certified
/// it: the header is of the chain, at `height`, names `trusted` as the set deciding it,
/// and more than two thirds of `trusted`'s power signed a precommit for its hash.
pub(super) fn certified(
    chain: &Chain,
    trusted: &ValidatorSet,
    header_hex: &str,
    commit_hex: &str,
    height: u64,
) -> Result<Header, Uncertified> {
    let bytes = hex::decode(header_hex).map_err(|e| Uncertified::Header(format!("not hex: {e}")))?;
    let header: Header = codec::decode(&bytes, HEADER_BYTES_MAX)
        .map_err(|e| Uncertified::Header(format!("does not decode: {e}")))?;
    if header.chain_id != chain.chain_id {
        return Err(Uncertified::Header(format!(
            "it is of chain `{}`, not `{}`",
            header.chain_id.as_str(),
            chain.chain_id.as_str()
        )));
    }
    if header.height != height || header.height == 0 {
        return Err(Uncertified::Header(format!("its height is {}, {height} expected", header.height)));
    }
    let expected = protocol::validators_hash(trusted);
    if header.validators_hash != expected {
        return Err(Uncertified::Header(format!(
            "its validator-set hash is {}, not {expected}, the hash of the set in force at height \
             {height} as the genesis and the file's validator-set transitions give it: a \
             transition is missing from the file, or the header is not the chain's",
            header.validators_hash
        )));
    }
    let bytes = hex::decode(commit_hex).map_err(|e| Uncertified::Commit(format!("not hex: {e}")))?;
    let commit: CommitCertificate = codec::decode(&bytes, COMMIT_BYTES_MAX)
        .map_err(|e| Uncertified::Commit(format!("does not decode: {e}")))?;
    if commit.height != header.height || commit.value != header.value_id() {
        return Err(Uncertified::Commit(format!(
            "it certifies height {} block {}, not the header (height {}, hash {})",
            commit.height,
            Hash32(commit.value.0),
            header.height,
            header.hash()
        )));
    }
    commit.verify(&chain.chain_id, trusted).map_err(|e| {
        Uncertified::Commit(format!("{e} (checked against the set in force at height {height})"))
    })?;
    Ok(header)
}

/// Checks an entry's proof against `root` and decodes its value.
pub(super) fn entry<T>(root: &Hash32, entry: &Entry, what: &str) -> Result<T, CheckError>
where
    T: borsh::BorshSerialize + borsh::BorshDeserialize,
{
    let fail = |message: String| CheckError::Entry { what: what.to_string(), message };
    let key = hex::decode(&entry.key).map_err(|e| fail(format!("the key is not hex: {e}")))?;
    let value = hex::decode(&entry.value).map_err(|e| fail(format!("the value is not hex: {e}")))?;
    merkle::verify(root, &key, Some(&value), &entry.proof)
        .map_err(|e| fail(format!("the Merkle proof fails: {e}")))?;
    codec::decode(&value, VALUE_BYTES_MAX).map_err(|e| fail(format!("the value does not decode: {e}")))
}

/// Checks that `lookup` is of `key` and that its proof shows, under `root`, the value it
/// gives or the key's absence; the value (`None`: absent).
pub(super) fn lookup(root: &Hash32, key: &[u8], lookup: &Lookup) -> Result<Option<Vec<u8>>, String> {
    if lookup.key != hex::encode(key) {
        return Err(format!("the entry is of key {}, not {}", lookup.key, hex::encode(key)));
    }
    let value = match &lookup.value {
        Some(text) => Some(hex::decode(text).map_err(|e| format!("the value is not hex: {e}"))?),
        None => None,
    };
    merkle::verify(root, key, value.as_deref(), &lookup.proof).map_err(|e| {
        let claim = if value.is_some() { "the value given" } else { "the key absent" };
        format!("the Merkle proof does not show {claim}: {e}")
    })?;
    Ok(value)
}

/// The value bytes of the file's chain-metadata entry, once it is the metadata key and
/// names this genesis: the value every state of the chain holds there (it is fixed at
/// genesis), checked against each root the proof rests on.
pub(super) fn meta_claim(chain: &Chain, meta: &Entry) -> Result<Vec<u8>, CheckError> {
    let what = "the chain-metadata entry";
    let fail = |message: String| CheckError::Entry { what: what.to_string(), message };
    let value = hex::decode(&meta.value).map_err(|e| fail(format!("the value is not hex: {e}")))?;
    let decoded: ChainMeta = codec::decode(&value, VALUE_BYTES_MAX)
        .map_err(|e| fail(format!("the value does not decode: {e}")))?;
    if hex::decode(&meta.key).ok().as_deref() != Some(keys::META)
        || decoded.genesis_hash != chain.genesis_hash
    {
        return Err(fail(format!(
            "the proven state is of genesis {}, not of the given genesis {}",
            decoded.genesis_hash, chain.genesis_hash
        )));
    }
    Ok(value)
}
