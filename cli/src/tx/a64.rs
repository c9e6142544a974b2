//! `jcm tx receive-a64-units`: the secretariat records A6.4ERs, authorized by their host,
//! as received from the Article 6.4 mechanism registry into a Party registry account.

use clap::Args;
use jcm_runtime::ids::{AccountId, AuthId, CaId, ProjectId};
use jcm_runtime::model::Text;
use jcm_runtime::protocol::{A64Units, Payload};

use super::parse::text;

/// `receive-a64-units`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct ReceiveA64Units {
    /// The cooperative approach that tracks the A6.4ERs (its underlying unit registry is
    /// the mechanism registry, PACM).
    #[arg(long)]
    pub ca: CaId,
    /// The Article 6.4 activity, registered as a project of that approach.
    #[arg(long)]
    pub activity: ProjectId,
    /// Vintage of the A6.4ERs.
    #[arg(long)]
    pub vintage: u16,
    /// First A6.4ER identifier, e.g. A6.4ER-IND-PACM-IN-0001-2025-1.
    #[arg(long, value_parser = text)]
    pub first: Text,
    /// Last A6.4ER identifier.
    #[arg(long, value_parser = text)]
    pub last: Text,
    /// Number of A6.4ERs (last − first + 1).
    #[arg(long)]
    pub quantity: u64,
    /// The receiving HOLDING account.
    #[arg(long)]
    pub to: AccountId,
    /// The host's authorization of the A6.4ERs.
    #[arg(long)]
    pub authorization: AuthId,
}

impl ReceiveA64Units {
    /// The payload.
    pub fn payload(&self) -> anyhow::Result<Payload> {
        Ok(Payload::ReceiveA64Units {
            ca: self.ca.clone(),
            activity: self.activity.clone(),
            vintage: self.vintage,
            units: A64Units { first: self.first.clone(), last: self.last.clone(), quantity: self.quantity },
            to: self.to.clone(),
            authorization: self.authorization.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Harness {
        #[command(flatten)]
        args: ReceiveA64Units,
    }

    #[test]
    fn flags_build_the_receipt_the_runtime_reads() {
        let parsed = Harness::try_parse_from([
            "receive-a64-units",
            "--ca",
            "CA0101",
            "--activity",
            "PACM-IN-0001",
            "--vintage",
            "2025",
            "--first",
            "A6.4ER-IND-PACM-IN-0001-2025-1",
            "--last",
            "A6.4ER-IND-PACM-IN-0001-2025-1000",
            "--quantity",
            "1000",
            "--to",
            "JPN01-H-GOV",
            "--authorization",
            "AUTH-IND-641",
        ])
        .expect("parses");
        let json = serde_json::to_value(parsed.args.payload().expect("payload")).expect("serializes");
        assert_eq!(json["action"], "receive_a64_units");
        assert_eq!(json["units"]["last"], "A6.4ER-IND-PACM-IN-0001-2025-1000");
        assert_eq!(json["units"]["quantity"], 1000);
        assert_eq!(json["to"], "JPN01-H-GOV");
        let again = jcm_runtime::protocol::payload_from_json(json).expect("the runtime decodes it");
        assert_eq!(again.action(), "receive_a64_units");
        assert!(Harness::try_parse_from(["receive-a64-units", "--ca", "CA0101"]).is_err());
    }
}
