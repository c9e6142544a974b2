//! `jcm config`: the CLI's settings in `<home>/config.toml`, today the node to talk to.
//!
//! ```toml
//! node = "http://127.0.0.1:26601"
//! ```

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use clap::Subcommand;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::context::{check_url, read_bounded, Context};
use crate::output::{print_fields, print_json};

/// Largest settings file read.
const CONFIG_BYTES_MAX: u64 = 64 * 1024;

/// The settings file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The node's RPC address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

impl Config {
    /// Reads the settings; a missing file is the defaults.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        if !path.exists() {
            return Ok(Self::default());
        }
        let text = read_bounded(path, CONFIG_BYTES_MAX)?;
        toml::from_str(&text).with_context(|| format!("{} is not a valid jcm settings file", path.display()))
    }

    /// Writes the settings, creating the home directory.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let text = toml::to_string(self).context("the settings serialize")?;
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
    }
}

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
