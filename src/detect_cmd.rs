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
use crate::{
    damage_message, io_message, open, pump, Buffers, Fatal, Feed, Outcome, PumpError, Settings,
};
use zhnorm::batch::compress;
use zhnorm::batch::sniff::{sniff, SNIFF_BYTES};
use zhnorm::batch::walk::{self, WalkOptions};
use zhnorm::convert::Converter;
use zhnorm::decode::{Charset, DecodeOptions};
use zhnorm::pipeline;

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
/// `conv` is the configuration `converted` is reported for; nothing is
/// converted.
pub(crate) fn run(
    paths: &[PathBuf],
    walk_opts: &WalkOptions,
    json: bool,
    from: Option<Charset>,
    pipeline: pipeline::Options,
    conv: &Converter,
) -> Result<bool, Fatal> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut all_ok = true;
    let mut bufs = Buffers::new(Settings {
        decode: DecodeOptions {
            from,
            ..DecodeOptions::default()
        },
        pipeline,
        jsonl: None,
        strict: false,
        quiet: true,
    });
    for item in items(paths, walk_opts)? {
        let label = match &item {
            Item::Named(input) => input.label().into_owned(),
            Item::Found(path) | Item::Unwalkable { path, .. } => {
                path.to_string_lossy().into_owned()
            }
        };
        // The main command's own pump, converting nothing and writing
        // nowhere, so the figures are what a real run would find.
        let mut result = match item {
            Item::Named(input) => match open(&input) {
                Ok(source) if source.is_live() => pump(
                    Feed::threaded(source),
                    None,
                    &mut io::sink(),
                    false,
                    &mut bufs,
                ),
                Ok(mut source) => pump(
                    Feed::Direct(&mut source),
                    None,
                    &mut io::sink(),
                    false,
                    &mut bufs,
                ),
                Err(e) => Err(PumpError::Input(io_message(&e))),
            },
            Item::Found(path) => match open_found(&path) {
                Ok(Found::Text(mut bytes)) => pump(
                    Feed::Direct(&mut bytes),
                    None,
                    &mut io::sink(),
                    false,
                    &mut bufs,
                ),
                Ok(Found::Binary) => {
                    // Not a failure: a batch run copies such files.
                    let line = if json {
                        format!("{{\"path\":{},\"binary\":true}}\n", quote(&label))
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
                // The pump converted nothing; say what a run would do.
                outcome.stats.converted = pipeline.converts(outcome.stats.language, Some(conv));
                if json {
                    json_line(&label, outcome)
                } else {
                    human_lines(&label, outcome)
                }
            }
            // Writing to a sink cannot fail.
            Err(PumpError::Output(e)) => return Err(Fatal::new(label, io_message(e))),
            Err(PumpError::Input(message)) => {
                all_ok = false;
                if json {
                    format!(
                        "{{\"path\":{},\"error\":{}}}\n",
                        quote(&label),
                        quote(message)
                    )
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
    let irreparable = irreparable(o);
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
    let tidied: Vec<String> = tidy_counts(o)
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

/// The tidy step's counts by name, in a fixed order.
fn tidy_counts(o: &Outcome) -> [(&'static str, u64); 10] {
    let t = o.stats.clean.tidy;
    [
        ("punct", t.punct),
        ("width", t.width),
        ("invisible", t.invisible),
        ("controls", t.controls),
        ("nbsp", t.nbsp),
        ("nfc", t.nfc),
        ("compat_ideographs", t.compat_ideographs),
        ("radicals", t.radicals),
        ("markdown", t.markdown),
        ("eol", t.eol),
    ]
}

/// The fields of [`json_line`] after `path`, without braces: the batch
/// report puts them in its own records.
pub(crate) fn outcome_fields(o: &Outcome) -> String {
    let full = json_line("", o);
    let head = "{\"path\":\"\",";
    full[head.len()..full.len() - "}\n".len()].to_owned()
}

fn json_line(label: &str, o: &Outcome) -> String {
    let mut s = String::with_capacity(256);
    let _ = write!(s, "{{\"path\":{}", quote(label));
    match &o.decode.detection {
        Some(d) => {
            let _ = write!(
                s,
                ",\"encoding\":{},\"basis\":{},\"confidence\":{:.3},\"bom\":{}",
                quote(d.charset.name()),
                quote(d.basis.name()),
                d.confidence,
                d.bom_len > 0
            );
            match &d.declared {
                Some(decl) => {
                    let _ = write!(
                        s,
                        ",\"declared\":{{\"label\":{},\"encoding\":{},\"correct\":{}}}",
                        quote(&decl.label),
                        decl.charset.map_or("null".to_owned(), |c| quote(c.name())),
                        decl.correct
                    );
                }
                None => s.push_str(",\"declared\":null"),
            }
        }
        None => s.push_str(
            ",\"encoding\":null,\"basis\":null,\"confidence\":null,\"bom\":false,\"declared\":null",
        ),
    }
    let _ = write!(
        s,
        ",\"bytes\":{},\"mixed\":{},\"runs\":[",
        o.decode.bytes,
        o.decode.is_mixed()
    );
    for (i, run) in o.decode.runs.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            "{{\"start\":{},\"end\":{},\"encoding\":{}}}",
            run.bytes.start,
            run.bytes.end,
            quote(run.charset.name())
        );
    }
    let offsets: Vec<String> = o.decode.damage_offsets.iter().map(u64::to_string).collect();
    let e = o.stats.clean.entities;
    let m = o.stats.clean.mojibake;
    let _ = writeln!(
        s,
        "],\"damaged\":{},\"damage_offsets\":[{}],\"entities_decoded\":{},\"entities_double_escaped\":{},\"mojibake_repaired\":{},\"mojibake_chars\":{},\"irreparable\":{},\"mojibake_unsearched\":{}}}",
        o.decode.damaged,
        offsets.join(","),
        e.decoded,
        e.double_escaped,
        m.spans_repaired,
        m.chars_in,
        irreparable(o),
        m.unsearched
    );
    // Replace the closing brace and line break with the per-step counts.
    s.truncate(s.len() - 2);
    let p = o.stats.clean.pinyin;
    let _ = write!(
        s,
        ",\"pinyin_removed\":{},\"pinyin_kept\":{},\"tidy\":{{",
        p.removed, p.kept
    );
    for (i, (name, n)) in tidy_counts(o).into_iter().enumerate() {
        let comma = if i > 0 { "," } else { "" };
        let _ = write!(s, "{comma}\"{name}\":{n}");
    }
    s.push('}');
    match &o.stats.html {
        Some(h) => {
            let _ = write!(
                s,
                ",\"format\":\"html\",\"html\":{{\"text_nodes\":{},\"attributes\":{},\"charset_rewritten\":{}}}",
                h.text_nodes, h.attributes, h.charset_rewritten
            );
        }
        None if o.jsonl.is_some() => s.push_str(",\"format\":\"jsonl\",\"html\":null"),
        None => s.push_str(",\"format\":\"text\",\"html\":null"),
    }
    let _ = write!(
        s,
        ",\"language\":{},\"converted\":{}",
        quote(o.stats.language.name()),
        o.stats.converted
    );
    s.push_str("}\n");
    s
}

/// Irreparable spots the text itself brought (锟斤拷, U+FFFD runs): the
/// mojibake scan also finds the U+FFFD that decoding wrote for damage,
/// which is reported as damage already.
fn irreparable(o: &Outcome) -> u64 {
    (o.stats.clean.mojibake.irreparable as u64).saturating_sub(o.decode.damaged)
}

/// A JSON string literal.
pub(crate) fn quote(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('"');
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(s, "\\u{:04x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
}
