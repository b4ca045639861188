//! Files to reports: walk a folder, decode each file, pull out title, date and headings.
//!
//! Nothing here aborts a run: a file that cannot be read is returned as [`Skipped`] with its
//! path and reason, and the rest go on.

pub mod decode;
pub mod extract;
pub mod format;
pub mod worker;

pub use worker::Readers;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

pub use decode::Unreadable;
pub use extract::ReportDate;

use crate::error::{Error, Result};

/// Largest file read as a report; anything bigger is skipped as not a report.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Time one file may take to read; a file that takes longer is skipped.
pub const READ_BUDGET: Duration = Duration::from_secs(10);

/// Name of the threads that read office files, PDFs and web pages where readers are not
/// isolated in [worker processes](worker) (see [`format::Format::guarded`]). A panic on such a
/// thread is contained and the file skipped, so a panic hook can leave it unreported.
pub const READER_THREAD: &str = "zhsearch-reader";

/// Stack of a reader thread: parsers of nested structures recurse, and a stack overflow,
/// unlike a panic, cannot be contained. Reserved, not committed, until used.
const READER_STACK: usize = 64 << 20;

/// One report, ready to index.
#[derive(Debug, Clone)]
pub struct Report {
    /// Path relative to the indexed folder, with `/` separators.
    pub path: String,
    /// First non-empty line.
    pub title: String,
    /// Date from the header lines, if any.
    pub date: Option<ReportDate>,
    /// Section headings.
    pub headings: Vec<String>,
    /// The decoded text as the user wrote it.
    pub text: String,
    /// The encoding the file was in (empty where the format fixes it).
    pub encoding: &'static str,
    /// The format it was read as (`text`, `docx`, `pdf`…).
    pub format: format::ReportFormat,
}

impl Report {
    /// Builds a report from a file's bytes. A guarded format (a PDF, an office file) is read in
    /// a worker process started for this one call and ended after it: for one file (`zhsearch
    /// similar`); many files share a pool of workers through [`Report::from_bytes_with`].
    pub fn from_bytes(path: &str, bytes: &[u8]) -> Result<Report, Unreadable> {
        Report::from_bytes_with(path, bytes, READ_BUDGET, &Readers::new())
    }

    /// Builds a report from a file's bytes, giving the reader `budget` instead of
    /// [`READ_BUDGET`].
    pub fn from_bytes_within(
        path: &str,
        bytes: &[u8],
        budget: Duration,
    ) -> Result<Report, Unreadable> {
        Report::from_bytes_with(path, bytes, budget, &Readers::new())
    }

    /// Builds a report from a file's bytes within `budget`, a guarded format read by one of
    /// `readers` (an idle worker of theirs when there is one).
    pub fn from_bytes_with(
        path: &str,
        bytes: &[u8],
        budget: Duration,
        readers: &Readers,
    ) -> Result<Report, Unreadable> {
        Report::from_input(path, Input::Borrowed(bytes), budget, readers)
    }

    /// Builds a report from a file's bytes, handing them over (no copy is made for a reader
    /// thread), a guarded format read by one of `readers`.
    pub fn from_owned(path: &str, bytes: Vec<u8>, readers: &Readers) -> Result<Report, Unreadable> {
        Report::from_input(path, Input::Owned(Arc::new(bytes)), READ_BUDGET, readers)
    }

    fn from_input(
        path: &str,
        bytes: Input<'_>,
        budget: Duration,
        readers: &Readers,
    ) -> Result<Report, Unreadable> {
        if bytes.as_slice().is_empty() {
            return Err(Unreadable::Empty);
        }
        let format = format::for_file(Path::new(path), bytes.as_slice())
            .ok_or_else(|| Unreadable::Undecodable("unsupported file type".into()))?;
        let formatted = read_guarded(format, bytes, budget, readers)?;
        if formatted.text.trim().is_empty() {
            return Err(Unreadable::Empty);
        }
        let text = formatted.text;
        Ok(Report {
            path: path.to_string(),
            title: formatted
                .title
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| extract::find_title(&text)),
            date: extract::find_date(&text),
            headings: formatted
                .headings
                .unwrap_or_else(|| extract::find_headings(&text)),
            text,
            encoding: formatted.encoding,
            format: format.format(),
        })
    }
}

