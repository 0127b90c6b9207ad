//! `zhnorm detect`: what decoding makes of each input, nothing written.
//!
//! Each input runs through the same decoder and cleanup steps as the main
//! command (so the figures match what a real run would do), with the text
//! thrown away. A directory is walked as a batch run walks it, with the
//! same globs, and each file in it is read as a batch run reads it:
//! compressed files through their decompressor, binary files named as such
//! rather than decoded.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::cli::Input;
use crate::files::{open, ThreadFeed};
use crate::single::PumpError;
use crate::{io_message, Fatal};
use zhnorm::batch::walk::{self, WalkOptions};
use zhnorm::formats::compress;
use zhnorm::formats::sniff::{sniff, SNIFF_BYTES};
use zhnorm::normalize::{
    self, damage_message, Buffers, Feed, Normalizer, Options, Outcome, ReadFeed,
};

/// One thing to report on, in the order given.
enum Item {
    /// A path named on the command line (or standard input), read as it is.
    Named(Input),
    /// A file found below a directory, read as a batch run reads it.
    Found(PathBuf),
    /// Something below a directory that could not be walked.
    Unwalkable { path: PathBuf, message: String },
}

/// The paths to report on: named files as they are, directories replaced
/// by the files the batch walker finds in them (sorted), each followed by
/// what could not be walked there.
fn items(paths: &[PathBuf], walk_opts: &WalkOptions) -> Result<Vec<Item>, Fatal> {
    let mut items = Vec::new();
    for input in crate::cli::inputs_of(paths) {
        let dir = match &input {
            Input::File(p) if p.is_dir() => p.clone(),
            _ => {
                items.push(Item::Named(input));
                continue;
            }
        };
        let (jobs, errors) = walk::walk(std::slice::from_ref(&dir), walk_opts)
            .map_err(|e| Fatal::new("--include/--exclude", e.to_string()))?;
        items.extend(
            jobs.into_iter()
                .filter(|j| !crate::batch_cmd::is_own_file(&j.input))
                .map(|j| Item::Found(j.input)),
        );
        items.extend(errors.into_iter().map(|e| Item::Unwalkable {
            path: e.path,
            message: e.message,
        }));
    }
    Ok(items)
}

/// What a file found in a tree holds, read as a batch run reads it.
enum Found {
    /// Its (decompressed) bytes, to decode.
    Text(Box<dyn Read>),
    /// Binary: a batch run copies or skips it and never decodes it.
    Binary,
}

fn open_found(path: &Path) -> io::Result<Found> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut head = vec![0u8; SNIFF_BYTES.min(len as usize)];
    file.read_exact(&mut head)?;
    // The batch run's own verdict, so a compressed image is binary here
    // too.
    let sniffed = sniff(&head, Some(path), head.len() as u64 == len);
    if sniffed.binary {
        return Ok(Found::Binary);
    }
    let bytes: Box<dyn Read> = Box::new(io::Cursor::new(head).chain(file));
    Ok(Found::Text(compress::reader(sniffed.compression, bytes)?))
}

