//! The extension module `zhnorm._zhnorm`: a thin layer that turns Python
//! values into the library's types, releases the GIL around every call into
//! the library, and turns the library's errors into Python exceptions. The
//! public Python API (keywords, defaults, docstrings) is `zhnorm/__init__.py`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

mod wide;

use zhnorm::convert::{ConvertError, Converter, UserDict, CONFIG_NAMES};
use zhnorm::{NormalizeError as Failure, OptionError, Options, Outcome};

create_exception!(
    zhnorm,
    NormalizeError,
    PyValueError,
    "An input that gave no output (the command would fail on that file)."
);
create_exception!(
    zhnorm,
    BinaryInputError,
    NormalizeError,
    "Binary input: a NUL byte that no encoding explains. `offset` is where \
     it is. Giving `from_encoding` decodes it anyway."
);
create_exception!(
    zhnorm,
    StrictError,
    NormalizeError,
    "With `strict=True`: damage found, or a JSON Lines field that no record has."
);

/// One converter per built-in configuration, built on first use: building
/// costs microseconds, which `zhnorm.convert` on short strings would
/// otherwise pay on every call. `config` is a name as `-c` takes it.
fn builtin_converter(config: &str) -> PyResult<Arc<Converter>> {
    static CACHE: OnceLock<Vec<OnceLock<Arc<Converter>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| CONFIG_NAMES.iter().map(|_| OnceLock::new()).collect());
    let name = zhnorm::normalize::parse_config(config).map_err(option_error)?;
    let slot = CONFIG_NAMES
        .iter()
        .position(|n| *n == name)
        .and_then(|i| cache.get(i))
        .ok_or_else(|| PyValueError::new_err(format!("unknown config '{config}'")))?;
    if let Some(c) = slot.get() {
        return Ok(Arc::clone(c));
    }
    let built = Arc::new(Converter::new(name).map_err(convert_error)?);
    Ok(Arc::clone(slot.get_or_init(|| built)))
}

/// Python's view of a conversion error: a file that cannot be read is an
/// `OSError` (so `FileNotFoundError` when it is missing), everything else a
/// `ValueError` naming what was wrong.
fn convert_error(e: ConvertError) -> PyErr {
    match &e {
        ConvertError::Io { source, .. } => {
            let err = std::io::Error::new(source.kind(), e.to_string());
            PyErr::from(err)
        }
        _ => PyValueError::new_err(e.to_string()),
    }
}

/// UTF-8 bytes from which a `str` is converted in pieces on several
/// threads (see [`convert_str`]); below it one call on this thread is
/// cheaper than starting others.
const PARALLEL_FROM: usize = 1 << 18;
/// Pieces per thread: a few, so that a thread slowed by other work on its
/// core does not hold up the rest.
const PIECES_PER_THREAD: usize = 4;

/// Input size in bytes from which a call lets go of the GIL while it works.
///
/// Releasing and taking back the GIL costs about as much as cleaning a
/// short record, and taking it back can wait a whole switch interval when
/// another Python thread is busy, so a short input is done without letting
/// go. The figure is the one `hashlib` uses for the same choice.
const DETACH_FROM: usize = 2048;

/// Runs `f`, without the GIL when the input is `size` bytes or more.
fn detach_if_long<T: Send>(py: Python<'_>, size: usize, f: impl FnOnce() -> T + Send) -> T {
    if size >= DETACH_FROM {
        py.detach(f)
    } else {
        f()
    }
}

