//! Batch runs: trees of inputs to a mirrored output tree (`-o DIR`) or
//! replaced in place (`--in-place`), in parallel, with a report.
//!
//! Every input is one job run by the same `pump` as a single input, on its
//! own buffers, on a rayon pool of `-j` threads. Results are collected in
//! input order, so the report and the output never depend on `-j`. An
//! output appears under its name only when complete (temporary file in the
//! same directory, fsync, rename), so a run killed at any moment leaves no
//! partial output, and `--incremental` finishes the job next time.
//!
//! Nothing given is damaged or overwritten:
//!
//! * every input's output is planned (from its first bytes, as the job
//!   itself names it) before anything is written, and two inputs with one
//!   output stop the run;
//! * in place, only files whose real path lies inside their root are
//!   replaced; a link (to a file, or a directory leading out) is left alone
//!   and reported, and a file that changed while it was converted keeps
//!   its new content;
//! * the report may not land on an input, in an input tree or in the
//!   output directory, and the walk never enters the output directory;
//! * a full disk stops the run (exit 2) instead of failing every later
//!   input one by one.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use sha1::{Digest, Sha1};

use crate::cli::{BinaryArg, Cli, ProgressArg};
use crate::commit::{self, Committer, Handoff, Stamp};
use crate::files::OutputFile;
use crate::single::{self, PumpError};
use crate::{io_message, Fatal};
use zhnorm::batch::lock::Lock;
use zhnorm::batch::state::{self, Entry, Freshness, State};
use zhnorm::batch::walk::{self, Job, WalkOptions};
use zhnorm::formats::compress::{self, CompressWriter, Compression};
use zhnorm::formats::sniff::{sniff, DataFormat, Sniffed};
use zhnorm::formats::warc::WarcStats;
use zhnorm::normalize::{self, Buffers, Normalizer, Options, Outcome, ReadFeed};

/// How much of a file is looked at to call it binary (as for single
/// inputs: a NUL byte in the first 64 KiB).
const BINARY_HEAD: usize = zhnorm::formats::sniff::SNIFF_BYTES;

/// What happened to one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// Cleaned and written.
    Ok,
    /// Binary: copied unchanged.
    Copied,
    /// Binary: skipped (`--binary skip`).
    Skipped,
    /// Unchanged since the last `--incremental` run.
    UpToDate,
    /// Would be processed (`--dry-run`).
    Planned,
    /// Failed; nothing written for it.
    Failed,
    /// In place: a second name (through a directory link inside the tree)
    /// of a file this run rewrites under its own name; left alone.
    Alias,
    /// `--delete`: an output whose input is gone, removed.
    Deleted,
    /// `--delete --dry-run`: would be removed.
    WouldDelete,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Copied => "copied",
            Status::Skipped => "skipped",
            Status::UpToDate => "up_to_date",
            Status::Planned => "planned",
            Status::Failed => "failed",
            Status::Alias => "alias",
            Status::Deleted => "deleted",
            Status::WouldDelete => "would_delete",
        }
    }

    /// Whether the record is about an input (not a `--delete` of an
    /// output whose input is gone).
    fn is_input(self) -> bool {
        !matches!(self, Status::Deleted | Status::WouldDelete)
    }
}

/// One line of the report.
struct Record {
    input: PathBuf,
    output: Option<PathBuf>,
    status: Status,
    bytes_in: u64,
    bytes_out: u64,
    outcome: Option<Outcome>,
    error: Option<String>,
    /// For the incremental state: the output's path under the output
    /// directory and what it was made from (also sent to the journal).
    journal: Option<(PathBuf, Entry)>,
    /// For a WARC input: its record counts.
    warc: Option<WarcStats>,
    /// The input as opened: in place, checked again before it is
    /// replaced; into a directory, a change is warned about.
    stamp: Option<Stamp>,
    /// The input's metadata when opened, for the incremental state.
    opened: Option<fs::Metadata>,
}

/// What a run does with one input, decided for all of them before anything
/// is written.
enum Plan {
    /// Write this output.
    Write(PathBuf),
    /// Leave the input alone: it fails with this message.
    Refuse(String),
    /// In place: leave it alone without failing, it is another name of a
    /// file rewritten under its own (the message says which).
    Alias(String),
}

/// Where the outputs go.
enum Target {
    Dir(PathBuf),
    InPlace,
}

/// Whether the command line asks for a batch run rather than the
/// concatenating single-output mode.
pub(crate) fn wanted(cli: &Cli) -> bool {
    cli.is_batch()
}

