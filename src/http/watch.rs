//! `serve --watch`: index the corpus folder's changes as they happen.
//!
//! File-system events are debounced; each batch triggers one incremental sync (which finds
//! new, changed, deleted and renamed files by itself) and a reader reload, so a new report is
//! searchable shortly after it is written.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{new_debouncer, DebounceEventResult, Debouncer};

use crate::error::{Error, Result};
use crate::index::Indexer;
use crate::search::ReportSearcher;

/// Quiet time after the last event before indexing.
const DEBOUNCE: Duration = Duration::from_millis(150);

enum Message {
    Changed,
    Stop,
}

/// A running watcher; [`Watcher::stop`] ends it.
pub struct Watcher {
    _debouncer: Debouncer<notify_debouncer_mini::notify::RecommendedWatcher>,
    tx: mpsc::Sender<Message>,
    thread: Option<JoinHandle<()>>,
}

impl Watcher {
    /// Starts watching the indexer's folder.
    pub fn start(mut indexer: Indexer, searcher: ReportSearcher) -> Result<Watcher> {
        let (tx, rx) = mpsc::channel::<Message>();
        let events = tx.clone();
        let root = indexer.root().to_path_buf();
        let mut debouncer = new_debouncer(DEBOUNCE, move |res: DebounceEventResult| match res {
            Ok(_) => {
                let _ = events.send(Message::Changed);
            }
            Err(e) => tracing::warn!("watching the corpus: {e}"),
        })
        .map_err(|e| {
            Error::io(
                "starting the file watcher",
                std::io::Error::other(e.to_string()),
            )
        })?;
        debouncer
            .watcher()
            .watch(&root, RecursiveMode::Recursive)
            .map_err(|e| {
                Error::io(
                    format!("watching {}", root.display()),
                    std::io::Error::other(e.to_string()),
                )
            })?;
        tracing::info!("watching {} for new and changed reports", root.display());
        let thread = std::thread::spawn(move || {
            while let Ok(Message::Changed) = rx.recv() {
                // Fold a burst of batches into one sync.
                let mut stop = false;
                while let Ok(m) = rx.try_recv() {
                    stop |= matches!(m, Message::Stop);
                }
                match indexer.sync(&mut |_| {}) {
                    Ok(s) if s.added + s.updated + s.removed + s.renamed > 0 => {
                        if let Err(e) = searcher.reload() {
                            tracing::error!("reloading the index: {e}");
                        }
                        super::log_sync(&s);
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!("indexing changes in {}: {e}", root.display()),
                }
                if stop {
                    break;
                }
            }
            if let Err(e) = indexer.finish() {
                tracing::warn!("finishing the index writer: {e}");
            }
        });
        Ok(Watcher {
            _debouncer: debouncer,
            tx,
            thread: Some(thread),
        })
    }

    /// Stops watching and waits for a running sync to finish.
    pub fn stop(mut self) {
        let _ = self.tx.send(Message::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