/// The number of cores this process may use, asked once: the standard
/// library reads cgroup files for it, tens of microseconds each time.
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Converts a Python `str`.
///
/// The text is read in place and the result written as code points (see
/// [`wide`]), so that under the GIL only the copy into the new `str` is
/// made. A long text is cut after newlines into pieces that the calling
/// thread and helper threads convert side by side. A newline occurs in no
/// dictionary key, so every stage starts afresh after one and the pieces
/// convert as the whole would; the exception is an ideographic
/// description sequence, which may swallow a newline, so a text holding a
/// description operator (U+2FF0..U+2FFF) is converted in one piece.
fn convert_str<'py>(
    py: Python<'py>,
    conv: &Converter,
    text: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyString>> {
    let utf8 = wide::Utf8::of(text)?;
    let whole: &str = &utf8;
    let ends = piece_ends(whole);
    let piece = |k: usize| &whole[if k == 0 { 0 } else { ends[k - 1] }..ends[k]];
    if ends.len() == 1 {
        let out = detach_if_long(py, whole.len(), || {
            convert_piece(conv, whole, &mut String::new())
        });
        return match out {
            Some(cps) => wide::new_str(py, &cps),
            // Text that conversion leaves alone (most of a Simplified
            // corpus under t2s) is handed back as it came, without a
            // second copy.
            None => Ok(text.clone()),
        };
    }
    // Pieces as they finish: `None` while under way, then the output's
    // code points, or `None` within for a piece that needs nothing.
    let n = ends.len();
    let done: Mutex<Vec<Option<Option<Vec<u32>>>>> = Mutex::new(vec![None; n]);
    let next = AtomicUsize::new(0);
    let work = |out: &mut String| -> bool {
        let k = next.fetch_add(1, Ordering::Relaxed);
        if k >= n {
            return false;
        }
        let r = convert_piece(conv, piece(k), out);
        if let Ok(mut d) = done.lock() {
            d[k] = Some(r);
        }
        true
    };
    // The `str`s of the pieces that changed, made by this thread between
    // its own pieces, while the helpers go on converting: only the last
    // few and the join are left for the end.
    let mut strs: Vec<Option<Bound<'py, PyString>>> = vec![None; n];
    let make_ready = |strs: &mut Vec<Option<Bound<'py, PyString>>>| -> PyResult<()> {
        let ready: Vec<(usize, Vec<u32>)> = match done.lock() {
            Ok(mut d) => d
                .iter_mut()
                .enumerate()
                .filter_map(|(k, r)| match r {
                    Some(Some(v)) if strs[k].is_none() => Some((k, std::mem::take(v))),
                    _ => None,
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        for (k, cps) in ready {
            strs[k] = Some(wide::new_str(py, &cps)?);
        }
        Ok(())
    };
    std::thread::scope(|scope| -> PyResult<()> {
        let helpers: Vec<_> = (1..cores().min(n))
            .map(|_| {
                scope.spawn(|| {
                    let mut out = String::new();
                    while work(&mut out) {}
                })
            })
            .collect();
        let mut out = String::new();
        while py.detach(|| work(&mut out)) {
            make_ready(&mut strs)?;
        }
        py.detach(|| {
            for h in helpers {
                if let Err(e) = h.join() {
                    // The library does not panic; if it did, PyO3 raises
                    // the panic as an exception.
                    std::panic::resume_unwind(e);
                }
            }
        });
        make_ready(&mut strs)
    })?;
    if strs.iter().all(Option::is_none) {
        return Ok(text.clone());
    }
    let strs = strs
        .into_iter()
        .enumerate()
        .map(|(k, s)| match s {
            Some(s) => Ok(s),
            None => wide::str_of(py, piece(k)),
        })
        .collect::<PyResult<Vec<_>>>()?;
    let joined = PyString::new(py, "").call_method1("join", (PyList::new(py, strs)?,))?;
    Ok(joined.cast_into::<PyString>()?)
}

/// Converts one piece (with `out` as scratch, kept between pieces: a
/// fresh megabyte-sized buffer costs its page faults again): the code
/// points of the output, or `None` when it is the piece unchanged.
fn convert_piece(conv: &Converter, piece: &str, out: &mut String) -> Option<Vec<u32>> {
    out.clear();
    conv.convert_into(piece, out);
    if out == piece {
        return None;
    }
    let mut v = Vec::new();
    wide::to_ucs4(out, &mut v);
    Some(v)
}

/// Where the pieces of a text to convert end: right after a newline near
/// each even share of the text, or just the text's end (see
/// [`convert_str`]).
fn piece_ends(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    if b.len() < PARALLEL_FROM {
        return vec![b.len()];
    }
    let threads = cores();
    // U+2FF0..U+2FFF are E2 BF B0..E2 BF BF in UTF-8.
    let describes = || {
        memchr::memmem::find_iter(b, b"\xE2\xBF")
            .any(|p| b.get(p + 2).is_some_and(|x| (0xB0..=0xBF).contains(x)))
    };
    if threads < 2 || describes() {
        return vec![b.len()];
    }
    let pieces = threads * PIECES_PER_THREAD;
    let mut ends = Vec::with_capacity(pieces);
    let mut start = 0;
    for k in 1..pieces {
        let aim = (b.len() * k / pieces).max(start);
        match memchr::memchr(b'\n', &b[aim..]) {
            Some(i) if aim + i + 1 < b.len() => {
                start = aim + i + 1;
                ends.push(start);
            }
            _ => break,
        }
    }
    ends.dedup();
    ends.push(b.len());
    ends
}

/// An OpenCC 1.4.2 configuration, optionally with user dictionaries.
///
/// `config` is a name as `-c` takes it (`"t2s"`, `"s2twp"`, `"t2s.json"`;
/// see `zhnorm.configs()`). `dicts` are files in OpenCC's text format
/// (`key<TAB>value` per line), as the command's `--dict`: their entries win
/// over the built-in ones, later files over earlier ones. A missing file
/// raises `OSError`, an unknown configuration or a malformed dictionary
/// `ValueError`. A converter is immutable and may be shared by threads; it
/// can also be given as `config` to `zhnorm.normalize`.
#[pyclass(frozen, module = "zhnorm", name = "Converter")]
struct PyConverter {
    inner: Arc<Converter>,
    dicts: Vec<PathBuf>,
}

#[pymethods]
impl PyConverter {
    #[new]
    #[pyo3(signature = (config = "t2s", dicts = Vec::new()), text_signature = "(config='t2s', dicts=())")]
    fn new(py: Python<'_>, config: &str, dicts: Vec<PathBuf>) -> PyResult<Self> {
        if dicts.is_empty() {
            let inner = builtin_converter(config)?;
            return Ok(PyConverter { inner, dicts });
        }
        let config = zhnorm::normalize::parse_config(config).map_err(option_error)?;
        // Reading and parsing dictionaries is file I/O: without the GIL.
        let (inner, dicts) = py
            .detach(move || {
                let parsed = dicts
                    .iter()
                    .map(|p| UserDict::from_path(p))
                    .collect::<Result<Vec<_>, _>>()?;
                let conv = Converter::with_user_dicts(config, &parsed)?;
                Ok::<_, ConvertError>((Arc::new(conv), dicts))
            })
            .map_err(convert_error)?;
        Ok(PyConverter { inner, dicts })
    }

    /// The configuration name, e.g. `"t2s"`.
    #[getter]
    fn config(&self) -> &'static str {
        self.inner.name()
    }

    /// The user dictionaries, in the order given.
    #[getter]
    fn dicts(&self) -> Vec<PathBuf> {
        self.dicts.clone()
    }

    /// Converts `text` exactly as OpenCC 1.4.2 does with this configuration.
    fn convert<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyString>,
    ) -> PyResult<Bound<'py, PyString>> {
        convert_str(py, &self.inner, text)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let name = PyString::new(py, self.inner.name()).repr()?;
        if self.dicts.is_empty() {
            return Ok(format!("zhnorm.Converter({name})"));
        }
        let paths: Vec<String> = self.dicts.iter().map(|p| p.display().to_string()).collect();
        let paths = PyList::new(py, paths)?.repr()?;
        Ok(format!("zhnorm.Converter({name}, dicts={paths})"))
    }
}

