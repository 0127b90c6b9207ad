//! Text to cleaned text: the stage between decoding and conversion.
//!
//! Each repair here takes text and gives text back; none of them looks at
//! bytes or at the conversion config.

pub mod entities;
pub mod mojibake;
