//! Bringing the index in line with its folder: one scan, one diff, one commit.
//!
//! Unchanged files (same size and mtime) are not read. Changed files are read and hashed: same
//! hash means only the mtime moved; a new path whose hash belongs to a vanished path is a rename.
//! Every indexed version of a file that is read again, or gone, is deleted by one query issued
//! before the new versions are added; a file that cannot be read now is named in the summary
//! and left out until it can. Everything lands in a single commit, so a killed run leaves the
//! previous commit intact and the next run does the whole job again.
//!
//! An [`Indexer`] that syncs again and again (the web server's watcher) remembers the files it
//! could not index and does not read them again until they change (size, mtime or, on Unix,
//! status-change time: a `chmod` that makes a file readable counts); they stay named among the
//! skipped files of every summary, with the reason found when they were read.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tantivy::directory::error::LockError;
use tantivy::schema::document::Document;
use tantivy::{IndexWriter, TantivyDocument, TantivyError};

use super::open::{exists, IndexInfo, ReportIndex, FORMAT_VERSION};
use super::schema::{alias_value, names};
use crate::analysis::{analysis_config, normalize};
use crate::error::{Error, Result};
use crate::ingest::{self, FileEntry, Report, Skipped};
use crate::knowledge::{self, Extractor, Facet, Knowledge};
use crate::vocabulary::{FolderVocabulary, Vocabulary};
use rayon::prelude::*;

/// Memory budget of the index writer. It indexes on one thread: a second one on two cores
/// doubled the segments (each with its own term dictionaries, and with every other report, so
/// its store compressed worse) for an index 4% larger, and the extraction's threads keep the
/// other core busy (see `MAX_WAITING`).
const WRITER_MEMORY: usize = 160 << 20;

/// Options of [`sync`].
#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    /// Folder to index; `None` means the folder the index was built from.
    pub root: Option<PathBuf>,
    /// Reindex every file, whatever the index holds.
    pub rebuild: bool,
}

/// What [`sync`] did.
#[derive(Debug, Clone, Default)]
pub struct SyncSummary {
    /// The indexed folder, absolute.
    pub root: PathBuf,
    /// New reports.
    pub added: usize,
    /// Reports whose content changed.
    pub updated: usize,
    /// Reports whose file is gone (or no longer readable).
    pub removed: usize,
    /// Reports that moved to another path.
    pub renamed: usize,
    /// Reports left as they were.
    pub unchanged: usize,
    /// Files that could not be indexed, with the reason.
    pub skipped: Vec<Skipped>,
    /// Of `skipped`, the files not read again because they have not changed since an earlier
    /// sync of the same [`Indexer`] could not index them (their reason is the one found then).
    pub skipped_unchanged: usize,
    /// Of `skipped`, the paths of the files this sync read and could not index (the others
    /// were left out by the scan, or not read again).
    pub skipped_read: Vec<String>,
    /// Files read (and decoded) by this sync.
    pub read: usize,
    /// Why the whole index was rebuilt, if it was.
    pub rebuilt: Option<String>,
    /// Documents in the index afterwards.
    pub docs: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Lines of the folder's vocabulary files that were rejected (each says why).
    pub vocabulary_rejected: Vec<crate::vocabulary::Rejected>,
}

/// Progress callback events.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// The folder was scanned; `to_read` files need reading.
    Planned {
        /// Files that will be read.
        to_read: usize,
    },
    /// One more file was read and handed to the indexer.
    Read,
}

/// A file that could not be indexed, as it was when it was read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SkipMemo {
    size: u64,
    mtime: u64,
    changed: u64,
    reason: String,
}

/// The fingerprint of an indexed file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Known {
    size: u64,
    mtime: u64,
    hash: u64,
}

