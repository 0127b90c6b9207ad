//! zhnorm's integration tests, built as one test binary.
//!
//! Each file under `tests/it/` used to be its own test crate, and every one
//! of them linked the library and its dependencies again: one binary builds
//! and links once. Run one group with `cargo test --test it NAME::`, e.g.
//! `cargo test --test it legacy_decoders::`. Helpers the groups share (running
//! the CLI, temporary trees, the property-test generators) live in
//! [`support`].
//!
//! Proptest keeps the failing cases it saves for a module of this crate in
//! `tests/proptest-regressions/NAME.txt` (beside the crate root's folder, not
//! beside the module), so that is where they live and are replayed from.

mod support;

mod batch;
mod batch_safety;
mod cli;
mod cli_clean;
mod cli_decode;
mod cli_lang;
mod cli_usage;
mod compress;
mod convert_props;
mod cost;
mod decode_auto;
mod docs_snippets;
mod entities;
mod foreign;
mod formats;
mod html;
mod htmlmem;
mod jsonl;
mod legacy_decoders;
mod library;
mod mojibake;
mod opencc_cases;
mod pinyin;
mod pipeline_props;
mod stream_props;
mod tidy;
mod walk;
mod warc;
