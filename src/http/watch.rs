//! `serve --watch`: index the corpus folder's changes as they happen.
//!
//! Only events that change what the folder holds count: a file or folder created, written,
//! renamed or deleted, or its metadata changed. Opening, reading and closing a file unwritten
//! are not changes — a sync opens every folder it scans, and listening to that made each sync
//! start the next one, for ever. Events are debounced; each batch triggers one incremental sync
//! (which finds new, changed, deleted and renamed files by itself) and a reader reload, so a new
//! report is searchable shortly after it is written.
//!
//! The folder itself can go: deleted, or moved away. The watcher says so once, keeps the index
//! as it was (searches go on answering from it) and looks for the folder again every
//! [`RECHECK`]; when a folder is at that path again it watches it and syncs, which removes
//! the reports that did not come back and adds the new ones.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};

use crate::error::{Error, Result};
use crate::index::{Indexer, SyncSummary};
use std::sync::Arc;

use crate::corpus::Corpus;

/// Quiet time after the last event before indexing.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// Longest wait for quiet: a folder written to without pause is still indexed this often.
const MAX_DELAY: Duration = Duration::from_secs(2);

/// How often a vanished folder is looked for (one `stat`).
const RECHECK: Duration = Duration::from_secs(1);

enum Message {
    Changed,
    Stop,
}

/// A running watcher; [`Watcher::stop`] ends it.
pub struct Watcher {
    tx: mpsc::Sender<Message>,
    thread: Option<JoinHandle<()>>,
}

/// Whether an event says that something in the folder changed. Accesses (open, read, close
/// without writing) do not; a close after writing does.
fn changes_content(event: &Event) -> bool {
    match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) => true,
        // Unknown to the backend, or its queue overflowed: look.
        EventKind::Any | EventKind::Other => true,
    }
}

/// Whether a path lies in a hidden file or folder under `root` (which the scan leaves out, as
/// it does an index kept in `.zhsearch/` inside the folder).
fn hidden(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root).is_ok_and(|rel| {
        rel.components().any(|c| match c {
            Component::Normal(name) => name.to_string_lossy().starts_with('.'),
            _ => false,
        })
    })
}

/// What identifies the folder at `root`: `None` when there is no folder there. A folder
/// deleted and made again is another folder (another inode), whose watch must be set anew.
fn folder_id(root: &Path) -> Option<(u64, u64)> {
    let meta = std::fs::metadata(root).ok().filter(|m| m.is_dir())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Some((0, 0))
    }
}

/// Watches `root` (recursively), sending [`Message::Changed`] for events that change content.
fn arm(root: &Path, tx: &mpsc::Sender<Message>) -> Result<RecommendedWatcher> {
    let events = tx.clone();
    let base = root.to_path_buf();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<Event>| match res {
        Ok(event) => {
            let counts = changes_content(&event)
                && (event.paths.is_empty() || event.paths.iter().any(|p| !hidden(&base, p)));
            if counts {
                let _ = events.send(Message::Changed);
            }
        }
        Err(e) => {
            tracing::warn!("watching {}: {e}", base.display());
            // Whatever failed, the folder is looked at again.
            let _ = events.send(Message::Changed);
        }
    })
    .map_err(|e| {
        Error::io(
            "starting the file watcher",
            std::io::Error::other(e.to_string()),
        )
    })?;
    watcher.watch(root, RecursiveMode::Recursive).map_err(|e| {
        Error::io(
            format!("watching {}", root.display()),
            std::io::Error::other(e.to_string()),
        )
    })?;
    Ok(watcher)
}

/// The watched folder, as last seen.
struct Folder {
    /// The folder's watch and identity; `None` while there is no folder to watch.
    armed: Option<(RecommendedWatcher, (u64, u64))>,
    /// The last failure to watch a folder that is there, said once.
    failed: Option<String>,
}

