//! [`SummaryWriter`]: appends events to one new file per writer, from any
//! number of threads, without slowing them down.
//!
//! Callers encode small events straight into a shared in-memory buffer
//! (a scalar costs one uncontended lock and about 60 bytes of copying); a
//! background thread hands that buffer to the file in large writes, every
//! `flush_interval` or when a chunk fills. Heavy summaries (rendered images)
//! are built by a second background thread from a bounded queue. Both
//! bounds give back-pressure: a caller that outruns the disk waits instead
//! of growing memory without limit.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::convert::Infallible;
use std::error::Error as StdError;
use std::fs::File;
use std::io::{self, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use prost::Message;
use rustc_hash::FxHashMap;
use thiserror::Error;

use super::naming;
use super::types::{Step, StepOutOfRange, WallTime};
use crate::png::Png;
use crate::proto::summary::Value;
use crate::proto::{Event, SourceMetadata, Summary, TensorProto, event};
use crate::record;
use crate::summary;

/// How a [`SummaryWriter`] buffers, flushes and names its file.
///
/// ```
/// use std::time::Duration;
/// use tbconfusion::WriterOptions;
/// let options = WriterOptions::default().flush_interval(Duration::from_secs(5)).fsync(true);
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct WriterOptions {
    flush_interval: Duration,
    max_pending_bytes: usize,
    fsync: bool,
    staged: bool,
    filename_suffix: String,
    job_queue: usize,
    job_threads: usize,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            flush_interval: Duration::from_secs(2),
            max_pending_bytes: 8 << 20,
            fsync: false,
            staged: false,
            filename_suffix: String::new(),
            job_queue: 16,
            job_threads: 1,
        }
    }
}

impl WriterOptions {
    /// How often buffered events reach the file (default 2 s). TensorBoard
    /// re-reads files every few seconds, so a shorter interval buys little.
    pub fn flush_interval(mut self, interval: Duration) -> Self {
        self.flush_interval = interval;
        self
    }

    /// Bytes of encoded events held in memory before callers wait for the
    /// disk (default 8 MiB). Memory stays below about twice this.
    pub fn max_pending_bytes(mut self, bytes: usize) -> Self {
        self.max_pending_bytes = bytes.max(1);
        self
    }

    /// Whether every write is followed by `fsync` (default off): durable
    /// across power loss, not only across a crash of this process.
    pub fn fsync(mut self, on: bool) -> Self {
        self.fsync = on;
        self
    }

    /// Writes under a name TensorBoard ignores and moves the file into place
    /// only on [`SummaryWriter::close`]; if the writer is dropped without
    /// `close`, or closing fails, the partial file is removed. For
    /// converters, whose output should appear complete or not at all.
    pub fn staged(mut self, on: bool) -> Self {
        self.staged = on;
        self
    }

    /// A suffix for the file name, e.g. `".v2"`.
    pub fn filename_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.filename_suffix = suffix.into();
        self
    }

    /// How many heavy summaries (rendered images) may wait to be built
    /// before the caller waits (default 16).
    pub fn job_queue(mut self, jobs: usize) -> Self {
        self.job_queue = jobs.max(1);
        self
    }

    /// How many background threads build heavy summaries (render images)
    /// at once (default 1, at least 1). Their values still reach the file
    /// in the order they were logged. One leaves the other cores to the
    /// training loop; a batch job with nothing else to do (`tbconfusion
    /// convert`) gives every core.
    ///
    /// ```
    /// use tbconfusion::WriterOptions;
    /// let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    /// let options = WriterOptions::default().job_threads(cores);
    /// # let _ = options;
    /// ```
    pub fn job_threads(mut self, threads: usize) -> Self {
        self.job_threads = threads.max(1);
        self
    }
}

