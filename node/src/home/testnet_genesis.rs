//! The genesis of a JCM testnet: Japan and its partners, one registry each, a cooperative
//! approach and a Joint Committee per partner, the standard accounts, the officers who
//! hold the roles, and the validators. Deterministic: the same Parties, keys, chain id
//! and time give the same document, in the order the Parties were given.

use std::collections::BTreeSet;

use jcm_runtime::crypto::PublicKey;
use jcm_runtime::ids::{AccountId, CaId, JcId, OfficerName, Party, RegistryId};
use jcm_runtime::model::*;
use jcm_runtime::protocol::Genesis;
use jcm_runtime::time::Timestamp;

use super::parties::{self, JAPAN};
use super::HomeError;

/// First and last year of every Party's NDC period in the testnet.
pub const NDC_YEARS: YearRange = YearRange { first: 2021, last: 2030 };

/// An officer of the testnet, before its key exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficerSpec {
    /// Officer name, also the key file's name.
    pub name: String,
    /// Roles.
    pub roles: BTreeSet<Role>,
    /// What the officer does, for the summary.
    pub description: String,
}

fn invalid(e: impl std::fmt::Display) -> HomeError {
    HomeError::Invalid(e.to_string())
}

fn text(t: &str) -> Result<Text, HomeError> {
    Text::new(t).map_err(invalid)
}

/// The registry of `party`: `JPN01`.
pub fn registry(party: &Party) -> Result<RegistryId, HomeError> {
    RegistryId::new(&format!("{party}01")).map_err(invalid)
}

/// The partners of Japan in `parties`, in order, with their cooperative approach
/// (`CA0001` for the first) and Joint Committee (`JC-JPN-IND`).
pub fn partners(parties: &[Party]) -> Result<Vec<(Party, CaId, JcId)>, HomeError> {
    parties
        .iter()
        .filter(|p| p.as_str() != JAPAN)
        .enumerate()
        .map(|(i, p)| {
            let ca = CaId::new(&format!("CA{:04}", i + 1)).map_err(invalid)?;
            let jc = JcId::new(&format!("JC-{JAPAN}-{p}")).map_err(invalid)?;
            Ok((p.clone(), ca, jc))
        })
        .collect()
}

/// The officers of every Party: the designated authority (who also holds the government
/// accounts), the registry administrator, and the Joint Committee representative.
pub fn officers(parties: &[Party]) -> Result<Vec<OfficerSpec>, HomeError> {
    let partners = partners(parties)?;
    let japan = Party::new(JAPAN).map_err(invalid)?;
    let mut out = Vec::new();
    for party in parties {
        let registry = registry(party)?;
        out.push(OfficerSpec {
            name: format!("{party}-DA"),
            roles: BTreeSet::from([
                Role::DesignatedAuthority(party.clone()),
                Role::AccountHolder(Holder::Party(party.clone())),
            ]),
            description: format!("{party} designated authority and government account holder"),
        });
        out.push(OfficerSpec {
            name: format!("{registry}-ADMIN"),
            roles: BTreeSet::from([Role::RegistryAdmin(registry.clone())]),
            description: format!("{registry} registry administrator"),
        });
        let jc_roles: BTreeSet<Role> = partners
            .iter()
            .filter(|(partner, _, _)| *party == japan || partner == party)
            .map(|(_, _, jc)| Role::JcRepresentative { jc: jc.clone(), party: party.clone() })
            .collect();
        if !jc_roles.is_empty() {
            out.push(OfficerSpec {
                name: format!("{party}-JC"),
                roles: jc_roles,
                description: format!("{party} representative on its Joint Committee(s)"),
            });
        }
    }
    for officer in &out {
        OfficerName::new(&officer.name).map_err(invalid)?;
    }
    Ok(out)
}

/// The standard accounts of a registry: pending, government holding, NDC use, OIMP use,
/// voluntary cancellation, OMGE cancellation.
fn accounts(party: &Party) -> Result<Vec<Account>, HomeError> {
    let registry = registry(party)?;
    let government = Some(Holder::Party(party.clone()));
    [
        ("PEND", AccountKind::Pending, None),
        ("H-GOV", AccountKind::Holding, government.clone()),
        ("USE-NDC", AccountKind::UseNdc, government),
        ("USE-OIMP", AccountKind::UseOimp, None),
        ("CXL-VOL", AccountKind::CancelVoluntary, None),
        ("CXL-OMGE", AccountKind::CancelOmge, None),
    ]
    .into_iter()
    .map(|(suffix, kind, holder)| {
        Ok(Account {
            id: AccountId::new(&format!("{registry}-{suffix}")).map_err(invalid)?,
            registry: registry.clone(),
            kind,
            holder,
            status: AccountStatus::Active,
        })
    })
    .collect()
}

fn party_record(party: &Party) -> Result<PartyRecord, HomeError> {
    Ok(PartyRecord {
        code: party.clone(),
        name: text(parties::name(party.as_str()))?,
        ndc_periods: vec![NdcPeriod { years: NDC_YEARS, kind: NdcKind::SingleYear }],
        status: Participation::Eligible,
    })
}

