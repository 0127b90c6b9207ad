//! Text across the boundary.
//!
//! CPython stores a Chinese `str` as UCS-2, so text crosses as UTF-8 only
//! through its codec, under the GIL: about 4 ns a character each way on
//! Chinese text, as much as converting it. Both directions are cut down:
//!
//! - In: the UTF-8 form CPython keeps inside a `str` once asked for it
//!   (`PyUnicode_AsUTF8AndSize`, what a non-abi3 PyO3 `&str` and
//!   pybind11's `std::string` read too), borrowed rather than copied into
//!   a new `bytes` each time (what PyO3 does for abi3 before 3.10). The
//!   first call on a `str` encodes it; later ones, and an ASCII `str`,
//!   cost nothing. The price is the cached form's memory, kept as long
//!   as the `str` lives. `normalize_many`, whose items are usually a
//!   corpus's records kept in a list, copies their code points instead
//!   (`PyUnicode_AsUCS4`, a widening copy) and makes the UTF-8 on the
//!   thread that cleans them, leaving nothing behind in the items.
//! - Out: the result's code points, written in Rust (without the GIL, on
//!   the thread that cleaned it), then narrowed into a new `str` by
//!   `PyUnicode_FromWideChar`, a plain copy, several times cheaper than
//!   CPython's UTF-8 decoder.

use std::os::raw::c_char;

use pyo3::exceptions::PyValueError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;

#[cfg(not(windows))]
extern "C" {
    // In the limited API from 3.10, and exported by every CPython 3 since
    // 3.3; PyO3 declares it only when built for 3.10 or later. (On Windows
    // an abi3 module links to `python3.dll`, which exports it only from
    // 3.10 on, so there the copy below is used.)
    fn PyUnicode_AsUTF8AndSize(
        unicode: *mut ffi::PyObject,
        size: *mut ffi::Py_ssize_t,
    ) -> *const c_char;
}

/// The UTF-8 text of a `str`, readable without the GIL: borrowed from the
/// form CPython caches in the object, which lives as long as the object.
pub struct Utf8 {
    /// Held, never read: it keeps the text alive.
    #[allow(dead_code)]
    owner: Py<PyString>,
    #[cfg(not(windows))]
    ptr: *const u8,
    #[cfg(not(windows))]
    len: usize,
    #[cfg(windows)]
    copy: pyo3::pybacked::PyBackedStr,
}

// SAFETY: the text is immutable while `owner` holds the `str` alive, and
// `Py` may move between threads.
#[cfg(not(windows))]
unsafe impl Send for Utf8 {}
// SAFETY: as above; nothing in a `Utf8` is ever written.
#[cfg(not(windows))]
unsafe impl Sync for Utf8 {}

impl Utf8 {
    /// The text of `s`; `UnicodeEncodeError` for a `str` holding a lone
    /// surrogate, which UTF-8 cannot carry.
    pub fn of(s: &Bound<'_, PyString>) -> PyResult<Self> {
        #[cfg(not(windows))]
        {
            let mut len: ffi::Py_ssize_t = 0;
            // SAFETY: `s` is a live `str`; the pointer returned stays valid
            // while the object does, which `owner` ensures.
            let ptr = unsafe { PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut len) };
            if ptr.is_null() {
                return Err(PyErr::fetch(s.py()));
            }
            Ok(Utf8 {
                owner: s.clone().unbind(),
                ptr: ptr.cast::<u8>(),
                len: len as usize,
            })
        }
        #[cfg(windows)]
        {
            Ok(Utf8 {
                owner: s.clone().unbind(),
                copy: s.extract()?,
            })
        }
    }

    pub fn as_str(&self) -> &str {
        #[cfg(not(windows))]
        {
            // SAFETY: CPython's UTF-8 form of a `str` is valid UTF-8 (it
            // refuses surrogates), `len` bytes long, and kept alive by
            // `owner`.
            unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(self.ptr, self.len)) }
        }
        #[cfg(windows)]
        {
            &self.copy
        }
    }
}

