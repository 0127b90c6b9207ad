//! The inputs of a batch run: which files, and where each one's output goes.
//!
//! `zhnorm [-o DIR | --in-place] PATH...` takes files and directories. This
//! module turns those roots into a sorted list of [`Job`]s, each an input
//! file plus the path of its output relative to the output directory.
//!
//! # Output layout
//!
//! * A **file** root maps to its file name: `zhnorm -o out a/x.html` writes
//!   `out/x.html`.
//! * A **single directory** root maps its files to their path inside it:
//!   `zhnorm -o out pages/` writes `out/x.html`, `out/sub/y.html`.
//! * With **several roots**, each keeps its own name as the top directory,
//!   so no two trees mix: `zhnorm -o out a/ b/` writes `out/a/...` and
//!   `out/b/...`; `zhnorm -o out pages/ x.html` writes `out/pages/...` and
//!   `out/x.html`. The count is of roots *given*, so a root that turns out
//!   to be missing does not change where the others go.
//! * A root's name is its last component as typed (a symbolic link keeps the
//!   link's name); `.` and `..` take the name of the directory they resolve
//!   to.
//! * Two roots with the same name (`a/pages b/pages`, or one path given
//!   twice) would write into the same place, so [`walk`] refuses them with
//!   [`WalkSetupError::Collision`] before doing anything. It refuses rather
//!   than renaming one (`pages-2`) because a silently invented name is worse
//!   than a clear error, and the error is the same whatever the trees hold.
//!   Without [`WalkOptions::mirror`] (in place) names meet nowhere and are
//!   not compared.
//!   One file or directory named twice under different spellings
//!   (`a.txt ./a.txt`, a link and its target) is refused as
//!   [`WalkSetupError::Duplicate`].
//!
//! # Globs
//!
//! Include and exclude globs follow gitignore's rules, matched against the
//! path below the root with `/` separators (a file root's path is its name):
//!
//! * a glob without `/` matches a name at any depth: `*.html` matches
//!   `x.html` and `a/b/x.html`;
//! * a glob with a `/` (other than a trailing one) matches the whole path
//!   from the root, and `*` does not cross `/`: `a/*.html` matches `a/x.html`
//!   but not `a/b/x.html`, `a/**/*.html` matches both; a leading `/` only
//!   anchors and is dropped;
//! * a trailing `/` makes a glob match directories only;
//! * a glob matches a file when it matches the file or any directory
//!   containing it, so `--exclude drafts` skips a `drafts` directory's whole
//!   contents and `--include 'docs/'` takes every file under a `docs`
//!   directory;
//! * a file is taken when no exclude glob matches it and, if include globs
//!   were given, at least one does: exclude wins. Globs apply to file roots
//!   too, so `zhnorm --exclude '*.bak' *` works as the shell user expects.
//!
//! Hidden files and directories are taken like any other: a scraped tree has
//! no `.gitignore` conventions to honour.
//!
//! # Links and special files
//!
//! Roots are always resolved, like `find -H`: naming a link means its target.
//! Inside trees, links are followed when [`WalkOptions::follow_symlinks`] is
//! set (the default) and silently skipped otherwise. A broken link, a link
//! back to a directory on the current path (a loop), an unreadable directory
//! and anything that is not a regular file (FIFO, socket, device) become a
//! [`WalkError`] naming the path, and the walk goes on. Loops are found by
//! the identity of the directories on the current path ((device, inode) on
//! Unix, canonical path elsewhere), so no walk can run forever.
//!
//! Directories in [`WalkOptions::skip`] (the output directory) are never
//! entered: a directory is compared by identity, and a link by the real
//! path it leads to, even when that does not exist yet. So a link to the
//! output directory inside an input tree, however it is spelled, never
//! makes a run read its own output.
//!
//! Jobs are sorted by their output path, byte by byte, so the order never
//! depends on the file system's.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs::{self, Metadata};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use globset::{Candidate, GlobBuilder, GlobSet, GlobSetBuilder};

