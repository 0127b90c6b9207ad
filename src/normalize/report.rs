//! What one input went through, as the command line reports it: the
//! `--report` record's fields, the `detect --json` line, and the warnings.

use serde_json::{json, Map, Value};

use super::Outcome;
use crate::decode::DecodeReport;
use crate::formats::warc::{WarcStats, MAX_RECORD_BYTES};

impl Outcome {
    /// The fields of this input's `--report` record after the path, the
    /// output, the status and the byte counts, in the report's order.
    pub fn to_json(&self) -> Value {
        Value::Object(self.fields())
    }

    /// The line `zhnorm detect --json` prints for this input.
    pub fn detect_json(&self, path: &str) -> Value {
        let mut map = Map::new();
        map.insert("path".to_owned(), json!(path));
        map.extend(self.fields());
        Value::Object(map)
    }

    fn fields(&self) -> Map<String, Value> {
        match &self.warc {
            Some(w) => warc_fields(w),
            None => self.text_fields(),
        }
    }

    fn text_fields(&self) -> Map<String, Value> {
        let d = &self.decode;
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_owned(), v);
        };
        match &d.detection {
            Some(det) => {
                put("encoding", json!(det.charset.name()));
                put("basis", json!(det.basis.name()));
                // Three decimals are all the verdict's precision.
                let confidence: f64 = format!("{:.3}", det.confidence).parse().unwrap_or(0.0);
                put("confidence", json!(confidence));
                put("bom", json!(det.bom_len > 0));
                put(
                    "declared",
                    match &det.declared {
                        Some(decl) => json!({
                            "label": decl.label,
                            "encoding": decl.charset.map(|c| c.name()),
                            "correct": decl.correct,
                        }),
                        None => Value::Null,
                    },
                );
            }
            None => {
                for k in ["encoding", "basis", "confidence"] {
                    put(k, Value::Null);
                }
                put("bom", json!(false));
                put("declared", Value::Null);
            }
        }
        put("bytes", json!(d.bytes));
        put("mixed", json!(d.is_mixed()));
        let runs: Vec<Value> = d
            .runs
            .iter()
            .map(|r| json!({"start": r.bytes.start, "end": r.bytes.end, "encoding": r.charset.name()}))
            .collect();
        put("runs", Value::Array(runs));
        put("damaged", json!(d.damaged));
        put("damage_offsets", json!(d.damage_offsets));
        let c = &self.stats.clean;
        put("entities_decoded", json!(c.entities.decoded));
        put("entities_double_escaped", json!(c.entities.double_escaped));
        put("mojibake_repaired", json!(c.mojibake.spans_repaired));
        put("mojibake_chars", json!(c.mojibake.chars_in));
        put("irreparable", json!(self.irreparable()));
        put("mojibake_unsearched", json!(c.mojibake.unsearched));
        put("pinyin_removed", json!(c.pinyin.removed));
        put("pinyin_kept", json!(c.pinyin.kept));
        let tidy: Map<String, Value> = self
            .tidy_counts()
            .into_iter()
            .map(|(k, n)| (k.to_owned(), json!(n)))
            .collect();
        put("tidy", Value::Object(tidy));
        match &self.stats.html {
            Some(h) => {
                put("format", json!("html"));
                put(
                    "html",
                    json!({"text_nodes": h.text_nodes, "attributes": h.attributes, "charset_rewritten": h.charset_rewritten}),
                );
            }
            None => {
                let format = if self.jsonl.is_some() {
                    "jsonl"
                } else {
                    "text"
                };
                put("format", json!(format));
                put("html", Value::Null);
            }
        }
        put("language", json!(self.stats.language.name()));
        put("converted", json!(self.stats.converted));
        m
    }

    /// The tidy step's counts by name, in a fixed order.
    pub fn tidy_counts(&self) -> [(&'static str, u64); 10] {
        let t = self.stats.clean.tidy;
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

    /// Irreparable spots the text itself brought (锟斤拷, U+FFFD runs): the
    /// mojibake scan also finds the U+FFFD that decoding wrote for damage,
    /// which is reported as damage already.
    pub fn irreparable(&self) -> u64 {
        (self.stats.clean.mojibake.irreparable as u64).saturating_sub(self.decode.damaged)
    }

    /// Why `strict` fails this input: damage decoding found, or a JSON
    /// Lines field that no record has.
    pub fn strict_failure(&self) -> Option<String> {
        damage_message(&self.decode).or_else(|| {
            self.jsonl_errors
                .iter()
                .find(|(line, _)| *line == 0)
                .map(|(_, why)| why.clone())
        })
    }

    /// The warnings the command line prints for this input, each without
    /// the `zhnorm: LABEL: ` before it.
    pub fn warnings(&self) -> Vec<String> {
        if let Some(w) = &self.warc {
            return warc_warnings(w, self.warc_to_jsonl);
        }
        let mut out = Vec::new();
        if let Some(m) = damage_message(&self.decode) {
            out.push(format!("warning: {m}"));
        }
        if let Some(j) = &self.jsonl {
            // Line 0 entries are about the whole input; the others name the
            // first invalid lines, of which a few are shown.
            for (_, why) in self.jsonl_errors.iter().filter(|(l, _)| *l == 0) {
                out.push(format!("warning: {why}; nothing was cleaned for it"));
            }
            const SHOWN: usize = 3;
            let lines = self.jsonl_errors.iter().filter(|(l, _)| *l > 0);
            for (line, why) in lines.take(SHOWN) {
                out.push(format!(
                    "warning: line {line}: {why}; passed through unchanged"
                ));
            }
            if j.invalid > 0 {
                let shown = if j.invalid > SHOWN as u64 {
                    " (the first above)"
                } else {
                    ""
                };
                out.push(format!(
                    "warning: {} of {} lines passed through unchanged{shown}",
                    j.invalid, j.lines
                ));
            }
        }
        // Damage that decoding marked is reported above; each of its U+FFFD
        // runs is found again by the mojibake scan and not worth saying twice.
        let irreparable = self.irreparable();
        if irreparable > 0 {
            out.push(format!("warning: {irreparable} irreparable mojibake spot(s) (锟斤拷 or U+FFFD runs) left as they are"));
        }
        // The repair's work limit keeps random bytes and dense debris from
        // costing minutes; what it did not search is as it came, and says so.
        let unsearched = self.stats.clean.mojibake.unsearched;
        if unsearched > 0 {
            out.push(format!("warning: {unsearched} line(s) too costly to search for mojibake in full (random bytes or dense debris); the unsearched rest of each is left as it came"));
        }
        out
    }
}

/// One line saying where decoding found damage, if it did.
pub fn damage_message(report: &DecodeReport) -> Option<String> {
    let first = *report.damage_offsets.first()?;
    let n = report.damaged;
    let what = if n == 1 { "spot" } else { "spots" };
    Some(format!(
        "{n} damaged byte {what} written as U+FFFD (first at byte offset {first})"
    ))
}

/// The report fields of a WARC input: its format and record counts.
fn warc_fields(w: &WarcStats) -> Map<String, Value> {
    let first = match &w.first_malformed {
        Some(m) => json!({"record": m.record, "offset": m.offset, "message": m.message}),
        None => Value::Null,
    };
    let v = json!({
        "format": "warc",
        "warc_records": w.records,
        "warc_rewritten": w.rewritten,
        "warc_copied": w.copied,
        "warc_failed": w.failed,
        "warc_malformed": w.malformed,
        "warc_first_malformed": first,
        "warc_too_large": w.too_large,
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// What a WARC input needed: malformed stretches kept as they were,
/// records too large to clean.
fn warc_warnings(w: &WarcStats, to_jsonl: bool) -> Vec<String> {
    let mut out = Vec::new();
    if w.too_large > 0 {
        out.push(format!(
            "warning: {} record(s) larger than {} MiB copied unchanged, not cleaned",
            w.too_large,
            MAX_RECORD_BYTES >> 20
        ));
    }
    if let Some(first) = &w.first_malformed {
        let kept = if to_jsonl {
            "left out of the JSON Lines"
        } else {
            "copied unchanged"
        };
        out.push(format!(
            "warning: {} malformed WARC record(s) {kept}, the records after each processed (first: {first})",
            w.malformed
        ));
    }
    out
}