/// Runs a batch; `Ok(false)` when some input failed.
pub(crate) fn run(cli: &Cli, options: &Options) -> Result<bool, Fatal> {
    let started = Instant::now();
    let roots: Vec<PathBuf> = cli.paths.clone();
    if roots.is_empty() || roots.iter().any(|p| p.as_os_str() == "-") {
        return Err(Fatal::new(
            "--output",
            "a batch run (output directory or --in-place) needs paths, not standard input",
        ));
    }
    let target = if cli.in_place {
        Target::InPlace
    } else {
        let dir = cli.output_path().expect("checked by wanted()").to_owned();
        walk::check_output_dir(&roots, &dir).map_err(|m| Fatal::new("--output", m))?;
        Target::Dir(dir)
    };
    check_report_path(cli, &roots, &target)?;
    if cli.incremental && matches!(target, Target::InPlace) {
        return Err(Fatal::new(
            "--incremental",
            "needs an output directory (-o DIR); with --in-place there is nowhere to keep the state",
        ));
    }
    let walk_opts = WalkOptions {
        include: cli.include.clone(),
        exclude: cli.exclude.clone(),
        follow_symlinks: true,
        // However the tree reaches the output directory (a link to it, a
        // bind mount), a run must not read its own output.
        skip: match &target {
            Target::Dir(dir) => vec![dir.clone()],
            Target::InPlace => Vec::new(),
        },
        mirror: matches!(target, Target::Dir(_)),
    };
    let (jobs, walk_errors) =
        walk::walk(&roots, &walk_opts).map_err(|e| Fatal::new(e.label(), e.detail()))?;
    for e in &walk_errors {
        crate::report(&e.path.to_string_lossy(), &e.message);
    }
    // A tree that was an output directory holds zhnorm's own lock, state
    // and (after a crash) temporary files: they are not data.
    let jobs: Vec<Job> = jobs
        .into_iter()
        .filter(|j| !is_own_file(&j.input))
        .collect();
    // The pool is made before the plan, which reads every input's head
    // on it; there is no progress bar yet for the warning to share a line
    // with.
    let threads = cli.threads_for(jobs.len());
    if let (Some(m), false) = (&threads.warning, cli.quiet) {
        crate::report("--jobs", m);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.threads)
        .build()
        .map_err(|e| Fatal::new("--jobs", e.to_string()))?;
    // Every output is known before the first is written, so two inputs
    // meeting in one output stop the run while nothing is lost yet.
    let plans = plan(&pool, &jobs, &roots, &target, cli)?;

    // The lock and the state live in the output directory.
    let mut lock = None;
    let mut state = None;
    if let Target::Dir(dir) = &target {
        if !cli.dry_run {
            fs::create_dir_all(dir)
                .map_err(|e| Fatal::new(dir.to_string_lossy(), io_message(&e)))?;
            let l = Lock::acquire(dir).map_err(|e| Fatal::new("--output", e.to_string()))?;
            if let Some(who) = &l.took_over {
                if !cli.quiet {
                    crate::report(
                        &l.path().to_string_lossy(),
                        &format!("warning: took over the lock of a run that is gone ({who})"),
                    );
                }
            }
            lock = Some(l);
            sweep_temp_files(dir);
        }
        if cli.incremental {
            let mut s = State::load(dir, &settings_key(cli))
                .map_err(|e| Fatal::new(dir.to_string_lossy(), io_message(&e)))?;
            if !cli.dry_run {
                s.begin()
                    .map_err(|e| Fatal::new(dir.to_string_lossy(), io_message(&e)))?;
            }
            state = Some(s);
        }
    } else if !cli.dry_run {
        sweep_in_place_temp_files(&plans);
    }

    let total_bytes: u64 = jobs.iter().map(|j| j.size).sum();
    let bar = progress_bar(cli, jobs.len() as u64, total_bytes);
    let failures = AtomicU64::new(0);
    let disk_full = AtomicBool::new(false);
    let (commit_tx, commit_rx) = std::sync::mpsc::channel();
    let (mut records, unplaced) = std::thread::scope(|scope| {
        let state = state.as_ref();
        let disk_full = &disk_full;
        let committer = scope.spawn(move || commit::commit_loop(commit_rx, state, disk_full));
        let ctx = Ctx {
            target: &target,
            state,
            cli,
            options,
            plans: &plans,
            disk_full,
        };
        let records: Vec<Record> = run_all(&pool, &jobs, ctx, &bar, &failures, commit_tx);
        let unplaced = committer.join().unwrap_or_default();
        (records, unplaced)
    });
    bar.finish_and_clear();
    // Outputs the committer could not put in place fail their inputs.
    for (index, message) in unplaced {
        let r = &mut records[index];
        r.status = Status::Failed;
        crate::report(&r.input.to_string_lossy(), &message);
        r.error = Some(message);
    }
    // Nothing was written for a failed input, whatever got counted on
    // the way.
    for r in records.iter_mut().filter(|r| r.status == Status::Failed) {
        r.bytes_out = 0;
    }

    if let Some(mut s) = state {
        let done: Vec<(PathBuf, Entry)> = records
            .iter_mut()
            .filter(|r| r.status == Status::Ok || r.status == Status::Copied)
            .filter_map(|r| r.journal.take())
            .collect();
        if let (true, Target::Dir(dir)) = (cli.delete, &target) {
            if walk_errors.is_empty() {
                let found: Vec<bool> = (0..roots.len())
                    .map(|i| jobs.iter().any(|j| j.root == i))
                    .collect();
                let deleted = delete_gone(&mut s, dir, &roots, &found, &plans, cli.dry_run);
                records.extend(deleted);
            } else {
                // An unreadable directory or a missing root makes its
                // inputs look gone; deleting their outputs would be wrong.
                crate::report(
                    "--delete",
                    "nothing deleted: some inputs could not be walked (named above)",
                );
            }
        }
        if !cli.dry_run {
            if let Err(e) = s.finish(done) {
                crate::report(".zhnorm-state", &io_message(&e));
            }
        }
    }
    drop(lock);

    let failed = records
        .iter()
        .filter(|r| r.status == Status::Failed)
        .count()
        + walk_errors.len();
    if let Some(path) = &cli.report {
        write_report(path, &records, &walk_errors, started.elapsed())
            .map_err(|e| Fatal::new(path.to_string_lossy(), io_message(&e)))?;
    }
    if !cli.quiet {
        summary(&records, walk_errors.len(), started.elapsed(), cli.dry_run);
    }
    if disk_full.load(Ordering::Relaxed) {
        let not_started = records
            .iter()
            .filter(|r| r.error.as_deref() == Some(NOT_STARTED))
            .count();
        let label = match &target {
            Target::Dir(dir) => dir.to_string_lossy().into_owned(),
            Target::InPlace => "--in-place".to_owned(),
        };
        return Err(Fatal::new(
            label,
            format!(
                "no space left (or over quota): the run stopped; {} inputs failed, {not_started} of them not started; free some space and run again",
                failed - walk_errors.len()
            ),
        ));
    }
    Ok(failed == 0)
}

/// The error of the inputs a full disk kept from starting.
const NOT_STARTED: &str = "not started: the output's file system is full";

/// Refuses a report file that would overwrite an input or an output, or
/// land where the next run takes it for an input: its real path is
/// compared with those of the roots and the output directory, so no
/// spelling (link, `..`) slips through.
fn check_report_path(cli: &Cli, roots: &[PathBuf], target: &Target) -> Result<(), Fatal> {
    let Some(report) = &cli.report else {
        return Ok(());
    };
    if report.as_os_str() == "-" {
        return Ok(());
    }
    let refuse = |why: String| {
        Err(Fatal::new(
            report.to_string_lossy(),
            format!("refused as --report: {why}"),
        ))
    };
    let Ok(real) = walk::canonical_maybe_missing(report) else {
        // Unresolvable: writing it fails later with the OS's reason.
        return Ok(());
    };
    for root in roots {
        let Ok(input) = fs::canonicalize(root) else {
            continue;
        };
        if real == input {
            return refuse(format!(
                "it is the input {}, which the report would overwrite",
                root.display()
            ));
        }
        if input.is_dir() && real.starts_with(&input) {
            return refuse(format!(
                "it is inside the input directory {}, where it could overwrite an input and the next run would take it for one",
                root.display()
            ));
        }
    }
    if let Target::Dir(dir) = target {
        if let Ok(out) = walk::canonical_maybe_missing(dir) {
            if real.starts_with(&out) {
                return refuse(format!(
                    "it is inside the output directory {}, where it could overwrite an output",
                    dir.display()
                ));
            }
        }
    }
    Ok(())
}

