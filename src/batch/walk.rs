//! Placeholder for the batch layer's `walk` module.
