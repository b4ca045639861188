//! The only place an index is opened or created, so tokenizers are always registered.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tantivy::directory::MmapDirectory;
use tantivy::store::{Compressor, ZstdCompressor};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexSettings};

use super::schema::Fields;
use crate::analysis::{CharTokenizer, GramTokenizer, CHAR_TOKENIZER, GRAM_TOKENIZER};
use crate::error::{Error, Result};

/// Version of the on-disk layout (schema and stored metadata). Bump it on any schema change:
/// `zhsearch index` then rebuilds instead of mixing layouts.
pub const FORMAT_VERSION: u32 = 10;

/// What the index records about itself in each commit (tantivy's commit payload, so it is
/// written atomically with the documents it describes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexInfo {
    /// [`FORMAT_VERSION`] at the time of the commit.
    pub format: u32,
    /// [`crate::analysis::analysis_config`] at the time of the commit (`segmenter` in indexes
    /// of earlier layouts, which are rebuilt for their format anyway).
    #[serde(alias = "segmenter")]
    pub analysis: String,
    /// [`crate::knowledge::version`] at the time of the commit: what decided the kinds,
    /// entities, keywords and fingerprints stored (empty in indexes that had none).
    #[serde(default)]
    pub knowledge: String,
    /// The indexed folder, absolute.
    pub root: PathBuf,
    /// Commit time, seconds since the Unix epoch.
    pub updated: u64,
    /// Number of this commit among those that changed reports (each report records the one
    /// that wrote it).
    #[serde(default)]
    pub generation: u64,
    /// What has been pushed to clusters ([`super::pushes`]).
    #[serde(default, skip_serializing_if = "super::Pushes::is_empty")]
    pub pushes: super::Pushes,
}

/// An opened zhsearch index: the tantivy index with tokenizers registered, and its fields.
#[derive(Clone)]
pub struct ReportIndex {
    /// The tantivy index.
    pub index: Index,
    /// Field handles.
    pub fields: Fields,
}

fn settings() -> IndexSettings {
    IndexSettings {
        docstore_compression: Compressor::Zstd(ZstdCompressor {
            compression_level: Some(5),
        }),
        docstore_blocksize: 512 * 1024,
        ..IndexSettings::default()
    }
}

fn register_tokenizers(index: &Index) {
    let manager = index.tokenizers();
    manager.register(GRAM_TOKENIZER, TextAnalyzer::from(GramTokenizer));
    manager.register(CHAR_TOKENIZER, TextAnalyzer::from(CharTokenizer));
}

/// True when `dir` holds a committed index.
pub fn exists(dir: &Path) -> bool {
    dir.join("meta.json").is_file()
}

/// What the last commit of the index in `dir` recorded, read without opening the index as
/// this version's: an index of an earlier layout still names the folder it was built from.
/// `None` when there is no index or its commit says nothing zhsearch wrote.
pub fn recorded_info(dir: &Path) -> Result<Option<IndexInfo>> {
    if !exists(dir) {
        return Ok(None);
    }
    Ok(parse_info(Index::open_in_dir(dir)?.load_metas()?.payload))
}

fn parse_info(payload: Option<String>) -> Option<IndexInfo> {
    payload
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
}

/// Why the index in `dir` must be rebuilt before it answers queries as this binary would, if
/// it must: it was made with another layout or analysis configuration (another set of indexed
/// bigrams, say, would make phrases miss). `None` when it is current or there is none.
pub fn outdated(dir: &Path) -> Result<Option<String>> {
    if !exists(dir) {
        return Ok(None);
    }
    let index = match ReportIndex::open(dir) {
        Ok(index) => index,
        Err(Error::IndexFormat(_)) => return Ok(Some("index format changed".into())),
        Err(e) => return Err(e),
    };
    Ok(index.info()?.and_then(|i| i.stale()).map(str::to_string))
}

impl IndexInfo {
    /// Why an index whose last commit recorded this must be rebuilt by this binary, if it
    /// must: another layout, or another analysis (other bigrams would make phrases miss), or
    /// knowledge extracted otherwise (the folder's dictionary is read as its files are now).
    pub fn stale(&self) -> Option<&'static str> {
        let vocabulary = crate::vocabulary::FolderVocabulary::new(Some(self.root.clone()));
        self.stale_with(&vocabulary)
    }

    /// [`IndexInfo::stale`] with the folder's vocabulary as `vocabulary` holds it.
    pub fn stale_with(
        &self,
        vocabulary: &crate::vocabulary::FolderVocabulary,
    ) -> Option<&'static str> {
        if self.format != FORMAT_VERSION {
            Some("index format changed")
        } else if self.analysis != crate::analysis::analysis_config() {
            Some("analysis configuration changed")
        } else if self.knowledge != crate::knowledge::version_for_key(&vocabulary.extraction_key())
        {
            if self.knowledge.starts_with(&crate::knowledge::version()) {
                Some(crate::knowledge::folder_change(
                    &self.knowledge,
                    &crate::knowledge::version_for_key(&vocabulary.extraction_key()),
                ))
            } else {
                Some("knowledge extraction changed")
            }
        } else {
            None
        }
    }
}