/// Decides every input's output, reading each one's beginning as the run
/// itself will (output names can depend on the content, e.g. the
/// compression), and refuses the run when two inputs would be written to
/// one place. In place, the place is the file's real path; a file reached
/// through a link, or lying outside its root, is left alone.
fn plan(
    pool: &rayon::ThreadPool,
    jobs: &[Job],
    roots: &[PathBuf],
    target: &Target,
    cli: &Cli,
) -> Result<Vec<Plan>, Fatal> {
    let plans: Vec<Plan> = match target {
        Target::Dir(_) => pool.install(|| {
            jobs.par_iter()
                .map(|job| match read_head(&job.input, job.size) {
                    Ok(head) => Plan::Write(output_of(job, &head, target, cli)),
                    Err(e) => Plan::Refuse(io_message(&e)),
                })
                .collect()
        }),
        Target::InPlace => plan_in_place(pool, jobs, roots)?,
    };
    let mut seen: HashMap<&Path, usize> = HashMap::new();
    for (index, p) in plans.iter().enumerate() {
        let Plan::Write(out) = p else { continue };
        if let Some(&first) = seen.get(out.as_path()) {
            let (a, b) = (&jobs[first].input, &jobs[index].input);
            let message = match target {
                Target::InPlace => format!(
                    "is the same file as {}, named twice; name each input once",
                    a.display()
                ),
                Target::Dir(_) => format!(
                    "would be written to {}, as {} would: one output would overwrite the other, so nothing is done (run them separately, or rename one)",
                    out.display(),
                    a.display()
                ),
            };
            return Err(Fatal::new(b.to_string_lossy(), message));
        }
        seen.insert(out, index);
    }
    Ok(plans)
}

/// The first bytes of a file, as many as a job reads to decide its
/// output and whether it is binary. Sized from the walk so a small file
/// takes one read, not `read_to_end`'s probing.
fn read_head(path: &Path, size: u64) -> io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    let mut head = vec![0u8; BINARY_HEAD.min(size as usize)];
    let filled = normalize::read_full(&mut file, &mut head)?;
    head.truncate(filled);
    Ok(head)
}

/// In place, where each input would be written: its real path, provided
/// the input is no link itself and its real path lies inside its root.
/// Planned outputs are the real paths, so the same file named twice
/// collides.
fn plan_in_place(
    pool: &rayon::ThreadPool,
    jobs: &[Job],
    roots: &[PathBuf],
) -> Result<Vec<Plan>, Fatal> {
    let real_roots: Vec<Option<PathBuf>> = roots
        .iter()
        .map(|r| fs::canonicalize(r).ok().filter(|p| p.is_dir()))
        .collect();
    // (real path, reached through a directory link inside the root)
    let found: Vec<Result<(PathBuf, bool), String>> = pool.install(|| {
        jobs.par_iter()
            .map(|job| in_place_target(job, &roots[job.root], real_roots[job.root].as_deref()))
            .collect()
    });
    let direct: HashMap<&Path, usize> = found
        .iter()
        .enumerate()
        .filter_map(|(i, f)| match f {
            Ok((real, false)) => Some((real.as_path(), i)),
            _ => None,
        })
        .collect();
    Ok(found
        .iter()
        .map(|f| match f {
            Err(m) => Plan::Refuse(m.clone()),
            Ok((real, false)) => Plan::Write(real.clone()),
            Ok((real, true)) => match direct.get(real.as_path()) {
                Some(&i) => Plan::Alias(format!(
                    "the same file as {} (through a symbolic link); rewritten under that name",
                    jobs[i].input.display()
                )),
                None => Plan::Refuse(format!(
                    "reaches {} through a symbolic link; not replaced in place",
                    real.display()
                )),
            },
        })
        .collect())
}

/// The real path an in-place job would replace, and whether a directory
/// link inside the tree leads to it; an error for what must not be
/// replaced.
fn in_place_target(
    job: &Job,
    root: &Path,
    real_root: Option<&Path>,
) -> Result<(PathBuf, bool), String> {
    let meta = fs::symlink_metadata(&job.input).map_err(|e| io_message(&e))?;
    if meta.file_type().is_symlink() {
        return Err(
            "is a symbolic link; not replaced in place (that would turn it into a regular file): name its target to convert it"
                .to_owned(),
        );
    }
    let real = fs::canonicalize(&job.input).map_err(|e| io_message(&e))?;
    let Some(real_root) = real_root else {
        // A file root: what was named is what is replaced.
        return Ok((real, false));
    };
    if !real.starts_with(real_root) {
        return Err(format!(
            "is {} through a symbolic link, outside {}; not replaced in place",
            real.display(),
            root.display()
        ));
    }
    let below = job.input.strip_prefix(root).unwrap_or(&job.input);
    let through_link = real != real_root.join(below);
    Ok((real, through_link))
}

/// Removes the temporary files a killed in-place run left beside the
/// inputs this run will replace. Such a file is named after its input
/// and the process that wrote it; one whose process is gone (or is this
/// one, reused after a reboot), or that nobody has written to for a day,
/// is stale.
fn sweep_in_place_temp_files(plans: &[Plan]) {
    let dirs: HashSet<&Path> = plans
        .iter()
        .filter_map(|p| match p {
            Plan::Write(real) => real.parent(),
            _ => None,
        })
        .collect();
    for dir in dirs {
        let Ok(entries) = fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(pid) = temp_file_pid(&path) else {
                continue;
            };
            let Ok(meta) = fs::symlink_metadata(&path) else {
                continue;
            };
            let idle = meta
                .modified()
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|d| d > STALE_TEMP_AGE);
            if meta.is_file() && (idle || pid == std::process::id() || !process_alive(pid)) {
                let _ = fs::remove_file(&path);
            }
        }
    }
}

/// A temporary file nobody has written to for this long is a leftover,
/// whatever its process id says (ids are reused).
const STALE_TEMP_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// The process id in a temporary output's name (`.NAME.zhnorm-PID-N.tmp`,
/// as [`OutputFile`] makes them), or `None` for any other name.
fn temp_file_pid(path: &Path) -> Option<u32> {
    let name = path.file_name()?.to_str()?;
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (rest, attempt) = rest.rsplit_once('-')?;
    let (stem, pid) = rest.rsplit_once(".zhnorm-")?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if stem.is_empty() || !digits(attempt) || !digits(pid) {
        return None;
    }
    pid.parse().ok()
}

/// Whether a process with this id exists.
fn process_alive(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: signal 0 only checks that the process exists and may be
        // signalled; nothing is sent.
        if unsafe { libc::kill(pid, 0) } == 0 {
            return true;
        }
        io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(target_os = "linux"))]
    {
        // Unknown: only the age makes a file stale.
        let _ = pid;
        true
    }
}