/// What to take from the trees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkOptions {
    /// Globs a file must match (by itself or through a containing
    /// directory); empty means every file.
    pub include: Vec<String>,
    /// Globs that drop a file or a whole directory; they win over `include`.
    pub exclude: Vec<String>,
    /// Follow symbolic links inside the trees (roots are always followed).
    pub follow_symlinks: bool,
    /// Directories never entered, however a tree reaches them (a link, a
    /// bind mount, any spelling): the output directory, so a run never
    /// reads what it or an earlier run wrote. They need not exist yet.
    pub skip: Vec<PathBuf>,
    /// Whether the outputs mirror the trees into one directory (the
    /// default), where two roots of the same name would meet. In place,
    /// each file is written where it is, so only the same root named twice
    /// is refused.
    pub mirror: bool,
}

impl Default for WalkOptions {
    /// No globs, links followed: scraped trees often link shared pages into
    /// several places, and each place should get its output.
    fn default() -> Self {
        WalkOptions {
            include: Vec::new(),
            exclude: Vec::new(),
            follow_symlinks: true,
            skip: Vec::new(),
            mirror: true,
        }
    }
}

/// One input file and where its output goes relative to the output root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The path to open, as reached from the root (a link stays a link).
    pub input: PathBuf,
    /// The output path below the output directory (see the module notes).
    pub relative: PathBuf,
    /// The file's size when walked, for progress and scheduling.
    pub size: u64,
    /// Index of the root (in the list given to [`walk`]) it was found
    /// under, so a caller can tell whether its real path left that root.
    pub root: usize,
}

/// Something that could not be walked (unreadable directory, broken link,
/// loop, special file); reported by name while the rest goes on.
#[derive(Debug)]
pub struct WalkError {
    /// The path as reached from its root.
    pub path: PathBuf,
    /// What went wrong, in words for a message after `path: `.
    pub message: String,
}

impl fmt::Display for WalkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for WalkError {}

/// A problem with the request itself, found before walking: nothing is
/// processed when one occurs.
#[derive(Debug)]
pub enum WalkSetupError {
    /// A glob that does not parse.
    Glob {
        /// The glob as given.
        pattern: String,
        /// The parser's complaint.
        message: String,
    },
    /// Two roots that would write to the same place in the output.
    Collision {
        /// The shared top-level output name.
        name: OsString,
        /// The first root with that name.
        first: PathBuf,
        /// The later root with that name.
        second: PathBuf,
    },
    /// A root with no name to put its output under (`/`), given alongside
    /// other roots.
    Unnamed {
        /// The root as given.
        root: PathBuf,
    },
    /// One file or directory named twice, in the same or another spelling
    /// (`a.txt ./a.txt`, a link and its target): it would be processed
    /// twice, and in place it would be rewritten twice.
    Duplicate {
        /// The first spelling.
        first: PathBuf,
        /// The later one.
        second: PathBuf,
    },
}

impl WalkSetupError {
    /// What the error is about, for a `zhnorm: LABEL: message` line: the
    /// offending root, or the glob options.
    pub fn label(&self) -> String {
        match self {
            WalkSetupError::Glob { .. } => "--include/--exclude".to_owned(),
            WalkSetupError::Collision { second, .. } | WalkSetupError::Duplicate { second, .. } => {
                second.display().to_string()
            }
            WalkSetupError::Unnamed { root } => root.display().to_string(),
        }
    }

    /// What went wrong, for after the [`label`](Self::label).
    pub fn detail(&self) -> String {
        match self {
            WalkSetupError::Glob { pattern, message } => {
                format!("invalid glob {pattern:?}: {message}")
            }
            WalkSetupError::Collision {
                name,
                first,
                second,
            } if first == second => format!(
                "is given twice; its output would be written twice to {}",
                Path::new(name).display()
            ),
            WalkSetupError::Collision { name, first, .. } => format!(
                "would write its output to {}, as {} would; give them in separate runs",
                Path::new(name).display(),
                first.display()
            ),
            WalkSetupError::Duplicate { first, .. } => format!(
                "is given twice (also as {}); name each input once",
                first.display()
            ),
            WalkSetupError::Unnamed { .. } => {
                "has no name to put its output under; give it alone".to_owned()
            }
        }
    }
}

impl fmt::Display for WalkSetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WalkSetupError::Glob { .. } => f.write_str(&self.detail()),
            _ => write!(f, "{}: {}", self.label(), self.detail()),
        }
    }
}

