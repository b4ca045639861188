//! Readers of untrusted formats in worker processes.
//!
//! A stack overflow or a failed allocation aborts a Rust process, and no thread boundary
//! contains it; a reader stuck in a loop that never looks at its deadline cannot be stopped
//! from outside its thread. So office documents, PDFs and web pages are read by a small pool
//! of worker processes — the `zhsearch` binary itself, started with [`WORKER_ARG`] — each under
//! a memory, a CPU-time and a core-dump limit (`setrlimit`). The indexer hands a worker one
//! file over a pipe and waits at most the file's budget for the answer; a worker that crashes,
//! runs out of memory or passes the budget is killed and replaced, and the file is skipped with
//! the reason. This is how Xapian's omindex runs its filters and Apache Tika its forked server.
//!
//! The library reads in worker processes once [`isolate_readers`] has named the program to
//! start (the binary does it first thing; so do the tests that drive the server in-process).
//! Without it, guarded formats are read on a thread of the calling process, which contains
//! panics and abandons a reader past its budget, but not a stack overflow or an allocation
//! failure.
//!
//! The wire format is private to one binary (parent and worker are the same build): a request
//! is the format's name, the budget in milliseconds and the file's bytes; an answer is the
//! [`FormattedText`] or the [`Unreadable`] reason. Every frame starts with its length.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::decode::Unreadable;
use super::format::{self, Deadline, Format, FormattedText};

/// The first argument that makes the `zhsearch` binary a reader worker.
pub const WORKER_ARG: &str = "__read-worker";

/// Address space a worker may map: far above what a real report needs (a 60 MB PDF of 2,150
/// pages reads in about 300 MB), far below what a decompression bomb asks for.
pub const WORKER_MEMORY: u64 = 1 << 30;

/// Stack of the thread that reads in a worker: parsers of nested structures recurse.
const WORKER_STACK: usize = 64 << 20;

/// CPU seconds a worker may spend on one file beyond its wall-clock budget before the kernel
/// stops it (`SIGXCPU`): the parent's own timer normally kills it first.
const CPU_GRACE_SECS: u64 = 2;

/// Largest answer a worker may send: the text of a report is far smaller.
const MAX_ANSWER: u64 = 512 << 20;

/// The program started as a worker, and its arguments.
#[derive(Debug, Clone)]
struct WorkerCommand {
    program: PathBuf,
    args: Vec<OsString>,
}

/// How to start a reader worker, set once by [`isolate_readers`]: the only process-wide
/// setting. The workers themselves belong to a [`Readers`] value.
static PROGRAM: OnceLock<WorkerCommand> = OnceLock::new();

/// Reads guarded formats in worker processes started as `program __read-worker` from now on
/// (see the [module documentation](self)). `program` must be a `zhsearch` binary of the same
/// build. Returns `false` if isolation was already set up (the first call wins).
pub fn isolate_readers(program: impl Into<PathBuf>) -> bool {
    let command = WorkerCommand {
        program: program.into(),
        args: vec![WORKER_ARG.into()],
    };
    PROGRAM.set(command).is_ok()
}

/// Whether guarded formats are read in worker processes.
pub fn readers_isolated() -> bool {
    PROGRAM.get().is_some()
}

/// The reader workers of one reading party (an indexer, or a single read): idle workers are
/// kept for its next files, and all of them end when it is dropped (their input closes).
/// Where readers are not isolated it holds none, and guarded formats are read on a thread.
#[derive(Default)]
pub struct Readers {
    pool: Option<Pool>,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers")
            .field("isolated", &self.pool.is_some())
            .finish_non_exhaustive()
    }
}