/// `--delete`: removes the outputs the state records whose inputs are
/// gone, and forgets them. Only recorded outputs of inputs that lay under
/// one of this run's roots and are not produced by this run are
/// considered, and only regular files inside the output directory are
/// removed.
fn delete_gone(
    state: &mut State,
    dir: &Path,
    roots: &[PathBuf],
    found: &[bool],
    plans: &[Plan],
    dry_run: bool,
) -> Vec<Record> {
    let produced: HashSet<&Path> = plans
        .iter()
        .filter_map(|p| match p {
            Plan::Write(out) => out.strip_prefix(dir).ok(),
            _ => None,
        })
        .collect();
    // A root directory in which the walk found nothing at all, while the
    // state knows files of it, looks like a file system that is not
    // mounted (or a share that is down) rather than a tree emptied on
    // purpose: mirroring that would delete every output of it, so its
    // outputs are kept and the run says so.
    let mut real_roots: Vec<PathBuf> = Vec::new();
    for (root, &found) in roots.iter().zip(found) {
        let Ok(real) = fs::canonicalize(root) else {
            continue;
        };
        let known = state.entries().any(|(_, e)| e.input.starts_with(&real));
        if !found && known {
            crate::report(
                &root.to_string_lossy(),
                "--delete: nothing found here, though earlier runs converted files from it (not mounted?); none of their outputs is deleted",
            );
            continue;
        }
        real_roots.push(real);
    }
    let Ok(real_dir) = fs::canonicalize(dir) else {
        return Vec::new();
    };
    let mut gone = Vec::new();
    for (rel, entry) in state.entries() {
        // States written before inputs were recorded by real path name
        // them as typed, relative to some directory: not to be trusted
        // with a deletion.
        let ours = entry.input.is_absolute()
            && real_roots.iter().any(|r| entry.input.starts_with(r))
            && !produced.contains(rel)
            && rel.components().all(|c| matches!(c, Component::Normal(_)));
        if ours
            && matches!(fs::symlink_metadata(&entry.input), Err(e) if e.kind() == io::ErrorKind::NotFound)
        {
            gone.push((rel.to_owned(), entry.input.clone()));
        }
    }
    let mut records = Vec::new();
    for (rel, input) in gone {
        let out = dir.join(&rel);
        let inside = out
            .parent()
            .and_then(|p| fs::canonicalize(p).ok())
            .is_some_and(|p| p.starts_with(&real_dir));
        match fs::symlink_metadata(&out) {
            Ok(m) if m.is_file() && inside => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // Already gone: nothing to delete, nothing to remember.
                if !dry_run {
                    state.forget(&rel);
                }
                continue;
            }
            // Not a plain file of ours any more: left alone.
            _ => continue,
        }
        let mut rec = Record {
            output: Some(out.clone()),
            status: Status::WouldDelete,
            ..Record::of(input, 0)
        };
        if !dry_run {
            match fs::remove_file(&out) {
                Ok(()) => {
                    state.forget(&rel);
                    rec.status = Status::Deleted;
                }
                Err(e) => {
                    let message = format!("{}: {}", out.display(), io_message(&e));
                    crate::report(&rec.input.to_string_lossy(), &message);
                    rec.status = Status::Failed;
                    rec.error = Some(message);
                }
            }
        }
        records.push(rec);
    }
    records
}

/// What every job of a run shares.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    target: &'a Target,
    state: Option<&'a State>,
    cli: &'a Cli,
    options: &'a Options,
    /// Each job's plan, by index.
    plans: &'a [Plan],
    /// Set once an output finds its file system full: no job starts after.
    disk_full: &'a AtomicBool,
}

impl Ctx<'_> {
    /// The message for a failed write of `path`; notes a full disk.
    fn output_error(&self, path: &Path, e: &io::Error) -> String {
        if commit::is_disk_full(e) {
            self.disk_full.store(true, Ordering::Relaxed);
        }
        format!("{}: {}", path.display(), io_message(e))
    }
}

/// Runs every job on the pool, in any order, and returns their records in
/// the jobs' order. Finished outputs go to the committer through `commit`.
fn run_all(
    pool: &rayon::ThreadPool,
    jobs: &[Job],
    ctx: Ctx<'_>,
    bar: &ProgressBar,
    failures: &AtomicU64,
    commit: Committer,
) -> Vec<Record> {
    let done_files = AtomicU64::new(0);
    let total = jobs.len();
    // Biggest first: a big file started last would leave the other threads
    // idle at the end. The records still come back in the jobs' order.
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(jobs[i].size));
    let mut records: Vec<(usize, Record)> = pool.install(|| {
        order
            .par_iter()
            .map(|&index| {
                let job = &jobs[index];
                if ctx.disk_full.load(Ordering::Relaxed) {
                    // Named in the report; the fatal message counts them.
                    let mut r = Record::new(job);
                    r.error = Some(NOT_STARTED.to_owned());
                    failures.fetch_add(1, Ordering::Relaxed);
                    return (index, r);
                }
                let r = run_job(index, job, ctx, &commit);
                // The same warnings as a single run (damaged bytes, invalid
                // JSON lines, irreparable mojibake), unless -q.
                if let Some(outcome) = &r.outcome {
                    bar.suspend(|| {
                        single::warn(&r.input.to_string_lossy(), outcome, ctx.cli.quiet)
                    });
                }
                if r.status == Status::Failed {
                    failures.fetch_add(1, Ordering::Relaxed);
                    // Errors are printed even with -q: every failed path
                    // is named.
                    bar.suspend(|| {
                        crate::report(
                            &r.input.to_string_lossy(),
                            r.error.as_deref().unwrap_or("failed"),
                        )
                    });
                }
                let files = done_files.fetch_add(1, Ordering::Relaxed) + 1;
                bar.set_message(format!(
                    "{files}/{total} files, {} failed",
                    failures.load(Ordering::Relaxed)
                ));
                bar.inc(job.size);
                (index, r)
            })
            .collect()
    });
    records.sort_by_key(|(index, _)| *index);
    records.into_iter().map(|(_, r)| r).collect()
}

/// Removes temporary files a killed run left in the output tree. Only
/// called with the lock held, so no other run is writing them.
fn sweep_temp_files(dir: &Path) {
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_file() && is_temp_name(&path) => {
                    let _ = fs::remove_file(&path);
                }
                _ => {}
            }
        }
    }
}

fn is_temp_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') && n.contains(".zhnorm-") && n.ends_with(".tmp"))
}

/// zhnorm's control files in an output directory.
pub(crate) fn is_own_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name == zhnorm::batch::lock::LOCK_NAME || name == state::STATE_NAME || is_temp_name(path)
}

/// Everything besides the input that decides an output: a change reruns
/// everything in `--incremental` mode.
fn settings_key(cli: &Cli) -> String {
    format!(
        "zhnorm {} opencc 1.4.2 config {} dicts {:?} options {:?} {:?} {:?} {:?} {:?}",
        env!("CARGO_PKG_VERSION"),
        cli.config,
        cli.dicts
            .iter()
            .map(|p| state::hash_file(p).unwrap_or_default())
            .collect::<Vec<_>>(),
        cli.pipeline_options(),
        cli.from,
        cli.strict,
        cli.binary,
        cli.uncompressed,
    )
}