impl std::error::Error for WalkSetupError {}

/// Finds every file under `roots`, in output-path order, with the entries
/// that could not be walked.
///
/// Errors only for a bad glob or colliding roots; everything else (missing
/// roots included) is a [`WalkError`] in the second list, sorted by path.
pub fn walk(
    roots: &[PathBuf],
    opts: &WalkOptions,
) -> Result<(Vec<Job>, Vec<WalkError>), WalkSetupError> {
    let include = Patterns::new(&opts.include)?;
    let exclude = Patterns::new(&opts.exclude)?;
    let prefixes = root_prefixes(roots, opts.mirror)?;
    let mut skip_ids = Vec::new();
    let mut skip_paths = Vec::new();
    for dir in &opts.skip {
        if let Ok(meta) = fs::metadata(dir) {
            if let Ok(id) = dir_id(dir, &meta) {
                skip_ids.push(id);
            }
        }
        if let Ok(real) = canonical_maybe_missing(dir) {
            skip_paths.push(real);
        }
    }
    let mut walker = Walker {
        include: if opts.include.is_empty() {
            None
        } else {
            Some(include)
        },
        exclude,
        follow_symlinks: opts.follow_symlinks,
        skip_ids,
        skip_paths,
        root_index: 0,
        jobs: Vec::new(),
        errors: Vec::new(),
    };
    for (index, (root, prefix)) in roots.iter().zip(&prefixes).enumerate() {
        walker.root_index = index;
        walker.root(root, prefix.as_deref());
    }
    let Walker {
        mut jobs,
        mut errors,
        ..
    } = walker;
    jobs.sort_by(|a, b| {
        let (ka, kb) = (
            a.relative.as_os_str().as_encoded_bytes(),
            b.relative.as_os_str().as_encoded_bytes(),
        );
        ka.cmp(kb).then_with(|| a.input.cmp(&b.input))
    });
    errors.sort_by(|a, b| {
        a.path
            .as_os_str()
            .as_encoded_bytes()
            .cmp(b.path.as_os_str().as_encoded_bytes())
    });
    Ok((jobs, errors))
}

/// Output path for a job under `out_dir`.
///
/// Renaming for compression (`x.txt.gz` → `x.txt`) is the caller's, with
/// [`crate::formats::compress::output_name`] on the last component.
pub fn output_path(out_dir: &Path, job: &Job) -> PathBuf {
    out_dir.join(&job.relative)
}

/// Refuses an output directory that is, or is inside, an input directory
/// (the next run would read its own output, and the walk could see files it
/// is writing), and an input inside the output directory.
///
/// Paths are compared canonically, so links and `..` cannot hide an
/// overlap. The output directory may not exist yet: its nearest existing
/// ancestor is canonicalised and the rest appended. Roots that do not exist
/// are left to [`walk`] to report.
pub fn check_output_dir(roots: &[PathBuf], out_dir: &Path) -> Result<(), String> {
    let out = canonical_maybe_missing(out_dir).map_err(|e| {
        format!(
            "{}: cannot resolve output directory: {e}",
            out_dir.display()
        )
    })?;
    for root in roots {
        let Ok(input) = fs::canonicalize(root) else {
            continue;
        };
        let is_dir = fs::metadata(&input).map(|m| m.is_dir()).unwrap_or(false);
        if out == input {
            return Err(if is_dir {
                format!(
                    "output directory {} is the input directory {}",
                    out_dir.display(),
                    root.display()
                )
            } else {
                format!(
                    "output directory {} is the input file {}",
                    out_dir.display(),
                    root.display()
                )
            });
        }
        if is_dir && out.starts_with(&input) {
            return Err(format!(
                "output directory {} is inside the input directory {}",
                out_dir.display(),
                root.display()
            ));
        }
        if input.starts_with(&out) {
            return Err(format!(
                "input {} is inside the output directory {}",
                root.display(),
                out_dir.display()
            ));
        }
    }
    Ok(())
}