fn approach(partner: &Party, ca: &CaId) -> Result<CooperativeApproach, HomeError> {
    let japan = Party::new(JAPAN).map_err(invalid)?;
    Ok(CooperativeApproach {
        id: ca.clone(),
        name: text(&format!("{}-{} JCM", parties::name(JAPAN), parties::name(partner.as_str())))?,
        participants: BTreeSet::from([japan, partner.clone()]),
        underlying_registry: text("JCM")?,
        metric: Metric::Ghg,
        omge_rate_bp: 0,
        sop_rate_bp: 0,
        eligibility: Enforcement::Enforce,
        transfer_timeout_secs: jcm_runtime::limits::TRANSFER_TIMEOUT_SECS_DEFAULT,
        status: CaStatus::Active,
    })
}

/// Everything a testnet genesis is made of.
#[derive(Debug)]
pub struct GenesisPlan<'a> {
    /// Chain id.
    pub chain_id: &'a str,
    /// Genesis time.
    pub genesis_time: Timestamp,
    /// The Parties, Japan among them, in the order given.
    pub parties: &'a [Party],
    /// Officers with their public keys.
    pub officers: &'a [(OfficerSpec, PublicKey)],
    /// Validators: the Party running it and its consensus key; power 1 each.
    pub validators: &'a [(Party, PublicKey)],
}

impl GenesisPlan<'_> {
    /// The genesis, validated.
    pub fn build(&self) -> Result<Genesis, HomeError> {
        let partners = partners(self.parties)?;
        let mut genesis = Genesis {
            chain_id: text(self.chain_id)?,
            genesis_time: self.genesis_time,
            parties: self.parties.iter().map(party_record).collect::<Result<_, _>>()?,
            registries: Vec::new(),
            cooperative_approaches: Vec::new(),
            joint_committees: Vec::new(),
            projects: Vec::new(),
            entities: Vec::new(),
            accounts: Vec::new(),
            officers: Vec::new(),
            authorizations: Vec::new(),
            validators: Vec::new(),
        };
        for party in self.parties {
            genesis.registries.push(Registry {
                id: registry(party)?,
                name: text(&format!("{} JCM registry", parties::name(party.as_str())))?,
            });
            genesis.accounts.extend(accounts(party)?);
        }
        for (partner, ca, jc) in &partners {
            genesis.cooperative_approaches.push(approach(partner, ca)?);
            genesis.joint_committees.push(JointCommittee {
                id: jc.clone(),
                ca: ca.clone(),
                parties: BTreeSet::from([Party::new(JAPAN).map_err(invalid)?, partner.clone()]),
            });
        }
        for (spec, key) in self.officers {
            genesis.officers.push(Officer {
                name: OfficerName::new(&spec.name).map_err(invalid)?,
                public_key: *key,
                roles: spec.roles.clone(),
            });
        }
        for (party, key) in self.validators {
            genesis.validators.push(Validator {
                name: text(&format!("validator-{}", party.as_str().to_lowercase()))?,
                public_key: *key,
                power: 1,
                party: party.clone(),
            });
        }
        // Validate what will be written, exactly as a node will read it.
        Genesis::from_json(&genesis.to_json())
            .map_err(|e| HomeError::Invalid(format!("the generated genesis is invalid: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jcm_runtime::crypto::SecretKey;

    fn parties(codes: &[&str]) -> Vec<Party> {
        codes.iter().map(|c| Party::new(c).expect("code")).collect()
    }

    #[test]
    fn a_four_party_genesis_declares_the_jcm_network() {
        let parties = parties(&["JPN", "IND", "IDN", "VNM"]);
        let officers: Vec<(OfficerSpec, PublicKey)> = officers(&parties)
            .expect("officers")
            .into_iter()
            .map(|o| {
                let key = SecretKey::dev(&o.name).public();
                (o, key)
            })
            .collect();
        let validators: Vec<(Party, PublicKey)> =
            parties.iter().map(|p| (p.clone(), SecretKey::dev(p.as_str()).public())).collect();
        let genesis = GenesisPlan {
            chain_id: "jcm-test",
            genesis_time: Timestamp::parse("2026-01-01").expect("date"),
            parties: &parties,
            officers: &officers,
            validators: &validators,
        }
        .build()
        .expect("valid");
        assert_eq!(genesis.parties.len(), 4);
        assert_eq!(genesis.registries[0].id.as_str(), "JPN01");
        assert_eq!(genesis.accounts.len(), 4 * 6);
        let cas: Vec<(&str, &str)> =
            genesis.cooperative_approaches.iter().map(|c| (c.id.as_str(), c.name.as_str())).collect();
        assert_eq!(
            cas,
            [
                ("CA0001", "Japan-India JCM"),
                ("CA0002", "Japan-Indonesia JCM"),
                ("CA0003", "Japan-Viet Nam JCM")
            ]
        );
        assert_eq!(genesis.joint_committees[2].id.as_str(), "JC-JPN-VNM");
        // Three officers per Party; Japan's JC representative sits on all three JCs.
        assert_eq!(genesis.officers.len(), 12);
        let japan_jc = genesis.officers.iter().find(|o| o.name.as_str() == "JPN-JC");
        assert_eq!(japan_jc.map(|o| o.roles.len()), Some(3));
        assert_eq!(genesis.validators.len(), 4);
    }

    #[test]
    fn the_first_partner_gets_ca0001_wherever_japan_is_listed() {
        let list = parties(&["IND", "JPN", "IDN"]);
        let p = partners(&list).expect("partners");
        assert_eq!(p[0].0.as_str(), "IND");
        assert_eq!(p[0].1.as_str(), "CA0001");
        assert_eq!(p[1].1.as_str(), "CA0002");
    }
}