impl Readers {
    /// Readers in worker processes when [`isolate_readers`] was called, else on threads.
    pub fn new() -> Readers {
        Readers {
            pool: PROGRAM.get().map(|command| Pool {
                command: command.clone(),
                idle: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Reads `bytes` as `format` in a worker process within `budget`, or `None` when readers
    /// are not isolated.
    pub(super) fn read_isolated(
        &self,
        format: &'static dyn Format,
        bytes: &[u8],
        budget: Duration,
    ) -> Option<Result<FormattedText, Unreadable>> {
        self.pool
            .as_ref()
            .map(|pool| pool.read(format, bytes, budget))
    }
}

/// Idle workers, and how to start more.
struct Pool {
    command: WorkerCommand,
    idle: Mutex<Vec<Worker>>,
}

/// Idle workers kept for the next files: one per reading thread is enough.
fn max_idle() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()) + 1
}

impl Pool {
    fn read(
        &self,
        format: &'static dyn Format,
        bytes: &[u8],
        budget: Duration,
    ) -> Result<FormattedText, Unreadable> {
        let started = Instant::now();
        let header = request_header(format.name(), budget, bytes.len());
        // An idle worker may have gone since its last file (killed by someone, say): it is
        // replaced once, by a new one, before the file is given up on.
        let reused = self.take_idle();
        let fresh = reused.is_none();
        let mut worker = match reused {
            Some(w) => w,
            None => self.spawn()?,
        };
        let mut outcome = worker.exchange(&header, bytes, started + budget);
        if !fresh && matches!(outcome, Err(Exchange::Gone)) {
            worker = self.spawn()?;
            outcome = worker.exchange(&header, bytes, started + budget);
        }
        match outcome {
            Ok(answer) => {
                self.put_idle(worker);
                decode_answer(&answer).unwrap_or_else(|| {
                    Err(Unreadable::Failed("the reader's answer was garbled".into()))
                })
            }
            Err(Exchange::TimedOut) => {
                worker.kill();
                Err(Unreadable::TimedOut(budget))
            }
            Err(Exchange::Gone) => Err(worker.death()),
        }
    }

    fn take_idle(&self) -> Option<Worker> {
        self.idle.lock().ok()?.pop()
    }

    fn put_idle(&self, worker: Worker) {
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < max_idle() {
                idle.push(worker);
            }
        }
        // Otherwise the worker is dropped: its input closes and it exits.
    }

    fn spawn(&self) -> Result<Worker, Unreadable> {
        let mut child = Command::new(&self.command.program)
            .args(&self.command.args)
            // mimalloc, the binary's allocator, reserves address space a gigabyte at a time;
            // under the worker's address-space limit it must take it in small steps.
            .env("MIMALLOC_ARENA_RESERVE", "32MiB")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                Unreadable::Failed(format!(
                    "no reader process could be started ({}): {e}",
                    self.command.program.display()
                ))
            })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Unreadable::Failed("the reader process has no pipes".into()));
        };
        Ok(Worker {
            child,
            stdin: Some(stdin),
            stdout,
        })
    }
}

/// Why a worker did not answer.
enum Exchange {
    /// It did not answer within the budget.
    TimedOut,
    /// Its pipes closed: it exited or was killed.
    Gone,
}

/// One worker process and the pipes to it.
struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: ChildStdout,
}

impl Worker {
    /// Sends a request and waits for the answer until `deadline` (plus a tenth of the budget,
    /// at most a second, for the worker's own deadline checks to answer first).
    /// The request is its `header` and the file's `bytes`, written one after the other (no
    /// copy of the file is made for it).
    fn exchange(
        &mut self,
        header: &[u8],
        bytes: &[u8],
        deadline: Instant,
    ) -> Result<Vec<u8>, Exchange> {
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(Exchange::Gone);
        };
        // The worker reads the whole request before it starts, so this cannot deadlock; a
        // worker that dies meanwhile breaks the pipe (SIGPIPE is ignored in Rust programs).
        let sent = stdin
            .write_all(header)
            .and_then(|()| stdin.write_all(bytes))
            .and_then(|()| stdin.flush());
        if sent.is_err() {
            return Err(Exchange::Gone);
        }
        let grace = deadline
            .saturating_duration_since(Instant::now())
            .checked_div(10)
            .unwrap_or_default()
            .min(Duration::from_secs(1));
        read_frame(&mut self.stdout, deadline + grace)
    }

    /// Stops the worker at once and reaps it.
    fn kill(mut self) {
        let _ = self.child.kill();
        self.stdin = None;
        let _ = self.child.wait();
    }

    /// Why the worker ended, once its pipe closed: reaps it and reads what it said on stderr.
    fn death(mut self) -> Unreadable {
        self.stdin = None;
        // The pipe closed, so the process is gone or going; a worker that closed its output
        // but lingers is stopped.
        let status = match wait_briefly(&mut self.child) {
            Some(status) => status,
            None => {
                let _ = self.child.kill();
                match self.child.wait() {
                    Ok(status) => status,
                    Err(e) => return Unreadable::Failed(format!("the reader process: {e}")),
                }
            }
        };
        let mut said = Vec::new();
        if let Some(stderr) = self.child.stderr.as_mut() {
            let _ = stderr.take(16 << 10).read_to_end(&mut said);
        }
        Unreadable::Failed(cause_of_death(status, &String::from_utf8_lossy(&said)))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing its input ends an idle worker; one still reading is stopped.
        self.stdin = None;
        if wait_briefly(&mut self.child).is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The exit status of a child that should be ending, waiting at most a second for it.
fn wait_briefly(child: &mut Child) -> Option<ExitStatus> {
    let until = Instant::now() + Duration::from_secs(1);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(5)),
            _ => return None,
        }
    }
}

