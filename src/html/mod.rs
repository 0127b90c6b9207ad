//! HTML input (placeholder).
