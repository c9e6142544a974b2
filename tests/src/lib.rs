//! Test layers of the JCM chain that are libraries: fixtures with development keys, the
//! load generator behind `jcm-load` (docs/performance.md), and the conformance scenario
//! runner (`docs/scenarios.md`), which the `jcm scenario run`
//! command and the workspace tests share.
#![forbid(unsafe_code)]

pub mod builders;
pub mod fixture;
pub mod load;
pub mod ports;
pub mod scenario;