/// A file's bytes, lent or handed over.
enum Input<'a> {
    Borrowed(&'a [u8]),
    Owned(Arc<Vec<u8>>),
}

impl Input<'_> {
    fn as_slice(&self) -> &[u8] {
        match self {
            Input::Borrowed(b) => b,
            Input::Owned(b) => b,
        }
    }

    /// The bytes for another thread: shared when owned, copied when lent.
    fn shared(self) -> Arc<Vec<u8>> {
        match self {
            Input::Borrowed(b) => Arc::new(b.to_vec()),
            Input::Owned(b) => b,
        }
    }
}

/// Reads `bytes` as `format` within `budget`. A [guarded](format::Format::guarded) format is
/// read in a [worker process](worker) once readers are isolated; otherwise on a thread: a panic in it becomes [`Unreadable::Failed`], and a read that runs
/// past the budget (plus a tenth of it, at most a second, of grace for the reader's own
/// deadline checks) is abandoned with [`Unreadable::TimedOut`] — the thread then ends on its
/// own, at its reader's next deadline check.
fn read_guarded(
    format: &'static dyn format::Format,
    bytes: Input<'_>,
    budget: Duration,
    readers: &Readers,
) -> Result<format::FormattedText, Unreadable> {
    let deadline = format::Deadline::after(budget);
    if !format.guarded() {
        return format.read(bytes.as_slice(), &deadline);
    }
    if let Some(result) = readers.read_isolated(format, bytes.as_slice(), budget) {
        return result;
    }
    let owned = bytes.shared();
    quiet_reader_panics();
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name(READER_THREAD.into())
        .stack_size(READER_STACK)
        .spawn(move || {
            let result = read_contained(format, &owned, &deadline);
            // The receiver is gone when the caller stopped waiting; nothing more to do.
            let _ = tx.send(result);
        });
    if let Err(e) = spawned {
        return Err(Unreadable::Failed(format!("no thread to read it on: {e}")));
    }
    let grace = (budget / 10).min(Duration::from_secs(1));
    match rx.recv_timeout(budget + grace) {
        Ok(result) => result,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(Unreadable::TimedOut(budget)),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            Err(Unreadable::Failed("the reader stopped".into()))
        }
    }
}

/// Leaves the panics of [`READER_THREAD`]s out of the panic hook's reports (each becomes its
/// file's skip reason): the hook in place — the program's own, or the default — is wrapped
/// once, when the first reader thread starts.
fn quiet_reader_panics() {
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some(READER_THREAD) {
                hook(info);
            }
        }));
    });
}

/// Reads `bytes` as `format`, a panic in the reader becoming [`Unreadable::Failed`] with its
/// message.
fn read_contained(
    format: &'static dyn format::Format,
    bytes: &[u8],
    deadline: &format::Deadline,
) -> Result<format::FormattedText, Unreadable> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        format.read(bytes, deadline)
    }))
    .unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown fault".into());
        Err(Unreadable::Failed(format!(
            "{} reader fault: {message}",
            format.name()
        )))
    })
}

/// A report file found by [`scan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Path relative to the scanned folder, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime: u64,
    /// Status-change time (ctime), nanoseconds since the Unix epoch; 0 where there is none. A
    /// change of permissions or owner changes it, not the modification time.
    pub changed: u64,
}

/// A file that was not indexed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Path relative to the indexed folder.
    pub path: String,
    /// Why it was skipped.
    pub reason: String,
}