/// The canonical form of a path whose tail may not exist yet.
///
/// Missing components cannot be links, so they are resolved lexically
/// (`.` dropped, `..` pops) on top of the canonical existing ancestor.
pub fn canonical_maybe_missing(path: &Path) -> io::Result<PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    };
    let mut existing = absolute.as_path();
    let mut missing = Vec::new();
    loop {
        match fs::canonicalize(existing) {
            Ok(mut base) => {
                for part in missing.iter().rev() {
                    match part {
                        Component::ParentDir => {
                            base.pop();
                        }
                        Component::Normal(name) => base.push(name),
                        _ => {}
                    }
                }
                return Ok(base);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let Some(last) = existing.components().next_back() else {
                    return Err(e);
                };
                missing.push(last);
                existing = match existing.parent() {
                    Some(parent) => parent,
                    None => return Err(e),
                };
            }
            Err(e) => return Err(e),
        }
    }
}

/// The top-level output name of each root: none for a single directory
/// root, else the root's own name.
fn root_prefixes(roots: &[PathBuf], mirror: bool) -> Result<Vec<Option<OsString>>, WalkSetupError> {
    if roots.len() == 1 {
        let is_dir = fs::metadata(&roots[0]).map(|m| m.is_dir()).unwrap_or(false);
        if is_dir {
            return Ok(vec![None]);
        }
    }
    // The same file under two spellings is one input named twice, whatever
    // the names say; checked first so the message says so.
    let mut ids: HashMap<DirId, &PathBuf> = HashMap::new();
    for root in roots {
        let Ok(meta) = fs::metadata(root) else {
            continue;
        };
        let Ok(id) = dir_id(root, &meta) else {
            continue;
        };
        if let Some(first) = ids.get(&id) {
            return Err(WalkSetupError::Duplicate {
                first: (*first).clone(),
                second: root.clone(),
            });
        }
        ids.insert(id, root);
    }
    let mut seen: HashMap<OsString, &PathBuf> = HashMap::new();
    let mut prefixes = Vec::with_capacity(roots.len());
    for root in roots {
        let name = root_name(root).ok_or_else(|| WalkSetupError::Unnamed { root: root.clone() })?;
        if let (true, Some(first)) = (mirror, seen.get(&name)) {
            return Err(WalkSetupError::Collision {
                name,
                first: (*first).clone(),
                second: root.clone(),
            });
        }
        seen.insert(name.clone(), root);
        prefixes.push(Some(name));
    }
    Ok(prefixes)
}

/// A root's name: its last component as typed, or, for paths ending in
/// `.` or `..`, the name of the directory they resolve to.
fn root_name(root: &Path) -> Option<OsString> {
    if let Some(name) = root.file_name() {
        return Some(name.to_owned());
    }
    fs::canonicalize(root)
        .ok()?
        .file_name()
        .map(OsStr::to_owned)
}

/// Include or exclude globs, split by what they are matched against.
struct Patterns {
    /// Globs without `/`: matched against the last component.
    name: GlobSet,
    /// Globs with `/`: matched against the path below the root.
    path: GlobSet,
    /// Like `name` and `path`, for globs with a trailing `/`.
    dir_name: GlobSet,
    dir_path: GlobSet,
}

impl Patterns {
    fn new(globs: &[String]) -> Result<Self, WalkSetupError> {
        let mut sets: [GlobSetBuilder; 4] = std::array::from_fn(|_| GlobSetBuilder::new());
        for pattern in globs {
            let bad = |message: String| WalkSetupError::Glob {
                pattern: pattern.clone(),
                message,
            };
            let mut text = pattern.as_str();
            let dir_only = text.len() > 1 && text.ends_with('/');
            if dir_only {
                text = &text[..text.len() - 1];
            }
            let anchored = text.contains('/');
            let text = text.strip_prefix('/').unwrap_or(text);
            if text.is_empty() {
                return Err(bad("matches nothing".to_owned()));
            }
            let glob = GlobBuilder::new(text)
                .literal_separator(true)
                .build()
                .map_err(|e| bad(e.kind().to_string()))?;
            let index = usize::from(anchored) + 2 * usize::from(dir_only);
            sets[index].add(glob);
        }
        let [name, path, dir_name, dir_path] =
            sets.map(|b| b.build().expect("each glob was built alone"));
        Ok(Patterns {
            name,
            path,
            dir_name,
            dir_path,
        })
    }

