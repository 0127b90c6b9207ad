//! Placeholder for the batch layer's `compress` module.
