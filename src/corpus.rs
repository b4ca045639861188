//! An opened knowledge base: the one value the CLI and the server hold.
//!
//! A [`Corpus`] owns what answering about a folder of reports takes: the [`Engine`] that
//! answers queries (the local tantivy index), the folder's vocabulary ([`FolderVocabulary`]:
//! the bundled lexicon and synonyms plus the folder's `zhsearch.toml`, read when first needed
//! and again when its files change) and the knowledge [`Extractor`] built with that
//! vocabulary, so that a report read here (`zhsearch similar FILE`) gets the knowledge
//! indexing gave it. [`Corpus::open_or_build`] is the one place that decides whether an index
//! is opened as it is, rebuilt, or built from a folder first.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::index::{self, IndexInfo, SyncOptions, SyncSummary};
use crate::ingest::{self, Links, Report};
use crate::knowledge::{Extractor, Facet};
use crate::search::{
    Duplicates, DuplicatesRequest, Engine, EntityView, ExportRecord, FacetCounts, Highlighter,
    IndexStats, LocalEngine, Original, OriginalFile, Overview, Probe, ReportKnowledge, ReportView,
    SearchRequest, SearchResponse, Similar,
};
use crate::vocabulary::{FolderVocabulary, Vocabulary};

/// The folder indexed when there is no index yet and none is named (`./corpus`).
pub const DEFAULT_CORPUS: &str = "corpus";

/// What to do when an index is missing or was made by another build.
#[derive(Debug, Clone)]
pub enum Missing {
    /// Build it from this folder (when there is no index) or from the folder it records (when
    /// it is outdated).
    Build(PathBuf),
    /// A missing index is an error naming it (a mistyped `--index` is not answered from a new
    /// index); an outdated one is still rebuilt from the folder it records.
    Fail,
}

/// Why an index is about to be (re)built, for the caller to say before it happens.
#[derive(Debug, Clone)]
pub struct Build {
    /// The folder to index; `None` for the one the index records.
    pub root: Option<PathBuf>,
    /// Why: `no index yet`, or what changed.
    pub why: String,
    /// True when there was no index at all.
    pub fresh: bool,
}

/// An opened knowledge base. Cheap to share behind an [`Arc`]; every method may block (call
/// them on a blocking pool from async code).
pub struct Corpus {
    dir: PathBuf,
    engine: Arc<dyn Engine>,
    vocabulary: FolderVocabulary,
    /// Built with the vocabulary it names, the first time a report is read here.
    extractor: Mutex<Option<(Arc<Vocabulary>, Extractor)>>,
}

impl std::fmt::Debug for Corpus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Corpus")
            .field("engine", &self.engine.describe())
            .finish_non_exhaustive()
    }
}

impl Corpus {
    /// A knowledge base answered by a cluster index ([`crate::cluster`]): no local index;
    /// queries are read with the bundled vocabulary.
    pub fn remote(target: crate::cluster::Target) -> Corpus {
        Corpus {
            dir: PathBuf::new(),
            engine: Arc::new(crate::cluster::ClusterEngine::new(target)),
            vocabulary: FolderVocabulary::new(None),
            extractor: Mutex::new(None),
        }
    }

    /// Opens the index at `dir` as it is (no build, no rebuild).
    pub fn open(dir: &Path) -> Result<Corpus> {
        let engine = LocalEngine::open(dir)?;
        let root = engine.info()?.map(|i| i.root);
        Ok(Corpus {
            dir: dir.to_path_buf(),
            engine: Arc::new(engine),
            vocabulary: FolderVocabulary::new(root),
            extractor: Mutex::new(None),
        })
    }

    /// Opens the index at `dir`, first building it when there is none (as `missing` says) or
    /// rebuilding it when this build would read its folder otherwise. `build` does the
    /// indexing (the CLI with a progress bar, the server with log lines) and is told why.
    pub fn open_or_build<E: From<Error>>(
        dir: &Path,
        missing: &Missing,
        build: &mut dyn FnMut(&Path, &Build) -> std::result::Result<SyncSummary, E>,
    ) -> std::result::Result<Corpus, E> {
        if let Some(plan) = Corpus::plan(dir, missing)? {
            build(dir, &plan)?;
        }
        Ok(Corpus::open(dir)?)
    }

