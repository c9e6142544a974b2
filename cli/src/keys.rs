//! `jcm keys`: the officer's keyring, one key file per key in `<home>/keys/<NAME>.json`,
//! in the format the node also writes ([`KeyFile`]: an ed25519 seed sealed with
//! argon2id and XChaCha20-Poly1305 under a passphrase).
//!
//! `jcm-node testnet --dev` writes unencrypted development key files for its officers;
//! `jcm keys import` and `import-testnet` keep them unencrypted (they are public anyway,
//! and a demo should not ask for a passphrase) unless `--encrypt` seals them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use clap::Subcommand;
use jcm_keystore::{KeystoreError, Purpose};
use jcm_runtime::crypto::SecretKey;
use jcm_runtime::keyfile::KeyFile;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use crate::context::{confirm, keystore_error, Context};
use crate::output::{print_fields, print_json, Table};

/// Longest key name.
pub const NAME_LEN_MAX: usize = 64;

/// Key commands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a new ed25519 key, sealed with a passphrase (asked twice at a prompt).
    #[command(
        after_help = "Example:\n  jcm keys new JPN01-ADMIN\n  JCM_PASSPHRASE=... jcm keys new alice --output json"
    )]
    New {
        /// The key's name in the keyring (letters, digits, `-`, `_`, `.`).
        name: String,
    },
    /// List the keys in the keyring.
    #[command(after_help = "Example:\n  jcm keys list\n  jcm keys list --output json")]
    List,
    /// Show a key's public key, file and protection.
    #[command(after_help = "Example:\n  jcm keys show JPN-DA\n  jcm keys show JPN-DA --check")]
    Show {
        /// The key's name.
        name: String,
        /// Also open the key with its passphrase, to check it.
        #[arg(long)]
        check: bool,
    },
    /// Import a key file (an exported key, or an officer key of `jcm-node testnet`).
    #[command(after_help = "Example:\n  jcm keys import JPN-DA --file target/demo/officers/JPN-DA.json\n  \
        jcm keys import --file backup/alice.json")]
    Import {
        /// The name to give it [default: the name inside the file].
        name: Option<String>,
        /// The key file.
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// Seal an unencrypted development key with a passphrase.
        #[arg(long)]
        encrypt: bool,
        /// Replace a key of the same name.
        #[arg(long)]
        force: bool,
    },
    /// Import every officer key of a testnet written by `jcm-node testnet` (DIR or
    /// DIR/officers).
    #[command(
        name = "import-testnet",
        after_help = "Example:\n  jcm keys import-testnet target/demo\n  \
        jcm keys import-testnet config/testnet-4 --encrypt"
    )]
    ImportTestnet {
        /// The testnet's directory.
        dir: PathBuf,
        /// Seal the unencrypted development keys with one passphrase.
        #[arg(long)]
        encrypt: bool,
        /// Replace keys of the same names.
        #[arg(long)]
        force: bool,
    },
    /// Write a key's file (still sealed with its passphrase) to FILE or stdout.
    #[command(after_help = "Example:\n  jcm keys export JPN-DA --out /media/backup/JPN-DA.json")]
    Export {
        /// The key's name.
        name: String,
        /// Where to write it [default: stdout].
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Rotate an officer's key on the chain: sign with --key (the old key) to move the
    /// officer to the keyring's key --new; the old key is retired for good (R48).
    #[command(
        after_help = "Example:\n  jcm keys new JPN-DA-2\n  jcm keys rotate --new JPN-DA-2 --key JPN-DA"
    )]
    Rotate(crate::gov::RotateArgs),
    /// Delete a key from the keyring (asks first unless --yes).
    #[command(after_help = "Example:\n  jcm keys delete old-key --yes")]
    Delete {
        /// The key's name.
        name: String,
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
    },
}

/// Checks a key name: it becomes a file name, so no separators or leading dot.
pub fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= NAME_LEN_MAX
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !ok {
        bail!("`{name}` is not a key name: use letters, digits, `-`, `_` and `.`, at most {NAME_LEN_MAX}, not starting with `.`");
    }
    Ok(())
}

/// The file of key `name`.
pub fn key_path(ctx: &Context, name: &str) -> PathBuf {
    ctx.keys_dir().join(format!("{name}.json"))
}

/// Reads and checks a key file.
pub fn read_key_file(path: &Path) -> anyhow::Result<KeyFile> {
    jcm_keystore::read_key_file(path).map_err(keystore_error)
}

/// Key `name`'s file from the keyring.
pub fn stored(ctx: &Context, name: &str) -> anyhow::Result<KeyFile> {
    check_name(name)?;
    let path = key_path(ctx, name);
    if !path.exists() {
        bail!(
            "no key `{name}` in the keyring {} (see `jcm keys list`; import one with `jcm keys import`)",
            ctx.keys_dir().display()
        );
    }
    read_key_file(&path)
}

