//! `jcm query`: the registry's read models as the node serves them (holdings, a unit's
//! history, authorizations, the corresponding-adjustment ledger, events), and the chain
//! itself (blocks, transactions, status). Each answer is read into its type of the RPC
//! contract ([`jcm_api`]); tables for people ([`render`]), and for scripts
//! `--output json` prints the answer as the contract spells it. The state's read models
//! take `--height H`: the state as it was after that committed block.
//!
//! A query trusts the node it asks; `jcm prove` and `jcm audit` do not.

use std::process::ExitCode;

use anyhow::bail;
use clap::{ArgGroup, Args, Subcommand};
use jcm_api::chain::BlockView;
use jcm_api::gov::{Evidence, Validators, ValidatorsAt};
use jcm_api::paths;
use jcm_api::query::{A64Location, AuthorizationView, EventsPage, Ledger, LedgerYear, PartyHoldings};
use jcm_api::tx::{Nonce, TxStatus};
use jcm_runtime::a64::A64Id;
use jcm_runtime::codec::Hash32;
use jcm_runtime::crypto::PublicKey;
use jcm_runtime::ids::{AccountId, AuthId, Party, ProjectId};
use jcm_runtime::read::{Credited, Holding, UnitHistory};
use jcm_runtime::time::Timestamp;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::client::Rpc;
use crate::context::Context;
use crate::output::print_json;

mod render;

/// Whose holdings or events.
#[derive(Clone, Debug, Args)]
#[command(group(ArgGroup::new("owner").required(true).args(["account", "party"])))]
pub struct Owner {
    /// An account.
    #[arg(long)]
    pub account: Option<AccountId>,
    /// Every account in a Party's registries.
    #[arg(long)]
    pub party: Option<Party>,
}

/// `--height`: the state as it was after a committed height.
#[derive(Clone, Copy, Debug, Default, Args)]
pub struct At {
    /// Read the state as it was after this committed height [default: the last].
    #[arg(long, value_name = "H")]
    pub height: Option<u64>,
}

/// Query commands.
#[derive(Debug, Subcommand)]
pub enum QueryCommand {
    /// Units held by an account, or by every account of a Party's registries.
    #[command(
        after_help = "Example:\n  jcm query holdings --account JPN01-H-GOV\n  jcm query holdings --party IND --output json\n  jcm query holdings --account JPN01-H-GOV --height 120"
    )]
    Holdings {
        #[command(flatten)]
        owner: Owner,
        #[command(flatten)]
        at: At,
    },
    /// A unit's current block and every event that touched it.
    #[command(after_help = "Example:\n  jcm query history CA0001-JPN01-IND-1-2025")]
    History {
        /// The unit identifier, CANNNN-PPPNN-PPP-serial-YYYY.
        unit: String,
        #[command(flatten)]
        at: At,
    },
    /// Every version of an authorization.
    #[command(after_help = "Example:\n  jcm query authorization AUTH-IND-001")]
    Authorization {
        /// The authorization id.
        id: AuthId,
        #[command(flatten)]
        at: At,
    },
    /// A Party's corresponding-adjustment ledger: totals per year, or one year's entries.
    #[command(
        after_help = "Example:\n  jcm query ledger --party JPN\n  jcm query ledger --party JPN --year 2025"
    )]
    Ledger {
        /// The Party.
        #[arg(long)]
        party: Party,
        /// One year, with its entries.
        #[arg(long)]
        year: Option<u16>,
        #[command(flatten)]
        at: At,
    },
    /// The action log of an account or a Party, oldest first, a page at a time.
    #[command(
        after_help = "Example:\n  jcm query events --account JPN01-H-GOV\n  jcm query events --party IND --after 40 --limit 20"
    )]
    Events {
        #[command(flatten)]
        owner: Owner,
        /// Only events after this sequence number (the `next_after` of the previous page).
        #[arg(long, value_name = "SEQ")]
        after: Option<u64>,
        /// At most this many events.
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
    },
    /// What of a project's period has been credited where (R37): its JCM issuances and
    /// the periods other programmes (India's CCTS, ...) declared, with their identifiers.
    #[command(
        after_help = "Example:\n  jcm query credited --project INJ-002 --from 2026-01-01 --to 2026-12-31"
    )]
    Credited {
        /// The project.
        #[arg(long)]
        project: ProjectId,
        /// First day of the period asked about (YYYY-MM-DD).
        #[arg(long, value_parser = Timestamp::parse)]
        from: Timestamp,
        /// Last day of the period asked about (YYYY-MM-DD).
        #[arg(long, value_parser = Timestamp::parse)]
        to: Timestamp,
        #[command(flatten)]
        at: At,
    },
    /// Where an Article 6.4 unit (A6.4ER) is on the chain: the receipt that brought it from
    /// the mechanism registry and the ITMO serial it is tracked under.
    #[command(after_help = "Example:\n  jcm query a64 A6.4ER-IND-PACM-IN-0001-2025-17")]
    A64 {
        /// The A6.4ER identifier, A6.4ER-HOST-ACTIVITY-YYYY-SERIAL.
        #[arg(value_parser = a64_id)]
        id: String,
        #[command(flatten)]
        at: At,
    },
    /// The validator set: in force after the last block, or the one that decided a
    /// committed height (`--height`), with each validator's Party and voting power.
    #[command(
        after_help = "Example:\n  jcm query validators\n  jcm query validators --height 120 --output json"
    )]
    Validators {
        /// A committed height: the set that decided it.
        #[arg(long)]
        height: Option<u64>,
    },
    /// Equivocations recorded on chain (R52): each validator that signed two conflicting
    /// votes, both votes, who reported it and at which height. No penalty follows by
    /// itself: what to do about the offender is a governance decision.
    #[command(after_help = "Example:\n  jcm query evidence\n  jcm query evidence --output json")]
    Evidence,
    /// A committed block, its transactions and their verdicts.
    #[command(after_help = "Example:\n  jcm query block 12\n  jcm query block latest --output json")]
    Block {
        /// A height, or `latest`.
        height: String,
    },
    /// A transaction: committed (height, verdict) or pending.
    #[command(after_help = "Example:\n  jcm query tx 3f2a9c...e9")]
    Tx {
        /// The transaction hash (hex).
        #[arg(value_parser = Hash32::from_hex)]
        hash: Hash32,
    },
    /// A signer's next nonce (what `jcm tx ... --offline --nonce N` signs with), and how
    /// many of its transactions are pending.
    #[command(
        after_help = "Example:\n  jcm query nonce 3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"
    )]
    Nonce {
        /// The signer's public key, hex (`jcm keys show NAME`).
        signer: PublicKey,
    },
    /// The node's status: chain, height, peers, mempool.
    #[command(
        after_help = "Example:\n  jcm query status\n  jcm --node http://127.0.0.1:26611 query status --output json"
    )]
    Status,
    /// The chain's genesis document, as the node serves it.
    #[command(after_help = "Example:\n  jcm query genesis > genesis.json")]
    Genesis,
}

