//! The layout of the house: within every crate of the workspace, no module imports a
//! module that imports it back, directly or around a longer circle, parents and children
//! included. A circle means two modules that cannot be understood, tested or moved one
//! without the other; the layering in README.md ("Inside the runtime") is what keeps
//! them apart.
//!
//! A module's imports are the paths it names outside its tests: `use` trees and inline
//! paths starting with `crate::`, `super::`, `self::` or the name of one of its own
//! child modules. A path names the longest module prefix it has (`crate::state::keys::X`
//! names `state::keys`); naming a module's item through a parent's re-export names the
//! parent. A module naming its own descendants (declaring them and re-exporting their
//! items, as a `mod.rs` facade does) is containment, not an import: the circles counted
//! are those that a child's or a sibling's import closes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A crate's modules: path (`""` for the root, `a::b`) to the source outside tests.
type Modules = BTreeMap<String, String>;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace holds tests/").to_path_buf()
}

/// The workspace's members, from the root manifest.
fn members(root: &Path) -> Vec<PathBuf> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("the workspace manifest");
    let line = manifest.lines().find(|l| l.trim_start().starts_with("members")).expect("a members list");
    line.split('"').skip(1).step_by(2).map(|m| root.join(m)).collect()
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module a file under `src` is: `lib.rs`/`main.rs` the root, `a/mod.rs` and
/// `a.rs` the module `a`. Files that are test modules (`tests.rs`, `tests/`) and other
/// binaries' roots (`bin/`) are none.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?;
    let mut parts: Vec<String> =
        relative.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned()).collect();
    if parts.iter().any(|p| p == "tests" || p == "bin") {
        return None;
    }
    if parts.last().is_some_and(|p| p == "mod") || parts == ["lib"] || parts == ["main"] {
        parts.pop();
    }
    Some(parts.join("::"))
}

/// `text` without comments, string literals and `#[cfg(test)]` modules.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if text[i..].starts_with("//") {
            i += text[i..].find('\n').unwrap_or(text.len() - i);
        } else if text[i..].starts_with("/*") {
            i += text[i..].find("*/").map_or(text.len() - i, |e| e + 2);
        } else if bytes[i] == b'"' && !text[..i].ends_with('\'') {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if text[i..].starts_with("#[cfg(test)]") {
            let rest = text[i + 12..].trim_start();
            if rest.starts_with("mod ")
                && rest.find('{').is_some_and(|b| rest.find(';').is_none_or(|s| b < s))
            {
                let start = i + 12 + (text[i + 12..].len() - rest.len()) + rest.find('{').expect("checked");
                i = block_end(text, start);
            } else {
                out.push_str("#[cfg(test)]");
                i += 12;
            }
        } else {
            let c = text[i..].chars().next().expect("in bounds");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The index just past the `}` closing the block opened at `open`.
fn block_end(text: &str, open: usize) -> usize {
    let mut depth = 0usize;
    for (i, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return open + i + 1;
                }
            }
            _ => {}
        }
    }
    text.len()
}

/// The full paths of a `use` tree: `a::{b, c::{d, e}}` gives `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.replace(" as ", "@").chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree.split('@').next().unwrap_or(&tree).to_owned()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items.into_iter().filter(|i| !i.is_empty()).flat_map(|i| expand(&format!("{prefix}{i}"))).collect()
}

/// Every path `code` names: its `use` trees, expanded, and its inline `a::b` paths.
fn paths_in(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inline = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let word = rest[..at].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_');
        inline.push_str(&rest[..at]);
        rest = &rest[at + 4..];
        if word {
            inline.push_str("use ");
            continue;
        }
        let end = rest.find(';').unwrap_or(rest.len());
        out.extend(expand(&rest[..end]));
        rest = &rest[end..];
    }
    inline.push_str(rest);
    let chars: Vec<char> = inline.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let boundary =
            i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_' || chars[i - 1] == ':');
        if boundary && (chars[i].is_alphabetic() || chars[i] == '_') {
            let mut j = i;
            while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_' || chars[j] == ':') {
                j += 1;
            }
            let path: String = chars[i..j].iter().collect();
            let path = path.trim_end_matches(':');
            if path.contains("::") {
                out.push(path.to_owned());
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// The module of `modules` that `path`, named inside `module`, refers to, if any.
fn target(modules: &Modules, module: &str, path: &str) -> Option<String> {
    let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut base: Vec<&str> = if module.is_empty() { Vec::new() } else { module.split("::").collect() };
    match segments.first().copied() {
        Some("crate") => {
            base.clear();
            segments.remove(0);
        }
        Some("self") => {
            segments.remove(0);
        }
        Some("super") => {
            while segments.first() == Some(&"super") {
                segments.remove(0);
                base.pop()?;
            }
        }
        Some(first) => {
            let child = if module.is_empty() { first.to_owned() } else { format!("{module}::{first}") };
            if !modules.contains_key(&child) {
                return None;
            }
        }
        None => return None,
    }
    let mut best = None;
    let mut candidate = base.clone();
    if !candidate.is_empty() || segments.is_empty() {
        best = Some(candidate.join("::"));
    }
    for segment in segments {
        candidate.push(segment);
        let name = candidate.join("::");
        if modules.contains_key(&name) {
            best = Some(name);
        } else {
            break;
        }
    }
    let within = |t: &String| t != module && !(module.is_empty() || t.starts_with(&format!("{module}::")));
    best.or_else(|| Some(String::new())).filter(within)
}

/// The modules of the crate whose sources are under `src`.
fn modules(src: &Path) -> Modules {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files
        .iter()
        .filter_map(|f| {
            let module = module_of(src, f)?;
            let text = std::fs::read_to_string(f).expect("a source file reads");
            Some((module, code_of(&text)))
        })
        .collect()
}

/// Every import edge between modules.
fn edges(modules: &Modules) -> BTreeMap<String, BTreeSet<String>> {
    modules
        .iter()
        .map(|(module, code)| {
            let to = paths_in(code).iter().filter_map(|p| target(modules, module, p)).collect();
            (module.clone(), to)
        })
        .collect()
}

/// The circles: each strongly connected component of more than one module (Tarjan).
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.edges.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.edges.contains_key(w) {
                    continue;
                }
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.out.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.out
}