/// Converts `text` exactly as OpenCC 1.4.2's `OpenCC(config).convert` does.
///
/// Conversion only: no decoding, no cleanup (see `zhnorm.normalize`). An
/// unknown configuration raises `ValueError`.
#[pyfunction]
#[pyo3(signature = (text, config = "t2s"))]
fn convert<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyString>,
    config: &str,
) -> PyResult<Bound<'py, PyString>> {
    let conv = builtin_converter(config)?;
    convert_str(py, &conv, text)
}

/// The configuration names `Converter` and `convert` accept.
#[pyfunction]
fn configs() -> Vec<&'static str> {
    CONFIG_NAMES.to_vec()
}

/// An option the library refused (unknown name, unreadable dictionary).
fn option_error(e: OptionError) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// Python's view of an input that gave no output.
fn failure(py: Python<'_>, e: &Failure) -> PyErr {
    let message = e.to_string();
    match e {
        Failure::Binary { offset } => {
            let err = BinaryInputError::new_err(message);
            // An attribute for code that wants to report or skip precisely.
            let _ = err.value(py).setattr("offset", *offset);
            err
        }
        Failure::Strict { .. } => StrictError::new_err(message),
        _ => NormalizeError::new_err(message),
    }
}

/// `zhnorm._Options`: every setting of one call, parsed once. The Python
/// side caches these by their arguments, so that a call on a short record
/// does not parse names again.
#[pyclass(frozen, module = "zhnorm", name = "_Options")]
struct PyOptions {
    /// For bytes.
    options: Arc<Options>,
    /// For a `str` with format `auto` or `text`: text, never sniffed for
    /// markup, as a JSON Lines field is (the library's `normalize_text`
    /// would look for HTML under `auto`).
    text: Arc<Options>,
    /// For a `str` in a format that needs parsing (HTML, JSON Lines,
    /// WARC): its UTF-8 bytes with the encoding given, so nothing is
    /// detected.
    utf8: Arc<Options>,
}

#[pymethods]
impl PyOptions {
    #[new]
    #[pyo3(signature = (config, format, html, skip, from_encoding, fields, to, convert_all, convert_only, strict))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        config: &Bound<'_, PyAny>,
        format: &str,
        html: &str,
        skip: Vec<String>,
        from_encoding: Option<&str>,
        fields: Vec<String>,
        to: &str,
        convert_all: bool,
        convert_only: bool,
        strict: bool,
    ) -> PyResult<Self> {
        let mut o = Options::default();
        if let Ok(conv) = config.cast::<PyConverter>() {
            o.converter = Arc::clone(&conv.get().inner);
        } else {
            let name: PyBackedStr = config.extract()?;
            o.set_config(&name).map_err(option_error)?;
        }
        o.set_format(format).map_err(option_error)?;
        o.set_html(html).map_err(option_error)?;
        o.set_skip(&skip).map_err(option_error)?;
        o.set_from(from_encoding).map_err(option_error)?;
        o.set_fields(&fields);
        o.set_to(to).map_err(option_error)?;
        o.convert_all = convert_all;
        o.convert_only = convert_only;
        o.strict = strict;
        let mut utf8 = o.clone();
        utf8.set_from(Some("utf-8")).map_err(option_error)?;
        let mut text = o.clone();
        text.set_format("text").map_err(option_error)?;
        Ok(PyOptions {
            options: Arc::new(o),
            text: Arc::new(text),
            utf8: Arc::new(utf8),
        })
    }
}

