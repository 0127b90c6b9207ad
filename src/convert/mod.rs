//! OpenCC-compatible conversion. (API skeleton — being written)
use std::path::{Path, PathBuf};

/// Every configuration name accepted by [`Converter::new`].
pub const CONFIG_NAMES: &[&str] = &[
    "t2s", "tw2s", "tw2sp", "hk2s", "hk2sp", "s2t", "s2tw", "s2twp", "s2hk", "s2hkp", "t2tw",
    "t2hk", "tw2t", "hk2t", "t2jp", "jp2t", "none",
];

/// Errors from building a converter.
#[derive(Debug)]
pub enum ConvertError {
    /// The configuration name is not one of [`CONFIG_NAMES`].
    UnknownConfig(String),
    /// A user dictionary could not be read.
    Io { path: PathBuf, source: std::io::Error },
    /// A user dictionary line is malformed.
    DictSyntax { path: PathBuf, line: usize, message: String },
}

impl std::fmt::Display for ConvertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConvertError::UnknownConfig(n) => write!(f, "unknown config '{n}'"),
            ConvertError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            ConvertError::DictSyntax { path, line, message } => {
                write!(f, "{}:{line}: {message}", path.display())
            }
        }
    }
}
impl std::error::Error for ConvertError {}

/// A user dictionary in OpenCC's text format.
#[derive(Debug, Clone, Default)]
pub struct UserDict {
    entries: Vec<(String, String)>,
}

impl UserDict {
    /// Reads and parses a dictionary file.
    pub fn from_path(path: &Path) -> Result<Self, ConvertError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConvertError::Io { path: path.to_owned(), source })?;
        Self::parse(path, &text)
    }
    /// Parses dictionary text; `path` is only used in error messages.
    pub fn parse(_path: &Path, _text: &str) -> Result<Self, ConvertError> {
        Ok(UserDict { entries: Vec::new() })
    }
}

/// A compiled conversion configuration. Cheap to share across threads.
pub struct Converter {
    name: &'static str,
}

impl Converter {
    /// Builds the converter for a configuration name (see [`CONFIG_NAMES`]).
    pub fn new(name: &str) -> Result<Self, ConvertError> {
        Self::with_user_dicts(name, &[])
    }
    /// Builds a converter whose user dictionaries take precedence over the built-in ones.
    pub fn with_user_dicts(name: &str, _dicts: &[UserDict]) -> Result<Self, ConvertError> {
        let name = CONFIG_NAMES
            .iter()
            .find(|n| **n == name)
            .ok_or_else(|| ConvertError::UnknownConfig(name.to_owned()))?;
        Ok(Converter { name })
    }
    /// The configuration name.
    pub fn name(&self) -> &'static str {
        self.name
    }
    /// Converts a whole text.
    pub fn convert(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        self.convert_into(text, &mut out);
        out
    }
    /// Converts a whole text, appending to `out`.
    pub fn convert_into(&self, text: &str, out: &mut String) {
        out.push_str(text);
    }
    /// Starts a chunk-by-chunk conversion.
    pub fn stream(&self) -> StreamConverter<'_> {
        StreamConverter { conv: self, pending: String::new() }
    }
}

/// Converts a stream chunk by chunk with bounded memory; the output never
/// depends on where the chunks were split.
pub struct StreamConverter<'a> {
    conv: &'a Converter,
    pending: String,
}

impl StreamConverter<'_> {
    /// Adds a chunk; appends to `out` everything that can already be converted safely.
    pub fn push(&mut self, chunk: &str, out: &mut String) {
        self.pending.push_str(chunk);
        let p = std::mem::take(&mut self.pending);
        self.conv.convert_into(&p, out);
    }
    /// Ends the stream, appending the rest of the output.
    pub fn finish(&mut self, out: &mut String) {
        let p = std::mem::take(&mut self.pending);
        self.conv.convert_into(&p, out);
    }
}