fn lock_error(dir: &Path, err: TantivyError) -> Error {
    match err {
        TantivyError::LockFailure(LockError::LockBusy, _) => {
            let lock = dir.join(".tantivy-writer.lock");
            let owner = std::fs::read_to_string(dir.join(OWNER_FILE)).unwrap_or_default();
            Error::Locked(if owner.trim().is_empty() {
                format!(
                    "another process is writing to the index at {} (it holds {}); try again when it is done",
                    dir.display(),
                    lock.display()
                )
            } else {
                format!(
                    "the index at {} is owned by a running server ({}), which indexes changes itself; it holds {}",
                    dir.display(),
                    owner.trim(),
                    lock.display()
                )
            })
        }
        other => Error::Index(other),
    }
}

/// Reads the fingerprints of every live document.
fn known_files(index: &ReportIndex) -> Result<HashMap<String, Known>> {
    let reader = index.index.reader()?;
    let searcher = reader.searcher();
    let mut known = HashMap::new();
    for segment in searcher.segment_readers() {
        let fast = segment.fast_fields();
        let size = fast.u64(names::SIZE)?;
        let mtime = fast.u64(names::MTIME)?;
        let hash = fast.u64(names::HASH)?;
        for (doc, path) in super::segment_paths(segment, segment.doc_ids_alive())? {
            known.insert(
                path,
                Known {
                    size: size.first(doc).unwrap_or(0),
                    mtime: mtime.first(doc).unwrap_or(0),
                    hash: hash.first(doc).unwrap_or(0),
                },
            );
        }
    }
    Ok(known)
}

/// Reads, decodes and extracts one file: its hash (0 when unreadable) and its document, or
/// why it cannot be indexed.
fn prepare(
    index: &ReportIndex,
    extractor: &Extractor,
    readers: &ingest::Readers,
    root: &Path,
    file: &FileEntry,
) -> (u64, std::result::Result<TantivyDocument, String>) {
    let bytes = match ingest::read(root, &file.path) {
        Ok(b) => b,
        Err(e) => return (0, Err(e.to_string())),
    };
    let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
    let report = match Report::from_owned(&file.path, bytes, readers) {
        Ok(r) => r,
        Err(reason) => return (hash, Err(reason.to_string())),
    };
    // Normalized once: the index's character and bigram fields and the fingerprint read it.
    let body = normalize(&report.text);
    let knowledge = extractor.extract_normalized(&report.title, &report.text, &body);
    (
        hash,
        Ok(to_document(index, &report, &body, &knowledge, file, hash)),
    )
}

/// The tantivy document for a report whose normalized text is `body`.
fn to_document(
    index: &ReportIndex,
    report: &Report,
    body: &str,
    knowledge: &Knowledge,
    file: &FileEntry,
    hash: u64,
) -> TantivyDocument {
    let f = &index.fields;
    let mut doc = TantivyDocument::default();
    doc.add_text(f.path, &report.path);
    doc.add_text(f.title, &report.title);
    doc.add_text(f.text, &report.text);
    for heading in &report.headings {
        doc.add_text(f.headings, heading);
    }
    doc.add_text(f.encoding, report.encoding);
    doc.add_text(f.format, report.format.name());
    if let Some(date) = report.date {
        doc.add_i64(f.date, date.key());
    }
    doc.add_u64(f.size, file.size);
    doc.add_u64(f.mtime, file.mtime);
    doc.add_u64(f.hash, hash);
    let title = normalize(&report.title);
    doc.add_text(f.title_char, &title);
    doc.add_text(f.body_gram, body);
    doc.add_text(f.body_char, body);
    let k = knowledge;
    doc.add_text(f.kind, k.kind.label());
    // Entities are counted and filtered under their canonical names; the names as written
    // that differ are kept beside them, with the canonical name itself where it was written
    // too (an entity page counts the reports of each name).
    let e = &k.canonical.apply(&k.entities);
    for facet in Facet::ENTITIES {
        let Some(map) = k.canonical.of_type(facet) else {
            continue;
        };
        let written = k.entities.of(facet);
        let mut also_itself: Vec<&str> = Vec::new();
        for (name, canonical) in map {
            doc.add_text(f.alias, alias_value(facet, canonical, name));
            if written.contains(canonical) && !also_itself.contains(&canonical.as_str()) {
                also_itself.push(canonical);
            }
        }
        for canonical in also_itself {
            doc.add_text(f.alias, alias_value(facet, canonical, canonical));
        }
    }
    for (field, values) in [
        (f.person, &e.person),
        (f.place, &e.place),
        (f.org, &e.org),
        (f.keyword, &k.keywords),
    ] {
        for value in values {
            doc.add_text(field, value);
        }
    }
    if !k.signature.is_empty() {
        doc.add_bytes(f.fingerprint, &k.signature);
    }
    doc
}