/// One input as taken from Python, readable without the GIL.
enum Input {
    Bytes(PyBackedBytes),
    /// A `str`, as UTF-8.
    Str(wide::Utf8),
}

/// An input's data, borrowed.
#[derive(Clone, Copy)]
enum Data<'a> {
    Bytes(&'a [u8]),
    Str(&'a str),
}

impl Input {
    /// Its size in bytes (UTF-8 for a `str`).
    fn len(&self) -> usize {
        match self {
            Input::Bytes(b) => b.len(),
            Input::Str(s) => s.len(),
        }
    }

    fn data(&self) -> Data<'_> {
        match self {
            Input::Bytes(b) => Data::Bytes(b),
            Input::Str(s) => Data::Str(s),
        }
    }

    fn from_py(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        if let Ok(s) = data.cast::<PyString>() {
            return Ok(Input::Str(wide::Utf8::of(s)?));
        }
        match data.extract::<PyBackedBytes>() {
            Ok(b) => Ok(Input::Bytes(b)),
            Err(_) => Err(type_error(data)),
        }
    }
}

/// The error for an item that is neither `bytes` nor `str`.
fn type_error(data: &Bound<'_, PyAny>) -> PyErr {
    let name = data
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string());
    pyo3::exceptions::PyTypeError::new_err(format!("expected bytes or str, not {name}"))
}

impl Data<'_> {
    /// Whether `out` is this input, unchanged: a `str` whose text came out
    /// as it went in.
    fn is_same_text(self, out: &Output) -> bool {
        matches!((self, out), (Data::Str(s), Output::Text(t)) if s == t)
    }

    /// The library call the input's type asks for: bytes are decoded as
    /// the command decodes a file; a `str` is text already.
    /// `report` asks for the outcome's statistics; without it a `str` is
    /// cleaned the cheaper way (the same text, with an empty outcome).
    fn run(
        self,
        opts: &PyOptions,
        want_bytes: bool,
        report: bool,
    ) -> Result<(Output, Outcome), Failure> {
        let (data, options): (&[u8], &Options) = match self {
            Data::Bytes(b) => (b, &opts.options),
            Data::Str(s) if is_plain(&opts.options) => {
                let (text, outcome) = if report {
                    zhnorm::normalize_text(s, &opts.text)
                } else {
                    (
                        zhnorm::normalize_text_only(s, &opts.text),
                        Outcome::default(),
                    )
                };
                let out = if want_bytes {
                    Output::Bytes(text.into_bytes())
                } else {
                    Output::Text(text)
                };
                return Ok((out, outcome));
            }
            Data::Str(s) => (s.as_bytes(), &opts.utf8),
        };
        if want_bytes {
            let (bytes, outcome) = zhnorm::normalize_bytes(data, options)?;
            Ok((Output::Bytes(bytes), outcome))
        } else {
            let (text, outcome) = zhnorm::normalize(data, options)?;
            Ok((Output::Text(text), outcome))
        }
    }
}

/// Whether a `str` goes through cleanup and conversion alone.
fn is_plain(options: &Options) -> bool {
    matches!(
        options.format,
        zhnorm::InputFormat::Auto | zhnorm::InputFormat::Text
    )
}

enum Output {
    Text(String),
    Bytes(Vec<u8>),
}

impl Output {
    fn into_py(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(match self {
            Output::Text(t) => wide::str_of(py, &t)?.into_any(),
            Output::Bytes(b) => PyBytes::new(py, &b).into_any(),
        })
    }

    fn len(&self) -> usize {
        match self {
            Output::Text(t) => t.len(),
            Output::Bytes(b) => b.len(),
        }
    }
}

/// One result: the output, the outcome, the input's size in bytes, and
/// whether the input was a `str` that came out unchanged.
type OneResult = (Output, Outcome, usize, bool);

fn run_one(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    opts: &PyOptions,
    want_bytes: bool,
    report: bool,
) -> PyResult<OneResult> {
    let input = Input::from_py(data)?;
    let size = input.len();
    let data = input.data();
    match detach_if_long(py, size, || data.run(opts, want_bytes, report)) {
        Ok((out, outcome)) => {
            let same = data.is_same_text(&out);
            Ok((out, outcome, size, same))
        }
        Err(e) => Err(failure(py, &e)),
    }
}

/// `zhnorm.normalize`, after the keywords became `opts`.
fn normalize_with<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    opts: &PyOptions,
) -> PyResult<Bound<'py, PyAny>> {
    let (out, _, _, same) = run_one(py, data, opts, false, false)?;
    // Text that needed nothing (most records of a clean Simplified corpus)
    // is handed back as it came, without a second copy.
    Ok(if same { data.clone() } else { out.into_py(py)? })
}