/// Why writing failed.
#[derive(Debug, Error, Clone)]
#[non_exhaustive]
pub enum WriteError {
    /// The run directory could not be created.
    #[error("cannot create the run directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: Arc<io::Error>,
    },
    /// Writing the event file failed (disk full, directory removed, …).
    /// Everything written before stays readable.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The event file.
        path: PathBuf,
        /// The cause.
        source: Arc<io::Error>,
    },
    /// A tag received a step that is not larger than its previous one.
    /// TensorBoard would silently drop data: its Rust loader replaces every
    /// kept record at or after a repeated step.
    #[error(
        "tag {tag:?}: step {step} is not greater than the previous step {previous}; \
         TensorBoard keeps only increasing steps per tag (after a restart, log into a new writer)"
    )]
    StepNotIncreasing {
        /// The tag.
        tag: String,
        /// The step given.
        step: i64,
        /// The tag's last step.
        previous: i64,
    },
    /// Tags must not be empty.
    #[error("a tag must not be empty")]
    EmptyTag,
    /// A step given as `u64` or `usize` does not fit TensorBoard's `i64`.
    #[error(transparent)]
    StepOutOfRange(#[from] StepOutOfRange),
    /// A background job (rendering, encoding) failed; nothing of it was
    /// written. The source is the job's own error (for a confusion matrix,
    /// a [`RenderError`](crate::confusion::RenderError)), or [`JobPanicked`].
    #[error("building {what} at step {step} failed: {source}")]
    Job {
        /// What was being built (usually the tag).
        what: String,
        /// Its step.
        step: i64,
        /// The job's error.
        source: Arc<dyn StdError + Send + Sync>,
    },
    /// The writer was closed.
    #[error("the writer is closed")]
    Closed,
}

/// A step that converts without failing (`i32`, `u32`, `i64`, [`Step`], …)
/// cannot produce an error.
impl From<Infallible> for WriteError {
    fn from(never: Infallible) -> WriteError {
        match never {}
    }
}

/// Converts anything a logging method accepts as a step: [`Step`], any
/// integer type up to `i64`, and `u64`/`usize`, which fail with
/// [`WriteError::StepOutOfRange`] above `i64::MAX`.
pub(crate) fn to_step<S>(step: S) -> Result<Step, WriteError>
where
    S: TryInto<Step, Error: Into<WriteError>>,
{
    step.try_into().map_err(Into::into)
}

/// A background job panicked (a bug in tbconfusion: please report it).
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
#[error("the job panicked")]
pub struct JobPanicked;

/// Why a background job failed: its own error, boxed so that the caller
/// can still inspect it (through [`WriteError::Job`]'s source).
pub(crate) type JobError = Box<dyn StdError + Send + Sync>;

/// A summary built off the caller's thread: returns the values to log.
pub(crate) type BuildValues = Box<dyn FnOnce() -> Result<Vec<Value>, JobError> + Send>;

/// How a writer's file was closed, for the values a higher layer logs then
/// (the hparams plugin's session end).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// [`SummaryWriter::close`]: the program finished what it logged.
    Closed,
    /// The last clone was dropped without `close`: an early return (`?`) as
    /// much as a normal end, so nobody can say how it went.
    Dropped,
    /// The last clone was dropped while its thread panicked.
    Panicked,
}

/// Values logged once, when the file is closed, at `step`: built from how
/// it ended and the wall time of closing.
pub(crate) struct AtClose {
    pub(crate) step: i64,
    pub(crate) build: Box<dyn FnOnce(Ending, f64) -> Vec<Value> + Send>,
}

struct Job {
    what: String,
    step: i64,
    wall_time: f64,
    build: BuildValues,
}

struct State {
    pending: Vec<u8>,
    spare: Vec<u8>,
    /// Each tag's last step; a fast non-cryptographic hash, since tags are
    /// looked up on every call and come from the program, not from an adversary.
    last_steps: FxHashMap<String, i64>,
    /// An I/O error: the file is unusable from here on, so it is sticky.
    error: Option<WriteError>,
    /// A background job's failure, returned once by the next call.
    job_error: Option<WriteError>,
    flush_requested: u64,
    flush_done: u64,
    jobs_submitted: u64,
    jobs_done: u64,
    /// Jobs taken by a worker whose values (if any) have been appended, in submission order.
    /// Apart from `jobs_done`, which also counts jobs that never reached a worker (their send
    /// failed) so that waits on it end: those jobs have no number to wait for.
    jobs_appended: u64,
    shutdown: bool,
    closed: bool,
}

struct Shared {
    state: Mutex<State>,
    /// Wakes the file thread.
    work: Condvar,
    /// Signals progress: buffer space, finished flushes, finished jobs.
    progress: Condvar,
    path: PathBuf,
    max_pending: usize,
    chunk: usize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave `State` inconsistent
        // in a way that matters more than losing the writer, so go on.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        self.progress
            .wait(guard)
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for buffer space, then lets `encode` append; wakes the file
    /// thread when a chunk is ready.
    fn append<'a>(
        &'a self,
        mut st: MutexGuard<'a, State>,
        encode: impl FnOnce(&mut State),
    ) -> MutexGuard<'a, State> {
        while st.pending.len() >= self.max_pending && st.error.is_none() && !st.shutdown {
            self.work.notify_one();
            st = self.wait(st);
        }
        let before = st.pending.len();
        encode(&mut st);
        if before < self.chunk && st.pending.len() >= self.chunk {
            self.work.notify_one();
        }
        st
    }
}