/// What a worker's end says about the file it was reading.
fn cause_of_death(status: ExitStatus, stderr: &str) -> String {
    if stderr.contains("overflowed its stack") {
        return "the reader ran out of stack (the document nests too deeply)".into();
    }
    if stderr.contains("memory allocation") {
        return format!(
            "the reader ran out of memory (over {} MiB)",
            WORKER_MEMORY >> 20
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return match signal {
                libc::SIGXCPU => "the reader used up its CPU time".into(),
                libc::SIGKILL => "the reader process was killed".into(),
                libc::SIGSEGV | libc::SIGBUS => "the reader crashed (invalid memory access)".into(),
                libc::SIGABRT => "the reader aborted".into(),
                other => format!("the reader process ended on signal {other}"),
            };
        }
    }
    format!("the reader process ended ({status})")
}

/// Reads one length-prefixed frame from `from` before `deadline`.
fn read_frame(from: &mut ChildStdout, deadline: Instant) -> Result<Vec<u8>, Exchange> {
    let mut header = [0u8; 8];
    read_exact_until(from, &mut header, deadline)?;
    let len = u64::from_le_bytes(header);
    if len > MAX_ANSWER {
        return Err(Exchange::Gone);
    }
    let mut frame = vec![0u8; len as usize];
    read_exact_until(from, &mut frame, deadline)?;
    Ok(frame)
}

/// Fills `buf` from the pipe, waiting for data with `poll` so that the wait ends at
/// `deadline` however the worker behaves.
#[cfg(unix)]
fn read_exact_until(
    from: &mut ChildStdout,
    buf: &mut [u8],
    deadline: Instant,
) -> Result<(), Exchange> {
    use std::os::fd::AsRawFd;
    let fd = from.as_raw_fd();
    let mut filled = 0;
    while filled < buf.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Exchange::TimedOut);
        }
        let mut poll = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        let millis = left.as_millis().clamp(1, i32::MAX as u128) as i32;
        // SAFETY: one valid pollfd for the duration of the call.
        let ready = unsafe { libc::poll(&mut poll, 1, millis) };
        if ready < 0 {
            if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(Exchange::Gone);
        }
        if ready == 0 {
            continue;
        }
        match from.read(&mut buf[filled..]) {
            Ok(0) => return Err(Exchange::Gone),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(Exchange::Gone),
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn read_exact_until(from: &mut ChildStdout, buf: &mut [u8], _: Instant) -> Result<(), Exchange> {
    from.read_exact(buf).map_err(|_| Exchange::Gone)
}

/// The worker's side: reads requests from standard input and answers each on standard output
/// until its input closes. The binary calls this when started with [`WORKER_ARG`]; it
/// returns the process's exit code.
pub fn serve_worker() -> i32 {
    // Nothing a reader does may reach the user's terminal as a panic message: a panic is
    // answered as the file's reason.
    std::panic::set_hook(Box::new(|_| {}));
    limit_resources();
    let reader = std::thread::Builder::new()
        .name("zhsearch-read-worker".into())
        .stack_size(WORKER_STACK)
        .spawn(|| {
            let mut input = io::stdin().lock();
            let mut output = io::stdout().lock();
            loop {
                let Ok(Some((name, budget, bytes))) = read_request(&mut input) else {
                    return 0;
                };
                limit_cpu(budget);
                let answer = answer(&name, budget, &bytes);
                drop(bytes);
                if output
                    .write_all(&(answer.len() as u64).to_le_bytes())
                    .and_then(|()| output.write_all(&answer))
                    .and_then(|()| output.flush())
                    .is_err()
                {
                    return 0;
                }
            }
        });
    match reader.map(|t| t.join()) {
        Ok(Ok(code)) => code,
        _ => 2,
    }
}

/// Reads one file as its request says and encodes the outcome.
fn answer(name: &str, budget: Duration, bytes: &[u8]) -> Vec<u8> {
    let result = match format::by_name(name) {
        None => Err(Unreadable::Failed(format!("no reader for {name}"))),
        Some(format) => super::read_contained(format, bytes, &Deadline::after(budget)),
    };
    encode_answer(&result)
}

/// The worker's limits: address space, no core dumps.
fn limit_resources() {
    #[cfg(unix)]
    {
        set_limit(libc::RLIMIT_CORE, 0, 0);
        set_limit(libc::RLIMIT_AS, WORKER_MEMORY, WORKER_MEMORY);
    }
}

/// Lets the worker spend `budget` (plus a grace) of CPU time on the next file from now.
fn limit_cpu(budget: Duration) {
    #[cfg(unix)]
    {
        // SAFETY: getrusage fills the struct it is given.
        let used = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            libc::getrusage(libc::RUSAGE_SELF, &mut usage);
            (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) as u64 + 1
        };
        let soft = used + budget.as_secs() + CPU_GRACE_SECS;
        // The hard limit stays where it is, so that the next file can raise the soft one.
        set_limit(libc::RLIMIT_CPU, soft, libc::RLIM_INFINITY);
    }
    #[cfg(not(unix))]
    let _ = budget;
}