/// Reports prepared at once on all cores before their documents go to the writer.
const BATCH: usize = 256;

/// Documents the writer may have waiting before the next batch is prepared on one thread only:
/// enough that the writer does not run dry while that thread prepares it.
const MAX_WAITING: usize = 4 * BATCH;

/// A document handed to the writer, counted in `indexed` once the writer has taken it in (it
/// drops each document after indexing and storing it): how far the writer lags is the number
/// queued minus that count.
struct Queued {
    doc: TantivyDocument,
    indexed: Arc<AtomicUsize>,
}

impl Queued {
    fn new(doc: TantivyDocument, indexed: &Arc<AtomicUsize>) -> Queued {
        Queued {
            doc,
            indexed: Arc::clone(indexed),
        }
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        self.indexed.fetch_add(1, Ordering::Relaxed);
    }
}

impl Document for Queued {
    type Value<'a> = <TantivyDocument as Document>::Value<'a>;
    type FieldsValuesIter<'a> = <TantivyDocument as Document>::FieldsValuesIter<'a>;

    fn iter_fields_and_values(&self) -> Self::FieldsValuesIter<'_> {
        self.doc.iter_fields_and_values()
    }
}

/// Opens the index for writing, deciding whether it must be rebuilt and why.
fn open_for_sync(dir: &Path, opts: &SyncOptions) -> Result<(ReportIndex, PathBuf, Option<String>)> {
    let given_root = match &opts.root {
        Some(root) => Some(std::fs::canonicalize(root).map_err(|e| Error::Folder {
            path: root.clone(),
            reason: e.to_string(),
        })?),
        None => None,
    };
    let (index, info, mut rebuild) = if exists(dir) {
        match ReportIndex::open(dir) {
            Ok(index) => {
                let info = index.info()?;
                (Some(index), info, None)
            }
            // Another layout: rebuilt, from the folder it recorded unless another is given.
            Err(Error::IndexFormat(_)) => (
                None,
                super::open::recorded_info(dir)?,
                Some("index format changed".to_string()),
            ),
            Err(e) => return Err(e),
        }
    } else {
        (None, None, None)
    };
    let root = given_root
        .or_else(|| info.as_ref().map(|i| i.root.clone()))
        .ok_or_else(|| Error::Folder {
            path: dir.to_path_buf(),
            reason: "this index has no folder yet: give one, as in `zhsearch index DIR`".into(),
        })?;
    if rebuild.is_none() && index.is_some() {
        rebuild = match &info {
            _ if opts.rebuild => Some("--rebuild".to_string()),
            None => Some("index was not made by zhsearch".to_string()),
            Some(i) => i.stale().map(str::to_string).or_else(|| {
                (i.root != root).then(|| format!("folder changed from {}", i.root.display()))
            }),
        };
    }
    let index = match index {
        Some(index) => index,
        None => ReportIndex::create(dir)?,
    };
    Ok((index, root, rebuild))
}

/// Name of the file a long-running writer (the web server) leaves in the index folder, so that
/// another writer can say who holds the lock.
pub const OWNER_FILE: &str = "zhsearch-owner.json";

