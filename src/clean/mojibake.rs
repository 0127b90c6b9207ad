//! Mojibake repair (placeholder, being written).