/// What the watcher thread owns.
struct Syncer {
    indexer: Indexer,
    corpus: Arc<Corpus>,
    root: PathBuf,
    /// The skipped files of the last sync: one is named again only when it is read again or
    /// left out for another reason.
    said: HashSet<(String, String)>,
    /// The cluster index every change is pushed to, if any.
    push: Option<crate::cluster::Target>,
    /// The index holds changes the cluster has not received (the first push, or one that
    /// failed): pushed after the next sync even if it changes nothing.
    push_owed: bool,
}

impl Syncer {
    fn run(&mut self) {
        match self.indexer.sync(&mut |_| {}) {
            Ok(s) => {
                tracing::debug!(
                    "synced {}: {} files read, {} unchanged, {} skipped ({} not read again)",
                    self.root.display(),
                    s.read,
                    s.unchanged,
                    s.skipped.len(),
                    s.skipped_unchanged
                );
                let changed = s.added + s.updated + s.removed + s.renamed > 0;
                if changed {
                    if let Err(e) = self.corpus.reload() {
                        tracing::error!("reloading the index: {e}");
                    }
                }
                self.log(&s, changed);
                self.push_owed |= changed;
                self.push();
            }
            Err(e) => tracing::error!("indexing changes in {}: {e}", self.root.display()),
        }
    }

    /// Pushes to the cluster what it has not received yet. A cluster that cannot be reached is
    /// logged and tried again after the next change.
    fn push(&mut self) {
        let Some(target) = &self.push else { return };
        if !self.push_owed {
            return;
        }
        match crate::cluster::push(&mut self.indexer, target, &mut |_| {}) {
            Ok(s) => {
                self.push_owed = false;
                for (path, bytes) in &s.too_large {
                    tracing::warn!(
                        "not pushed {path}: its document is {:.1} MB, more than the cluster takes in one request",
                        *bytes as f64 / 1e6
                    );
                }
                tracing::info!(
                    "pushed {} reports and {} removals to {} in {:.1} s",
                    s.sent,
                    s.removed,
                    s.target,
                    s.elapsed.as_secs_f64()
                );
            }
            Err(e) => tracing::error!("pushing changes: {e} (tried again after the next change)"),
        }
    }

    /// Logs a sync that changed the index or skipped a file not named before: a file is named
    /// when it was read and could not be indexed, not at each sync that leaves it out (the
    /// summary line still counts them all).
    fn log(&mut self, s: &SyncSummary, changed: bool) {
        let now: HashSet<(String, String)> = s
            .skipped
            .iter()
            .map(|k| (k.path.clone(), k.reason.clone()))
            .collect();
        // Read now and not indexable, or left out by the scan for a reason not given before.
        let read: HashSet<&str> = s.skipped_read.iter().map(String::as_str).collect();
        let news: Vec<(&str, &str)> = s
            .skipped
            .iter()
            .filter(|k| {
                read.contains(k.path.as_str())
                    || !self.said.contains(&(k.path.clone(), k.reason.clone()))
            })
            .map(|k| (k.path.as_str(), k.reason.as_str()))
            .collect();
        if changed || !news.is_empty() {
            super::log_summary(s);
        }
        for (path, reason) in news {
            tracing::warn!("skipped {path}: {reason}");
        }
        self.said = now;
    }
}