/// Opens key `name` (asking for the passphrase once per command if it is sealed).
pub fn load(ctx: &Context, name: &str) -> anyhow::Result<SecretKey> {
    let file = stored(ctx, name)?;
    let passphrase =
        if file.encrypted { ctx.passphrase(Purpose::Open)? } else { Zeroizing::new(String::new()) };
    file.open(passphrase.as_bytes())
        .with_context(|| format!("cannot open key `{name}` ({})", key_path(ctx, name).display()))
}

fn seal(ctx: &Context, name: &str, key: &SecretKey) -> anyhow::Result<KeyFile> {
    let passphrase = ctx.passphrase(Purpose::Create)?;
    jcm_keystore::seal(name, key, passphrase.as_bytes()).map_err(keystore_error)
}

/// Writes a key file readable by its owner only, creating the keyring directory.
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    jcm_keystore::write_file(path, text, true).map_err(|error| match error {
        KeystoreError::Io { path, source } => {
            anyhow::Error::new(source).context(format!("cannot write {}", path.display()))
        }
        other => keystore_error(other),
    })
}

fn protection(file: &KeyFile) -> &'static str {
    if file.encrypted {
        "sealed (argon2id + XChaCha20-Poly1305)"
    } else {
        "UNENCRYPTED development key"
    }
}

fn describe(name: &str, path: &Path, file: &KeyFile) -> Value {
    json!({
        "name": name,
        "public_key": file.public_key,
        "encrypted": file.encrypted,
        "file": path,
    })
}

/// Stores `file` under `name`; an existing key of that name is replaced only with
/// `force` (or kept if it is the same key). Returns whether a file was written.
fn store(ctx: &Context, name: &str, mut file: KeyFile, encrypt: bool, force: bool) -> anyhow::Result<bool> {
    check_name(name)?;
    let path = key_path(ctx, name);
    if path.exists() && !force {
        let existing = read_key_file(&path)?;
        if existing.public_key == file.public_key && (existing.encrypted || !encrypt) {
            return Ok(false);
        }
        bail!("a key `{name}` already exists ({}): pass --force to replace it", path.display());
    }
    if encrypt && !file.encrypted {
        let key = file.open(b"").context("cannot open the development key")?;
        file = seal(ctx, name, &key)?;
    }
    file.name = name.to_string();
    write_private(&path, &file.to_json())?;
    Ok(true)
}

/// The officer key files of a testnet directory (`DIR/officers/*.json` or `DIR/*.json`).
fn testnet_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let officers = dir.join("officers");
    let dir = if officers.is_dir() { officers } else { dir.to_path_buf() };
    let entries = std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("no key files in {} (expected the officers/ of `jcm-node testnet`)", dir.display());
    }
    Ok(files)
}