fn name(module: &str) -> &str {
    if module.is_empty() {
        "(crate root)"
    } else {
        module
    }
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let root = workspace();
    let mut found = Vec::new();
    for member in members(&root) {
        let modules = modules(&member.join("src"));
        assert!(!modules.is_empty(), "{} has no modules", member.display());
        for circle in circles(&edges(&modules)) {
            let names: Vec<&str> = circle.iter().map(|m| name(m)).collect();
            found.push(format!(
                "{}: {}",
                member.strip_prefix(&root).unwrap_or(&member).display(),
                names.join(" <-> ")
            ));
        }
    }
    assert!(
        found.is_empty(),
        "modules that import each other (directly or around a circle):\n  {}",
        found.join("\n  ")
    );
}

/// A crate written into a temporary directory.
fn synthetic(label: &str, files: &[(&str, &str)]) -> Modules {
    let dir = std::env::temp_dir().join(format!("jcm-layout-{}-{label}", std::process::id()));
    let src = dir.join("src");
    for (path, text) in files {
        let file = src.join(path);
        std::fs::create_dir_all(file.parent().expect("a parent")).expect("mkdir");
        std::fs::write(file, text).expect("write");
    }
    let modules = modules(&src);
    std::fs::remove_dir_all(&dir).expect("clean up");
    modules
}

#[test]
fn the_check_finds_a_circle_through_use_trees_inline_paths_and_parents() {
    let modules = synthetic(
        "circle",
        &[
            ("lib.rs", "mod a;\nmod b;\nmod c;\nmod d;\n"),
            ("a.rs", "use crate::{b::{self, Thing}, d};\nuse crate::c as other;\n"),
            ("b.rs", "// crate::a in a comment is no import\nfn f() { crate::c::g(); }\n"),
            ("c.rs", "use super::a::X as Y;\nconst S: &str = \"crate::d\";\n"),
            ("d/mod.rs", "mod e;\npub use e::E;\n#[cfg(test)]\nmod tests {\n    use crate::a;\n}\n"),
            ("d/e.rs", "use super::Parent;\n"),
        ],
    );
    assert_eq!(modules.keys().map(String::as_str).collect::<Vec<_>>(), ["", "a", "b", "c", "d", "d::e"]);
    let edges = edges(&modules);
    assert_eq!(
        edges["a"],
        BTreeSet::from(["b".to_owned(), "c".to_owned(), "d".to_owned()]),
        "a renamed import too"
    );
    assert_eq!(edges["b"], BTreeSet::from(["c".to_owned()]), "a comment names nothing");
    assert_eq!(edges["c"], BTreeSet::from(["a".to_owned()]), "nor does a string");
    assert!(
        edges["d"].is_empty(),
        "a test module's imports are not the module's, nor is a re-export of a child"
    );
    assert_eq!(edges["d::e"], BTreeSet::from(["d".to_owned()]));
    assert_eq!(circles(&edges), vec![vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]]);
}

#[test]
fn a_layered_crate_has_no_circle() {
    let modules = synthetic(
        "layered",
        &[
            ("lib.rs", "pub mod low;\npub mod high;\npub use high::run;\n"),
            ("low.rs", "pub fn base() {}\n"),
            ("high/mod.rs", "mod part;\npub use part::run;\n"),
            ("high/part.rs", "use crate::low;\npub fn run() { low::base(); std::mem::drop(1); }\n"),
        ],
    );
    let edges = edges(&modules);
    assert_eq!(edges["high::part"], BTreeSet::from(["low".to_owned()]));
    assert!(circles(&edges).is_empty(), "{edges:?}");
}

#[test]
fn product_crates_do_not_depend_on_the_test_crate() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--no-deps", "--format-version", "1", "--offline"])
        .current_dir(workspace())
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("cargo metadata is JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    let mut leaks = Vec::new();
    for package in packages {
        let name = package["name"].as_str().expect("a name");
        for dep in package["dependencies"].as_array().into_iter().flatten() {
            // `kind` is null for a normal dependency, "dev" or "build" otherwise.
            if dep["name"] == "jcm-tests" && dep["kind"].is_null() {
                leaks.push(name.to_owned());
            }
        }
    }
    assert!(packages.len() >= 8, "the workspace's packages are listed");
    assert!(leaks.is_empty(), "these crates depend on jcm-tests outside their tests: {leaks:?}");
}