fn check_usable(st: &mut State) -> Result<(), WriteError> {
    if let Some(e) = &st.error {
        return Err(e.clone());
    }
    // A failed job lost only its own summaries: report it once, then go on.
    if let Some(e) = st.job_error.take() {
        return Err(e);
    }
    if st.closed || st.shutdown {
        return Err(WriteError::Closed);
    }
    Ok(())
}

/// Checks that `step` is greater than the last step of every tag, then
/// records it for all of them (all or nothing).
fn advance_steps(st: &mut State, tags: &[&str], step: i64) -> Result<(), WriteError> {
    for tag in tags {
        if tag.is_empty() {
            return Err(WriteError::EmptyTag);
        }
        if let Some(&previous) = st.last_steps.get(*tag) {
            if step <= previous {
                return Err(WriteError::StepNotIncreasing {
                    tag: (*tag).to_owned(),
                    step,
                    previous,
                });
            }
        }
    }
    for tag in tags {
        match st.last_steps.get_mut(*tag) {
            Some(last) => *last = step,
            None => {
                st.last_steps.insert((*tag).to_owned(), step);
            }
        }
    }
    Ok(())
}

/// Appends one event holding `values`. Every value keeps its metadata:
/// scalars and images need none, and text and tensors carry theirs on every
/// value so that readers classifying values one by one see them all.
fn append_values(st: &mut State, step: i64, wall_time: f64, values: Vec<Value>) {
    let event = Event {
        wall_time,
        step,
        what: Some(event::What::Summary(Summary { value: values })),
        source_metadata: None,
    };
    record::append_record_with(&mut st.pending, |buf| {
        // Encoding into a Vec only fails for lack of capacity, which a Vec grows.
        let _ = event.encode(buf);
    });
}

struct Inner {
    shared: Arc<Shared>,
    jobs: Mutex<Option<SyncSender<Job>>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// The staged file and the name it gets on close.
    staged: Option<(PathBuf, String)>,
    close_result: Mutex<Option<Result<PathBuf, WriteError>>>,
    /// State that higher layers keep across the calls made through this
    /// writer (the counts a tag logged last, a tag's class order), by its type
    /// and a key: the writer stores it without knowing what it is.
    kept: Mutex<HashMap<(TypeId, String), Arc<dyn Any + Send + Sync>>>,
    /// Values to log when the file is closed, in the order registered.
    at_close: Mutex<Vec<AtClose>>,
}

/// Writes TensorBoard summaries into a new event file in a run directory.
///
/// Cheap to clone; clones share the file, so several threads can log. Each
/// writer opens its own file
/// (`events.out.tfevents.{secs}.{host}.{pid}.{n}`), never truncating or
/// appending to an existing one, and writes the `brain.Event:2` header first.
/// Steps must increase per tag ([`WriteError::StepNotIncreasing`]).
/// Errors from the background threads are returned by the next call,
/// [`flush`](Self::flush) or [`close`](Self::close): an I/O error on every
/// call from then on (the file cannot be appended to safely), a failed
/// rendering job once (only that job's summaries are lost; a logging call
/// that reports it logs nothing itself, while `flush` still writes
/// everything else first). Dropping the last clone flushes and closes the file.
///
/// TensorBoard shows only 10 images per tag unless started with
/// `--samples_per_plugin images=N` (use a large N; `images=0` shows none).
///
/// ```
/// use tbconfusion::event::SummaryWriter;
/// let dir = tempfile::tempdir()?;
/// let writer = SummaryWriter::create(dir.path().join("train"))?;
/// for step in 0..3 {
///     writer.add_scalar("loss", 1.0 / (step + 1) as f32, step)?;
/// }
/// writer.add_text("notes", "**three** steps", 2)?;
/// let file = writer.close()?;
/// assert!(file.file_name().unwrap().to_str().unwrap().contains("tfevents"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SummaryWriter {
    inner: Arc<Inner>,
    /// The wall time stamped on events: `None` for the current time, or the
    /// one given to [`at`](Self::at).
    wall_time: Option<WallTime>,
}