impl ReportIndex {
    /// Opens the index in `dir`.
    pub fn open(dir: &Path) -> Result<ReportIndex> {
        if !exists(dir) {
            return Err(Error::NoIndex(dir.to_path_buf()));
        }
        let index = Index::open_in_dir(dir)?;
        let (schema, fields) = Fields::build();
        if index.schema() != schema {
            return Err(Error::IndexFormat(format!(
                "the index at {} was made by another version of zhsearch: run `zhsearch index --rebuild`",
                dir.display()
            )));
        }
        register_tokenizers(&index);
        Ok(ReportIndex { index, fields })
    }

    /// Creates an empty index in `dir`, replacing whatever index was there.
    pub fn create(dir: &Path) -> Result<ReportIndex> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        remove_index_files(dir)?;
        let (schema, fields) = Fields::build();
        let directory = MmapDirectory::open(dir).map_err(|e| {
            Error::io(
                format!("opening {}", dir.display()),
                std::io::Error::other(e.to_string()),
            )
        })?;
        let index = Index::builder()
            .schema(schema)
            .settings(settings())
            .open_or_create(directory)?;
        register_tokenizers(&index);
        Ok(ReportIndex { index, fields })
    }

    /// What the last commit recorded, if it was made by zhsearch.
    pub fn info(&self) -> Result<Option<IndexInfo>> {
        Ok(parse_info(self.index.load_metas()?.payload))
    }
}

/// Whether `name` is one of the files tantivy keeps for a segment.
fn is_segment_file(name: &str) -> bool {
    [
        ".idx",
        ".pos",
        ".term",
        ".store",
        ".fast",
        ".fieldnorm",
        ".del",
    ]
    .iter()
    .any(|ext| name.ends_with(ext))
}

/// Removes tantivy's files from `dir`, keeping anything else (such as a `.gitignore`).
fn remove_index_files(dir: &Path) -> Result<()> {
    remove_files_where(dir, |name| {
        name == "meta.json" || name == ".managed.json" || is_segment_file(name)
    })
}

/// Removes the segment files of `dir` that the last commit does not use: what a failed or
/// killed run wrote. tantivy's own garbage collection knows only the files it managed to
/// record, and recording them is itself a write that a full disk refuses. Returns the bytes
/// freed.
pub fn remove_uncommitted_files(dir: &Path) -> Result<u64> {
    let metas = Index::open_in_dir(dir)?.load_metas()?;
    let live: std::collections::HashSet<String> = metas
        .segments
        .iter()
        .map(|s| s.id().uuid_string())
        .collect();
    let mut freed = 0;
    remove_files_where(dir, |name| {
        let orphan =
            is_segment_file(name) && name.split('.').next().is_some_and(|id| !live.contains(id));
        if orphan {
            freed += std::fs::metadata(dir.join(name)).map_or(0, |m| m.len());
        }
        orphan
    })?;
    Ok(freed)
}

fn remove_files_where(dir: &Path, mut remove: impl FnMut(&str) -> bool) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| Error::io(format!("reading {}", dir.display()), e))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if remove(&name) && entry.path().is_file() {
            std::fs::remove_file(entry.path())
                .map_err(|e| Error::io(format!("removing {}", entry.path().display()), e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current() -> IndexInfo {
        IndexInfo {
            format: FORMAT_VERSION,
            analysis: crate::analysis::analysis_config(),
            knowledge: crate::knowledge::version(),
            root: PathBuf::from("/corpus"),
            updated: 0,
            generation: 1,
            pushes: Default::default(),
        }
    }

    #[test]
    fn another_format_analysis_or_extraction_makes_an_index_stale() {
        assert_eq!(current().stale(), None);
        let mut old = current();
        old.format -= 1;
        assert_eq!(old.stale(), Some("index format changed"));
        let mut old = current();
        old.analysis.push('x');
        assert_eq!(old.stale(), Some("analysis configuration changed"));
        let mut old = current();
        old.knowledge = "kind v0".into();
        assert_eq!(old.stale(), Some("knowledge extraction changed"));
        // An index recorded before extraction existed has none: it is re-extracted.
        let recorded = r#"{"format":7,"analysis":"a","root":"/c","updated":1}"#;
        let parsed = parse_info(Some(recorded.to_string())).unwrap();
        assert_eq!(parsed.knowledge, "");
    }
}
