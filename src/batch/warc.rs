//! Placeholder for the batch layer's `warc` module.
