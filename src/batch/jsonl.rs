//! Placeholder for the batch layer's `jsonl` module.
