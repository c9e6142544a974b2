//! What every officer's command shares: the CLI's home (the keyring and the settings),
//! the node it talks to, the output format, and the key passphrase, which is asked at
//! most once per command however many keys the command opens. Reading the passphrase is
//! [`jcm_keystore`]'s, as in the node; the messages here name the CLI's own flags.
//!
//! Precedence, highest first: the flag (`--node`, `--home`), its environment variable
//! (`JCM_NODE`, `JCM_HOME`), the settings file (`<home>/config.toml`), the default.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use jcm_api::chain::Status;
use jcm_api::paths;
use jcm_cli::audit::OutputFormat;
use jcm_keystore::{KeystoreError, Purpose, PASSPHRASE_ENV};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::client::Rpc;
use crate::pin;

/// The node asked when nothing else says: the first node of `jcm-node testnet` with
/// its default ports (JPN in config/testnet-4).
pub const NODE_DEFAULT: &str = "http://127.0.0.1:26601";
/// What the CLI's terminal prompt asks.
const PROMPT: &str = "Key passphrase: ";

/// Where the node's address came from, for `jcm config show` and error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeSource {
    /// `--node` or `JCM_NODE`.
    Flag,
    /// `<home>/config.toml`.
    Config,
    /// [`NODE_DEFAULT`].
    Default,
}

impl NodeSource {
    /// For people.
    pub fn describe(self) -> &'static str {
        match self {
            NodeSource::Flag => "--node or JCM_NODE",
            NodeSource::Config => "config.toml",
            NodeSource::Default => "default",
        }
    }
}

/// The resolved global options of one command.
#[derive(Debug)]
pub struct Context {
    /// The CLI's home directory.
    pub home: PathBuf,
    /// `--node` / `JCM_NODE`.
    pub node_flag: Option<String>,
    /// Tables for people or JSON for scripts.
    pub output: OutputFormat,
    /// `--passphrase-file`.
    pub passphrase_file: Option<PathBuf>,
    passphrase: RefCell<Option<Zeroizing<String>>>,
}

impl Context {
    /// Resolves the home directory: `--home`/`JCM_HOME`, else `~/.jcm`.
    pub fn new(
        home: Option<PathBuf>,
        node: Option<String>,
        output: OutputFormat,
        passphrase_file: Option<PathBuf>,
    ) -> anyhow::Result<Self> {
        let home = match home {
            Some(home) => home,
            None => match std::env::var_os("HOME") {
                Some(user) if !user.is_empty() => Path::new(&user).join(".jcm"),
                _ => bail!("no home directory for the keyring: set --home DIR or JCM_HOME"),
            },
        };
        Ok(Self { home, node_flag: node, output, passphrase_file, passphrase: RefCell::new(None) })
    }

    /// Whether the output is JSON.
    pub fn json(&self) -> bool {
        self.output == OutputFormat::Json
    }

    /// `<home>/keys`.
    pub fn keys_dir(&self) -> PathBuf {
        self.home.join("keys")
    }

    /// `<home>/config.toml`.
    pub fn config_path(&self) -> PathBuf {
        self.home.join("config.toml")
    }

    /// The node's address and where it came from.
    pub fn node(&self) -> anyhow::Result<(String, NodeSource)> {
        if let Some(url) = &self.node_flag {
            return Ok((check_url(url)?, NodeSource::Flag));
        }
        let config = Config::load(&self.config_path())?;
        match config.node {
            Some(url) => Ok((check_url(&url).context("the `node` of config.toml")?, NodeSource::Config)),
            None => Ok((NODE_DEFAULT.to_string(), NodeSource::Default)),
        }
    }

    /// A client of the node, once its chain is checked against this machine's pins.
    pub fn rpc(&self) -> anyhow::Result<Rpc> {
        Ok(self.connect()?.0)
    }

    /// Where every conversation with a node starts: its `/v1/status`, whose chain id and
    /// genesis hash are checked against the pins in the home ([`pin::verify_node`]: a
    /// first contact pins them, a node presenting another genesis is refused).
    pub fn connect(&self) -> anyhow::Result<(Rpc, Status)> {
        let (url, _) = self.node()?;
        let rpc = Rpc::new(&url);
        let status: Status = rpc.get(paths::STATUS)?;
        pin::verify_node(&self.home, rpc.base(), &status)?;
        Ok((rpc, status))
    }