/// The bar counts bytes (throughput and ETA follow the data, not the file
/// count, which a few big files would skew); files and failures are in its
/// message.
fn progress_bar(cli: &Cli, files: u64, bytes: u64) -> ProgressBar {
    use std::io::IsTerminal;
    // An explicit `always` wins over -q, which hides only what was not
    // asked for by name.
    let show = match cli.progress {
        ProgressArg::Never => false,
        ProgressArg::Always => true,
        ProgressArg::Auto => !cli.quiet && io::stderr().is_terminal(),
    };
    if !show {
        return ProgressBar::hidden();
    }
    // indicatif hides itself when standard error is not a terminal; asked
    // for always, the bar is drawn there anyway.
    let term = console::Term::stderr();
    let width = term.size().1;
    let target = match cli.progress {
        ProgressArg::Always => ProgressDrawTarget::term_like_with_hz(Box::new(term), 20),
        _ => ProgressDrawTarget::stderr(),
    };
    let bar = ProgressBar::with_draw_target(Some(bytes), target);
    bar.set_style(
        ProgressStyle::with_template(&progress_template(width))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(format!("0/{files} files, 0 failed"));
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// The bar's layout for a terminal `width` columns wide. The bar has a
/// width of its own and the message takes what is left, cut if need be:
/// a message sharing the line with a stretching bar left it no room at
/// 80 columns.
fn progress_template(width: u16) -> String {
    // What the rest of the line takes with ordinary figures.
    const REST: usize = 60;
    let bar = (width as usize)
        .saturating_sub(REST)
        .clamp(PROGRESS_BAR_MIN, 50);
    format!(
        "{{spinner}} {{elapsed_precise}} {{bar:{bar}}} {{percent:>3}}% \
         {{binary_bytes_per_sec}} ETA {{eta}} {{wide_msg}}"
    )
}

/// The bar's cells at the narrowest: 20 from 80 columns up, fewer only on
/// a terminal too narrow for the rest of the line anyway.
const PROGRESS_BAR_MIN: usize = 10;

/// What names an input's output, besides its path: the compression its
/// name carries and what it holds, from what [`sniff`] found in its head
/// and the command line. With [`output_for`], the output path of an input
/// before it is processed.
pub(crate) fn naming(cli: &Cli, sniffed: &Sniffed) -> (Compression, Content) {
    // A binary file is copied byte for byte, compressed or not, so it
    // keeps its name whole.
    if sniffed.binary {
        return (Compression::None, Content::Same);
    }
    let format = normalize::chosen_format(cli.format, sniffed.format);
    let content = if format == DataFormat::Warc && cli.to == crate::cli::ToArg::Jsonl {
        Content::Jsonl
    } else if format == DataFormat::Other && cli.html_mode == zhnorm::pipeline::HtmlMode::Text {
        Content::Text
    } else {
        Content::Same
    };
    (sniffed.compression, content)
}

/// What an output holds, when that decides its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Content {
    /// What the input held, cleaned (or copied): the input's name.
    Same,
    /// JSON Lines made from a WARC (`--to jsonl`).
    Jsonl,
    /// The readable text of an HTML page (`--html text`).
    Text,
}

/// The output path of a job: the input's path under the output directory,
/// named after what it holds. The compression extension goes with
/// `uncompressed` (and `comp`, the input's compression: `Compression::None`
/// for a binary file, copied as it is); `--to jsonl` output of `x.warc.gz`
/// is `x.jsonl.gz`, never JSON Lines under a `.warc` name; `--html text`
/// output of `page.html` is `page.txt`. In place, the input's own path.
fn output_for(
    job: &Job,
    target: &Target,
    comp: Compression,
    uncompressed: bool,
    content: Content,
) -> PathBuf {
    match target {
        Target::InPlace => job.input.clone(),
        Target::Dir(dir) => {
            let out = walk::output_path(dir, job);
            match out.file_name() {
                Some(name) => {
                    let name = compress::output_name(name, comp, uncompressed);
                    out.with_file_name(content_name(&name, content))
                }
                None => out,
            }
        }
    }
}

/// `name` with the extension of the content it holds, before any
/// compression extension: `x.warc.gz` → `x.jsonl.gz` for [`Content::Jsonl`]
/// (a name without `.warc` or `.wet` gets `.jsonl` added), `page.html` →
/// `page.txt` for [`Content::Text`] (a name that is not HTML's keeps its
/// extension).
fn content_name(name: &std::ffi::OsStr, content: Content) -> std::ffi::OsString {
    let (new, replaces, add): (&str, &[&str], bool) = match content {
        Content::Same => return name.to_owned(),
        Content::Jsonl => ("jsonl", &["warc", "wet"], true),
        Content::Text => ("txt", &["html", "htm", "xhtml", "shtml"], false),
    };
    let path = Path::new(name);
    let comp = Compression::from_path(path);
    let (base, comp_ext) = match (comp, path.file_stem()) {
        (Compression::None, _) | (_, None) => (name.to_owned(), None),
        (c, Some(stem)) => (stem.to_owned(), Some(c.extension())),
    };
    let base_path = Path::new(&base);
    let replaced = base_path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| replaces.iter().any(|r| e.eq_ignore_ascii_case(r)));
    let mut out = if replaced {
        base_path.with_extension(new).into_os_string()
    } else if add {
        let mut b = base.clone();
        b.push(".");
        b.push(new);
        b
    } else {
        return name.to_owned();
    };
    if let Some(ext) = comp_ext {
        out.push(".");
        out.push(ext);
    }
    out
}

impl Record {
    /// A failed record of `job` with nothing done yet.
    fn new(job: &Job) -> Record {
        Record::of(job.input.clone(), job.size)
    }

    /// A failed record of `input`, `size` bytes, with nothing done yet.
    fn of(input: PathBuf, size: u64) -> Record {
        Record {
            input,
            output: None,
            status: Status::Failed,
            bytes_in: size,
            bytes_out: 0,
            outcome: None,
            error: None,
            journal: None,
            stamp: None,
            opened: None,
            warc: None,
        }
    }
}

/// The output a job writes, from the first bytes of its input.
fn output_of(job: &Job, head: &[u8], target: &Target, cli: &Cli) -> PathBuf {
    let sniffed = sniff(head, Some(&job.input), head.len() as u64 == job.size);
    let (comp, content) = naming(cli, &sniffed);
    output_for(job, target, comp, cli.uncompressed, content)
}

