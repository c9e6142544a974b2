//! Test layers of the JCM chain that are libraries: fixtures with development keys, the
//! load generator behind `jcm-load` (docs/performance.md), transaction builders and free
//! test ports. The conformance scenario runner (`docs/scenarios.md`) is the product crate
//! `jcm-scenario`, which the `jcm scenario run` command and these tests share.
#![forbid(unsafe_code)]

pub mod builders;
pub mod fixture;
pub mod load;
pub mod ports;
