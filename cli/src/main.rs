//! `jcm`: the registry officer's and auditor's command-line tool.
#![forbid(unsafe_code)]

fn main() {}
