//! One input as a stream: [`Normalizer`] takes bytes as they come and
//! hands back text as soon as it is final; [`run`] drives it from any
//! [`Feed`] into a writer, as the command line does for files and pipes.

use std::io::{self, Read, Write};
use std::time::Duration;

use super::stages::Stages;
use super::{NormalizeError, Options, Outcome};
use crate::convert::Converter;
use crate::decode::{AutoDecoder, DecodeOptions, DecodeReport, PREFIX};
use crate::formats::sniff::DataFormat;
use crate::pipeline;

/// Read size. Large enough that per-call overhead vanishes on files, small
/// enough that memory use is trivially bounded.
pub const CHUNK: usize = 256 * 1024;

/// How long live input may stay quiet before held text is settled on what
/// has come (see [`Normalizer::settle`]).
pub const QUIET: Duration = Duration::from_millis(50);

/// Streams one input's bytes through decode → clean → convert.
///
/// Push bytes as they arrive; each call appends to `out` the text that no
/// later byte can change. A stage may hold text back while it waits for
/// its verdict ([`is_holding`](Self::is_holding)); on input that has gone
/// quiet, [`settle`](Self::settle) gives the verdict on what has come.
/// [`finish`](Self::finish) flushes the rest and tells what was done.
///
/// It reads text, HTML or JSON Lines; sniffing, decompression and WARC
/// records are [`normalize`](super::normalize)'s. Not `Send`: make one per
/// input, on the thread that feeds it.
pub struct Normalizer<'o> {
    decoder: AutoDecoder,
    stages: Stages<'o>,
    /// Decoded text not yet handed to the stages.
    text: String,
    decode: DecodeOptions,
    strict: bool,
}

impl<'o> Normalizer<'o> {
    /// A normalizer for `options`: JSON Lines if the format says so, else
    /// text or HTML.
    pub fn new(options: &'o Options) -> Self {
        let format = match options.format {
            super::InputFormat::Jsonl => DataFormat::Jsonl,
            _ => DataFormat::Other,
        };
        Self::for_format(options, format)
    }

    /// A normalizer for an input found to be `format` (by
    /// [`sniff`](crate::formats::sniff::sniff)); WARC is read as text here.
    pub fn for_format(options: &'o Options, format: DataFormat) -> Self {
        let jsonl = (format == DataFormat::Jsonl).then(|| options.jsonl_fields());
        Self::build(
            options.decode_options(),
            options.pipeline_options(),
            jsonl.as_deref(),
            Some(&options.converter),
            options.strict,
        )
    }

    /// A normalizer as `zhnorm detect` runs one: every cleanup step at its
    /// default, nothing converted, only `from` taken from `options`.
    pub fn for_detect(options: &'o Options) -> Self {
        Self::build(
            options.decode_options(),
            pipeline::Options::default(),
            None,
            None,
            false,
        )
    }

    pub(crate) fn build(
        decode: DecodeOptions,
        pipeline: pipeline::Options,
        jsonl: Option<&[String]>,
        conv: Option<&'o Converter>,
        strict: bool,
    ) -> Self {
        Normalizer {
            decoder: AutoDecoder::new(decode),
            stages: Stages::new(pipeline, jsonl, conv),
            text: String::new(),
            decode,
            strict,
        }
    }

    /// Gives the normalizer a buffer to decode into, so that one
    /// allocation serves many inputs.
    pub fn with_buffer(mut self, mut text: String) -> Self {
        text.clear();
        self.text = text;
        self
    }

    /// Decodes `bytes` and appends the text that is final to `out`.
    pub fn push(&mut self, bytes: &[u8], out: &mut String) -> Result<(), NormalizeError> {
        let direct = self.decoder.push_borrowed(bytes, &mut self.text);
        refuse_binary(self.decoder.report(), &self.decode)?;
        self.stages.push(&self.text, out).map_err(html_failed)?;
        self.text.clear();
        self.stages.push(direct, out).map_err(html_failed)
    }

    /// Whether the decoder or a stage holds text back for a verdict, so a
    /// live input that goes quiet should be [`settle`](Self::settle)d.
    pub fn is_holding(&self) -> bool {
        self.decoder.is_waiting() || self.stages.is_holding()
    }

    /// Gives every pending verdict on what has come, and appends the text
    /// it frees.
    pub fn settle(&mut self, out: &mut String) -> Result<(), NormalizeError> {
        self.decoder.settle(&mut self.text);
        self.stages.push(&self.text, out).map_err(html_failed)?;
        self.text.clear();
        self.stages.settle(out).map_err(html_failed)?;
        refuse_binary(self.decoder.report(), &self.decode)
    }

    /// Ends the input: appends the rest of the text and tells what the
    /// input went through. With `strict`, damage or a JSON Lines field in
    /// no record is an error after all the text is out.
    pub fn finish(self, out: &mut String) -> Result<Outcome, NormalizeError> {
        self.finish_keeping(out).0
    }

