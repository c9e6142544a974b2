//! Test layers of the JCM chain that are libraries: fixtures with development keys,
//! transaction builders and free test ports. Test-only: no product crate depends on this
//! one except as a dev-dependency. The conformance scenario runner (`docs/scenarios.md`)
//! is the product crate `jcm-scenario`; the load generator is `jcm-load` (`tests/load`).
#![forbid(unsafe_code)]

pub mod builders;
pub mod fixture;
pub mod ports;
