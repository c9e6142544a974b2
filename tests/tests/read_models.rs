//! Read models over the state after the baseline issuance B1 and an NDC use: a unit's
//! history, holdings, the corresponding-adjustment ledger, authorization versions, and
//! the AEF report's determinism.

use jcm_runtime::aef;
use jcm_runtime::events::{EventKind, FirstTransferSubtype};
use jcm_runtime::model::{AuthStatus, Text};
use jcm_runtime::protocol::{Payload, Transaction};
use jcm_runtime::read;
use jcm_runtime::state::MemStore;
use jcm_runtime::time::Timestamp;
use jcm_runtime::tx::{self, BlockContext};
use jcm_tests::builders;
use jcm_tests::fixture::Fixture;

struct Chain {
    fixture: Fixture,
    state: MemStore,
    height: u64,
}

impl Chain {
    fn new() -> Self {
        let fixture = Fixture::f0();
        let state = fixture.state();
        Chain { fixture, state, height: 0 }
    }

    fn submit(&mut self, at: &str, signer: &str, payload: Payload) {
        self.height += 1;
        let block = BlockContext { height: self.height, time: Timestamp::parse(at).expect("date") };
        let key = self.fixture.key(signer).expect("officer");
        let nonce = jcm_runtime::state::StateExt::nonce(&self.state, &key.public());
        let t = Transaction::sign(self.fixture.genesis.chain_id.as_str(), key, nonce, payload);
        let verdict = tx::apply(&mut self.state, &block, &t);
        assert!(verdict.is_accepted(), "{signer} {at}: {verdict}");
    }
}

/// B1, then Japan uses units 1..1000 towards its 2030 NDC (S27), then India revokes
/// AUTH-IND-001 prospectively.
fn chain() -> Chain {
    let mut c = Chain::new();
    let b1 = builders::b1(&c.fixture);
    c.submit("2026-02-10", "IND01-ADMIN", b1);
    let units = builders::range("JPN01", 1, 1000, 2025);
    c.submit("2026-03-01", "MOEJ", builders::movement("use_ndc", "JPN01-H-GOV", "JPN01-USE-NDC", units));
    let revoke = Payload::RevokeAuthorization {
        id: "AUTH-IND-001".parse().expect("id"),
        retroactive: false,
        reason: Text::default(),
    };
    c.submit("2026-04-01", "NDAIAPA", revoke);
    c
}

#[test]
fn a_units_history_lists_every_action_in_order() {
    let c = chain();
    let history = read::unit_history(&c.state, "CA0001-JPN01-IND-500-2025").expect("unit exists");
    let kinds: Vec<&EventKind> = history.events.iter().map(|e| &e.kind).collect();
    assert!(matches!(kinds[0], EventKind::Issued { .. }), "{kinds:?}");
    assert!(
        matches!(kinds[1], EventKind::FirstTransfer { subtype: FirstTransferSubtype::ToAnotherParty, .. }),
        "{kinds:?}"
    );
    assert!(matches!(kinds[2], EventKind::Acquired { .. }), "{kinds:?}");
    assert!(matches!(kinds[3], EventKind::UsedNdc { year: 2030, .. }), "{kinds:?}");
    assert_eq!(kinds.len(), 4);
    assert_eq!(history.current.attrs.account.as_str(), "JPN01-USE-NDC");
    assert!(read::unit_history(&c.state, "CA0001-JPN01-IND-99999-2025").is_err());
    assert!(read::unit_history(&c.state, "not-a-unit").is_err());
}

#[test]
fn holdings_join_blocks_and_sum_quantities() {
    let c = chain();
    let gov = read::holdings(&c.state, &"JPN01-H-GOV".parse().expect("id")).expect("account");
    assert_eq!(gov.quantity, 4000);
    assert_eq!((gov.blocks[0].first, gov.blocks[0].last), (1001, 5000));
    let japan: u64 =
        read::party_holdings(&c.state, &"JPN".parse().expect("party")).iter().map(|h| h.quantity).sum();
    assert_eq!(japan, 7000, "6,000 held plus 1,000 in the NDC use account");
    assert!(read::holdings(&c.state, &"JPN01-NOPE".parse().expect("id")).is_none());
}

#[test]
fn the_ledger_shows_additions_by_vintage_and_subtractions_by_use_year() {
    let c = chain();
    let india = read::ledger(&c.state, &"IND".parse().expect("party"));
    assert_eq!(india.get(&2025).map(|t| (t.additions, t.subtractions)), Some((7000, 0)));
    let entries = read::ledger_entries(&c.state, &"IND".parse().expect("party"), 2025);
    assert_eq!(entries.iter().map(|e| e.delta).collect::<Vec<_>>(), [5000, 2000]);
    let japan = read::ledger_entries(&c.state, &"JPN".parse().expect("party"), 2030);
    assert_eq!(japan.iter().map(|e| e.delta).collect::<Vec<_>>(), [-1000]);
    assert!(read::ledger(&c.state, &"SGP".parse().expect("party")).is_empty());
}

#[test]
fn authorization_versions_are_kept_oldest_first() {
    let c = chain();
    let versions = read::authorization_versions(&c.state, &"AUTH-IND-001".parse().expect("id"));
    assert_eq!(
        versions.iter().map(|v| (v.version, v.status)).collect::<Vec<_>>(),
        [(1, AuthStatus::Active), (2, AuthStatus::Revoked)]
    );
    assert_eq!(versions[1].date, Timestamp::parse("2026-04-01").expect("date"));
}

#[test]
fn the_aef_report_is_byte_identical_for_the_same_state_and_escapes_csv() {
    let c = chain();
    let india = "IND".parse().expect("party");
    let first = aef::report(&c.state, &india, 2026).to_csv();
    let second = aef::report(&c.state.clone(), &india, 2026).to_csv();
    assert_eq!(first, second);
    assert!(first.starts_with("Table 1 Submission\r\n"));
    assert_eq!(first.matches("Table ").count(), 5, "five tables, each under its title");
    // Table 2 of 2026 has the revocation (v2) of AUTH-IND-001; its purposes cell has no
    // comma, but the change-conditions text of Table 5 rows with a comma must be quoted.
    let rows = aef::report(&c.state, &india, 2026);
    let t2 = &rows.tables[1];
    assert!(t2.rows.iter().any(|r| r[0] == "AUTH-IND-001" && r[3] == "2"), "{:?}", t2.rows);
    let mut report = rows.clone();
    report.tables[4].rows.push(vec!["a,b".into(), "say \"x\"".into()]);
    assert!(report.to_csv().contains("\"a,b\",\"say \"\"x\"\"\"\r\n"));
}
