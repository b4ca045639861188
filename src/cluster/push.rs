//! Sending the knowledge base to a cluster, and on later runs only what changed.
//!
//! The ledger of what each cluster holds lives in the local index's commit payload
//! ([`crate::index::Pushes`]): the generation of the last commit a target has every report
//! of, the number of its last push, and the paths removed since. A push
//! 1. recreates the cluster index when the ledger does not know the target or the index
//!    was made with another mapping (and sends everything);
//! 2. records in the ledger that push `n` has started;
//! 3. sends every report written after the target's generation, tagged with `n`, and a
//!    tombstone tagged `n` for every path removed since; the engine shows only the
//!    newest version of a path, and no path whose newest is a tombstone;
//! 4. asks the cluster to delete the older versions of those paths (delete tasks are
//!    applied later, by the cluster);
//! 5. records the new generation and `n` as done.
//!
//! A push killed at any point leaves the ledger at the last completed push: the next one
//! sends the same reports again (and whatever changed since) under a higher number, so what
//! the killed push sent is superseded and deleted with the rest.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use super::mapping::{self, ClusterReport};
use super::{Client, Target};
use crate::error::Result;
use crate::index::{Indexer, Pushed};
use crate::search::LocalEngine;

/// Most bytes of reports sent in one request (Quickwit takes up to 10 MB by default).
const BATCH_BYTES: usize = 8 << 20;
/// Largest document sent; a report whose document is larger (text of several MB) is named
/// and left out.
const MAX_DOCUMENT_BYTES: usize = 9 << 20;
/// How long a push waits for what it sent to become searchable (the cluster commits on its
/// own timer, 5 s by the index's configuration).
const SEARCHABLE_PATIENCE: Duration = Duration::from_secs(120);
/// Report ids per delete task.
const IDS_PER_DELETE: usize = 500;

/// What a push is doing, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub enum PushProgress {
    /// About to send this many reports (and tombstones for removed ones).
    Planned {
        /// Reports to send.
        reports: u64,
        /// Whether the cluster index is new (everything is sent).
        full: bool,
    },
    /// This many more reports were sent.
    Sent(u64),
}

/// What a push did.
#[derive(Debug, Clone)]
pub struct PushSummary {
    /// The cluster index, as the user would name it.
    pub target: String,
    /// Whether everything was sent (new or recreated cluster index).
    pub full: bool,
    /// Reports sent.
    pub sent: u64,
    /// Removed reports whose removal was sent.
    pub removed: u64,
    /// Bytes of report text sent.
    pub text_bytes: u64,
    /// The push's number.
    pub push: u64,
    /// Reports left out because their document is larger than a request may be: path and
    /// bytes.
    pub too_large: Vec<(String, usize)>,
    /// Time taken.
    pub elapsed: Duration,
}