/// Lists the report files under `root` (recursively, hidden entries and office owner files
/// `~$…` excluded), sorted by path, with the entries that could not be read.
///
/// Symbolic links are not followed (as ripgrep and fd do by default): a link to a file or a
/// folder is left out, so nothing outside the folder is ever indexed — nor served, since the
/// web server shows only what the index holds. A file whose name is not valid UTF-8 is named
/// (lossily) and skipped with that reason.
pub fn scan(root: &Path) -> Result<(Vec<FileEntry>, Vec<Skipped>)> {
    if !root.is_dir() {
        return Err(Error::Folder {
            path: root.to_path_buf(),
            reason: "not a folder".into(),
        });
    }
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = err.path().map(|p| relative(root, p)).unwrap_or_default();
                skipped.push(Skipped {
                    path,
                    reason: err.to_string(),
                });
                continue;
            }
        };
        if !entry.file_type().is_file() || format::for_path(entry.path()).is_none() {
            continue;
        }
        // Word and WPS keep an owner file, `~$name.docx`, beside a document that is open: a
        // few bytes of lock data, not a report.
        if entry.file_name().to_string_lossy().starts_with("~$") {
            continue;
        }
        let path = relative(root, entry.path());
        if entry
            .path()
            .strip_prefix(root)
            .ok()
            .and_then(Path::to_str)
            .is_none()
        {
            skipped.push(Skipped {
                path,
                reason: "the file name is not valid UTF-8: rename it to index it".into(),
            });
            continue;
        }
        match entry.metadata() {
            Ok(meta) if meta.len() > MAX_FILE_BYTES => skipped.push(Skipped {
                path,
                reason: format!("larger than {} MiB", MAX_FILE_BYTES >> 20),
            }),
            Ok(meta) => files.push(FileEntry {
                path,
                size: meta.len(),
                mtime: meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos() as u64),
                changed: status_changed(&meta),
            }),
            Err(err) => skipped.push(Skipped {
                path,
                reason: err.to_string(),
            }),
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((files, skipped))
}

/// The status-change time in `meta`, nanoseconds since the Unix epoch (0 where there is none).
#[cfg(unix)]
fn status_changed(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    (meta.ctime() as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(meta.ctime_nsec() as u64)
}

#[cfg(not(unix))]
fn status_changed(_: &std::fs::Metadata) -> u64 {
    0
}

/// `path` relative to `root`, with `/` separators.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// Reads a report file found by [`scan`] through [`open_under`]: never through a symbolic
/// link that replaced it (or one of its folders) since the scan, never a named pipe, a device or
/// a folder, and never more than [`MAX_FILE_BYTES`].
pub fn read(root: &Path, rel: &str) -> std::io::Result<Vec<u8>> {
    open_under(root, rel, MAX_FILE_BYTES)?.read_all()
}

/// The absolute location of a relative report path.
pub fn absolute(root: &Path, rel: &str) -> PathBuf {
    rel.split('/')
        .fold(root.to_path_buf(), |p, part| p.join(part))
}

/// A file opened as a regular file, with its size as the opened descriptor tells it (not as
/// the path said a moment before). Reading it never goes past the size checked at opening,
/// even if the file grows meanwhile.
#[derive(Debug)]
pub struct RegularFile {
    file: std::fs::File,
    size: u64,
}

impl RegularFile {
    /// Its size when it was opened (at most the limit it was opened with).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Its bytes, at most [`RegularFile::size`] of them.
    pub fn read_all(self) -> std::io::Result<Vec<u8>> {
        use std::io::Read;
        // The capacity is bounded by the limit the file was opened with.
        let mut bytes = Vec::with_capacity(self.size as usize);
        self.file.take(self.size).read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    /// The opened file, to be read by the caller (at most [`RegularFile::size`] bytes of it).
    pub fn into_file(self) -> std::fs::File {
        self.file
    }
}

/// Whether a symbolic link at the last component of a path is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// A path the user typed on the command line: it may be a link.
    Follow,
    /// A path that comes from a folder's content: a link is refused.
    Refuse,
}

/// Opens `path` for reading as a regular file of at most `limit` bytes. A named pipe never
/// blocks the open (it is opened non-blocking, then refused); a folder, a device, a socket or a
/// pipe is refused with a reason saying what it is; the size is checked on the opened file.
/// The error's kind is [`std::io::ErrorKind::NotFound`] when there is no such file.
pub fn open_regular(path: &Path, limit: u64, links: Links) -> std::io::Result<RegularFile> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let follow = if links == Links::Refuse {
            libc::O_NOFOLLOW
        } else {
            0
        };
        options.custom_flags(follow | libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(refusal)?;
    checked(file, limit)
}

/// Opens `rel` (`/`-separated, relative) under the folder `root` as [`open_regular`] does, and
/// follows no symbolic link on the way: each folder of the path is opened from the one before
/// without following a link, so neither a linked file nor a linked folder can lead out of
/// `root` (the folder itself may be a link: the user named it). `..` is refused.
pub fn open_under(root: &Path, rel: &str, limit: u64) -> std::io::Result<RegularFile> {
    let parts: Vec<&str> = rel
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.is_empty() || parts.contains(&"..") {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a path inside the folder",
        ));
    }
    #[cfg(unix)]
    {
        let (name, folders) = parts
            .split_last()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty path"))?;
        // The folder the user named, followed if it is a link; never blocking on a pipe.
        let mut dir = {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_DIRECTORY | libc::O_NONBLOCK)
                .open(root)?
        };
        for folder in folders {
            dir = open_at(&dir, folder, libc::O_DIRECTORY | libc::O_NOFOLLOW).map_err(refusal)?;
        }
        let file = open_at(&dir, name, libc::O_NOFOLLOW | libc::O_NONBLOCK).map_err(refusal)?;
        checked(file, limit)
    }
    #[cfg(not(unix))]
    {
        open_regular(&absolute(root, &parts.join("/")), limit, Links::Refuse)
    }
}