/// Runs a key command.
pub fn run(cmd: &KeysCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    match cmd {
        KeysCommand::New { name } => new(ctx, name)?,
        KeysCommand::Rotate(args) => {
            return crate::gov::run_rotate(args, stored(ctx, &args.new)?.public_key, ctx)
        }
        KeysCommand::List => list(ctx)?,
        KeysCommand::Show { name, check } => {
            let file = stored(ctx, name)?;
            if *check {
                load(ctx, name)?;
            }
            report_one(ctx, name, &key_path(ctx, name), &file, if *check { "opened" } else { "" });
        }
        KeysCommand::Import { name, file, encrypt, force } => {
            import(ctx, name.as_deref(), file, *encrypt, *force)?
        }
        KeysCommand::ImportTestnet { dir, encrypt, force } => import_testnet(ctx, dir, *encrypt, *force)?,
        KeysCommand::Export { name, out } => export(ctx, name, out.as_deref())?,
        KeysCommand::Delete { name, yes } => delete(ctx, name, *yes)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `jcm keys new NAME`: a fresh key, sealed under a passphrase asked twice.
fn new(ctx: &Context, name: &str) -> anyhow::Result<()> {
    check_name(name)?;
    let path = key_path(ctx, name);
    if path.exists() {
        bail!("a key `{name}` already exists ({})", path.display());
    }
    let key = jcm_keystore::new_key().map_err(keystore_error)?;
    let file = seal(ctx, name, &key)?;
    write_private(&path, &file.to_json())?;
    report_one(ctx, name, &path, &file, "created");
    Ok(())
}

/// `jcm keys import FILE`: a key file into the keyring, under its own name or `name`.
fn import(ctx: &Context, name: Option<&str>, file: &Path, encrypt: bool, force: bool) -> anyhow::Result<()> {
    let key_file = read_key_file(file)?;
    let name = name.map_or_else(|| key_file.name.clone(), str::to_owned);
    let public = key_file.public_key;
    let written = store(ctx, &name, key_file, encrypt, force)?;
    let stored = stored(ctx, &name)?;
    report_one(
        ctx,
        &name,
        &key_path(ctx, &name),
        &stored,
        if written { "imported" } else { "already present" },
    );
    if !stored.encrypted && !ctx.json() {
        eprintln!("note: `{name}` ({public}) is an unencrypted development key; use --encrypt to seal it");
    }
    Ok(())
}

/// `jcm keys export NAME [--out FILE]`: the key file as stored (sealed or not).
fn export(ctx: &Context, name: &str, out: Option<&Path>) -> anyhow::Result<()> {
    let file = stored(ctx, name)?;
    match out {
        Some(path) => {
            write_private(path, &file.to_json())?;
            if !ctx.json() {
                println!("wrote key `{name}` ({}) to {}", protection(&file), path.display());
            } else {
                print_json(&json!({ "name": name, "file": path, "encrypted": file.encrypted }));
            }
        }
        None => print!("{}", file.to_json()),
    }
    Ok(())
}

/// `jcm keys delete NAME`: removes the key file, after a confirmation unless `yes`.
fn delete(ctx: &Context, name: &str, yes: bool) -> anyhow::Result<()> {
    let file = stored(ctx, name)?;
    let path = key_path(ctx, name);
    let question =
        format!("Delete key `{name}` ({})? It cannot be recovered without a copy.", file.public_key);
    if !yes && !confirm(&question)? {
        bail!("nothing deleted");
    }
    std::fs::remove_file(&path).with_context(|| format!("cannot delete {}", path.display()))?;
    report_one(ctx, name, &path, &file, "deleted");
    Ok(())
}

fn report_one(ctx: &Context, name: &str, path: &Path, file: &KeyFile, what: &str) {
    if ctx.json() {
        let mut value = describe(name, path, file);
        if !what.is_empty() {
            value["result"] = json!(what);
        }
        print_json(&value);
        return;
    }
    let mut fields = vec![
        ("name", name.to_string()),
        ("public key", file.public_key.to_string()),
        ("protection", protection(file).to_string()),
        ("file", path.display().to_string()),
    ];
    if !what.is_empty() {
        fields.push(("result", what.to_string()));
    }
    print_fields(&fields);
}

fn list(ctx: &Context) -> anyhow::Result<()> {
    let dir = ctx.keys_dir();
    let mut keys = Vec::new();
    if dir.is_dir() {
        let entries = std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?;
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths.into_iter().filter(|p| p.extension().is_some_and(|x| x == "json")) {
            let name = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
            match read_key_file(&path) {
                Ok(file) => keys.push(describe(&name, &path, &file)),
                Err(e) => eprintln!("warning: skipping {}: {e:#}", path.display()),
            }
        }
    }
    if ctx.json() {
        print_json(&json!({ "keyring": dir, "keys": keys }));
        return Ok(());
    }
    let mut table = Table::new(&["NAME", "PUBLIC KEY", "PROTECTION"]);
    for k in &keys {
        let protection = if k["encrypted"] == json!(true) { "sealed" } else { "UNENCRYPTED (dev)" };
        table.row(vec![
            k["name"].as_str().unwrap_or_default().to_string(),
            k["public_key"].as_str().unwrap_or_default().to_string(),
            protection.to_string(),
        ]);
    }
    table.print_or(&format!("no keys in {} (create one with `jcm keys new NAME`)", dir.display()));
    Ok(())
}

fn import_testnet(ctx: &Context, dir: &Path, encrypt: bool, force: bool) -> anyhow::Result<()> {
    let files = testnet_files(dir)?;
    let mut table = Table::new(&["NAME", "PUBLIC KEY", "RESULT"]);
    let mut imported = Vec::new();
    for path in &files {
        let file = read_key_file(path)?;
        let name = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
        let public = file.public_key;
        let written = store(ctx, &name, file, encrypt, force)?;
        let result = if written { "imported" } else { "already present" };
        table.row(vec![name.clone(), public.to_string(), result.to_string()]);
        imported.push(json!({ "name": name, "public_key": public, "result": result }));
    }
    if ctx.json() {
        print_json(&json!({ "keyring": ctx.keys_dir(), "keys": imported }));
    } else {
        print!("{}", table.render());
        println!("{} key(s) in {}", imported.len(), ctx.keys_dir().display());
        if !encrypt {
            eprintln!("note: these are unencrypted development keys, as `jcm-node testnet --dev` wrote them; use --encrypt to seal them");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_cannot_escape_the_keyring() {
        for good in ["JPN-DA", "IND01-ADMIN", "alice_2", "a.b"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", "../x", "a/b", ".hidden", "a b", &"x".repeat(NAME_LEN_MAX + 1)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