/// Clean and convert one input; return the text.
///
/// ``data`` as ``bytes`` is read as the command reads a file: the encoding
/// is detected (or ``from_encoding``), compressed input (gzip, zstd, bzip2)
/// is decompressed, and with ``format="auto"`` HTML, JSON Lines and WARC are
/// recognised. The result equals what ``zhnorm -o OUT FILE`` writes with the
/// same options. ``data`` as ``str`` is text already: only cleanup and
/// conversion run (for ``format`` ``"html"``, ``"jsonl"`` or ``"warc"`` the
/// text is parsed in that format, as UTF-8).
///
/// Keywords, with the command's option each stands for:
///
/// - ``config`` (``-c``): an OpenCC configuration name (``"t2s"``,
///   ``"tw2sp"``, ``"s2t"``, ... see ``configs()``; also ``"t2s.json"``), or
///   a ``Converter``, which may carry user dictionaries (``--dict``).
/// - ``format`` (``--format``): ``"auto"``, ``"text"``, ``"html"``,
///   ``"jsonl"`` or ``"warc"``.
/// - ``html`` (``--html``): ``"keep"`` the page, or only its readable
///   ``"text"``.
/// - ``skip`` (``--skip``): cleanup steps to leave out: ``"entities"``,
///   ``"mojibake"``, ``"pinyin"``, ``"punct"``, ``"width"``, ``"unicode"``,
///   ``"markdown"`` (a sequence, or one comma-separated string).
/// - ``from_encoding`` (``--from``): decode in this encoding (``"gbk"``,
///   ``"big5"``, ``"utf-8"``, ...) instead of detecting it; binary input is
///   then decoded too.
/// - ``fields`` (``--field``): the JSON Lines string fields to clean.
/// - ``to`` (``--to``): ``"jsonl"`` turns WARC input into JSON Lines of
///   ``{url, date, text}``; ``"same"`` keeps the input's format.
/// - ``convert_all`` (``--convert-all``), ``convert_only``
///   (``--convert-only``), ``strict`` (``--strict``).
///
/// Raises ``ValueError`` for an unknown configuration, format, mode, step
/// or encoding; ``BinaryInputError`` (a ``ValueError``) for binary bytes
/// unless ``from_encoding`` is given; ``StrictError`` for damage with
/// ``strict=True``; ``NormalizeError`` when the input cannot be taken apart
/// (e.g. a broken gzip stream, or WARC output that is not UTF-8: use
/// ``normalize_bytes``); ``TypeError`` for data that is neither bytes nor
/// str.
#[pyfunction]
#[pyo3(
    name = "normalize",
    signature = (data, *, config = None, format = None, html = None, skip = None, from_encoding = None, fields = None, to = None, convert_all = None, convert_only = None, strict = None),
    text_signature = "(data, *, config='t2s', format='auto', html='keep', skip=(), from_encoding=None, fields='text', to='same', convert_all=False, convert_only=False, strict=False)"
)]
#[allow(clippy::too_many_arguments)]
fn normalize_py<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    config: Option<Bound<'py, PyAny>>,
    format: Option<Bound<'py, PyAny>>,
    html: Option<Bound<'py, PyAny>>,
    skip: Option<Bound<'py, PyAny>>,
    from_encoding: Option<Bound<'py, PyAny>>,
    fields: Option<Bound<'py, PyAny>>,
    to: Option<Bound<'py, PyAny>>,
    convert_all: Option<Bound<'py, PyAny>>,
    convert_only: Option<Bound<'py, PyAny>>,
    strict: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    // The function is here rather than in Python so that a call on a short
    // record costs no Python frame: with no keyword (the common loop over
    // records) the options parsed once at import are used, otherwise the
    // package's options cache is asked.
    let given = [
        ("config", config),
        ("format", format),
        ("html", html),
        ("skip", skip),
        ("from_encoding", from_encoding),
        ("fields", fields),
        ("to", to),
        ("convert_all", convert_all),
        ("convert_only", convert_only),
        ("strict", strict),
    ];
    let opts = if given.iter().all(|(_, v)| v.is_none()) {
        static DEFAULT: pyo3::sync::PyOnceLock<Py<PyOptions>> = pyo3::sync::PyOnceLock::new();
        DEFAULT
            .get_or_try_init(py, || -> PyResult<Py<PyOptions>> {
                let opts = py.import("zhnorm")?.getattr("_DEFAULT_OPTIONS")?;
                Ok(opts.cast_into::<PyOptions>()?.unbind())
            })?
            .bind(py)
            .clone()
    } else {
        let package = py.import("zhnorm")?;
        let kwargs = PyDict::new(py);
        for (name, value) in given {
            if let Some(v) = value {
                kwargs.set_item(name, v)?;
            }
        }
        package
            .getattr("_normalize_options")?
            .call((), Some(&kwargs))?
            .cast_into::<PyOptions>()?
    };
    normalize_with(py, data, opts.get())
}