/// `openat(dir, name, O_RDONLY | O_CLOEXEC | flags)`.
#[cfg(unix)]
fn open_at(dir: &std::fs::File, name: &str, flags: libc::c_int) -> std::io::Result<std::fs::File> {
    use std::os::fd::{AsRawFd, FromRawFd};
    let name = std::ffi::CString::new(name)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "NUL in a path"))?;
    // SAFETY: `dir` is an open descriptor for the duration of the call and `name` a valid C
    // string; a descriptor returned by openat is ours alone, so the File may own and close it.
    let fd = unsafe {
        libc::openat(
            dir.as_raw_fd(),
            name.as_ptr(),
            libc::O_RDONLY | libc::O_CLOEXEC | flags,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: see above.
    Ok(unsafe { std::fs::File::from_raw_fd(fd) })
}

/// The error of a failed open in words: a symbolic link where `O_NOFOLLOW` met one.
fn refusal(err: std::io::Error) -> std::io::Error {
    #[cfg(unix)]
    match err.raw_os_error() {
        Some(libc::ELOOP) => return refused("a symbolic link, which is not followed"),
        Some(libc::ENOTDIR) => return refused("a symbolic link or a file where a folder was"),
        Some(libc::ENXIO) => return refused("a socket or a device, not a regular file"),
        _ => {}
    }
    err
}

fn refused(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string())
}

/// `file` if the opened descriptor is a regular file of at most `limit` bytes; the
/// non-blocking mode a pipe needed to open is cleared before anyone reads.
fn checked(file: std::fs::File, limit: u64) -> std::io::Result<RegularFile> {
    let meta = file.metadata()?;
    let kind = meta.file_type();
    if !kind.is_file() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if kind.is_fifo() {
                return Err(refused("a named pipe (FIFO), not a regular file"));
            }
            if kind.is_block_device() || kind.is_char_device() {
                return Err(refused("a device, not a regular file"));
            }
            if kind.is_socket() {
                return Err(refused("a socket, not a regular file"));
            }
        }
        if kind.is_dir() {
            return Err(refused("a folder, not a file"));
        }
        return Err(refused("not a regular file"));
    }
    if meta.len() > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {}", size_in_words(limit)),
        ));
    }
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let fd = file.as_raw_fd();
        // SAFETY: fcntl on a descriptor `file` owns; only the O_NONBLOCK flag changes.
        let cleared = unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            flags >= 0 && libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) >= 0
        };
        if !cleared {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(RegularFile {
        file,
        size: meta.len(),
    })
}

