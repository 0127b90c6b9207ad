//! The extension module `zhnorm._zhnorm`: a thin layer that turns Python
//! values into the library's types, releases the GIL around every call into
//! the library, and turns the library's errors into Python exceptions. The
//! public Python API (keywords, defaults, docstrings) is `zhnorm/__init__.py`.

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyList, PySlice, PyString};

use zhnorm::convert::{ConvertError, Converter, UserDict, CONFIG_NAMES};

/// One converter per built-in configuration, built on first use: building
/// costs microseconds, which `zhnorm.convert` on short strings would
/// otherwise pay on every call.
fn builtin_converter(config: &str) -> Result<Arc<Converter>, ConvertError> {
    static CACHE: OnceLock<Vec<OnceLock<Arc<Converter>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| CONFIG_NAMES.iter().map(|_| OnceLock::new()).collect());
    let Some(i) = CONFIG_NAMES.iter().position(|n| *n == config) else {
        return Err(ConvertError::UnknownConfig(config.to_owned()));
    };
    if let Some(c) = cache[i].get() {
        return Ok(Arc::clone(c));
    }
    let built = Arc::new(Converter::new(config)?);
    Ok(Arc::clone(cache[i].get_or_init(|| built)))
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

/// Code points from which a `str` is converted in pieces (see
/// [`convert_str`]); below it one call is cheaper than starting a thread.
const PIECEWISE_FROM: usize = 1 << 20;
/// Code points per piece.
const PIECE: usize = 1 << 18;

/// Converts a Python `str`.
///
/// Crossing the boundary costs about as much as converting: Python stores
/// Chinese text as UCS-2, so the text is encoded to UTF-8 on the way in and
/// decoded on the way out, and both need the GIL. For a long text the two
/// overlap with the conversion: this thread cuts the text into pieces,
/// encodes each and hands it to a worker that runs them through one
/// [`StreamConverter`](zhnorm::convert::StreamConverter) (whose output does
/// not depend on where the pieces were cut), and decodes each converted
/// piece as it comes back.
fn convert_str<'py>(
    py: Python<'py>,
    conv: &Converter,
    text: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyString>> {
    let chars = text.len()?;
    if chars < PIECEWISE_FROM {
        let text: PyBackedStr = text.extract()?;
        let out = py.detach(|| conv.convert(&text));
        return Ok(PyString::new(py, &out));
    }
    let mut done: Vec<Bound<'py, PyString>> = Vec::with_capacity(chars / PIECE + 2);
    std::thread::scope(|scope| -> PyResult<()> {
        let (to_worker, pieces) = mpsc::channel::<PyBackedStr>();
        // The worker hands each piece back with its output, so that the
        // Python object is released here, under the GIL.
        let (to_main, results) = mpsc::channel::<(Option<PyBackedStr>, String)>();
        scope.spawn(move || {
            let mut stream = conv.stream();
            for piece in pieces {
                let mut out = String::with_capacity(piece.len() + piece.len() / 8);
                stream.push(&piece, &mut out);
                if to_main.send((Some(piece), out)).is_err() {
                    return;
                }
            }
            let mut out = String::new();
            stream.finish(&mut out);
            let _ = to_main.send((None, out));
        });
        let mut start = 0;
        while start < chars {
            let end = (start + PIECE).min(chars);
            let slice = PySlice::new(py, start as isize, end as isize, 1);
            let piece: PyBackedStr = text.get_item(slice)?.extract()?;
            // The worker is alive until this sender is dropped.
            let _ = to_worker.send(piece);
            while let Ok((piece, out)) = results.try_recv() {
                drop(piece);
                done.push(PyString::new(py, &out));
            }
            start = end;
        }
        drop(to_worker);
        // Wait without the GIL: other Python threads may run meanwhile.
        // (The receiver moves in and out, as it cannot be shared.)
        let mut results = results;
        loop {
            let (next, back) = py.detach(move || (results.recv(), results));
            results = back;
            let Ok((piece, out)) = next else { break };
            drop(piece);
            done.push(PyString::new(py, &out));
        }
        Ok(())
    })?;
    let joined = PyString::new(py, "").call_method1("join", (PyList::new(py, done)?,))?;
    Ok(joined.cast_into::<PyString>()?)
}

/// `zhnorm.Converter`: an OpenCC configuration, optionally with user
/// dictionaries, ready to convert text on any thread.
#[pyclass(frozen, module = "zhnorm", name = "Converter")]
struct PyConverter {
    inner: Arc<Converter>,
    dicts: Vec<PathBuf>,
}

#[pymethods]
impl PyConverter {
    #[new]
    #[pyo3(signature = (config = "t2s", dicts = Vec::new()))]
    fn new(py: Python<'_>, config: &str, dicts: Vec<PathBuf>) -> PyResult<Self> {
        if dicts.is_empty() {
            let inner = builtin_converter(config).map_err(convert_error)?;
            return Ok(PyConverter { inner, dicts });
        }
        let config = config.to_owned();
        // Reading and parsing dictionaries is file I/O: without the GIL.
        let (inner, dicts) = py
            .detach(move || {
                let parsed = dicts
                    .iter()
                    .map(|p| UserDict::from_path(p))
                    .collect::<Result<Vec<_>, _>>()?;
                let conv = Converter::with_user_dicts(&config, &parsed)?;
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

    fn __repr__(&self) -> String {
        if self.dicts.is_empty() {
            format!("zhnorm.Converter({:?})", self.inner.name())
        } else {
            let paths: Vec<String> = self
                .dicts
                .iter()
                .map(|p| format!("{:?}", p.display().to_string()))
                .collect();
            format!(
                "zhnorm.Converter({:?}, dicts=[{}])",
                self.inner.name(),
                paths.join(", ")
            )
        }
    }
}

/// `zhnorm.convert`: one-off conversion with a built-in configuration.
#[pyfunction]
#[pyo3(signature = (text, config = "t2s"))]
fn convert<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyString>,
    config: &str,
) -> PyResult<Bound<'py, PyString>> {
    let conv = builtin_converter(config).map_err(convert_error)?;
    convert_str(py, &conv, text)
}

/// The configuration names `Converter` and `convert` accept.
#[pyfunction]
fn configs() -> Vec<&'static str> {
    CONFIG_NAMES.to_vec()
}

#[pymodule]
fn _zhnorm(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<PyConverter>()?;
    m.add_function(wrap_pyfunction!(convert, m)?)?;
    m.add_function(wrap_pyfunction!(configs, m)?)?;
    Ok(())
}
