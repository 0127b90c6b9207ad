//! Batch runs: walking trees of inputs, the incremental state that tells
//! which outputs are up to date, and the lock that keeps two runs out of
//! one output tree. Each input itself goes through [`mod@crate::normalize`],
//! in whatever container [`crate::formats`] reads.

pub mod lock;
pub mod state;
pub mod walk;
