//! Punctuation, width and Unicode hygiene, and Markdown remnants (placeholder).
