//! zhnorm: turn scraped Chinese web text into clean Simplified-Chinese UTF-8.
//!
//! The library is a one-way pipeline of stages, each in its own module:
//!
//! * [`decode`] — bytes to text (for now: streaming, validated UTF-8);
//! * [`convert`] — OpenCC-compatible script conversion over dictionaries
//!   compiled into the binary at build time.
//!
//! Later stages (cleanup, batch output) slot in between without reshaping
//! these. The command-line tool in `src/main.rs` only wires them together.

pub mod clean;
pub mod convert;
pub mod decode;
pub mod model;

pub use convert::{ConvertError, Converter, StreamConverter, UserDict, CONFIG_NAMES};