    /// The node's address, once its chain is checked against the pins ([`Self::connect`]),
    /// for the commands that read the node with their own client.
    pub fn pinned_node(&self) -> anyhow::Result<String> {
        Ok(self.rpc()?.base().to_string())
    }

    /// The passphrase, read once per command from `--passphrase-file`, `JCM_PASSPHRASE`
    /// or the terminal. A command that seals new keys asks for it with [`Purpose::Create`].
    pub fn passphrase(&self, purpose: Purpose) -> anyhow::Result<Zeroizing<String>> {
        if let Some(known) = self.passphrase.borrow().as_ref() {
            return Ok(known.clone());
        }
        let passphrase = jcm_keystore::read_passphrase(self.passphrase_file.as_deref(), purpose, PROMPT)
            .map_err(keystore_error)?;
        *self.passphrase.borrow_mut() = Some(passphrase.clone());
        Ok(passphrase)
    }
}

/// Accepts `http://host:port` (a trailing slash is dropped); this build speaks plain
/// HTTP, as the node serves it on loopback.
pub fn check_url(url: &str) -> anyhow::Result<String> {
    let url = url.trim().trim_end_matches('/');
    let Some(rest) = url.strip_prefix("http://") else {
        if url.starts_with("https://") {
            bail!("`{url}`: this build of jcm speaks plain HTTP to the node (reach a remote node through an SSH tunnel or a local proxy)");
        }
        bail!("`{url}` is not a node address: expected http://HOST:PORT, e.g. {NODE_DEFAULT}");
    };
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        bail!("`{url}` is not a node address: expected http://HOST:PORT, e.g. {NODE_DEFAULT}");
    }
    Ok(url.to_string())
}

/// Reads a small file, refusing one larger than `max` bytes.
pub fn read_bounded(path: &Path, max: u64) -> anyhow::Result<String> {
    jcm_keystore::read_bounded(path, max).map_err(keystore_error)
}

/// The CLI's words for a key store error: its flags in the hints, and `cannot read` for a
/// file that could not be read.
pub fn keystore_error(error: KeystoreError) -> anyhow::Error {
    let hint =
        || format!("pass --passphrase-file FILE or set {PASSPHRASE_ENV} when no terminal can be prompted");
    match error {
        KeystoreError::Io { path, source } => {
            anyhow::Error::new(source).context(format!("cannot read {}", path.display()))
        }
        KeystoreError::TooLarge { path, max, .. } => {
            anyhow::anyhow!("{} is larger than {max} bytes", path.display())
        }
        KeystoreError::Key { path, cause } => {
            anyhow::Error::new(cause).context(format!("{} is not a usable key file", path.display()))
        }
        KeystoreError::Seal { cause, .. } => anyhow::Error::new(cause).context("cannot seal the key"),
        KeystoreError::NotATerminal => {
            anyhow::anyhow!("a key passphrase is needed and standard input is not a terminal: {}", hint())
        }
        KeystoreError::Prompt(cause) => {
            anyhow::Error::new(cause).context(format!("cannot prompt: {}", hint()))
        }
        KeystoreError::Random(cause) => anyhow::anyhow!("the OS random number generator failed: {cause}"),
        KeystoreError::PassphraseTooShort | KeystoreError::PassphrasesDiffer => anyhow::anyhow!("{error}"),
    }
}

/// Asks a yes/no question on the terminal; `--yes` skips it. Without a terminal the
/// answer cannot be given, which is an error naming `--yes`.
pub fn confirm(question: &str) -> anyhow::Result<bool> {
    use std::io::{BufRead, Write};
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        bail!("confirmation needed and standard input is not a terminal: pass --yes to proceed without a prompt");
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).context("cannot read the answer")?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_addresses_are_checked() {
        assert_eq!(check_url("http://127.0.0.1:26601/").ok().as_deref(), Some("http://127.0.0.1:26601"));
        assert!(check_url("127.0.0.1:26601").is_err());
        assert!(check_url("https://node.example:443").is_err());
        assert!(check_url("http://").is_err());
    }
}

/// Largest settings file read.
const CONFIG_BYTES_MAX: u64 = 64 * 1024;

/// The CLI's settings, `<home>/config.toml`, today the node to talk to:
///
/// ```toml
/// node = "http://127.0.0.1:26601"
/// ```
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