/// `64 MiB`, `4 MiB`, or bytes for a limit below a MiB.
fn size_in_words(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes % (1 << 20) == 0 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_finds_reports_and_skips_hidden_and_other_types() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(root.join("a/b/x.txt"), "标题").unwrap();
        std::fs::write(root.join("y.md"), "# 标题").unwrap();
        std::fs::write(root.join("z.pdf"), "%PDF").unwrap();
        std::fs::write(root.join("w.xlsx"), "PK").unwrap();
        std::fs::write(root.join("~$z.docx"), "lock").unwrap();
        std::fs::write(root.join(".git/h.txt"), "x").unwrap();
        let (files, skipped) = scan(root).unwrap();
        let paths: Vec<_> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, vec!["a/b/x.txt", "y.md", "z.pdf"]);
        assert!(skipped.is_empty());
        assert!(files[0].mtime > 0 && files[0].size == 6);
    }

    /// A format whose reader never checks its deadline, and one that panics.
    struct Stuck;
    struct Faulty;

    impl format::Format for Stuck {
        fn format(&self) -> format::ReportFormat {
            format::ReportFormat::Pdf
        }
        fn extensions(&self) -> &'static [&'static str] {
            &[]
        }
        fn media_type(&self) -> &'static str {
            "application/octet-stream"
        }
        fn read(
            &self,
            _: &[u8],
            _: &format::Deadline,
        ) -> Result<format::FormattedText, Unreadable> {
            std::thread::sleep(Duration::from_secs(3));
            Err(Unreadable::Empty)
        }
    }

    impl format::Format for Faulty {
        fn format(&self) -> format::ReportFormat {
            format::ReportFormat::Html
        }
        fn extensions(&self) -> &'static [&'static str] {
            &[]
        }
        fn media_type(&self) -> &'static str {
            "application/octet-stream"
        }
        fn read(
            &self,
            bytes: &[u8],
            _: &format::Deadline,
        ) -> Result<format::FormattedText, Unreadable> {
            let index = bytes.len() + 3;
            Ok(format::FormattedText {
                text: bytes[index..].len().to_string(),
                headings: None,
                title: None,
                encoding: "",
            })
        }
    }

    #[test]
    fn a_reader_past_its_budget_or_faulting_skips_the_file() {
        let stuck = read_guarded(
            &Stuck,
            Input::Borrowed(b"x"),
            Duration::from_millis(100),
            &Readers::default(),
        );
        assert_eq!(stuck, Err(Unreadable::TimedOut(Duration::from_millis(100))));
        let Err(Unreadable::Failed(why)) = read_guarded(
            &Faulty,
            Input::Borrowed(b"x"),
            Duration::from_secs(5),
            &Readers::default(),
        ) else {
            panic!("a panicking reader must fail the file");
        };
        assert!(why.starts_with("html reader fault: "), "{why}");
        assert_eq!(
            Unreadable::TimedOut(READ_BUDGET).to_string(),
            "took longer than 10 s to read"
        );
    }

    #[test]
    fn report_from_bytes_extracts_structure() {
        let text = "博乐市小营盘镇党委\n\n时间:2017-11-09浏览:0\n\n突出党建统领 打造坚强堡垒\n\n正文一段。";
        let r = Report::from_bytes("a.txt", text.as_bytes()).unwrap();
        assert_eq!(r.title, "博乐市小营盘镇党委");
        assert_eq!(r.date.map(|d| d.to_string()).as_deref(), Some("2017-11-09"));
        assert_eq!(r.headings, vec!["突出党建统领 打造坚强堡垒"]);
        assert_eq!(
            Report::from_bytes("a.txt", b"").unwrap_err(),
            Unreadable::Empty
        );
    }
}
