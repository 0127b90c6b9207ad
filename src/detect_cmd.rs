//! `zhnorm detect`: what decoding makes of each input, nothing written.
//!
//! Each input runs through the same decoder and cleanup steps as the main
//! command (so the figures match what a real run would do), with the text
//! thrown away.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::cli::Input;
use crate::{
    damage_message, io_message, open, pump, Buffers, Fatal, Feed, Outcome, PumpError, Settings,
};
use zhnorm::convert::Converter;
use zhnorm::decode::{Charset, DecodeOptions};
use zhnorm::pipeline;

/// Report on every input; `Ok(false)` when some input could not be read.
/// `conv` is the configuration `converted` is reported for; nothing is
/// converted.
pub(crate) fn run(
    inputs: &[Input],
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
    for input in inputs {
        let label = input.label().into_owned();
        // The main command's own pump, converting nothing and writing
        // nowhere, so the figures are what a real run would find.
        let mut result = match open(input) {
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
        "],\"damaged\":{},\"damage_offsets\":[{}],\"entities_decoded\":{},\"entities_double_escaped\":{},\"mojibake_repaired\":{},\"mojibake_chars\":{},\"irreparable\":{}}}",
        o.decode.damaged,
        offsets.join(","),
        e.decoded,
        e.double_escaped,
        m.spans_repaired,
        m.chars_in,
        irreparable(o)
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
