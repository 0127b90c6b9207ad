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
//! input, and [`mod@normalize`] is the one entry point for a whole input:
//! format sniffing, the binary-input rule, the stage order and the outcome
//! that reports describe. The command-line tool, its batch runs, WARC and
//! JSON Lines, and the Python package all go through it, so a library
//! user gets exactly what the command line writes.
//! [`formats`] reads and writes JSON Lines, WARC and compressed streams;
//! [`batch`] walks trees of inputs.
//! [`model`] is the character-cost model that detection and mojibake repair
//! share.
//!
//! One call for a whole input, as `zhnorm -o OUT FILE` would write it:
//!
//! ```
//! let gbk = [0xBA, 0xBA, 0xD7, 0xD6, 0xD7, 0xAA, 0xBB, 0xBB]; // 汉字转换 in GBK
//! let mut options = zhnorm::Options::default();
//! options.set_config("s2t").unwrap();
//! let (text, outcome) = zhnorm::normalize(&gbk, &options).unwrap();
//! assert_eq!(text, "漢字轉換");
//! assert_eq!(outcome.decode.detection.unwrap().charset, zhnorm::decode::Charset::GB18030);
//!
//! // Binary input is refused, with where it showed.
//! let err = zhnorm::normalize(b"text, then a NUL\0 byte", &options).unwrap_err();
//! assert!(matches!(err, zhnorm::NormalizeError::Binary { offset: 16 }));
//! ```
//!
//! The same as a stream, bytes in as they arrive, text out when final
//! ([`Normalizer`]: `push` each piece, `settle` when a live input goes
//! quiet, `finish` at the end):
//!
//! ```
//! use zhnorm::{Normalizer, Options};
//!
//! let options = Options::default();
//! let mut normalizer = Normalizer::new(&options);
//! let mut text = String::new();
//! // Cut inside a character: the decoder keeps the part until the rest comes.
//! let bytes = "漢字轉換，測試\n".as_bytes();
//! for piece in [&bytes[..4], &bytes[4..]] {
//!     normalizer.push(piece, &mut text).unwrap();
//! }
//! // The input goes quiet: settle gives every pending verdict on what has
//! // come, so the first line is out before the input ends.
//! normalizer.settle(&mut text).unwrap();
//! assert_eq!(text, "汉字转换，测试\n");
//! normalizer.push(b"second line\n", &mut text).unwrap();
//! let outcome = normalizer.finish(&mut text).unwrap();
//! assert_eq!(text, "汉字转换，测试\nsecond line\n");
//! assert!(outcome.stats.converted);
//! ```
//!
//! The stages on their own:
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

#![deny(missing_docs)]

pub mod batch;
pub mod clean;
pub mod convert;
pub mod decode;
pub mod formats;
pub mod html;
pub mod lang;
pub mod model;
pub mod normalize;
pub mod pipeline;

pub use convert::{ConvertError, Converter, StreamConverter, UserDict, CONFIG_NAMES};
pub use normalize::{
    detect, normalize, normalize_bytes, normalize_text, normalize_text_only, InputFormat,
    NormalizeError, Normalizer, OptionError, Options, Outcome, Step,
};
