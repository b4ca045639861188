//! The web front end: a search page with facets, document pages, entity pages and a JSON API
//! over [`LocalEngine`], and (with `--watch`) an indexer that follows the corpus folder.
//!
//! This module adds presentation only: parsing parameters, calling the library, rendering.
//! Routes (`routes.rs`) are composition; handlers (`handlers.rs`) turn parameters into a search
//! and a reply; `error.rs` is the one place errors become responses; `pages.rs` renders HTML.
//! `serve.rs` is the accept loop around the routes; `auth.rs` the optional password.

mod auth;
mod download;
mod error;
mod handlers;
pub(crate) mod pages;
mod params;
mod routes;
mod serve;
mod watch;

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::corpus::{Corpus, Missing};
use crate::error::{Error, Result};
use crate::index::sync::OWNER_FILE;
use crate::index::{self, Indexer, SyncOptions};

/// Most hits per page of the web and the API (the command line allows up to
/// [`crate::search::MAX_DEPTH`]).
pub const MAX_LIMIT: usize = 100;
/// Time budget of one search.
pub const QUERY_BUDGET: Duration = Duration::from_secs(5);
/// Searches and document pages worked on at once: one per core (at least two). The work is
/// CPU-bound, so more would only slow each down and starve `--watch`'s indexing of the CPU it
/// needs to make new reports searchable; further requests wait for a slot (within the budget).
fn concurrent_searches() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().max(2))
}

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Folder of reports.
    pub corpus: PathBuf,
    /// Index location.
    pub index: PathBuf,
    /// Address to listen on.
    pub addr: SocketAddr,
    /// Index changes in the corpus folder as they happen.
    pub watch: bool,
    /// Require HTTP Basic auth on every route but `/healthz`, with the first line of this file
    /// as the password.
    pub password_file: Option<PathBuf>,
    /// Time budget of one search ([`QUERY_BUDGET`] unless a test wants another).
    pub budget: Duration,
    /// Answer from this cluster index instead of a local index (no corpus, no watching).
    pub engine: Option<crate::cluster::Target>,
    /// With `watch`: push every change to this cluster index too.
    pub push: Option<crate::cluster::Target>,
}

/// The client's address, in the extensions of every request the server receives: read it in a
/// filter with `warp::ext::optional::<PeerAddr>()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// What every handler shares.
pub struct AppState {
    corpus: Arc<Corpus>,
    searches: Arc<Semaphore>,
    /// Time budget of one search.
    budget: Duration,
    /// The password check, when `--password-file` was given.
    auth: Option<Arc<auth::Gate>>,
}

/// A server bound to its address, ready to run.
pub struct Server {
    addr: SocketAddr,
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    watcher: Option<watch::Watcher>,
    owner_file: Option<PathBuf>,
}

impl Server {
    /// Prepares the index (building it from the corpus if there is none; with `watch`, taking
    /// the writer lock and catching up with the folder) and binds the address.
    pub async fn bind(config: ServeConfig) -> Result<Server> {
        // Before indexing, which can take a while: a bad password file should fail at once.
        let auth = match &config.password_file {
            Some(path) => Some(Arc::new(auth::Gate::from_file(path)?)),
            None => None,
        };
        let opts = SyncOptions {
            root: Some(config.corpus.clone()),
            rebuild: false,
        };
        let dir = config.index.clone();
        let (indexer, corpus) = if let Some(target) = config.engine.clone() {
            tracing::info!("answering from {}", target.describe());
            (None, Corpus::remote(target))
        } else if config.watch {
            let (indexer, summary) = blocking(move || {
                let mut indexer = Indexer::open(&dir, &opts)?;
                let summary = indexer.sync(&mut |_| {})?;
                Ok((indexer, summary))
            })
            .await?;
            log_sync(&summary);
            let dir = config.index.clone();
            let corpus = blocking(move || Corpus::open(&dir)).await?;
            (Some(indexer), corpus)
        } else {
            let missing = Missing::Build(config.corpus.clone());
            let corpus = blocking(move || {
                Corpus::open_or_build(&dir, &missing, &mut |dir, build| {
                    tracing::info!(
                        "{} at {}: indexing {}",
                        build.why,
                        dir.display(),
                        opts.root.as_deref().unwrap_or(Path::new("")).display()
                    );
                    let summary = index::sync(dir, &opts, &mut |_| {})?;
                    log_sync(&summary);
                    Ok(summary)
                })
            })
            .await?;
            (None, corpus)
        };
        let corpus = Arc::new(corpus);
        // Unquoted runs of three or more characters are segmented by jieba with the folder's
        // words: load them now, so that the first such search does not wait for them.
        let warm = Arc::clone(&corpus);
        tokio::task::spawn_blocking(move || drop(warm.vocabulary().get().jieba()));
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|e| Error::io(format!("listening on {}", config.addr), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("reading the bound address", e))?;
        if auth.is_none() && !addr.ip().is_loopback() {
            tracing::warn!(
                "listening on {addr} without --password-file: anyone who can reach this address \
                 can read every report in {}; consider --password-file FILE (see SECURITY.md)",
                config.corpus.display()
            );
        }
        let mut owner_file = None;
        let watcher = match indexer {
            Some(indexer) => {
                let path = config.index.join(OWNER_FILE);
                let owner = format!(
                    "zhsearch serve --watch, pid {}, http://{addr}",
                    std::process::id()
                );
                std::fs::write(&path, &owner)
                    .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
                owner_file = Some(path);
                Some(watch::Watcher::start(
                    indexer,
                    Arc::clone(&corpus),
                    config.push.clone(),
                )?)
            }
            None => None,
        };
        Ok(Server {
            addr,
            listener,
            state: Arc::new(AppState {
                corpus,
                searches: Arc::new(Semaphore::new(concurrent_searches())),
                budget: config.budget,
                auth,
            }),
            watcher,
            owner_file,
        })
    }

    /// The address the server listens on (with the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` completes, then stops watching and releases the index.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        tracing::info!("listening on http://{}", self.addr);
        serve::serve(self.listener, routes::routes(self.state), shutdown).await;
        if let Some(w) = self.watcher {
            w.stop();
        }
        if let Some(path) = self.owner_file {
            let _ = std::fs::remove_file(path);
        }
        tracing::info!("stopped");
    }
}

fn log_sync(s: &index::SyncSummary) {
    log_summary(s);
    for skipped in &s.skipped {
        tracing::warn!("skipped {}: {}", skipped.path, skipped.reason);
    }
}

/// The one line that says what a sync did.
fn log_summary(s: &index::SyncSummary) {
    tracing::info!(
        "indexed {}: {} added, {} updated, {} removed, {} renamed, {} skipped; {} reports",
        s.root.display(),
        s.added,
        s.updated,
        s.removed,
        s.renamed,
        s.skipped.len(),
        s.docs
    );
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::io("background task", std::io::Error::other(e.to_string())))?
}