    /// [`finish`](Self::finish), handing back the decode buffer.
    pub fn finish_keeping(self, out: &mut String) -> (Result<Outcome, NormalizeError>, String) {
        let Normalizer {
            mut decoder,
            mut stages,
            mut text,
            decode,
            strict,
        } = self;
        let mut end = || {
            decoder.finish(&mut text);
            refuse_binary(decoder.report(), &decode)?;
            stages.push(&text, out).map_err(html_failed)?;
            text.clear();
            Ok(decoder.report().clone())
        };
        let result = end().and_then(|report| {
            let (stats, jsonl, jsonl_errors) = stages.finish(out).map_err(html_failed)?;
            let outcome = Outcome {
                decode: report,
                stats,
                jsonl,
                jsonl_errors,
                ..Outcome::default()
            };
            match outcome.strict_failure() {
                Some(message) if strict => Err(NormalizeError::Strict { message }),
                _ => Ok(outcome),
            }
        });
        (result, text)
    }
}

fn html_failed(e: pipeline::PipelineError) -> NormalizeError {
    NormalizeError::Input {
        message: e.to_string(),
    }
}

/// The binary-input rule: a NUL byte the encoding does not explain, within
/// the bytes the encoding is judged on, means the input is not text, unless
/// the encoding was given.
pub(crate) fn refuse_binary(
    report: &DecodeReport,
    decode: &DecodeOptions,
) -> Result<(), NormalizeError> {
    match report.binary_at() {
        Some(offset) if decode.from.is_none() && offset < PREFIX as u64 => {
            Err(NormalizeError::Binary { offset })
        }
        _ => Ok(()),
    }
}

/// What one attempt to get input gave.
#[derive(Debug)]
pub enum Fed {
    /// This many bytes, at the start of the buffer.
    Data(usize),
    /// Nothing came within the time allowed.
    Quiet,
    /// The input is over.
    End,
    /// Reading failed.
    Failed(io::Error),
}

/// Where an input's bytes come from.
pub trait Feed {
    /// The next bytes, into `buf`, waiting at most `wait` if given (a
    /// source that cannot time out may ignore it).
    fn next(&mut self, buf: &mut [u8], wait: Option<Duration>) -> Fed;
}

/// A reader as a [`Feed`] that never times out.
pub struct ReadFeed<R>(pub R);

impl<R: Read> Feed for ReadFeed<R> {
    fn next(&mut self, buf: &mut [u8], _: Option<Duration>) -> Fed {
        loop {
            // Plain `read` calls return whatever a pipe has now, instead
            // of waiting for a full buffer or a whole line.
            match self.0.read(buf) {
                Ok(0) => return Fed::End,
                Ok(n) => return Fed::Data(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Fed::Failed(e),
            }
        }
    }
}

/// Why [`run`] stopped early.
#[derive(Debug)]
pub enum RunError {
    /// The input could not be read, or was refused; other inputs can go
    /// on.
    Input(NormalizeError),
    /// Reading the input failed; the text before the failure was written.
    Read(io::Error),
    /// The output could not be written.
    Write(io::Error),
}

/// Buffers reused from one input to the next.
pub struct Buffers {
    bytes: Vec<u8>,
    text: String,
    out: String,
}

impl Default for Buffers {
    fn default() -> Self {
        Buffers {
            bytes: vec![0; CHUNK],
            text: String::with_capacity(CHUNK * 2),
            out: String::with_capacity(CHUNK * 2),
        }
    }
}

/// Runs one input from `feed` through `normalizer` into `out`, writing
/// as text becomes final (and flushing after each write if `flush_each`:
/// live input is passed on as it arrives). While text is held for a
/// verdict, more input is waited for only [`QUIET`] long.
///
/// On a read error the text before it is still written, so that output up
/// to the failure is kept.
pub fn run(
    feed: &mut dyn Feed,
    normalizer: Normalizer<'_>,
    out: &mut dyn Write,
    flush_each: bool,
    bufs: &mut Buffers,
) -> Result<Outcome, RunError> {
    let mut n = normalizer.with_buffer(std::mem::take(&mut bufs.text));
    bufs.out.clear();
    let failure = loop {
        let wait = n.is_holding().then_some(QUIET);
        let step = match feed.next(&mut bufs.bytes, wait) {
            Fed::Data(k) => n.push(&bufs.bytes[..k], &mut bufs.out),
            Fed::Quiet => n.settle(&mut bufs.out),
            Fed::End => break None,
            Fed::Failed(e) => break Some(e),
        };
        if let Err(e) = step {
            return Err(RunError::Input(e));
        }
        write_out(out, &mut bufs.out, flush_each)?;
    };
    let (result, text) = n.finish_keeping(&mut bufs.out);
    bufs.text = text;
    let outcome = match result {
        Ok(o) => Ok(o),
        // Strict failures come after the text, which is written.
        Err(e @ NormalizeError::Strict { .. }) => Err(e),
        Err(e) => return Err(RunError::Input(e)),
    };
    write_out(out, &mut bufs.out, flush_each)?;
    if let Some(e) = failure {
        return Err(RunError::Read(e));
    }
    outcome.map_err(RunError::Input)
}

fn write_out(out: &mut dyn Write, text: &mut String, flush: bool) -> Result<(), RunError> {
    out.write_all(text.as_bytes()).map_err(RunError::Write)?;
    text.clear();
    if flush {
        out.flush().map_err(RunError::Write)?;
    }
    Ok(())
}

/// Fills `buf` as far as the input allows; the count read.
pub fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
