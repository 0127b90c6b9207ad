//! Decoders for the Chinese encodings encoding_rs lacks (placeholder, being written).