/// An index opened for writing: holds the writer lock until dropped.
pub struct Indexer {
    index: ReportIndex,
    writer: IndexWriter<Queued>,
    /// Documents the writer has taken in (or dropped), counted by [`Queued`].
    indexed: Arc<AtomicUsize>,
    /// Documents handed to the writer.
    queued: usize,
    root: PathBuf,
    /// Why the next sync must rebuild, if it must.
    rebuild: Option<String>,
    /// The index folder.
    dir: PathBuf,
    /// The reader workers of this indexer: idle ones wait for its next files.
    readers: ingest::Readers,
    /// The folder's vocabulary, read again when its files change.
    vocabulary: FolderVocabulary,
    /// Built the first time a report is read, with the folder's vocabulary of that time.
    extractor: Option<(Arc<Vocabulary>, Extractor)>,
    /// Files that could not be indexed, by path: not read again until they change.
    unreadable: HashMap<String, SkipMemo>,
}

impl Indexer {
    /// Opens (or creates) the index at `dir` for writing and takes its writer lock.
    pub fn open(dir: &Path, opts: &SyncOptions) -> Result<Indexer> {
        let (index, root, rebuild) = open_for_sync(dir, opts)?;
        let writer: IndexWriter<Queued> = index
            .index
            .writer_with_num_threads(1, WRITER_MEMORY)
            .map_err(|e| lock_error(dir, e))?;
        // Files a killed or failed run left behind (half-written segments) belong to no
        // commit: remove them before writing more, so that space freed is space usable.
        // Holding the writer lock, nothing else is writing them.
        match super::open::remove_uncommitted_files(dir) {
            Ok(0) => {}
            Ok(bytes) => tracing::info!(
                "removed {:.1} MB of unfinished files from {}",
                bytes as f64 / 1e6,
                dir.display()
            ),
            Err(e) => tracing::warn!("removing unfinished files from {}: {e}", dir.display()),
        }
        Ok(Indexer {
            index,
            writer,
            indexed: Arc::new(AtomicUsize::new(0)),
            queued: 0,
            root: root.clone(),
            rebuild,
            dir: dir.to_path_buf(),
            readers: ingest::Readers::new(),
            vocabulary: FolderVocabulary::new(Some(root.clone())),
            extractor: None,
            unreadable: HashMap::new(),
        })
    }

    /// The index being written.
    pub fn index(&self) -> &ReportIndex {
        &self.index
    }

