//! HTML character references (placeholder, being written).
