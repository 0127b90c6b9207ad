//! zhnorm: turn scraped Chinese web text into clean Simplified-Chinese UTF-8.
//!
//! The library is a one-way pipeline of stages, each in its own module:
//!
//! * [`decode`] — bytes to text: encoding detection, run-by-run decoding of
//!   mixed files, damage marked rather than fatal;
//! * [`clean`] — text to cleaned text: HTML character references, mojibake,
//!   pinyin annotations, punctuation/width/Unicode hygiene;
//! * [`html`] — HTML kept as HTML with its text cleaned, or reduced to
//!   readable text;
//! * [`convert`] — OpenCC-compatible script conversion over dictionaries
//!   compiled into the binary at build time.
//!
//! [`lang`] tells Chinese from Japanese and Korean, which are cleaned but
//! not converted. [`pipeline`] wires the stages after decoding for one
//! input.
//! [`model`] is the character-cost model that detection and mojibake repair
//! share. The command-line tool in `src/main.rs` only wires the stages
//! together.
//!
//! ```
//! use zhnorm::convert::Converter;
//! use zhnorm::decode::{decode_bytes, Charset, DecodeOptions};
//!
//! let gbk = [0xBA, 0xBA, 0xD7, 0xD6, 0xD7, 0xAA, 0xBB, 0xBB]; // 汉字转换 in GBK
//! let (text, report) = decode_bytes(&gbk, DecodeOptions::default());
//! assert_eq!(text, "汉字转换");
//! assert_eq!(report.detection.unwrap().charset, Charset::GB18030);
//!
//! let t2s = Converter::new("t2s").unwrap();
//! assert_eq!(t2s.convert("漢字轉換"), "汉字转换");
//! ```

pub mod batch;
pub mod clean;
pub mod convert;
pub mod decode;
pub mod html;
pub mod lang;
pub mod model;
pub mod normalize;
pub mod pipeline;

pub use convert::{ConvertError, Converter, StreamConverter, UserDict, CONFIG_NAMES};
pub use normalize::{
    detect, normalize, normalize_bytes, normalize_text, InputFormat, NormalizeError, Normalizer,
    OptionError, Options, Outcome, Step,
};