    /// Whether a glob matches the entry at `relative` (below its root).
    fn matches(&self, relative: &Path, is_dir: bool) -> bool {
        let name = Candidate::new(relative.file_name().unwrap_or(relative.as_os_str()));
        let path = Candidate::new(relative);
        self.name.is_match_candidate(&name)
            || self.path.is_match_candidate(&path)
            || (is_dir
                && (self.dir_name.is_match_candidate(&name)
                    || self.dir_path.is_match_candidate(&path)))
    }
}

/// A directory's identity, for loop detection.
#[cfg(unix)]
type DirId = (u64, u64);
#[cfg(not(unix))]
type DirId = PathBuf;

#[cfg(unix)]
fn dir_id(_path: &Path, meta: &Metadata) -> io::Result<DirId> {
    use std::os::unix::fs::MetadataExt;
    Ok((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn dir_id(path: &Path, _meta: &Metadata) -> io::Result<DirId> {
    fs::canonicalize(path)
}

/// The directories on the current path, innermost first; shared between
/// siblings so each pending directory carries its ancestry cheaply.
struct Ancestor {
    id: DirId,
    path: PathBuf,
    parent: Option<Rc<Ancestor>>,
}

impl Ancestor {
    fn find(self: &Rc<Self>, id: &DirId) -> Option<&Path> {
        let mut node = Some(self);
        while let Some(n) = node {
            if &n.id == id {
                return Some(&n.path);
            }
            node = n.parent.as_ref();
        }
        None
    }
}

/// A directory waiting to be read.
struct Pending {
    path: PathBuf,
    /// Path below the root, for globs.
    below_root: PathBuf,
    /// Whether an include glob matched it or a directory above it.
    included: bool,
    ancestors: Rc<Ancestor>,
}

struct Walker {
    include: Option<Patterns>,
    exclude: Patterns,
    follow_symlinks: bool,
    /// Identities of the directories never entered (those that exist).
    skip_ids: Vec<DirId>,
    /// Their real paths (or what they will be once made).
    skip_paths: Vec<PathBuf>,
    /// The root being walked.
    root_index: usize,
    jobs: Vec<Job>,
    errors: Vec<WalkError>,
}

impl Walker {
    /// Whether the link at `path` leads into a skipped directory. Its
    /// target may not exist yet (an output directory the first run has
    /// still to make), so a dangling link is resolved by hand.
    fn link_into_skipped(&self, path: &Path) -> bool {
        if self.skip_paths.is_empty() {
            return false;
        }
        let real = match fs::canonicalize(path) {
            Ok(real) => real,
            Err(_) => {
                let Ok(target) = fs::read_link(path) else {
                    return false;
                };
                let target = match path.parent() {
                    Some(parent) => parent.join(target),
                    None => target,
                };
                match canonical_maybe_missing(&target) {
                    Ok(real) => real,
                    Err(_) => return false,
                }
            }
        };
        self.skip_paths.iter().any(|s| real.starts_with(s))
    }

    fn error(&mut self, path: &Path, message: impl Into<String>) {
        self.errors.push(WalkError {
            path: path.to_path_buf(),
            message: message.into(),
        });
    }

    fn root(&mut self, root: &Path, prefix: Option<&OsStr>) {
        let meta = match fs::metadata(root) {
            Ok(m) => m,
            Err(e) => return self.error(root, describe(&e)),
        };
        if meta.is_file() {
            // A file root is matched by its name, which is also its output.
            let name = PathBuf::from(root_name(root).unwrap_or_default());
            self.file(root.to_path_buf(), name, PathBuf::new(), false, &meta);
            return;
        }
        if !meta.is_dir() {
            return self.error(root, not_regular(&meta));
        }
        let id = match dir_id(root, &meta) {
            Ok(id) => id,
            Err(e) => return self.error(root, e.to_string()),
        };
        let mut stack = vec![Pending {
            path: root.to_path_buf(),
            below_root: PathBuf::new(),
            included: false,
            ancestors: Rc::new(Ancestor {
                id,
                path: root.to_path_buf(),
                parent: None,
            }),
        }];
        let out_base = prefix.map(PathBuf::from).unwrap_or_default();
        while let Some(dir) = stack.pop() {
            self.read_dir(dir, &out_base, &mut stack);
        }
    }

    fn read_dir(&mut self, dir: Pending, out_base: &Path, stack: &mut Vec<Pending>) {
        let entries = match fs::read_dir(&dir.path) {
            Ok(entries) => entries,
            Err(e) => return self.error(&dir.path, format!("cannot read directory: {e}")),
        };
        let mut children = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => children.push(entry),
                Err(e) => self.error(&dir.path, format!("cannot list directory: {e}")),
            }
        }
        for entry in children {
            let path = entry.path();
            let below_root = dir.below_root.join(entry.file_name());
            let file_type = match entry.file_type() {
                Ok(t) => t,
                Err(e) => {
                    self.error(&path, e.to_string());
                    continue;
                }
            };
            let meta = if file_type.is_symlink() {
                if !self.follow_symlinks || self.link_into_skipped(&path) {
                    continue;
                }
                match fs::metadata(&path) {
                    Ok(m) => m,
                    Err(e) => {
                        self.error(&path, describe_link(&path, &e));
                        continue;
                    }
                }
            } else {
                match entry.metadata() {
                    Ok(m) => m,
                    Err(e) => {
                        self.error(&path, e.to_string());
                        continue;
                    }
                }
            };
            if meta.is_dir() {
                if self.exclude.matches(&below_root, true) {
                    continue;
                }
                let id = match dir_id(&path, &meta) {
                    Ok(id) => id,
                    Err(e) => {
                        self.error(&path, e.to_string());
                        continue;
                    }
                };
                if self.skip_ids.contains(&id) {
                    continue;
                }
                if let Some(ancestor) = dir.ancestors.find(&id) {
                    let message = format!(
                        "symbolic link loop: leads back to {}, which contains it",
                        ancestor.display()
                    );
                    self.error(&path, message);
                    continue;
                }
                let included = dir.included
                    || self
                        .include
                        .as_ref()
                        .is_some_and(|p| p.matches(&below_root, true));
                stack.push(Pending {
                    ancestors: Rc::new(Ancestor {
                        id,
                        path: path.clone(),
                        parent: Some(Rc::clone(&dir.ancestors)),
                    }),
                    path,
                    below_root,
                    included,
                });
            } else if meta.is_file() {
                self.file(
                    path,
                    below_root,
                    out_base.to_path_buf(),
                    dir.included,
                    &meta,
                );
            } else {
                self.error(&path, not_regular(&meta));
            }
        }
    }

    /// Takes a regular file if the globs allow it.
    fn file(
        &mut self,
        input: PathBuf,
        below_root: PathBuf,
        out_base: PathBuf,
        included_above: bool,
        meta: &Metadata,
    ) {
        if self.exclude.matches(&below_root, false) {
            return;
        }
        if let Some(include) = &self.include {
            if !included_above && !include.matches(&below_root, false) {
                return;
            }
        }
        let relative = if out_base.as_os_str().is_empty() {
            below_root
        } else {
            out_base.join(below_root)
        };
        self.jobs.push(Job {
            input,
            relative,
            size: meta.len(),
            root: self.root_index,
        });
    }
}

/// Message for a root that cannot be examined.
fn describe(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::NotFound {
        "no such file or directory".to_owned()
    } else {
        e.to_string()
    }
}

/// Message for a link whose target cannot be examined.
fn describe_link(path: &Path, e: &io::Error) -> String {
    match (e.kind(), fs::read_link(path)) {
        (io::ErrorKind::NotFound, Ok(target)) => {
            format!("broken symbolic link: {} does not exist", target.display())
        }
        (_, Ok(target)) => format!("cannot follow symbolic link to {}: {e}", target.display()),
        (_, Err(_)) => format!("cannot follow symbolic link: {e}"),
    }
}

/// Message for something that is neither a file nor a directory.
fn not_regular(meta: &Metadata) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        let what = if t.is_fifo() {
            "a named pipe (FIFO)"
        } else if t.is_socket() {
            "a socket"
        } else if t.is_block_device() {
            "a block device"
        } else if t.is_char_device() {
            "a character device"
        } else {
            "of an unknown kind"
        };
        format!("skipped: {what}, not a regular file")
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        "skipped: not a regular file".to_owned()
    }
}