    /// The index folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The indexed folder, absolute.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The files earlier syncs could not index and that are not read again until they change,
    /// with the reason.
    pub fn unreadable(&self) -> impl Iterator<Item = Skipped> + '_ {
        self.unreadable.iter().map(|(path, memo)| Skipped {
            path: path.clone(),
            reason: memo.reason.clone(),
        })
    }

    /// Brings the index in line with the folder: one scan, one diff, one commit (none if
    /// nothing changed).
    pub fn sync(&mut self, progress: &mut dyn FnMut(Progress)) -> Result<SyncSummary> {
        let rebuild = self.rebuild.clone();
        let result = self.sync_once(progress);
        if let Err(err) = result {
            // Drop whatever this attempt added, so a later attempt starts from the last
            // commit, and remove the files it wrote: after a full disk, the space it took is
            // given back at once.
            if let Err(e) = self.writer.rollback() {
                tracing::warn!("rolling back a failed sync: {e}");
            }
            if let Err(e) = super::open::remove_uncommitted_files(&self.dir) {
                tracing::warn!("removing the files of a failed sync: {e}");
            }
            // A rebuild that failed is still owed.
            self.rebuild = rebuild;
            return Err(explain_write_failure(&self.dir, err));
        }
        result
    }

    fn sync_once(&mut self, progress: &mut dyn FnMut(Progress)) -> Result<SyncSummary> {
        let started = Instant::now();
        let root = self.root.clone();
        // A dictionary edited since the last commit changes what the extractor reads, and
        // aliases the names it stores: every report is read again (synonyms only change
        // queries).
        let vocabulary = self.vocabulary.get();
        let knowledge_version = knowledge::version_for(&vocabulary);
        if self.rebuild.is_none() {
            let recorded = self.index.info()?.map(|i| i.knowledge);
            if let Some(recorded) = recorded.filter(|k| *k != knowledge_version) {
                self.rebuild = Some(if recorded.starts_with(&knowledge::version()) {
                    knowledge::folder_change(&recorded, &knowledge_version).to_string()
                } else {
                    "knowledge extraction changed".to_string()
                });
            }
        }
        let rebuild = self.rebuild.take();
        if rebuild.is_some() {
            // Everything is read again.
            self.unreadable.clear();
        }
        let index = &self.index;
        let readers = &self.readers;
        let writer = &mut self.writer;
        let indexed = Arc::clone(&self.indexed);
        let queued = &mut self.queued;
        let mut known = if rebuild.is_some() {
            writer.delete_all_documents()?;
            HashMap::new()
        } else {
            known_files(index)?
        };
        let (mut files, skipped) = ingest::scan(&root)?;
        // The folder's vocabulary files are not reports.
        files.retain(|f| !vocabulary.own_files().contains(&f.path));
        let mut summary = SyncSummary {
            root: root.clone(),
            skipped,
            rebuilt: rebuild.clone(),
            ..SyncSummary::default()
        };

        let on_disk: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
        let unreadable = &mut self.unreadable;
        unreadable.retain(|path, _| on_disk.contains(path.as_str()));
        let mut vanished_by_hash: HashMap<u64, Vec<String>> = HashMap::new();
        for (path, k) in &known {
            if !on_disk.contains(path.as_str()) {
                vanished_by_hash
                    .entry(k.hash)
                    .or_default()
                    .push(path.clone());
            }
        }
        let to_read: Vec<&FileEntry> = files
            .iter()
            .filter(|f| {
                let same = known
                    .get(&f.path)
                    .is_some_and(|k| k.size == f.size && k.mtime == f.mtime);
                if same {
                    summary.unchanged += 1;
                    return false;
                }
                // Not indexed, and could not be when it was read as it still is: said again,
                // not read again.
                let memo = unreadable
                    .get(&f.path)
                    .filter(|m| m.size == f.size && m.mtime == f.mtime && m.changed == f.changed);
                if let Some(memo) = memo {
                    summary.skipped.push(Skipped {
                        path: f.path.clone(),
                        reason: memo.reason.clone(),
                    });
                    summary.skipped_unchanged += 1;
                    return false;
                }
                true
            })
            .collect();
        summary.read = to_read.len();
        progress(Progress::Planned {
            to_read: to_read.len(),
        });

        // Every indexed version of a file about to be read, or gone from the folder, goes in
        // one delete issued before any new document, so it never touches the new versions.
        let stale: HashSet<String> = to_read
            .iter()
            .map(|f| f.path.as_str())
            .chain(
                known
                    .keys()
                    .map(String::as_str)
                    .filter(|p| !on_disk.contains(p)),
            )
            .filter(|p| known.contains_key(*p))
            .map(str::to_string)
            .collect();
        // What this commit will be (the reports it writes record it), and the push ledger it
        // carries on: a rebuild starts a new one, so every cluster gets everything again.
        let previous = if rebuild.is_some() {
            None
        } else {
            index.info()?
        };
        let generation = previous.as_ref().map_or(0, |i| i.generation) + 1;
        let mut pushes = previous.map(|i| i.pushes).unwrap_or_default();
        // A cluster that holds one of these files and gets no new version of it must drop it.
        let pushed_stale: Vec<String> = if pushes.targets.is_empty() {
            Vec::new()
        } else {
            stale.iter().cloned().collect()
        };
        let mut written: HashSet<String> = HashSet::new();
        let mut changed = !stale.is_empty();
        if changed {
            writer.delete_query(Box::new(super::paths_query(stale)))?;
        }
        // Reading, decoding and extraction run on every core, a batch at a time (so memory
        // stays bounded); the bookkeeping below stays in file order. The writer's own thread
        // indexes each batch while the next one is prepared.
        let extractor = match &self.extractor {
            Some((v, extractor)) if Arc::ptr_eq(v, &vocabulary) => extractor,
            _ => {
                let extractor = Extractor::new(vocabulary.jieba(), vocabulary.aliases());
                &self
                    .extractor
                    .insert((Arc::clone(&vocabulary), extractor))
                    .1
            }
        };
        for batch in to_read.chunks(BATCH) {
            // The writer indexes on one thread. While it has more than `MAX_WAITING` documents
            // waiting (more than it indexes while this thread prepares a batch), the next batch
            // is prepared on this thread alone, so that the writer keeps a core to itself
            // instead of falling behind (and finishing alone at the end).
            let waiting = *queued - indexed.load(Ordering::Relaxed).min(*queued);
            let prepare = |file: &&FileEntry| prepare(index, extractor, readers, &root, file);
            let prepared: Vec<(u64, std::result::Result<TantivyDocument, String>)> =
                if waiting > MAX_WAITING {
                    batch.iter().map(prepare).collect()
                } else {
                    batch.par_iter().map(prepare).collect()
                };
            for (file, (hash, prepared)) in batch.iter().zip(prepared) {
                progress(Progress::Read);
                let previous = known.remove(&file.path);
                let mut doc = match prepared {
                    Ok(doc) => {
                        unreadable.remove(&file.path);
                        doc
                    }
                    Err(reason) => {
                        unreadable.insert(
                            file.path.clone(),
                            SkipMemo {
                                size: file.size,
                                mtime: file.mtime,
                                // Taken by the scan, before the read: a change during the
                                // read is a change after it.
                                changed: file.changed,
                                reason: reason.clone(),
                            },
                        );
                        summary.skipped_read.push(file.path.clone());
                        summary.skipped.push(Skipped {
                            path: file.path.clone(),
                            reason,
                        });
                        if previous.is_some() {
                            summary.removed += 1;
                        }
                        continue;
                    }
                };
                match previous {
                    Some(k) if k.hash == hash => summary.unchanged += 1,
                    Some(_) => summary.updated += 1,
                    None => {
                        let moved_from = vanished_by_hash.get_mut(&hash).and_then(Vec::pop);
                        if let Some(old) = moved_from {
                            known.remove(&old);
                            summary.renamed += 1;
                        } else {
                            summary.added += 1;
                        }
                    }
                }
                doc.add_u64(index.fields.generation, generation);
                writer.add_document(Queued::new(doc, &indexed))?;
                if !pushed_stale.is_empty() {
                    written.insert(file.path.clone());
                }
                *queued += 1;
                changed = true;
            }
        }
        pushes.record_gone(
            pushed_stale.into_iter().filter(|p| !written.contains(p)),
            generation,
        );
        summary.removed += known
            .keys()
            .filter(|p| !on_disk.contains(p.as_str()))
            .count();

        let info = index.info()?;
        let needs_commit = changed || rebuild.is_some() || info.is_none();
        if needs_commit {
            let info = IndexInfo {
                format: FORMAT_VERSION,
                analysis: analysis_config(),
                knowledge: knowledge_version.clone(),
                root: root.clone(),
                updated: SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs()),
                generation,
                pushes,
            };
            let payload = serde_json::to_string(&info)
                .map_err(|e| Error::io("recording index metadata", e.into()))?;
            let mut commit = writer.prepare_commit()?;
            commit.set_payload(&payload);
            commit.commit()?;
        }
        summary.docs = index.index.reader()?.searcher().num_docs();
        summary.vocabulary_rejected = vocabulary.loaded().rejected.clone();
        summary.elapsed = started.elapsed();
        Ok(summary)
    }

    /// Commits no report, only a change to what the index records of itself (the push
    /// ledger): `update` gets the last commit's record. The index must have one.
    pub fn record(&mut self, update: impl FnOnce(&mut IndexInfo)) -> Result<IndexInfo> {
        let mut info = self
            .index
            .info()?
            .ok_or_else(|| Error::NoIndex(self.dir.clone()))?;
        update(&mut info);
        let payload = serde_json::to_string(&info)
            .map_err(|e| Error::io("recording index metadata", e.into()))?;
        let mut commit = self.writer.prepare_commit()?;
        commit.set_payload(&payload);
        commit.commit()?;
        Ok(info)
    }

    /// Waits for background merges and releases the writer lock.
    pub fn finish(self) -> Result<()> {
        self.writer.wait_merging_threads()?;
        Ok(())
    }
}