/// `zhnorm.normalize_bytes`: the output as bytes, as the command writes it.
#[pyfunction]
fn _normalize_bytes<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    opts: &PyOptions,
) -> PyResult<Bound<'py, PyAny>> {
    let (out, _, _, _) = run_one(py, data, opts, true, false)?;
    out.into_py(py)
}

/// `zhnorm.normalize_with_report`: the text and the `--report` record's
/// fields for this input.
#[pyfunction]
fn _normalize_with_report<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    opts: &PyOptions,
) -> PyResult<Bound<'py, PyTuple>> {
    let (out, outcome, size, _) = run_one(py, data, opts, false, true)?;
    let report = json_to_py(py, &outcome.to_json())?;
    if let Ok(dict) = report.cast::<PyDict>() {
        dict.set_item("bytes_in", size)?;
        dict.set_item("bytes_out", out.len())?;
    }
    PyTuple::new(py, [out.into_py(py)?, report])
}

/// `zhnorm.detect`: what `zhnorm detect --json` prints, without `path`.
#[pyfunction]
fn _detect<'py>(
    py: Python<'py>,
    data: PyBackedBytes,
    opts: &PyOptions,
) -> PyResult<Bound<'py, PyAny>> {
    let options = &opts.options;
    let outcome = py
        .detach(|| zhnorm::detect(&data, options))
        .map_err(|e| failure(py, &e))?;
    let mut json = outcome.detect_json("");
    if let Some(map) = json.as_object_mut() {
        map.remove("path");
    }
    json_to_py(py, &json)
}

/// Waits for the next message without the GIL, so that other Python
/// threads run meanwhile. (The receiver moves in and out, as it cannot be
/// shared with the closure.)
fn recv_detached<T: Send>(
    py: Python<'_>,
    rx: mpsc::Receiver<T>,
) -> (Result<T, mpsc::RecvError>, mpsc::Receiver<T>) {
    py.detach(move || (rx.recv(), rx))
}

/// A chunk of `normalize_many`'s items, readable without the GIL.
///
/// A `str` is held as its code points, all of a chunk's in one buffer:
/// the thread holding the GIL only copies them, and the thread that cleans
/// the chunk makes them UTF-8. (Asking CPython for UTF-8 would encode under
/// the GIL, and leave the encoded form cached in every item, memory that
/// a list of records would keep.)
#[derive(Default)]
struct Batch {
    items: Vec<Item>,
    /// The code points of the chunk's `str` items, one after another.
    wide: Vec<u32>,
}

enum Item {
    Bytes(PyBackedBytes),
    /// A `str`, and where its code points are in [`Batch::wide`].
    Str(Py<PyString>, std::ops::Range<usize>),
}

/// The results of a [`Batch`], in its order. A text is made into a `str`
/// by the thread holding the GIL from code points, all of a chunk's in
/// one buffer, which the thread that cleaned the chunk wrote.
struct Results {
    outs: Vec<Result<Out, Failure>>,
    /// The code points of the texts, one after another.
    wide: Vec<u32>,
}

/// One item's result.
enum Out {
    /// A `str` that came out as it went in: the item itself is the result.
    Same,
    /// Text: this range of [`Results::wide`].
    Text(std::ops::Range<usize>),
    Bytes(Vec<u8>),
}

/// A finished chunk of `normalize_many`: its position, its items (handed
/// back so that they are released here, under the GIL) and their results.
type Chunk = (usize, Batch, Results);

/// A finished chunk waiting for the ones before it: its items and results.
type Done = Option<(Batch, Results)>;

/// Runs every item of a chunk.
fn run_chunk(batch: &Batch, opts: &PyOptions) -> Results {
    // Room for as many code points as go in, in one allocation.
    let mut wide = Vec::with_capacity(batch.wide.len() + batch.wide.len() / 8);
    let mut text = String::new();
    let outs = batch
        .items
        .iter()
        .map(|item| {
            let data = match item {
                Item::Bytes(b) => Data::Bytes(b),
                Item::Str(_, range) => {
                    text.clear();
                    wide::to_utf8(&batch.wide[range.clone()], &mut text);
                    Data::Str(&text)
                }
            };
            let (out, _) = data.run(opts, false, false)?;
            Ok(match out {
                _ if data.is_same_text(&out) => Out::Same,
                Output::Text(t) => {
                    let start = wide.len();
                    wide::to_ucs4(&t, &mut wide);
                    Out::Text(start..wide.len())
                }
                Output::Bytes(b) => Out::Bytes(b),
            })
        })
        .collect();
    Results { outs, wide }
}

/// Where `normalize_many` puts its results, in the items' order.
struct Collector<'py> {
    list: Bound<'py, PyList>,
    keep_errors: bool,
    first_error: Option<PyErr>,
    /// Items turned into results so far.
    done: usize,
}