impl std::ops::Deref for Utf8 {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

/// Appends the code points of `s` to `buf`: a copy, widening CPython's
/// 1- or 2-byte storage, and no cached form left in the object.
pub fn read(s: &Bound<'_, PyString>, buf: &mut Vec<u32>) -> PyResult<()> {
    let py = s.py();
    // SAFETY: `s` is a live `str`; the destination has room for `n` code
    // points, written before the length is raised; no NUL is asked for.
    unsafe {
        let n = ffi::PyUnicode_GetLength(s.as_ptr());
        if n < 0 {
            return Err(PyErr::fetch(py));
        }
        if n == 0 {
            return Ok(());
        }
        let n = n as usize;
        buf.reserve(n);
        let start = buf.len();
        let dst = buf.as_mut_ptr().add(start);
        if ffi::PyUnicode_AsUCS4(s.as_ptr(), dst, n as ffi::Py_ssize_t, 0).is_null() {
            return Err(PyErr::fetch(py));
        }
        buf.set_len(start + n);
    }
    Ok(())
}

/// Whether `cps` hold a surrogate, which a `str` may (from
/// `surrogateescape`, say) and UTF-8 cannot.
pub fn has_surrogate(cps: &[u32]) -> bool {
    cps.iter().any(|&c| (0xD800..0xE000).contains(&c))
}

/// Appends `cps`, which hold no surrogate (see [`has_surrogate`]), to
/// `out` as UTF-8.
pub fn to_utf8(cps: &[u32], out: &mut String) {
    // Written through a pointer into reserved room: pushing `char`s checks
    // capacity and dispatches on length for each, which costs more than
    // the rest of the loop.
    let mut bytes = std::mem::take(out).into_bytes();
    bytes.reserve(cps.len() * 4);
    let start = bytes.len();
    // SAFETY: at most four bytes are written per code point into the room
    // reserved above, and the length is set to what was written.
    let written = unsafe {
        let base = bytes.as_mut_ptr().add(start);
        let mut p = base;
        for &c in cps {
            if c < 0x80 {
                *p = c as u8;
                p = p.add(1);
            } else if c < 0x800 {
                *p = 0xC0 | (c >> 6) as u8;
                *p.add(1) = 0x80 | (c & 0x3F) as u8;
                p = p.add(2);
            } else if c < 0x10000 {
                *p = 0xE0 | (c >> 12) as u8;
                *p.add(1) = 0x80 | ((c >> 6) & 0x3F) as u8;
                *p.add(2) = 0x80 | (c & 0x3F) as u8;
                p = p.add(3);
            } else {
                // CPython's code points end at U+10FFFF.
                *p = 0xF0 | ((c >> 18) & 0x07) as u8;
                *p.add(1) = 0x80 | ((c >> 12) & 0x3F) as u8;
                *p.add(2) = 0x80 | ((c >> 6) & 0x3F) as u8;
                *p.add(3) = 0x80 | (c & 0x3F) as u8;
                p = p.add(4);
            }
        }
        p.offset_from(base) as usize
    };
    // SAFETY: the bytes written encode the code points, which are Unicode
    // scalar values (no surrogates, none beyond U+10FFFF), whole.
    unsafe {
        bytes.set_len(start + written);
        *out = String::from_utf8_unchecked(bytes);
    }
}

/// Appends the code points of `text` to `out`.
pub fn to_ucs4(text: &str, out: &mut Vec<u32>) {
    let b = text.as_bytes();
    // A character takes at least one byte, so this is room enough.
    out.reserve(b.len());
    let start = out.len();
    // SAFETY: `b` is valid UTF-8, so each lead byte is followed by its
    // continuation bytes within `b`; each step writes one code point into
    // the room reserved above, and the length is set to what was written.
    unsafe {
        let base = out.as_mut_ptr().add(start);
        let mut p = base;
        let mut i = 0;
        while i < b.len() {
            let x = u32::from(*b.get_unchecked(i));
            let (c, n) = if x < 0x80 {
                (x, 1)
            } else if x < 0xE0 {
                (
                    (x & 0x1F) << 6 | u32::from(*b.get_unchecked(i + 1)) & 0x3F,
                    2,
                )
            } else if x < 0xF0 {
                (
                    (x & 0x0F) << 12
                        | (u32::from(*b.get_unchecked(i + 1)) & 0x3F) << 6
                        | u32::from(*b.get_unchecked(i + 2)) & 0x3F,
                    3,
                )
            } else {
                (
                    (x & 0x07) << 18
                        | (u32::from(*b.get_unchecked(i + 1)) & 0x3F) << 12
                        | (u32::from(*b.get_unchecked(i + 2)) & 0x3F) << 6
                        | u32::from(*b.get_unchecked(i + 3)) & 0x3F,
                    4,
                )
            };
            *p = c;
            p = p.add(1);
            i += n;
        }
        out.set_len(start + p.offset_from(base) as usize);
    }
}

/// A new `str` holding `cps`, which must all be Unicode scalar values
/// (what [`to_ucs4`] gives).
pub fn new_str<'py>(py: Python<'py>, cps: &[u32]) -> PyResult<Bound<'py, PyString>> {
    let len = ffi::Py_ssize_t::try_from(cps.len())
        .map_err(|_| PyValueError::new_err("text too long for a str"))?;
    // SAFETY: the pointer and length describe `cps`, which outlives the
    // call; CPython copies the data into the new object.
    let ptr = unsafe {
        if std::mem::size_of::<libc::wchar_t>() == 4 {
            ffi::PyUnicode_FromWideChar(cps.as_ptr().cast::<libc::wchar_t>(), len)
        } else {
            // A 16-bit `wchar_t` (Windows) would need surrogate pairs; the
            // UTF-32 decoder takes code points as they are. The byte order
            // is given, so that a leading U+FEFF stays text.
            let mut order: std::os::raw::c_int = if cfg!(target_endian = "little") {
                -1
            } else {
                1
            };
            ffi::PyUnicode_DecodeUTF32(
                cps.as_ptr().cast::<c_char>(),
                len * 4,
                std::ptr::null(),
                &mut order,
            )
        }
    };
    // SAFETY: a new reference or NULL with an exception set.
    let obj = unsafe { Bound::from_owned_ptr_or_err(py, ptr)? };
    Ok(obj.cast_into::<PyString>()?)
}

thread_local! {
    /// Code points of the result being made into a `str` on this thread.
    static OUT: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Scratch buffers bigger than this are not kept between calls.
const KEEP: usize = 1 << 16;

/// A new `str` of `text`.
pub fn str_of<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyString>> {
    OUT.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            to_ucs4(text, &mut buf);
            let s = new_str(py, &buf);
            if buf.capacity() > KEEP {
                *buf = Vec::new();
            }
            s
        }
        Err(_) => {
            let mut buf = Vec::new();
            to_ucs4(text, &mut buf);
            new_str(py, &buf)
        }
    })
}
