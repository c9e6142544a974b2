//! `jcm config`: show and change the CLI's settings in `<home>/config.toml`, today the
//! node to talk to (the file itself is [`crate::context::Config`]).

use std::process::ExitCode;

use anyhow::bail;
use clap::Subcommand;
use serde_json::json;

use crate::context::{check_url, Config, Context};
use crate::output::{print_fields, print_json};

/// Settings commands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Set a setting in <home>/config.toml. Settings: node (the node's RPC address).
    #[command(after_help = "Example:\n  jcm config set node http://127.0.0.1:26611")]
    Set {
        /// The setting: `node`.
        key: String,
        /// Its value.
        value: String,
    },
    /// Remove a setting, back to its default.
    #[command(after_help = "Example:\n  jcm config unset node")]
    Unset {
        /// The setting: `node`.
        key: String,
    },
    /// Show the home directory, the settings, and the node jcm talks to (and why).
    #[command(after_help = "Example:\n  jcm config show\n  jcm --node http://127.0.0.1:26621 config show")]
    Show,
}

fn check_key(key: &str) -> anyhow::Result<()> {
    if key != "node" {
        bail!("unknown setting `{key}`: the settings are: node");
    }
    Ok(())
}

/// Runs a settings command.
pub fn run(cmd: &ConfigCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    let path = ctx.config_path();
    match cmd {
        ConfigCommand::Set { key, value } => {
            check_key(key)?;
            let mut config = Config::load(&path)?;
            config.node = Some(check_url(value)?);
            config.save(&path)?;
            if !ctx.json() {
                println!("node = {} (in {})", config.node.as_deref().unwrap_or_default(), path.display());
            }
        }
        ConfigCommand::Unset { key } => {
            check_key(key)?;
            let mut config = Config::load(&path)?;
            config.node = None;
            config.save(&path)?;
        }
        ConfigCommand::Show => {
            let config = Config::load(&path)?;
            let (node, source) = ctx.node()?;
            if ctx.json() {
                print_json(&json!({
                    "home": ctx.home,
                    "keys": ctx.keys_dir(),
                    "config_file": path,
                    "config": config,
                    "node": node,
                    "node_source": source.describe(),
                }));
            } else {
                print_fields(&[
                    ("home", ctx.home.display().to_string()),
                    ("keys", ctx.keys_dir().display().to_string()),
                    ("config file", path.display().to_string()),
                    ("node", format!("{node} (from {})", source.describe())),
                ]);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