impl Folder {
    /// Brings the watch in line with what is at `root`; whether the folder is there and
    /// watched (and so worth a sync).
    fn check(&mut self, root: &Path, tx: &mpsc::Sender<Message>) -> bool {
        let id = folder_id(root);
        match (&self.armed, id) {
            (Some((_, armed)), Some(id)) if *armed == id => true,
            (Some(_), None) => {
                self.armed = None;
                tracing::warn!(
                    "{} is gone: its reports stay searchable as they were; indexing resumes when \
                     a folder is there again",
                    root.display()
                );
                false
            }
            (None, None) => false,
            (_, Some(id)) => {
                let back = self.armed.is_none();
                // The old watch (if any) follows a folder that is no longer at `root`.
                self.armed = None;
                match arm(root, tx) {
                    Ok(watcher) => {
                        // Made again while being watched: it may have changed in between.
                        if folder_id(root) != Some(id) {
                            return false;
                        }
                        self.armed = Some((watcher, id));
                        self.failed = None;
                        if back {
                            tracing::info!("{} is back: watching it again", root.display());
                        } else {
                            tracing::info!(
                                "{} was replaced: watching the new folder",
                                root.display()
                            );
                        }
                        true
                    }
                    Err(e) => {
                        let said = e.to_string();
                        if self.failed.as_deref() != Some(said.as_str()) {
                            tracing::warn!("{said}; trying again every {} s", RECHECK.as_secs());
                            self.failed = Some(said);
                        }
                        false
                    }
                }
            }
        }
    }
}

impl Watcher {
    /// Starts watching the indexer's folder.
    /// With `push`, every change is pushed to that cluster index too (and, first, whatever it
    /// lacks).
    pub fn start(
        indexer: Indexer,
        corpus: Arc<Corpus>,
        push: Option<crate::cluster::Target>,
    ) -> Result<Watcher> {
        let (tx, rx) = mpsc::channel::<Message>();
        let root = indexer.root().to_path_buf();
        let id = folder_id(&root).ok_or_else(|| Error::Folder {
            path: root.clone(),
            reason: "not a folder".into(),
        })?;
        let watcher = arm(&root, &tx)?;
        tracing::info!("watching {} for new and changed reports", root.display());
        let said = indexer.unreadable().map(|k| (k.path, k.reason)).collect();
        let mut folder = Folder {
            armed: Some((watcher, id)),
            failed: None,
        };
        let mut sync = Syncer {
            indexer,
            corpus,
            root,
            said,
            push,
            push_owed: true,
        };
        let events = tx.clone();
        let thread = std::thread::spawn(move || {
            // What the cluster lacks goes first.
            sync.push();
            // A change came during the last sync.
            let mut pending = false;
            loop {
                // Waiting for a change, or, while the folder is gone, for it to come back.
                let first = if pending {
                    Ok(Message::Changed)
                } else if folder.armed.is_some() {
                    rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
                } else {
                    rx.recv_timeout(RECHECK)
                };
                let mut stop = match first {
                    Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                    Ok(Message::Changed) => debounce(&rx),
                    Err(RecvTimeoutError::Timeout) => false,
                };
                pending = false;
                if folder.check(&sync.root, &events) {
                    sync.run();
                }
                loop {
                    match rx.try_recv() {
                        Ok(Message::Changed) => pending = true,
                        Ok(Message::Stop) => stop = true,
                        Err(mpsc::TryRecvError::Disconnected) => {
                            stop = true;
                            break;
                        }
                        Err(mpsc::TryRecvError::Empty) => break,
                    }
                }
                if stop {
                    break;
                }
            }
            // The watch ends before the writer.
            drop(folder);
            if let Err(e) = sync.indexer.finish() {
                tracing::warn!("finishing the index writer: {e}");
            }
        });
        Ok(Watcher {
            tx,
            thread: Some(thread),
        })
    }

    /// Stops watching and waits for a running sync to finish.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.tx.send(Message::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Waits for the events of a burst to stop (or for [`MAX_DELAY`]); whether a stop was asked
/// for meanwhile.
fn debounce(rx: &mpsc::Receiver<Message>) -> bool {
    let started = Instant::now();
    loop {
        let left = MAX_DELAY.saturating_sub(started.elapsed());
        if left.is_zero() {
            return false;
        }
        match rx.recv_timeout(DEBOUNCE.min(left)) {
            Ok(Message::Changed) => {}
            Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return true,
            Err(RecvTimeoutError::Timeout) => return false,
        }
    }
}
