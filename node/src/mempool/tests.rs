//! Unit tests of the mempool.
