//! The Article 6.2 runtime of the JCM chain.
#![forbid(unsafe_code)]