impl std::fmt::Debug for SummaryWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SummaryWriter")
            .field("path", &self.inner.shared.path)
            .finish()
    }
}

impl SummaryWriter {
    /// Creates `run_dir` (and parents) if needed and opens a new event file
    /// in it with default options.
    pub fn create(run_dir: impl AsRef<Path>) -> Result<SummaryWriter, WriteError> {
        SummaryWriter::create_with(run_dir, WriterOptions::default())
    }

    /// Like [`create`](Self::create), with options.
    pub fn create_with(
        run_dir: impl AsRef<Path>,
        options: WriterOptions,
    ) -> Result<SummaryWriter, WriteError> {
        let dir = run_dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| WriteError::CreateDir {
            path: dir.to_owned(),
            source: Arc::new(e),
        })?;
        let now = WallTime::now();
        let secs = now.seconds().max(0.0) as u64;
        let (mut file, path, final_name) =
            naming::create_event_file(dir, secs, &options.filename_suffix, options.staged)
                .map_err(|e| WriteError::Io {
                    path: dir.to_owned(),
                    source: Arc::new(e),
                })?;
        let io_err = |path: &Path, e: io::Error| WriteError::Io {
            path: path.to_owned(),
            source: Arc::new(e),
        };
        let header = Event {
            wall_time: now.seconds(),
            step: 0,
            what: Some(event::What::FileVersion("brain.Event:2".to_owned())),
            source_metadata: Some(SourceMetadata {
                writer: concat!("tbconfusion ", env!("CARGO_PKG_VERSION")).to_owned(),
            }),
        };
        record::write_record(&mut file, &header.encode_to_vec()).map_err(|e| io_err(&path, e))?;
        if options.fsync {
            file.sync_data().map_err(|e| io_err(&path, e))?;
        }

        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                pending: Vec::new(),
                spare: Vec::new(),
                last_steps: FxHashMap::default(),
                error: None,
                job_error: None,
                flush_requested: 0,
                flush_done: 0,
                jobs_submitted: 0,
                jobs_done: 0,
                jobs_appended: 0,
                shutdown: false,
                closed: false,
            }),
            work: Condvar::new(),
            progress: Condvar::new(),
            path: path.clone(),
            max_pending: options.max_pending_bytes,
            chunk: (options.max_pending_bytes / 4).clamp(1, 1 << 20),
        });
        let (tx, rx) = sync_channel::<Job>(options.job_queue);
        let spawn = |name: &str, f: Box<dyn FnOnce() + Send>| {
            std::thread::Builder::new()
                .name(name.to_owned())
                .spawn(f)
                .map_err(|e| io_err(&path, e))
        };
        let file_shared = Arc::clone(&shared);
        let (interval, fsync) = (options.flush_interval, options.fsync);
        let file_thread = spawn(
            "tbconfusion-file",
            Box::new(move || file_loop(&file_shared, file, interval, fsync)),
        )?;
        // The workers take jobs in submission order and number them as they take them, so
        // each can append in that order whatever order the builds finish in.
        let queue = Arc::new(Mutex::new(JobQueue { jobs: rx, taken: 0 }));
        let mut threads = vec![file_thread];
        for _ in 0..options.job_threads {
            let (job_shared, queue) = (Arc::clone(&shared), Arc::clone(&queue));
            threads.push(spawn(
                "tbconfusion-jobs",
                Box::new(move || job_loop(&job_shared, &queue)),
            )?);
        }
        Ok(SummaryWriter {
            inner: Arc::new(Inner {
                shared,
                jobs: Mutex::new(Some(tx)),
                threads: Mutex::new(threads),
                staged: options.staged.then(|| (path.clone(), final_name)),
                close_result: Mutex::new(None),
                kept: Mutex::new(HashMap::new()),
                at_close: Mutex::new(Vec::new()),
            }),
            wall_time: None,
        })
    }

    /// The file being written (for a staged writer, its temporary name
    /// until [`close`](Self::close) returns the final one).
    pub fn path(&self) -> &Path {
        &self.inner.shared.path
    }

    /// A handle to the same file whose events carry `wall_time` instead of
    /// the current time: for back-filling from stored predictions. It is a
    /// clone (closing it closes the file for every clone).
    ///
    /// ```
    /// use tbconfusion::{SummaryWriter, WallTime};
    /// let dir = tempfile::tempdir()?;
    /// let writer = SummaryWriter::create(dir.path())?;
    /// let yesterday = WallTime::new(1_700_000_000.0)?;
    /// writer.at(yesterday).add_scalar("accuracy", 0.75, 1)?;
    /// writer.add_scalar("accuracy", 0.8, 2)?; // stamped now
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn at(&self, wall_time: WallTime) -> SummaryWriter {
        SummaryWriter {
            inner: Arc::clone(&self.inner),
            wall_time: Some(wall_time),
        }
    }

    /// Logs a scalar for the scalars dashboard. TensorBoard stores scalars
    /// as 32-bit floats, so an `f64` is rounded to the nearest `f32`.
    ///
    /// # Errors
    ///
    /// [`WriteError::StepNotIncreasing`] when `step` is not above the tag's
    /// previous step, [`WriteError::EmptyTag`], [`WriteError::StepOutOfRange`]
    /// for a `u64`/`usize` step above `i64::MAX`, and an earlier failure of
    /// the file or a background job (see the type's docs).
    pub fn add_scalar<S>(&self, tag: &str, value: impl Into<f64>, step: S) -> Result<(), WriteError>
    where
        S: TryInto<Step, Error: Into<WriteError>>,
    {
        self.scalar_at(tag, value.into() as f32, to_step(step)?)
    }

    /// Logs Markdown text (GitHub pipe tables render as tables).
    ///
    /// # Errors
    ///
    /// As [`add_scalar`](Self::add_scalar).
    pub fn add_text<S>(&self, tag: &str, markdown: &str, step: S) -> Result<(), WriteError>
    where
        S: TryInto<Step, Error: Into<WriteError>>,
    {
        let values = vec![summary::text(tag, markdown)];
        self.values_at(&[tag], to_step(step)?, values)
    }

    /// Logs an encoded PNG for the images dashboard.
    ///
    /// # Errors
    ///
    /// As [`add_scalar`](Self::add_scalar).
    pub fn add_image<S>(&self, tag: &str, png: Png, step: S) -> Result<(), WriteError>
    where
        S: TryInto<Step, Error: Into<WriteError>>,
    {
        let values = vec![summary::image(tag, png)];
        self.values_at(&[tag], to_step(step)?, values)
    }

    /// Logs a tensor under a plugin of the caller's (with `data_class`
    /// TENSOR, so TensorBoard keeps it); `content` is the plugin's metadata.
    ///
    /// # Errors
    ///
    /// As [`add_scalar`](Self::add_scalar).
    pub fn add_tensor<S>(
        &self,
        tag: &str,
        tensor: TensorProto,
        plugin_name: &str,
        content: Vec<u8>,
        step: S,
    ) -> Result<(), WriteError>
    where
        S: TryInto<Step, Error: Into<WriteError>>,
    {
        let value = summary::tensor(tag, tensor, plugin_name, content);
        self.values_at(&[tag], to_step(step)?, vec![value])
    }

    /// Waits until everything logged before this call, including summaries
    /// still being rendered, is written to the file (and synced, with
    /// [`WriterOptions::fsync`]).
    pub fn flush(&self) -> Result<(), WriteError> {
        let shared = &self.inner.shared;
        let mut st = shared.lock();
        let jobs = st.jobs_submitted;
        while st.jobs_done < jobs && st.error.is_none() {
            st = shared.wait(st);
        }
        // Write what there is even when a job failed; report the failure after.
        let failed_job = st.job_error.take();
        check_usable(&mut st)?;
        st.flush_requested += 1;
        let ticket = st.flush_requested;
        shared.work.notify_one();
        while st.flush_done < ticket && st.error.is_none() {
            st = shared.wait(st);
        }
        check_usable(&mut st)?;
        failed_job.map_or(Ok(()), Err)
    }

    /// Writes everything, stops the background threads and closes the file,
    /// returning its path (for a staged writer, the final name it was moved
    /// to). Closes the writer for all clones; later calls fail with
    /// [`WriteError::Closed`].
    pub fn close(self) -> Result<PathBuf, WriteError> {
        self.inner.close(Ending::Closed)
    }

    /// The wall time for an event logged now.
    pub(crate) fn stamp(&self) -> f64 {
        self.wall_time.unwrap_or_else(WallTime::now).seconds()
    }

    fn scalar_at(&self, tag: &str, value: f32, step: Step) -> Result<(), WriteError> {
        let wall = self.stamp();
        let shared = &self.inner.shared;
        let mut st = shared.lock();
        check_usable(&mut st)?;
        // The hot path: one lookup checks and records the step.
        match st.last_steps.get_mut(tag) {
            Some(last) => {
                if step.0 <= *last {
                    return Err(WriteError::StepNotIncreasing {
                        tag: tag.to_owned(),
                        step: step.0,
                        previous: *last,
                    });
                }
                *last = step.0;
            }
            None => advance_steps(&mut st, &[tag], step.0)?,
        }
        let _st = shared.append(st, |st| {
            record::append_record_with(&mut st.pending, |buf| {
                summary::encode_scalar_event(buf, wall, step.0, tag, value)
            });
        });
        Ok(())
    }

    /// Logs ready-made values in one event, after checking the steps of `guard_tags`.
    pub(crate) fn values_at(
        &self,
        guard_tags: &[&str],
        step: Step,
        values: Vec<Value>,
    ) -> Result<(), WriteError> {
        let wall = self.stamp();
        let shared = &self.inner.shared;
        let mut st = shared.lock();
        check_usable(&mut st)?;
        advance_steps(&mut st, guard_tags, step.0)?;
        let _st = shared.append(st, |st| append_values(st, step.0, wall, values));
        Ok(())
    }

    /// What a higher layer kept under `key` with [`keep`](Self::keep), if
    /// anything of type `T`.
    pub(crate) fn kept<T: Any + Send + Sync>(&self, key: &str) -> Option<Arc<T>> {
        let map = self
            .inner
            .kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let value = map.get(&(TypeId::of::<T>(), key.to_owned()))?;
        Arc::clone(value).downcast::<T>().ok()
    }

    /// Keeps `value` under `key` for later calls through this writer and its
    /// clones, replacing what was kept there.
    pub(crate) fn keep<T: Any + Send + Sync>(&self, key: &str, value: Arc<T>) {
        let mut map = self
            .inner
            .kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        map.insert((TypeId::of::<T>(), key.to_owned()), value);
    }

    /// What is kept under `key`, made with `make` the first time.
    pub(crate) fn kept_or_insert<T: Any + Send + Sync>(
        &self,
        key: &str,
        make: impl FnOnce() -> T,
    ) -> Arc<T> {
        let mut map = self
            .inner
            .kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let key = (TypeId::of::<T>(), key.to_owned());
        if let Some(value) = map
            .get(&key)
            .and_then(|v| Arc::clone(v).downcast::<T>().ok())
        {
            return value;
        }
        let value = Arc::new(make());
        map.insert(key, Arc::clone(&value) as Arc<dyn Any + Send + Sync>);
        value
    }

    /// Logs what `at_close` builds when the file is closed: by
    /// [`close`](Self::close), or when the last clone is dropped (then not
    /// for a staged writer, whose file is removed).
    pub(crate) fn log_at_close(&self, at_close: AtClose) {
        self.inner
            .at_close
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(at_close);
    }

    /// Queues `build` to run on the job thread; its values are logged at
    /// `step`. The steps of `guard_tags` are checked now, on the caller's
    /// thread, so mistakes surface at the call that made them.
    pub(crate) fn submit_job(
        &self,
        what: &str,
        guard_tags: &[&str],
        step: Step,
        build: BuildValues,
    ) -> Result<(), WriteError> {
        let wall = self.stamp();
        let sender = {
            let jobs = self
                .inner
                .jobs
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            jobs.clone().ok_or(WriteError::Closed)?
        };
        {
            let mut st = self.inner.shared.lock();
            check_usable(&mut st)?;
            advance_steps(&mut st, guard_tags, step.0)?;
            st.jobs_submitted += 1;
        }
        let job = Job {
            what: what.to_owned(),
            step: step.0,
            wall_time: wall,
            build,
        };
        // Blocks while the queue is full: back-pressure on the caller.
        if sender.send(job).is_err() {
            let mut st = self.inner.shared.lock();
            st.jobs_done += 1;
            return Err(WriteError::Closed);
        }
        Ok(())
    }
}

