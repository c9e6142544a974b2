//! Golden vectors: fixed bytes and hashes of the canonical encoding. A change of format
//! fails here; changing a vector is a deliberate act that breaks every signature and
//! every chain made before it, and needs a protocol version bump.

use jcm_runtime::codec::{self, Hash32};
use jcm_runtime::crypto::{SecretKey, TAG_TX};
use jcm_runtime::error::Code;
use jcm_runtime::ids::*;
use jcm_runtime::model::Text;
use jcm_runtime::protocol::{Payload, Transaction, UnitsSpec};

fn transfer() -> Transaction {
    let payload = Payload::TransferInternal {
        ca: CaId::new("CA0001").expect("valid"),
        from: AccountId::new("JPN01-H-EJP1").expect("valid"),
        to: AccountId::new("JPN01-H-GOV").expect("valid"),
        units: UnitsSpec {
            first: Some(Text::new("CA0001-JPN01-IND-5001-2025").expect("short")),
            last: Some(Text::new("CA0001-JPN01-IND-5500-2025").expect("short")),
            quantity: 500,
            ..UnitsSpec::default()
        },
    };
    Transaction::sign("jcm-golden", &SecretKey::dev("E-JP-1"), 7, payload)
}

const TRANSFER_BODY_HEX: &str = concat!(
    "0a0000006a636d2d676f6c64656e", // chain id "jcm-golden"
    "4b3a20a5caf27213a5c138da39de66fe200fa299117cd0e877be32ad07bea68c", // signer key
    "0700000000000000",             // nonce 7
    "0c",                           // payload: transfer_internal
    "06000000434130303031",         // ca CA0001
    "0c0000004a504e30312d482d454a5031", // from
    "0b0000004a504e30312d482d474f56", // to
    "011a0000004341303030312d4a504e30312d494e442d353030312d32303235", // first
    "011a0000004341303030312d4a504e30312d494e442d353530302d32303235", // last
    "f401000000000000",             // quantity 500
    "00000000",                     // four absent options
);
const TRANSFER_HASH_HEX: &str = "7213a9df55deaeca5ef9d025d0537d5849b36395c83bc2016b05e1415c3e6b21";
const TRANSFER_SIGNATURE_HEX: &str = concat!(
    "b5802ebc8c4cb77f870502eb8e0ab38f4edae821aada38860c5e6f1107f9853b",
    "9f024b5fa60eb4c822cd9c94f6679854dc0b8c38a9e42af38970f044a96bfd0f",
);

#[test]
fn transaction_encoding_is_pinned() {
    let tx = transfer();
    let body = codec::encode(&tx.body);
    assert_eq!(hex::encode(&body), TRANSFER_BODY_HEX, "the body encoding changed");
    assert_eq!(tx.hash().to_hex(), TRANSFER_HASH_HEX, "the transaction id changed");
    assert_eq!(tx.signature.to_string(), TRANSFER_SIGNATURE_HEX, "the signed bytes changed");
}

#[test]
fn pinned_bytes_decode_to_the_same_transaction_and_verify() {
    let tx = transfer();
    let bytes = tx.encode();
    let decoded = Transaction::decode(&bytes).expect("canonical bytes decode");
    assert_eq!(decoded, tx);
    assert!(decoded.signature_valid());
    assert_eq!(codec::sha256(&bytes), Hash32::from_hex(TRANSFER_HASH_HEX).expect("hex"));
}

#[test]
fn every_single_byte_change_is_refused_or_detected() {
    let tx = transfer();
    let bytes = tx.encode();
    for i in 0..bytes.len() {
        let mut changed = bytes.clone();
        changed[i] ^= 0x01;
        match Transaction::decode(&changed) {
            Err(_) => {}
            Ok(other) => assert!(!other.signature_valid(), "byte {i} changed yet the signature verifies"),
        }
    }
}

#[test]
fn signing_bytes_carry_domain_tag_and_chain() {
    let bytes = jcm_runtime::crypto::signing_bytes(TAG_TX, "jcm-golden", b"x");
    assert_eq!(hex::encode(bytes), "4a434d2f74782f76310a0000006a636d2d676f6c64656e78");
}

#[test]
fn codes_encode_as_their_numbers() {
    assert_eq!(codec::encode(&Code::UnitsNotHeld), 3002u16.to_le_bytes());
    assert_eq!(codec::decode::<Code>(&6001u16.to_le_bytes(), 2), Ok(Code::NoValidJcNotification));
    assert!(codec::decode::<Code>(&9999u16.to_le_bytes(), 2).is_err());
}