    /// What [`Corpus::open_or_build`] must build first, if anything.
    fn plan(dir: &Path, missing: &Missing) -> Result<Option<Build>> {
        if !index::open::exists(dir) {
            return match missing {
                Missing::Build(root) if root.is_dir() => Ok(Some(Build {
                    root: Some(root.clone()),
                    why: "no index yet".into(),
                    fresh: true,
                })),
                // No folder to build from either: the same error as when none may be built.
                Missing::Build(_) | Missing::Fail => Err(Error::NoIndex(dir.to_path_buf())),
            };
        }
        Ok(index::open::outdated(dir)?.map(|why| Build {
            root: match missing {
                Missing::Build(root) => Some(root.clone()),
                Missing::Fail => None,
            }
            .filter(|_| !recorded_root(dir)),
            why,
            fresh: false,
        }))
    }

    /// Builds or updates the index at `dir` from `root` (`None`: the folder it records, else
    /// `./corpus`).
    pub fn sync(
        dir: &Path,
        root: Option<PathBuf>,
        rebuild: bool,
        progress: &mut dyn FnMut(index::Progress),
    ) -> Result<SyncSummary> {
        let root = root.or_else(|| (!recorded_root(dir)).then(|| PathBuf::from(DEFAULT_CORPUS)));
        index::sync(dir, &SyncOptions { root, rebuild }, progress)
    }

    /// Brings the index at `dir` up to date with its folder (as [`Corpus::sync`]), then pushes
    /// it to the cluster index `target` ([`crate::cluster::push`]), under one writer lock.
    pub fn push(
        dir: &Path,
        target: &crate::cluster::Target,
        progress: &mut dyn FnMut(crate::cluster::PushProgress),
    ) -> Result<(SyncSummary, crate::cluster::PushSummary)> {
        let root = (!recorded_root(dir)).then(|| PathBuf::from(DEFAULT_CORPUS));
        let mut indexer = index::Indexer::open(
            dir,
            &SyncOptions {
                root,
                rebuild: false,
            },
        )?;
        let synced = indexer.sync(&mut |_| {})?;
        let pushed = crate::cluster::push(&mut indexer, target, progress)?;
        indexer.finish()?;
        Ok((synced, pushed))
    }

    /// Whether the reports' original files can be served (a local index records its folder; a
    /// cluster holds the text only).
    pub fn has_originals(&self) -> bool {
        !self.dir.as_os_str().is_empty()
    }