impl<'py> Collector<'py> {
    /// Appends one chunk's results. A `str` that came out unchanged is
    /// appended as itself.
    fn add(&mut self, py: Python<'py>, batch: &Batch, results: Results) -> PyResult<()> {
        for (item, r) in batch.items.iter().zip(results.outs) {
            if self.first_error.is_some() {
                return Ok(());
            }
            match r {
                Ok(Out::Same) => match item {
                    Item::Str(s, _) => self.list.append(s.bind(py))?,
                    // Only a `str` comes out as it went in.
                    Item::Bytes(_) => {
                        return Err(pyo3::exceptions::PyRuntimeError::new_err(
                            "zhnorm: bytes reported unchanged",
                        ))
                    }
                },
                Ok(Out::Text(range)) => {
                    self.list.append(wide::new_str(py, &results.wide[range])?)?
                }
                Ok(Out::Bytes(b)) => self.list.append(PyBytes::new(py, &b))?,
                Err(e) => {
                    let err = failure(py, &e);
                    if self.keep_errors {
                        self.list.append(err.into_value(py))?;
                    } else {
                        let note = format!("item {}", self.done);
                        let _ = err.value(py).call_method1("add_note", (note,));
                        self.first_error = Some(err);
                    }
                }
            }
            self.done += 1;
        }
        Ok(())
    }

    fn finish(self) -> PyResult<Bound<'py, PyList>> {
        self.first_error.map_or(Ok(self.list), Err)
    }
}

/// `zhnorm.normalize_many`: the items in chunks, results in the items'
/// order. With `keep_errors` a failed item's place holds its exception;
/// otherwise the first failure (by position) is raised.
///
/// With one thread the chunks run here, one after the other, without the
/// GIL while they work. With `n`, this thread is one of the `n`: while it
/// reads the items (which needs the GIL) `n - 1` helper threads clean the
/// chunks it has read; then it cleans chunks too, and between chunks turns
/// finished ones into Python strings. On short records the part that needs
/// the GIL costs about as much as the cleaning, so it must overlap with
/// the cleaning, and a thread that only waited for it would take a core
/// from it.
#[pyfunction]
#[pyo3(signature = (items, opts, threads, keep_errors))]
fn _normalize_many<'py>(
    py: Python<'py>,
    items: &Bound<'py, PyAny>,
    opts: &PyOptions,
    threads: Option<usize>,
    keep_errors: bool,
) -> PyResult<Bound<'py, PyList>> {
    let hint = items.len().ok();
    let cpus = cores();
    let threads = match threads {
        Some(0) => return Err(PyValueError::new_err("threads must be at least 1")),
        Some(n) => {
            // The command's `-j` rule: a million threads would take minutes
            // to start.
            let capped = zhnorm::normalize::job_threads(Some(n), hint.unwrap_or(usize::MAX), cpus);
            if let Some(warning) = capped.warning {
                let msg = std::ffi::CString::new(warning).unwrap_or_default();
                PyErr::warn(
                    py,
                    &py.get_type::<pyo3::exceptions::PyRuntimeWarning>(),
                    &msg,
                    1,
                )?;
            }
            capped.threads
        }
        None => cpus,
    };
    // Enough chunks that the threads start early and finish together, few
    // enough that each is worth handing over.
    let size = hint.map_or(256, |n| n / (threads * 16)).clamp(64, 2048);
    if threads < 2 || hint.is_some_and(|n| n <= size) {
        return many_here(py, items, opts, keep_errors, size);
    }
    let mut out = Collector {
        list: PyList::empty(py),
        keep_errors,
        first_error: None,
        done: 0,
    };
    let (job_tx, job_rx) = mpsc::channel::<(usize, Batch)>();
    let job_rx = std::sync::Mutex::new(job_rx);
    std::thread::scope(|scope| -> PyResult<()> {
        let job_tx = job_tx;
        let (res_tx, mut res_rx) = mpsc::channel::<Chunk>();
        for _ in 1..threads {
            let (job_rx, res_tx) = (&job_rx, res_tx.clone());
            scope.spawn(move || loop {
                // The lock is held while waiting: one helper waits at the
                // queue, the others wait for it.
                let job = job_rx
                    .lock()
                    .map_err(|_| ())
                    .and_then(|r| r.recv().map_err(|_| ()));
                let Ok((k, batch)) = job else { break };
                let results = run_chunk(&batch, opts);
                if res_tx.send((k, batch, results)).is_err() {
                    break;
                }
            });
        }
        drop(res_tx);
        let mut finished: Vec<Done> = Vec::new();
        let (mut sent, mut next) = (0, 0);
        let take = |(k, batch, results): Chunk, finished: &mut Vec<Done>| {
            if finished.len() <= k {
                finished.resize_with(k + 1, || None);
            }
            finished[k] = Some((batch, results));
        };
        let mut iter = items.try_iter()?;
        loop {
            let batch = read_chunk(&mut iter, size)?;
            if batch.items.is_empty() {
                break;
            }
            // The helpers are alive until this sender is dropped.
            let _ = job_tx.send((sent, batch));
            sent += 1;
            // Whatever finished meanwhile becomes Python values now.
            while let Ok(chunk) = res_rx.try_recv() {
                take(chunk, &mut finished);
            }
            collect_ready(py, &mut out, &mut finished, &mut next)?;
            if out.first_error.is_some() {
                // What follows would be thrown away.
                break;
            }
        }
        drop(job_tx);
        while next < sent && out.first_error.is_none() {
            // All items are read: this thread cleans chunks too.
            let job = job_rx.lock().ok().and_then(|r| r.try_recv().ok());
            if let Some((k, batch)) = job {
                let results = py.detach(|| run_chunk(&batch, opts));
                take((k, batch, results), &mut finished);
                while let Ok(chunk) = res_rx.try_recv() {
                    take(chunk, &mut finished);
                }
            } else {
                let (got, back) = recv_detached(py, res_rx);
                res_rx = back;
                let Ok(chunk) = got else { break };
                take(chunk, &mut finished);
            }
            collect_ready(py, &mut out, &mut finished, &mut next)?;
        }
        // On an early return the helpers drain what is queued and stop; a
        // failure leaves the rest unread.
        if let Ok(r) = job_rx.lock() {
            while r.try_recv().is_ok() {}
        }
        Ok(())
    })?;
    out.finish()
}