/// Pushes what the index of `indexer` holds to `target`, holding its writer lock throughout.
pub fn push(
    indexer: &mut Indexer,
    target: &Target,
    progress: &mut dyn FnMut(PushProgress),
) -> Result<PushSummary> {
    let started = Instant::now();
    let client = Client::new(target.clone());
    let key = target.url();
    let marker = mapping::marker();
    let dir = indexer.dir().to_path_buf();
    let info = indexer
        .index()
        .info()?
        .ok_or_else(|| crate::Error::NoIndex(dir.clone()))?;
    let known = info.pushes.targets.get(&key).cloned();
    let metadata = client.index_metadata()?;
    let current = metadata.as_ref().is_some_and(mapping::is_current);
    let mut uid = metadata.as_ref().map(index_uid).unwrap_or_default();
    let last = known
        .as_ref()
        .map_or(0, |k| k.seq.max(k.pending.unwrap_or(0)));
    let seq = last + 1;
    // Only the very index the ledger describes gets what changed since: one made again (by
    // another push, another machine, a push killed while making it) gets everything.
    let since = known
        .as_ref()
        .filter(|k| current && k.mapping == marker && !uid.is_empty() && k.index_uid == uid)
        .map(|k| k.generation);
    let full = since.is_none();
    if full {
        if let Some(metadata) = &metadata {
            // Never someone else's index.
            if !mapping::made_by_zhsearch(metadata) {
                return Err(crate::Error::Option(format!(
                    "{} exists and was not made by zhsearch: push into another index (--index-id NAME)",
                    target.describe()
                )));
            }
            client.delete_index()?;
        }
        client.create_index(&mapping::index_config(target.index()))?;
        uid = client
            .index_metadata()?
            .as_ref()
            .map(index_uid)
            .unwrap_or_default();
    }
    let gone = since.map(|g| info.pushes.gone_since(g)).unwrap_or_default();
    // From here on a killed push is taken back by the next one.
    indexer.record(|i| {
        i.pushes.targets.insert(
            key.clone(),
            Pushed {
                generation: since.unwrap_or(0),
                seq: known.as_ref().map_or(0, |k| k.seq),
                pending: Some(seq),
                mapping: marker.clone(),
                index_uid: uid.clone(),
            },
        );
    })?;

    let engine = LocalEngine::open(&dir)?;
    let reports = engine.count_since(since)?;
    progress(PushProgress::Planned { reports, full });
    let mut summary = PushSummary {
        target: target.describe(),
        full,
        sent: 0,
        removed: 0,
        text_bytes: 0,
        push: seq,
        too_large: Vec::new(),
        elapsed: Duration::ZERO,
    };
    let mut batch = Batch::default();
    // The paths whose older versions the cluster must drop (none on a new index).
    let mut sent_paths: HashSet<String> = HashSet::new();
    engine.export_each(true, since, &mut |record| {
        let doc = mapping::document(&ClusterReport { record: &record }, seq).to_string();
        if doc.len() > MAX_DOCUMENT_BYTES {
            // More than the cluster takes in one request: named, and left out.
            summary
                .too_large
                .push((record.report.path.clone(), doc.len()));
            return Ok(());
        }
        if batch.bytes.len() + doc.len() > BATCH_BYTES {
            batch.send(&client, false)?;
            progress(PushProgress::Sent(batch.take_unreported()));
        }
        summary.text_bytes += record.text.as_ref().map_or(0, |t| t.len() as u64);
        batch.add(doc);
        if !full {
            sent_paths.insert(record.report.path);
        }
        summary.sent += 1;
        Ok(())
    })?;
    // A path removed and written again since the last push is a report, not a removal.
    for path in gone {
        if !sent_paths.contains(&path) {
            batch.add(mapping::tombstone(&path, seq).to_string());
            summary.removed += 1;
            sent_paths.insert(path);
        }
    }
    if batch.docs > 0 {
        batch.send(&client, true)?;
    }
    progress(PushProgress::Sent(batch.take_unreported()));
    // Done means searchable: batches committed by the cluster's own timer, on other shards
    // than the last one, may still be on their way.
    let expected = summary.sent + summary.removed;
    let waited = Instant::now();
    loop {
        let searchable = client.count(&serde_json::json!({"term": {"push": seq}}))?;
        if searchable >= expected {
            break;
        }
        if waited.elapsed() > SEARCHABLE_PATIENCE {
            return Err(crate::Error::Unreachable {
                engine: target.describe(),
                reason: format!(
                    "it took the reports but made only {searchable} of {expected} searchable in {} s; the next push sends them again",
                    SEARCHABLE_PATIENCE.as_secs()
                ),
            });
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    // The versions this push superseded (and whatever a killed push sent) go later.
    let mut sent_ids: Vec<String> = sent_paths
        .iter()
        .map(|p| crate::index::schema::report_id(p))
        .collect();
    sent_ids.sort_unstable();
    for ids in sent_ids.chunks(IDS_PER_DELETE) {
        client.delete_matching(&format!("id:IN [{}] AND push:<{seq}", ids.join(" ")))?;
    }
    indexer.record(|i| {
        i.pushes.targets.insert(
            key.clone(),
            Pushed {
                generation: info.generation,
                seq,
                pending: None,
                mapping: marker.clone(),
                index_uid: uid.clone(),
            },
        );
        // Forget the removals every target now has.
        i.pushes.record_gone(Vec::new(), i.generation);
    })?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// Documents waiting to be sent, as NDJSON.
#[derive(Default)]
struct Batch {
    bytes: String,
    docs: usize,
    /// Reports added since the last progress report.
    unreported: u64,
}

impl Batch {
    fn add(&mut self, doc: String) {
        self.bytes.push_str(&doc);
        self.bytes.push('\n');
        self.docs += 1;
        self.unreported += 1;
    }

    /// Sends the batch (committing when `commit`).
    fn send(&mut self, client: &Client, commit: bool) -> Result<()> {
        client.ingest(std::mem::take(&mut self.bytes), self.docs, commit)?;
        self.docs = 0;
        Ok(())
    }

    /// Documents added since the last call.
    fn take_unreported(&mut self) -> u64 {
        std::mem::take(&mut self.unreported)
    }
}

/// The id Quickwit gave an index when it was made (`name:ULID`): a new one each time the
/// index is made again.
fn index_uid(metadata: &serde_json::Value) -> String {
    metadata
        .get("index_uid")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
        .to_string()
}
