//! Test layers of the JCM chain that are libraries: the conformance scenario runner.
#![forbid(unsafe_code)]