/// Report on every input; `Ok(false)` when some input could not be read.
/// `options` give the encoding (`--from`) and the configuration
/// `converted` is reported for; nothing is converted.
pub(crate) fn run(
    paths: &[PathBuf],
    walk_opts: &WalkOptions,
    json: bool,
    options: &Options,
) -> Result<bool, Fatal> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut all_ok = true;
    let mut bufs = Buffers::default();
    // The main command's own stages, converting nothing and writing
    // nowhere, so the figures are what a real run would find.
    let mut check = |feed: &mut dyn Feed| {
        let n = Normalizer::for_detect(options);
        normalize::run(feed, n, &mut io::sink(), false, &mut bufs).map_err(PumpError::from)
    };
    for item in items(paths, walk_opts)? {
        let label = match &item {
            Item::Named(input) => input.label().into_owned(),
            Item::Found(path) | Item::Unwalkable { path, .. } => {
                path.to_string_lossy().into_owned()
            }
        };
        let mut result = match item {
            Item::Named(input) => match open(&input) {
                Ok(source) if source.is_live() => check(&mut ThreadFeed::new(source.into_send())),
                Ok(mut source) => check(&mut ReadFeed(&mut source)),
                Err(e) => Err(PumpError::Input(io_message(&e))),
            },
            Item::Found(path) => match open_found(&path) {
                Ok(Found::Text(mut bytes)) => check(&mut ReadFeed(&mut bytes)),
                Ok(Found::Binary) => {
                    // Not a failure: a batch run copies such files.
                    let line = if json {
                        format!("{}\n", serde_json::json!({"path": label, "binary": true}))
                    } else {
                        format!("{label}: binary, not text (a batch run copies it unchanged)\n")
                    };
                    out.write_all(line.as_bytes()).map_err(Fatal::stdout)?;
                    continue;
                }
                Err(e) => Err(PumpError::Input(io_message(&e))),
            },
            Item::Unwalkable { message, .. } => Err(PumpError::Input(message)),
        };
        let line = match &mut result {
            Ok(outcome) => {
                // Nothing was converted; say what a run would do.
                normalize::mark_converted(outcome, options);
                if json {
                    format!("{}\n", outcome.detect_json(&label))
                } else {
                    human_lines(&label, outcome)
                }
            }
            // Writing to a sink cannot fail.
            Err(PumpError::Output(e)) => return Err(Fatal::new(label, io_message(e))),
            Err(PumpError::Input(message)) => {
                all_ok = false;
                if json {
                    format!("{}\n", serde_json::json!({"path": label, "error": message}))
                } else {
                    crate::report(&label, message);
                    continue;
                }
            }
        };
        out.write_all(line.as_bytes()).map_err(Fatal::stdout)?;
    }
    out.flush().map_err(Fatal::stdout)?;
    Ok(all_ok)
}

fn human_lines(label: &str, o: &Outcome) -> String {
    let mut s = String::new();
    let Some(d) = &o.decode.detection else {
        let _ = writeln!(s, "{label}: empty");
        return s;
    };
    let _ = write!(
        s,
        "{label}: {} ({}, confidence {:.2}",
        d.charset,
        d.basis.name(),
        d.confidence
    );
    if let Some(decl) = &d.declared {
        let verdict = if decl.correct { "right" } else { "wrong" };
        let _ = write!(s, "; declared {}, {verdict}", decl.label);
    }
    s.push_str(")\n");
    let converted = if o.stats.converted {
        "converted"
    } else {
        "not converted"
    };
    let _ = writeln!(s, "  language: {}, {converted}", o.stats.language);
    if o.decode.is_mixed() {
        for run in &o.decode.runs {
            let _ = writeln!(
                s,
                "  bytes {}..{}: {}",
                run.bytes.start, run.bytes.end, run.charset
            );
        }
    }
    if let Some(m) = damage_message(&o.decode) {
        let _ = writeln!(s, "  damage: {m}");
    }
    let e = o.stats.clean.entities;
    if e.decoded > 0 {
        let _ = writeln!(
            s,
            "  entities: {} decoded ({} double-escaped, {} invalid)",
            e.decoded, e.double_escaped, e.invalid
        );
    }
    let m = o.stats.clean.mojibake;
    let irreparable = o.irreparable();
    if m.spans_repaired > 0 || irreparable > 0 {
        let _ = writeln!(
            s,
            "  mojibake: {} spans repaired, {} irreparable spots",
            m.spans_repaired, irreparable
        );
    }
    let p = o.stats.clean.pinyin;
    if p.removed > 0 || p.kept > 0 {
        let _ = writeln!(
            s,
            "  pinyin annotations: {} removed, {} kept",
            p.removed, p.kept
        );
    }
    let tidied: Vec<String> = o
        .tidy_counts()
        .into_iter()
        .filter(|&(_, n)| n > 0)
        .map(|(name, n)| format!("{n} {}", name.replace('_', " ")))
        .collect();
    if !tidied.is_empty() {
        let _ = writeln!(s, "  tidy: {}", tidied.join(", "));
    }
    if let Some(h) = &o.stats.html {
        let _ = writeln!(
            s,
            "  html: {} text nodes, {} attributes, {} charset declarations rewritten",
            h.text_nodes, h.attributes, h.charset_rewritten
        );
    }
    s
}