impl Inner {
    fn close(&self, ending: Ending) -> Result<PathBuf, WriteError> {
        let mut result = self
            .close_result
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(r) = &*result {
            return r.clone();
        }
        self.log_closing_values(ending);
        let r = self.shut_down();
        *result = Some(r.clone());
        r
    }

    /// Appends the values registered with [`SummaryWriter::log_at_close`]
    /// (behind everything logged so far) unless the file already failed.
    fn log_closing_values(&self, ending: Ending) {
        let at_close =
            std::mem::take(&mut *self.at_close.lock().unwrap_or_else(PoisonError::into_inner));
        if at_close.is_empty() {
            return;
        }
        let wall = WallTime::now().seconds();
        let shared = &self.shared;
        for AtClose { step, build } in at_close {
            let values = build(ending, wall);
            let st = shared.lock();
            if st.error.is_some() || st.shutdown {
                return;
            }
            let _st = shared.append(st, |st| append_values(st, step, wall, values));
        }
    }

    fn shut_down(&self) -> Result<PathBuf, WriteError> {
        let shared = &self.shared;
        // Let queued jobs finish, then stop taking new ones.
        drop(
            self.jobs
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
        {
            let mut st = shared.lock();
            while st.jobs_done < st.jobs_submitted && st.error.is_none() {
                st = shared.wait(st);
            }
            st.closed = true;
            st.shutdown = true;
            shared.work.notify_all();
            shared.progress.notify_all();
        }
        let threads =
            std::mem::take(&mut *self.threads.lock().unwrap_or_else(PoisonError::into_inner));
        let mut panicked = false;
        for t in threads {
            panicked |= t.join().is_err();
        }
        let error = {
            let mut st = shared.lock();
            st.error.clone().or_else(|| st.job_error.take())
        };
        let error = error.or_else(|| {
            panicked.then(|| WriteError::Io {
                path: shared.path.clone(),
                source: Arc::new(io::Error::other("a writer thread panicked")),
            })
        });
        match (&self.staged, error) {
            (Some((staged, _)), Some(e)) => {
                let _ = std::fs::remove_file(staged);
                Err(e)
            }
            (None, Some(e)) => Err(e),
            (Some((staged, name)), None) => {
                naming::publish_staged(staged, name).map_err(|e| {
                    // Not published: leave nothing half-done behind.
                    let _ = std::fs::remove_file(staged);
                    WriteError::Io {
                        path: staged.clone(),
                        source: Arc::new(e),
                    }
                })
            }
            (None, None) => Ok(shared.path.clone()),
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let closed = self
            .close_result
            .lock()
            .map(|r| r.is_some())
            .unwrap_or(true);
        if closed {
            return;
        }
        if let Some((staged, _)) = &self.staged {
            // Never published: shut down, then remove the partial file.
            self.shared.lock().error.get_or_insert(WriteError::Closed);
            let _ = self.shut_down();
            let _ = std::fs::remove_file(staged);
        } else {
            // Nobody is left to receive an error; everything readable stays.
            let ending = if std::thread::panicking() {
                Ending::Panicked
            } else {
                Ending::Dropped
            };
            let _ = self.close(ending);
        }
    }
}

fn file_loop(shared: &Shared, mut file: File, interval: Duration, fsync: bool) {
    loop {
        let (mut buf, ticket) = {
            let mut st = shared.lock();
            let deadline = Instant::now() + interval;
            loop {
                if st.shutdown
                    || st.flush_requested > st.flush_done
                    || st.pending.len() >= shared.chunk
                {
                    break;
                }
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                st = shared
                    .work
                    .wait_timeout(st, deadline - now)
                    .map(|(g, _)| g)
                    .unwrap_or_else(|e| e.into_inner().0);
            }
            let spare = std::mem::take(&mut st.spare);
            let buf = std::mem::replace(&mut st.pending, spare);
            (buf, st.flush_requested)
        };
        let result = if buf.is_empty() {
            Ok(())
        } else {
            file.write_all(&buf)
                .and_then(|()| if fsync { file.sync_data() } else { Ok(()) })
        };
        let mut st = shared.lock();
        buf.clear();
        st.spare = buf;
        if let Err(e) = result {
            // Stop writing: appending after a partial record would make the
            // rest of the file unreadable for both TensorBoard loaders.
            st.error.get_or_insert(WriteError::Io {
                path: shared.path.clone(),
                source: Arc::new(e),
            });
            st.pending = Vec::new();
            st.shutdown = true;
        }
        st.flush_done = ticket;
        shared.progress.notify_all();
        if st.shutdown && (st.pending.is_empty() || st.error.is_some()) {
            return;
        }
    }
}

/// The jobs waiting for a worker, and how many have been taken: the number of the next one.
struct JobQueue {
    jobs: Receiver<Job>,
    taken: u64,
}

fn job_loop(shared: &Shared, queue: &Mutex<JobQueue>) {
    loop {
        let (number, job) = {
            let mut queue = queue.lock().unwrap_or_else(PoisonError::into_inner);
            let Ok(job) = queue.jobs.recv() else { return };
            queue.taken += 1;
            (queue.taken - 1, job)
        };
        // A bug in a renderer must not take the writer down with it.
        let built = catch_unwind(AssertUnwindSafe(job.build))
            .unwrap_or_else(|_| Err(Box::new(JobPanicked)));
        let mut st = shared.lock();
        // Values reach the file in the order they were logged.
        while st.jobs_appended != number {
            st = shared.wait(st);
        }
        match built {
            Ok(values) if st.error.is_none() && !values.is_empty() => {
                st = shared.append(st, |st| append_values(st, job.step, job.wall_time, values));
            }
            Ok(_) => {}
            Err(source) => {
                st.job_error.get_or_insert(WriteError::Job {
                    what: job.what,
                    step: job.step,
                    source: Arc::from(source),
                });
            }
        }
        st.jobs_appended += 1;
        st.jobs_done += 1;
        shared.progress.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_job_is_reported_once_and_logging_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let w = SummaryWriter::create(dir.path()).unwrap();
        w.add_scalar("before", 1.0, 1).unwrap();
        // The first job fails only once the second is submitted: otherwise the
        // second submission could already receive the first failure.
        let (go, wait) = std::sync::mpsc::channel::<()>();
        w.submit_job(
            "broken",
            &["broken"],
            Step(1),
            Box::new(move || {
                let _ = wait.recv();
                Err(Box::new(io::Error::other("no pixels")))
            }),
        )
        .unwrap();
        w.submit_job(
            "panics",
            &["panics"],
            Step(1),
            Box::new(|| panic!("renderer bug")),
        )
        .unwrap();
        go.send(()).unwrap();
        match w.flush() {
            Err(WriteError::Job {
                what,
                step: 1,
                source,
            }) => {
                assert_eq!(
                    (what.as_str(), source.to_string().as_str()),
                    ("broken", "no pixels")
                );
                // The job's own error is kept, typed.
                assert!(source.downcast_ref::<io::Error>().is_some());
            }
            other => panic!("{other:?}"),
        }
        // The flush that reported the failure still wrote what came before it.
        let events = crate::event::EventFileReader::open(w.path())
            .unwrap()
            .count();
        assert_eq!(events, 2, "header and the scalar");
        // The panic was caught, too; only the first failure is kept.
        w.add_scalar("loss", 1.0, 1).unwrap();
        w.flush().unwrap();
        w.close().unwrap();
    }

    #[test]
    fn jobs_built_on_several_threads_reach_the_file_in_the_order_they_were_logged() {
        let dir = tempfile::tempdir().unwrap();
        let w = SummaryWriter::create_with(dir.path(), WriterOptions::default().job_threads(3))
            .unwrap();
        for step in 0..30i64 {
            // Early jobs are the slow ones, so later ones finish first.
            let delay = Duration::from_millis(((30 - step) % 4) as u64);
            w.submit_job(
                "ordered",
                &["ordered"],
                Step(step),
                Box::new(move || {
                    std::thread::sleep(delay);
                    Ok(vec![crate::summary::scalar("ordered", step as f32)])
                }),
            )
            .unwrap();
        }
        let path = w.close().unwrap();
        let steps: Vec<i64> = crate::event::EventFileReader::open(&path)
            .unwrap()
            .skip(1)
            .map(|e| e.unwrap().1.step)
            .collect();
        assert_eq!(steps, (0..30).collect::<Vec<_>>());
    }

    #[test]
    fn state_kept_per_type_and_key_is_shared_by_clones() {
        let dir = tempfile::tempdir().unwrap();
        let w = SummaryWriter::create(dir.path()).unwrap();
        assert!(w.kept::<u32>("t").is_none());
        w.keep("t", Arc::new(7u32));
        let clone = w.at(WallTime::new(1.0).unwrap());
        assert_eq!(clone.kept::<u32>("t").as_deref(), Some(&7));
        // Another type under the same key is another slot.
        assert!(clone.kept::<String>("t").is_none());
        let first = w.kept_or_insert("t", || String::from("first"));
        let again = clone.kept_or_insert("t", || String::from("second"));
        assert!(Arc::ptr_eq(&first, &again));
        w.close().unwrap();
    }
}