    /// The index folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What answers the queries.
    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.engine
    }

    /// The folder's vocabulary.
    pub fn vocabulary(&self) -> &FolderVocabulary {
        &self.vocabulary
    }

    /// The knowledge extractor with the folder's vocabulary as it is now (the one indexing
    /// reads the folder with).
    pub fn extractor(&self) -> Extractor {
        let vocabulary = self.vocabulary.get();
        let mut slot = self.extractor.lock().unwrap_or_else(|e| e.into_inner());
        match slot.as_ref() {
            Some((v, extractor)) if Arc::ptr_eq(v, &vocabulary) => extractor.clone(),
            _ => {
                let extractor = Extractor::new(vocabulary.jieba(), vocabulary.aliases());
                *slot = Some((vocabulary, extractor.clone()));
                extractor
            }
        }
    }

    /// What the last update recorded.
    pub fn info(&self) -> Result<Option<IndexInfo>> {
        self.engine.info()
    }

    /// One page of hits.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResponse> {
        self.engine.search(req, &self.vocabulary)
    }

    /// Every matching path, sorted.
    pub fn matching_paths(&self, req: &SearchRequest) -> Result<Vec<String>> {
        self.engine.matching_paths(req, &self.vocabulary)
    }

    /// What highlights a query's matches in any text.
    pub fn highlighter(&self, query: &str) -> Result<Highlighter> {
        self.engine.highlighter(query, &self.vocabulary)
    }

    /// The report with this id.
    pub fn document(&self, id: &str) -> Result<Option<ReportView>> {
        self.engine.document(id)
    }

    /// The overview of the whole knowledge base.
    pub fn overview(&self, top: usize) -> Result<Overview> {
        self.engine.overview(top)
    }

    /// The most frequent values of `facets` over all reports.
    pub fn corpus_facets(&self, facets: &[Facet], top: usize) -> Result<FacetCounts> {
        self.engine.corpus_facets(facets, top)
    }

    /// An entity's page.
    pub fn entity(
        &self,
        facet: Facet,
        name: &str,
        limit: usize,
        offset: usize,
    ) -> Result<EntityView> {
        self.engine
            .entity(facet, name, limit, offset, &self.vocabulary)
    }

    /// Every group of reports sharing most of their text (the copy audit).
    pub fn duplicates(&self, req: &DuplicatesRequest) -> Result<Duplicates> {
        self.engine.duplicate_groups(req)
    }

    /// Every report with its knowledge.
    pub fn export(&self, text: bool) -> Result<Vec<ExportRecord>> {
        self.engine.export(text)
    }

    /// What the index holds.
    pub fn stats(&self) -> Result<IndexStats> {
        self.engine.stats(&self.vocabulary)
    }

    /// Picks up the latest update now.
    pub fn reload(&self) -> Result<()> {
        self.engine.reload()
    }

    /// Near-duplicates and related reports of a report, indexed or not.
    pub fn similar(&self, probe: &Probe) -> Result<Similar> {
        self.engine.similar(probe)
    }

    /// Reports like the indexed report `id` (`None` when the index does not hold it).
    pub fn similar_to(&self, id: &str) -> Result<Option<Similar>> {
        let Some(view) = self.document(id)? else {
            return Ok(None);
        };
        let probe = Probe {
            text: &view.text,
            knowledge: &view.knowledge,
            path: Some(&view.report.path),
        };
        self.similar(&probe).map(Some)
    }

    /// Reports like the file at `path`: the file is read as indexing reads a report, and its
    /// knowledge extracted with the folder's own vocabulary; when it is a report of the indexed
    /// folder, it is itself left out of the answers.
    pub fn similar_file(&self, path: &Path) -> Result<Similar> {
        // A regular file of at most the report limit: never a pipe or a device read without end.
        let bytes = ingest::open_regular(path, ingest::MAX_FILE_BYTES, Links::Follow)
            .and_then(ingest::RegularFile::read_all)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        let report =
            Report::from_bytes(&path.to_string_lossy(), &bytes).map_err(|e| Error::Folder {
                path: path.to_path_buf(),
                reason: format!("cannot read it: {e}"),
            })?;
        let info = self.info()?;
        // Its path in the index, when it lies in the indexed folder.
        let indexed = info.as_ref().and_then(|info| {
            let absolute = std::fs::canonicalize(path).ok()?;
            let relative = absolute.strip_prefix(&info.root).ok()?.to_path_buf();
            let parts: Option<Vec<&str>> = relative.iter().map(|p| p.to_str()).collect();
            Some(parts?.join("/"))
        });
        let extracted = self.extractor().extract(&report.title, &report.text);
        // Compared with the index under canonical names, as the index holds them.
        let knowledge = ReportKnowledge {
            kind: extracted.kind.label().to_string(),
            keywords: extracted.keywords,
            entities: extracted.canonical.apply(&extracted.entities),
        };
        self.similar(&Probe {
            text: &report.text,
            knowledge: &knowledge,
            path: indexed.as_deref(),
        })
    }

    /// The original file of the report with this id, as it is now in the indexed folder,
    /// opened as a regular file of at most [`ingest::MAX_FILE_BYTES`]. Only a path the index
    /// holds is ever opened, under the folder it was built from, never through a symbolic
    /// link, and never a named pipe, a device or a folder (see [`ingest::open_under`]).
    pub fn original(&self, id: &str) -> Result<Original> {
        let Some(report) = self.document(id)? else {
            return Ok(Original::Missing);
        };
        let Some(info) = self.info()? else {
            return Ok(Original::Missing);
        };
        let file = match ingest::open_under(&info.root, &report.report.path, ingest::MAX_FILE_BYTES)
        {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Original::Missing),
            // Whatever is now at the report's path, it was put there, not broken inside.
            Err(e) => return Ok(Original::Refused(format!("{}: {e}", report.report.path))),
        };
        let media_type = report.format.media_type(&report.encoding);
        Ok(Original::Found(OriginalFile {
            path: report.report.path,
            media_type,
            file,
        }))
    }
}

/// Whether the index at `dir` records the folder it was built from.
fn recorded_root(dir: &Path) -> bool {
    index::open::recorded_info(dir).ok().flatten().is_some()
}