/// The type `setrlimit` takes its resource as.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
type Resource = libc::__rlimit_resource_t;
#[cfg(all(unix, not(all(target_os = "linux", target_env = "gnu"))))]
type Resource = libc::c_int;

#[cfg(unix)]
fn set_limit(resource: Resource, soft: u64, hard: u64) {
    let limit = libc::rlimit {
        rlim_cur: soft as libc::rlim_t,
        rlim_max: hard as libc::rlim_t,
    };
    // SAFETY: setrlimit reads the struct it is given. A limit that cannot be set (a lower
    // hard limit inherited, say) leaves the worker with the stricter one it has.
    unsafe {
        libc::setrlimit(resource, &limit);
    }
}

// The wire format.

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// A request up to the file's bytes, which follow it: the format's name, the budget, the
/// file's length.
fn request_header(name: &str, budget: Duration, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    put_bytes(&mut out, name.as_bytes());
    out.extend_from_slice(&(budget.as_millis() as u64).to_le_bytes());
    out.extend_from_slice(&(len as u64).to_le_bytes());
    out
}

/// One request from the pipe: `None` at a clean end of input.
fn read_request(input: &mut impl Read) -> io::Result<Option<(String, Duration, Vec<u8>)>> {
    let mut word = [0u8; 8];
    match input.read_exact(&mut word) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let name_len = u64::from_le_bytes(word);
    if name_len > 64 {
        return Err(io::Error::other("bad request"));
    }
    let mut name = vec![0u8; name_len as usize];
    input.read_exact(&mut name)?;
    input.read_exact(&mut word)?;
    let budget = Duration::from_millis(u64::from_le_bytes(word));
    input.read_exact(&mut word)?;
    let len = u64::from_le_bytes(word);
    if len > super::MAX_FILE_BYTES {
        return Err(io::Error::other("bad request"));
    }
    let mut bytes = vec![0u8; len as usize];
    input.read_exact(&mut bytes)?;
    Ok(Some((
        String::from_utf8_lossy(&name).into_owned(),
        budget,
        bytes,
    )))
}

fn encode_answer(result: &Result<FormattedText, Unreadable>) -> Vec<u8> {
    let mut out = Vec::new();
    match result {
        Ok(t) => {
            out.push(0);
            put_bytes(&mut out, t.encoding.as_bytes());
            put_bytes(&mut out, t.text.as_bytes());
            match &t.title {
                Some(title) => {
                    out.push(1);
                    put_bytes(&mut out, title.as_bytes());
                }
                None => out.push(0),
            }
            match &t.headings {
                Some(headings) => {
                    out.push(1);
                    out.extend_from_slice(&(headings.len() as u64).to_le_bytes());
                    for h in headings {
                        put_bytes(&mut out, h.as_bytes());
                    }
                }
                None => out.push(0),
            }
        }
        Err(why) => {
            out.push(1);
            let (tag, a, b): (u8, &str, String) = match why {
                Unreadable::Empty => (0, "", String::new()),
                Unreadable::Binary => (1, "", String::new()),
                Unreadable::Undecodable(s) => (2, "", s.clone()),
                Unreadable::Encrypted => (3, "", String::new()),
                Unreadable::TooLarge => (4, "", String::new()),
                Unreadable::Corrupt { format, why } => (5, format, why.clone()),
                Unreadable::NoTextLayer => (6, "", String::new()),
                Unreadable::NoArticle => (7, "", String::new()),
                Unreadable::TimedOut(d) => (8, "", d.as_millis().to_string()),
                Unreadable::Unsupported(s) => (9, "", s.clone()),
                Unreadable::Failed(s) => (10, "", s.clone()),
                Unreadable::NoText => (11, "", String::new()),
            };
            out.push(tag);
            put_bytes(&mut out, a.as_bytes());
            put_bytes(&mut out, b.as_bytes());
        }
    }
    out
}