fn run_job(index: usize, job: &Job, ctx: Ctx<'_>, commit: &Committer) -> Record {
    let Ctx { target, state, .. } = ctx;
    let mut rec = Record::new(job);
    match &ctx.plans[index] {
        Plan::Write(_) => {}
        Plan::Refuse(message) => {
            rec.error = Some(message.clone());
            return rec;
        }
        Plan::Alias(message) => {
            rec.status = Status::Alias;
            rec.error = Some(message.clone());
            return rec;
        }
    }
    // `hash`: the input's, when --incremental asked for it.
    let handoff = |rec: &mut Record, out: OutputFile, hash: Option<String>| -> Result<(), String> {
        let dest = rec.output.clone().unwrap_or_default();
        let out = out
            .into_unpublished()
            .map_err(|e| ctx.output_error(&dest, &e))?;
        let journal = match (state, target, hash) {
            (Some(_), Target::Dir(dir), Some(hash)) => {
                dest.strip_prefix(dir).ok().and_then(|rel| {
                    let meta = rec.opened.as_ref()?;
                    Some((
                        rel.to_owned(),
                        state::entry_from(&job.input, meta, hash).ok()?,
                    ))
                })
            }
            _ => None,
        };
        rec.journal.clone_from(&journal);
        let unchanged = match target {
            Target::InPlace => rec.stamp.take(),
            Target::Dir(_) => {
                // The output is written either way; whoever reads it should
                // know it may mix the file's old and new bytes.
                if rec.stamp.as_ref().is_some_and(|s| !s.holds()) && !ctx.cli.quiet {
                    crate::report(
                        &job.input.to_string_lossy(),
                        "warning: changed while it was being converted; its output is of the bytes read (an --incremental run does it again)",
                    );
                }
                None
            }
        };
        commit
            .send(Handoff {
                index,
                out,
                journal,
                unchanged,
            })
            .map_err(|_| "the committer has stopped".to_owned())
    };
    match run_job_inner(index, job, ctx, &mut rec, &handoff) {
        Ok(()) => {}
        Err(message) => {
            rec.status = Status::Failed;
            rec.error = Some(message);
        }
    }
    rec
}

/// Hands a finished output, with its input's hash when --incremental wants
/// it, to the committer.
type HandOver<'a> = dyn Fn(&mut Record, OutputFile, Option<String>) -> Result<(), String> + 'a;

fn run_job_inner(
    index: usize,
    job: &Job,
    ctx: Ctx<'_>,
    rec: &mut Record,
    handoff: &HandOver<'_>,
) -> Result<(), String> {
    let Ctx {
        target,
        state,
        cli,
        options,
        ..
    } = ctx;
    let mut file = File::open(&job.input).map_err(|e| io_message(&e))?;
    let meta = file.metadata().map_err(|e| io_message(&e))?;
    rec.bytes_in = meta.len();
    let mut head = vec![0u8; BINARY_HEAD.min(meta.len() as usize)];
    file.read_exact(&mut head).map_err(|e| io_message(&e))?;
    // Binary files (images and PDFs in scraped trees, compressed or not)
    // are never decoded: copied as they are, or skipped. A NUL byte in the
    // (decompressed) head marks them, unless the bytes are UTF-16, whose
    // text is full of NULs.
    let sniffed = sniff(&head, Some(&job.input), head.len() as u64 == meta.len());
    let binary = sniffed.binary;
    let comp = sniffed.compression;
    let format = if binary {
        DataFormat::Other
    } else {
        single::chosen_format(cli, options, sniffed.format, &job.input.to_string_lossy())
    };
    let to_jsonl = format == DataFormat::Warc && cli.to == crate::cli::ToArg::Jsonl;
    let (name_comp, content) = naming(cli, &sniffed);
    let out_path = output_for(job, target, name_comp, cli.uncompressed, content);
    rec.output = Some(out_path.clone());
    if to_jsonl && matches!(target, Target::InPlace) {
        return Err(
            "--to jsonl would put JSON Lines under the WARC's own name; not replaced in place \
             (give -o DIR instead)"
                .to_owned(),
        );
    }

    rec.stamp = Some(Stamp::of(job.input.clone(), &meta));
    rec.opened = Some(meta.clone());
    match target {
        Target::InPlace => {
            refuse_in_place(&job.input, &meta)?;
        }
        Target::Dir(_) => {
            // The plan made sure no other input writes this output; an
            // input that now asks for another one has changed since.
            if !matches!(&ctx.plans[index], Plan::Write(p) if *p == out_path) {
                return Err(format!(
                    "changed since the run started (its output would now be {}); not written",
                    out_path.display()
                ));
            }
        }
    }
    if let (Some(state), Target::Dir(dir)) = (state, target) {
        if let Ok(rel) = out_path.strip_prefix(dir) {
            if state.freshness(rel, &job.input, &out_path) == Freshness::Fresh {
                rec.status = Status::UpToDate;
                return Ok(());
            }
        }
    }
    if binary && cli.binary == BinaryArg::Skip {
        rec.status = Status::Skipped;
        rec.output = None;
        return Ok(());
    }
    if cli.dry_run {
        rec.status = Status::Planned;
        return Ok(());
    }
    // The output keeps the input's permissions (what --in-place promises,
    // and right for a mirror too). Its directory is made when missing,
    // which is rarer than not: most files share theirs with others.
    let create = || OutputFile::create_with(&out_path, Some(meta.permissions()));
    let out = match create() {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let parent = out_path.parent().unwrap_or(Path::new("."));
            fs::create_dir_all(parent).map_err(|e| ctx.output_error(parent, &e))?;
            create()
        }
        other => other,
    };
    let mut out = out.map_err(|e| ctx.output_error(&out_path, &e))?;

    // The input's bytes, hashed on the way through for --incremental.
    let hashing = HashingReader::new(
        io::Cursor::new(head).chain(file),
        state.map(|_| Sha1::new()),
    );
    if binary {
        let mut hashing = hashing;
        io::copy(&mut hashing, out.writer()).map_err(|e| ctx.output_error(&out_path, &e))?;
        rec.bytes_out = hashing.bytes;
        read_as_stamped(target, rec, hashing.bytes)?;
        handoff(rec, out, hashing.hash.map(|h| state::hex(&h.finalize())))?;
        rec.status = Status::Copied;
        return Ok(());
    }
    let out_comp = if cli.uncompressed {
        Compression::None
    } else {
        comp
    };
    let mut hashing = hashing;
    let outcome = {
        let mut reader =
            compress::reader(comp, Box::new(&mut hashing)).map_err(|e| io_message(&e))?;
        let mut writer = CompressWriter::new(
            out_comp,
            CountingWriter {
                inner: out.writer(),
                bytes: 0,
                disk_full: ctx.disk_full,
            },
        )
        .map_err(|e| io_message(&e))?;
        if format == DataFormat::Warc {
            // Records, not text: the WARC layer calls the pipeline per record.
            let stats = normalize::run_warc(&mut reader, &mut writer, options)
                .map_err(|e| e.to_string())?;
            let outcome = Outcome::of_warc(stats, options.warc_to_jsonl);
            single::warn(&job.input.to_string_lossy(), &outcome, cli.quiet);
            rec.warc = outcome.warc;
            let counting = writer
                .finish()
                .map_err(|e| ctx.output_error(&out_path, &e))?;
            rec.bytes_out = counting.bytes;
            drop(reader);
            io::copy(&mut hashing, &mut io::sink()).map_err(|e| io_message(&e))?;
            read_as_stamped(target, rec, hashing.bytes)?;
            handoff(rec, out, hashing.hash.map(|h| state::hex(&h.finalize())))?;
            rec.status = Status::Ok;
            return Ok(());
        }
        // Each worker thread keeps its buffers from one input to the next:
        // fresh ones per input cost page faults on every small file.
        thread_local! {
            static BUFS: std::cell::RefCell<Option<Buffers>> = const { std::cell::RefCell::new(None) };
        }
        let mut bufs = BUFS.with(|b| b.borrow_mut().take()).unwrap_or_default();
        // A large input is split across the pool's threads as well, which
        // matters when it is the last one left, or the only one.
        let result = if meta.len() >= normalize::SPLIT_MIN && rayon::current_num_threads() > 1 {
            normalize::run_split(&mut reader, options, format, &mut writer)
        } else {
            let n = Normalizer::for_format(options, format);
            normalize::run(&mut ReadFeed(&mut reader), n, &mut writer, false, &mut bufs)
        };
        BUFS.with(|b| *b.borrow_mut() = Some(bufs));
        let outcome = match result.map_err(PumpError::from) {
            Ok(o) => o,
            Err(PumpError::Input(m)) if passes_unchanged(&m, options) => {
                drop((reader, writer));
                let copy = Unchanged {
                    out,
                    comp,
                    out_comp,
                    meta: &meta,
                };
                return copy_unchanged(job, ctx, rec, handoff, copy, m);
            }
            Err(PumpError::Input(m)) => return Err(m),
            Err(PumpError::Output(e)) => return Err(ctx.output_error(&out_path, &e)),
        };
        let counting = writer
            .finish()
            .map_err(|e| ctx.output_error(&out_path, &e))?;
        rec.bytes_out = counting.bytes;
        outcome
    };
    // Drain what the decompressor did not need (trailing bytes) so the
    // hash covers the whole file.
    io::copy(&mut hashing, &mut io::sink()).map_err(|e| io_message(&e))?;
    if options.strict {
        if let Some(m) = outcome.strict_failure() {
            return Err(m);
        }
    }
    read_as_stamped(target, rec, hashing.bytes)?;
    handoff(rec, out, hashing.hash.map(|h| state::hex(&h.finalize())))?;
    rec.outcome = Some(outcome);
    rec.status = Status::Ok;
    Ok(())
}