/// Whether an I/O error is the file system saying it is full.
fn is_full(io: &std::io::Error) -> bool {
    io.kind() == std::io::ErrorKind::StorageFull || io.raw_os_error() == Some(libc::ENOSPC)
}

/// Whether an error is a full disk, by its kind: an I/O error of ours or tantivy's.
fn says_disk_full(err: &Error) -> bool {
    use tantivy::directory::error::OpenWriteError;
    use tantivy::TantivyError;
    match err {
        Error::Io { source, .. } => is_full(source),
        Error::Index(TantivyError::IoError(io)) => is_full(io),
        Error::Index(TantivyError::OpenWriteError(OpenWriteError::IoError {
            io_error, ..
        })) => is_full(io_error),
        _ => false,
    }
}

/// Whether tantivy kept the error only as text: a writer or merge thread that failed (which
/// later calls report as "killed"), or an I/O error it turned into an internal error. Its
/// kind is lost; the file system still tells whether it is full.
fn kind_lost(err: &Error) -> bool {
    use tantivy::TantivyError;
    matches!(
        err,
        Error::Index(
            TantivyError::ErrorInThread(_)
                | TantivyError::InternalError(_)
                | TantivyError::Poisoned
                | TantivyError::SystemError(_)
        )
    )
}

/// Bytes available to unprivileged users on the file system holding `dir`.
#[cfg(unix)]
// statvfs's field types differ between platforms (u32 on some): the conversions are not useless
// everywhere.
#[allow(clippy::useless_conversion)]
fn available_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is a NUL-terminated string and `stat` a valid, writable statvfs.
    let rc = unsafe { libc::statvfs(path.as_ptr(), &mut stat) };
    (rc == 0).then(|| u64::from(stat.f_bavail).saturating_mul(u64::from(stat.f_frsize)))
}

#[cfg(not(unix))]
fn available_bytes(_: &Path) -> Option<u64> {
    None
}

/// A failed sync, said once and plainly: a full disk (which tantivy may report only as a
/// killed writer thread) becomes [`Error::DiskFull`]; anything else is passed on.
fn explain_write_failure(dir: &Path, err: Error) -> Error {
    // A writer thread's failure says nothing of its cause: the file system does.
    let nearly_full = || available_bytes(dir).is_some_and(|free| free < (WRITER_MEMORY as u64));
    if says_disk_full(&err) || (kind_lost(&err) && nearly_full()) {
        Error::DiskFull(dir.to_path_buf())
    } else {
        err
    }
}

/// Brings the index at `dir` in line with its folder (creating it if needed), then waits for
/// merges and releases the lock.
pub fn sync(
    dir: &Path,
    opts: &SyncOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<SyncSummary> {
    let mut indexer = Indexer::open(dir, opts)?;
    let summary = indexer.sync(progress)?;
    indexer.finish()?;
    Ok(summary)
}