/// The next `size` items, as the library takes them (fewer at the end,
/// none when all are read).
fn read_chunk(iter: &mut Bound<'_, pyo3::types::PyIterator>, size: usize) -> PyResult<Batch> {
    let mut batch = Batch {
        items: Vec::with_capacity(size),
        wide: Vec::new(),
    };
    for item in iter.by_ref().take(size) {
        let item = item?;
        if let Ok(s) = item.cast::<PyString>() {
            let start = batch.wide.len();
            wide::read(s, &mut batch.wide)?;
            if wide::has_surrogate(&batch.wide[start..]) {
                // The error encoding it to UTF-8 raises, naming the place.
                return Err(wide::Utf8::of(s)
                    .err()
                    .unwrap_or_else(|| PyValueError::new_err("a str that UTF-8 cannot carry")));
            }
            batch
                .items
                .push(Item::Str(s.clone().unbind(), start..batch.wide.len()));
        } else if let Ok(b) = item.extract::<PyBackedBytes>() {
            batch.items.push(Item::Bytes(b));
        } else {
            return Err(type_error(&item));
        }
    }
    Ok(batch)
}

/// Collects the finished chunks that are next in order.
fn collect_ready<'py>(
    py: Python<'py>,
    out: &mut Collector<'py>,
    finished: &mut [Done],
    next: &mut usize,
) -> PyResult<()> {
    while let Some((batch, results)) = finished.get_mut(*next).and_then(Option::take) {
        out.add(py, &batch, results)?;
        drop(batch);
        *next += 1;
    }
    Ok(())
}

/// `normalize_many` on this thread alone: chunk by chunk, without the GIL
/// while a chunk works.
fn many_here<'py>(
    py: Python<'py>,
    items: &Bound<'py, PyAny>,
    opts: &PyOptions,
    keep_errors: bool,
    size: usize,
) -> PyResult<Bound<'py, PyList>> {
    let mut out = Collector {
        list: PyList::empty(py),
        keep_errors,
        first_error: None,
        done: 0,
    };
    let mut iter = items.try_iter()?;
    loop {
        let batch = read_chunk(&mut iter, size)?;
        if batch.items.is_empty() {
            break;
        }
        let bytes: usize = batch
            .items
            .iter()
            .map(|i| match i {
                Item::Bytes(b) => b.len(),
                Item::Str(_, r) => r.len(),
            })
            .sum();
        let results = detach_if_long(py, bytes, || run_chunk(&batch, opts));
        out.add(py, &batch, results)?;
        if out.first_error.is_some() {
            break;
        }
    }
    out.finish()
}

/// A JSON value as the Python value `json.loads` would give.
fn json_to_py<'py>(py: Python<'py>, v: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_u64() {
                PyInt::new(py, i).into_any()
            } else if let Some(i) = n.as_i64() {
                PyInt::new(py, i).into_any()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let items = a
                .iter()
                .map(|x| json_to_py(py, x))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        Value::Object(m) => {
            let d = PyDict::new(py);
            for (k, x) in m {
                d.set_item(k, json_to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}

#[pymodule]
fn _zhnorm(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<PyConverter>()?;
    m.add_function(wrap_pyfunction!(convert, m)?)?;
    m.add_function(wrap_pyfunction!(configs, m)?)?;
    m.add_class::<PyOptions>()?;
    m.add_function(wrap_pyfunction!(normalize_py, m)?)?;
    m.add_function(wrap_pyfunction!(_normalize_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(_normalize_with_report, m)?)?;
    m.add_function(wrap_pyfunction!(_normalize_many, m)?)?;
    m.add_function(wrap_pyfunction!(_detect, m)?)?;
    let py = m.py();
    m.add("NormalizeError", py.get_type::<NormalizeError>())?;
    m.add("BinaryInputError", py.get_type::<BinaryInputError>())?;
    m.add("StrictError", py.get_type::<StrictError>())?;
    Ok(())
}