/// Whether an input that failed with `message` is copied as it is: an
/// HTML page kept as HTML whose markup lol_html could not hold (see
/// [`zhnorm::html::MAX_MARKUP`]). Its output so far is a part rewrite,
/// and the page itself is as good an output as a binary file's bytes. In
/// text mode markup would be no text, so the page fails instead.
fn passes_unchanged(message: &str, options: &Options) -> bool {
    message == zhnorm::html::TOO_LARGE && options.html == zhnorm::pipeline::HtmlMode::Keep
}

/// What [`copy_unchanged`] starts over from: the abandoned output and how
/// the input and its output are compressed.
struct Unchanged<'a> {
    out: OutputFile,
    comp: Compression,
    out_comp: Compression,
    meta: &'a fs::Metadata,
}

/// Writes the input's content, unchanged, as its output instead of the
/// part written so far: compressed bytes copied as they are when the
/// output keeps the input's compression, else decompressed. Reported as
/// copied, with the reason as a warning.
fn copy_unchanged(
    job: &Job,
    ctx: Ctx<'_>,
    rec: &mut Record,
    handoff: &HandOver<'_>,
    copy: Unchanged<'_>,
    why: String,
) -> Result<(), String> {
    let out_path = rec.output.clone().unwrap_or_default();
    // Dropped first: its temporary file goes, and the new one may reuse
    // the name.
    drop(copy.out);
    let mut out = OutputFile::create_with(&out_path, Some(copy.meta.permissions()))
        .map_err(|e| ctx.output_error(&out_path, &e))?;
    let file = File::open(&job.input).map_err(|e| io_message(&e))?;
    let mut hashing = HashingReader::new(file, ctx.state.map(|_| Sha1::new()));
    rec.bytes_out = if copy.comp == copy.out_comp {
        io::copy(&mut hashing, out.writer()).map_err(|e| ctx.output_error(&out_path, &e))?
    } else {
        let mut reader =
            compress::reader(copy.comp, Box::new(&mut hashing)).map_err(|e| io_message(&e))?;
        io::copy(&mut reader, out.writer()).map_err(|e| ctx.output_error(&out_path, &e))?
    };
    io::copy(&mut hashing, &mut io::sink()).map_err(|e| io_message(&e))?;
    read_as_stamped(ctx.target, rec, hashing.bytes)?;
    let message = format!("{why}; copied unchanged");
    if !ctx.cli.quiet {
        crate::report(&job.input.to_string_lossy(), &format!("warning: {message}"));
    }
    handoff(rec, out, hashing.hash.map(|h| state::hex(&h.finalize())))?;
    rec.status = Status::Copied;
    rec.error = Some(message);
    Ok(())
}

/// In place: a file that grew or shrank while it was read is not the file
/// that was stamped, and its output is not all of it.
fn read_as_stamped(target: &Target, rec: &Record, bytes_read: u64) -> Result<(), String> {
    match (target, &rec.stamp) {
        (Target::InPlace, Some(stamp)) if stamp.len() != bytes_read => {
            Err(commit::CHANGED.to_owned())
        }
        _ => Ok(()),
    }
}

/// `--in-place` refuses a file with several hard links: replacing it would
/// silently split it from its other names.
fn refuse_in_place(input: &Path, meta: &fs::Metadata) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return Err(format!(
                "has {} hard links; not replaced in place (it would split from its other names)",
                meta.nlink()
            ));
        }
    }
    let _ = (input, meta);
    Ok(())
}

/// Counts the bytes read, and hashes them when the hash is wanted (only
/// `--incremental` keeps it).
///
/// Its end is final: once the file has said it is over, later reads (the
/// drain after the pipeline, which has already met the end) answer from
/// here instead of asking the system again, a read per small page saved.
/// A file that grows after that point is caught by its stamp.
struct HashingReader<R> {
    inner: R,
    hash: Option<Sha1>,
    bytes: u64,
    ended: bool,
}