/// A cursor over an answer; every read is checked, so a garbled answer is `None`.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn word(&mut self) -> Option<u64> {
        let (head, rest) = self.0.split_first_chunk::<8>()?;
        self.0 = rest;
        Some(u64::from_le_bytes(*head))
    }

    fn string(&mut self) -> Option<String> {
        let len = usize::try_from(self.word()?).ok()?;
        if len > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        String::from_utf8(head.to_vec()).ok()
    }
}

/// A name the worker sent back as one of ours: formats and encodings are static names.
fn static_name(name: &str) -> &'static str {
    if name.is_empty() {
        return "";
    }
    format::by_name(name)
        .map(|f| f.name())
        .or_else(|| encoding_rs::Encoding::for_label(name.as_bytes()).map(|e| e.name()))
        .unwrap_or("")
}

fn decode_answer(answer: &[u8]) -> Option<Result<FormattedText, Unreadable>> {
    let mut c = Cursor(answer);
    let result = match c.byte()? {
        0 => {
            let encoding = static_name(&c.string()?);
            let text = c.string()?;
            let title = match c.byte()? {
                0 => None,
                _ => Some(c.string()?),
            };
            let headings = match c.byte()? {
                0 => None,
                _ => {
                    let n = c.word()?;
                    let mut headings = Vec::new();
                    for _ in 0..n {
                        headings.push(c.string()?);
                    }
                    Some(headings)
                }
            };
            Ok(FormattedText {
                text,
                headings,
                title,
                encoding,
            })
        }
        _ => {
            let tag = c.byte()?;
            let a = c.string()?;
            let b = c.string()?;
            Err(match tag {
                0 => Unreadable::Empty,
                1 => Unreadable::Binary,
                2 => Unreadable::Undecodable(b),
                3 => Unreadable::Encrypted,
                4 => Unreadable::TooLarge,
                5 => Unreadable::Corrupt {
                    format: match static_name(&a) {
                        "" => "file",
                        name => name,
                    },
                    why: b,
                },
                6 => Unreadable::NoTextLayer,
                7 => Unreadable::NoArticle,
                8 => Unreadable::TimedOut(Duration::from_millis(b.parse().ok()?)),
                9 => Unreadable::Unsupported(b),
                10 => Unreadable::Failed(b),
                11 => Unreadable::NoText,
                _ => return None,
            })
        }
    };
    c.0.is_empty().then_some(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_survive_the_wire() {
        let answers = [
            Ok(FormattedText {
                text: "标题\n\n正文".into(),
                headings: Some(vec!["一、总体".into(), String::new()]),
                title: Some("标题".into()),
                encoding: "gb18030",
            }),
            Ok(FormattedText {
                text: "x".into(),
                headings: None,
                title: None,
                encoding: "",
            }),
            Err(Unreadable::Corrupt {
                format: "pdf",
                why: "bad xref".into(),
            }),
            Err(Unreadable::TimedOut(Duration::from_millis(1500))),
            Err(Unreadable::Failed("坏了".into())),
            Err(Unreadable::NoArticle),
            Err(Unreadable::NoText),
        ];
        for answer in answers {
            let wire = encode_answer(&answer);
            assert_eq!(decode_answer(&wire), Some(answer.clone()));
            // A cut answer is garbled, never a different answer.
            assert_eq!(decode_answer(&wire[..wire.len() - 1]), None);
        }
    }

    #[test]
    fn requests_survive_the_wire() {
        let mut wire = request_header("docx", Duration::from_millis(2500), 4);
        wire.extend_from_slice(b"PK\x03\x04");
        let mut input = &wire[..];
        let (name, budget, bytes) = read_request(&mut input).unwrap().unwrap();
        assert_eq!(
            (name.as_str(), budget, bytes.as_slice()),
            ("docx", Duration::from_millis(2500), &b"PK\x03\x04"[..])
        );
        assert!(read_request(&mut input).unwrap().is_none());
    }

    #[test]
    fn a_dead_worker_is_named_by_its_end() {
        use std::os::unix::process::ExitStatusExt;
        let killed = ExitStatus::from_raw(libc::SIGKILL);
        assert_eq!(cause_of_death(killed, ""), "the reader process was killed");
        let aborted = ExitStatus::from_raw(libc::SIGABRT);
        assert!(
            cause_of_death(aborted, "memory allocation of 8589934592 bytes failed\n")
                .contains("out of memory")
        );
        assert!(cause_of_death(
            aborted,
            "\nthread 'zhsearch-read-worker' has overflowed its stack\n"
        )
        .contains("out of stack"));
    }
}
