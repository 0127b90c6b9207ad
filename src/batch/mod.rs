//! The batch layer (issue 5): trees of inputs, compressed files, JSON Lines
//! and WARC records, on top of the single-input pipeline.

pub mod compress;
pub mod jsonl;
pub mod lock;
pub mod sniff;
pub mod state;
pub mod walk;
pub mod warc;