impl<R> HashingReader<R> {
    fn new(inner: R, hash: Option<Sha1>) -> Self {
        HashingReader {
            inner,
            hash,
            bytes: 0,
            ended: false,
        }
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ended {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        // An empty buffer reads nothing without meaning the end.
        self.ended = n == 0 && !buf.is_empty();
        if let Some(h) = &mut self.hash {
            h.update(&buf[..n]);
        }
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Counts the bytes written, and notes a full disk whichever layer above
/// (text, JSON Lines, WARC) turns the error into its own message.
struct CountingWriter<'a, W> {
    inner: W,
    bytes: u64,
    disk_full: &'a AtomicBool,
}

impl<W: Write> CountingWriter<'_, W> {
    fn note<T>(&self, r: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &r {
            if commit::is_disk_full(e) {
                self.disk_full.store(true, Ordering::Relaxed);
            }
        }
        r
    }
}

impl<W: Write> Write for CountingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.inner.write(buf);
        let n = self.note(r)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
    }
}

/// One input of a run without `-o DIR` (standard output or `-o FILE`),
/// for its `--report`.
pub(crate) struct SingleRecord {
    /// The input's name (`<stdin>` for standard input).
    pub input: String,
    /// The output file, if any (`None` for standard output, or when
    /// nothing was left under its name).
    pub output: Option<String>,
    /// Why the input failed, if it did.
    pub error: Option<String>,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub outcome: Option<Outcome>,
    /// For a WARC input: its record counts.
    pub warc: Option<WarcStats>,
}

/// `--report` for a run without `-o DIR`: the same records and summary as
/// a batch run's, so a streaming job (Spark `pipe`, Hadoop streaming) can
/// keep one per task.
pub(crate) fn write_single_report(
    path: &Path,
    records: Vec<SingleRecord>,
    elapsed: Duration,
) -> io::Result<()> {
    let records: Vec<Record> = records
        .into_iter()
        .map(|r| Record {
            output: r.output.map(PathBuf::from),
            status: if r.error.is_some() {
                Status::Failed
            } else {
                Status::Ok
            },
            bytes_out: r.bytes_out,
            outcome: r.outcome,
            error: r.error,
            warc: r.warc,
            ..Record::of(PathBuf::from(r.input), r.bytes_in)
        })
        .collect();
    write_report(path, &records, &[], elapsed)
}

fn json_str(s: &str) -> String {
    zhnorm::formats::json_string(s)
}

fn write_report(
    path: &Path,
    records: &[Record],
    walk_errors: &[walk::WalkError],
    elapsed: Duration,
) -> io::Result<()> {
    let mut text = String::new();
    for r in records {
        text.push_str(&record_json(r));
        text.push('\n');
    }
    for e in walk_errors {
        text.push_str(&format!(
            "{{\"path\":{},\"output\":null,\"status\":\"failed\",\"error\":{}}}\n",
            json_str(&e.path.to_string_lossy()),
            json_str(&e.message)
        ));
    }
    let count = |s: Status| records.iter().filter(|r| r.status == s).count();
    // Each count is of the records with that status, and the byte totals
    // are the sums of the records' fields, over the same inputs.
    let inputs: Vec<&Record> = records.iter().filter(|r| r.status.is_input()).collect();
    text.push_str(&format!(
        "{{\"summary\":true,\"inputs\":{},\"ok\":{},\"copied\":{},\"skipped\":{},\"up_to_date\":{},\"planned\":{},\"failed\":{},\"alias\":{},\"deleted\":{},\"would_delete\":{},\"bytes_in\":{},\"bytes_out\":{},\"seconds\":{:.3}}}\n",
        inputs.len() + walk_errors.len(),
        count(Status::Ok),
        count(Status::Copied),
        count(Status::Skipped),
        count(Status::UpToDate),
        count(Status::Planned),
        count(Status::Failed) + walk_errors.len(),
        count(Status::Alias),
        count(Status::Deleted),
        count(Status::WouldDelete),
        inputs.iter().map(|r| r.bytes_in).sum::<u64>(),
        inputs.iter().map(|r| r.bytes_out).sum::<u64>(),
        elapsed.as_secs_f64()
    ));
    if path.as_os_str() == "-" {
        io::stdout().lock().write_all(text.as_bytes())
    } else {
        fs::write(path, text)
    }
}

fn record_json(r: &Record) -> String {
    let mut s = format!(
        "{{\"path\":{},\"output\":{},\"status\":\"{}\",\"bytes_in\":{},\"bytes_out\":{}",
        json_str(&r.input.to_string_lossy()),
        r.output
            .as_ref()
            .map_or("null".to_owned(), |p| json_str(&p.to_string_lossy())),
        r.status.name(),
        r.bytes_in,
        r.bytes_out
    );
    let fields = match (&r.outcome, &r.warc) {
        (Some(o), _) => Some(o.to_json()),
        (None, Some(w)) => Some(Outcome::of_warc(w.clone(), false).to_json()),
        (None, None) => None,
    };
    if let Some(serde_json::Value::Object(fields)) = fields {
        for (k, v) in fields {
            s.push_str(&format!(",{}:{v}", json_str(&k)));
        }
    }
    s.push_str(&format!(
        ",\"error\":{}}}",
        r.error.as_deref().map_or("null".to_owned(), json_str)
    ));
    s
}

fn summary(records: &[Record], walk_errors: usize, elapsed: Duration, dry_run: bool) {
    let count = |s: Status| records.iter().filter(|r| r.status == s).count();
    let inputs = records.iter().filter(|r| r.status.is_input()).count();
    let bytes: u64 = records.iter().map(|r| r.bytes_in).sum();
    let secs = elapsed.as_secs_f64().max(1e-9);
    let verb = if dry_run {
        "would process"
    } else {
        "processed"
    };
    let mut line = format!(
        "{verb} {} inputs in {:.2} s ({:.1} MB/s): {} ok",
        inputs + walk_errors,
        secs,
        bytes as f64 / 1e6 / secs,
        count(Status::Ok) + count(Status::Planned)
    );
    for (n, what) in [
        (count(Status::Copied), "copied unchanged"),
        (count(Status::Skipped), "binary skipped"),
        (count(Status::UpToDate), "up to date"),
        (count(Status::Failed) + walk_errors, "failed"),
        (count(Status::Alias), "left alone as another name of a file"),
        (count(Status::Deleted), "deleted (input gone)"),
        (count(Status::WouldDelete), "would be deleted (input gone)"),
    ] {
        if n > 0 {
            line.push_str(&format!(", {n} {what}"));
        }
    }
    crate::report("summary", &line);
}