/// Runs a query.
pub fn run(cmd: &QueryCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    // The pin check reads the node's status first: `status` and `block latest` answer
    // from it rather than ask again.
    let (rpc, status_now) = ctx.connect()?;
    let q = Query { ctx, rpc: &rpc };
    match cmd {
        QueryCommand::Holdings { owner, at } => match (&owner.account, &owner.party) {
            (Some(a), _) => q.show::<Holding>(
                &paths::at(paths::account_holdings(a), at.height),
                render::account_holdings,
            )?,
            (None, Some(p)) => {
                let path = paths::at(paths::party_holdings(p), at.height);
                q.show::<PartyHoldings>(&path, render::party_holdings)?
            }
            (None, None) => bail!("give --account ID or --party CODE"),
        },
        QueryCommand::History { unit, at } => {
            q.show::<UnitHistory>(&paths::at(paths::unit_history(unit), at.height), render::history)?
        }
        QueryCommand::Authorization { id, at } => q.show::<AuthorizationView>(
            &paths::at(paths::authorization(id), at.height),
            render::authorization,
        )?,
        QueryCommand::Ledger { party, year: None, at } => {
            q.show::<Ledger>(&paths::at(paths::ledger(party), at.height), render::ledger)?
        }
        QueryCommand::Ledger { party, year: Some(y), at } => {
            q.show::<LedgerYear>(&paths::at(paths::ledger_year(party, *y), at.height), render::ledger_year)?
        }
        QueryCommand::Events { owner, after, limit } => {
            let path = match (&owner.account, &owner.party) {
                (Some(a), _) => paths::account_events(a, *after, *limit),
                (None, Some(p)) => paths::party_events(p, *after, *limit),
                (None, None) => bail!("give --account ID or --party CODE"),
            };
            q.show::<EventsPage>(&path, render::events)?
        }
        QueryCommand::Credited { project, from, to, at } => {
            if from > to {
                bail!("--from {from} is after --to {to}");
            }
            let path = paths::credited(project, &from.date().to_string(), &to.date().to_string());
            let path = paths::at(path, at.height);
            q.show::<Credited>(&path, render::credited)?
        }
        QueryCommand::A64 { id, at } => {
            q.show::<A64Location>(&paths::at(paths::a64(id), at.height), render::a64_unit)?
        }
        QueryCommand::Evidence => q.show::<Evidence>(paths::EVIDENCE, render::evidence)?,
        QueryCommand::Validators { height: None } => {
            q.show::<Validators>(paths::VALIDATORS, render::validators)?
        }
        QueryCommand::Validators { height: Some(h) } => {
            q.show::<ValidatorsAt>(&paths::validators_at(*h), render::validators_at)?
        }
        QueryCommand::Block { height } => {
            let height = match height.as_str() {
                "latest" => status_now.height,
                text => {
                    text.parse().map_err(|_| anyhow::anyhow!("`{text}` is not a height (or `latest`)"))?
                }
            };
            q.show::<BlockView>(&paths::block(height), render::block)?
        }
        QueryCommand::Tx { hash } => q.show::<TxStatus>(&paths::tx(hash), render::transaction)?,
        QueryCommand::Nonce { signer } => q.show::<Nonce>(&paths::nonce(signer), render::nonce)?,
        QueryCommand::Status => show(ctx, &status_now, render::status),
        QueryCommand::Genesis => print!("{}", rpc.get_text(paths::GENESIS)?),
    }
    Ok(ExitCode::SUCCESS)
}

/// One query's command and node.
struct Query<'a> {
    ctx: &'a Context,
    rpc: &'a Rpc,
}

impl Query<'_> {
    /// Reads `path` into its answer type `T` and shows it.
    fn show<T: DeserializeOwned + Serialize>(&self, path: &str, render: fn(&T)) -> anyhow::Result<()> {
        let answer: T = self.rpc.get(path)?;
        show(self.ctx, &answer, render);
        Ok(())
    }
}

/// The node's answer as JSON (`--output json`) or through its table renderer.
fn show<T: Serialize>(ctx: &Context, answer: &T, render: fn(&T)) {
    if ctx.json() {
        print_json(&serde_json::to_value(answer).expect("an answer of the RPC contract serializes"));
    } else {
        render(answer);
    }
}

fn a64_id(text: &str) -> Result<String, String> {
    A64Id::parse(text).map(|id| id.to_string())
}
