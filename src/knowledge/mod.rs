//! What each report is and what it is about, read from its text at index time: its document
//! type ([`kind`]), the people, places and organizations it names ([`entities`]), the words
//! that characterize it ([`keywords`]) and a fingerprint of its text that finds its near
//! duplicates ([`similar`]).
//!
//! This module sits between analysis and index in the pipeline: ingest knows nothing of it, and
//! the index stores what it extracts. Everything that decides what is extracted (rules, word
//! lists, gazetteers) is versioned (each part's `VERSION`, and checksums of its data files);
//! [`version`] sums them up, the index records it, and `zhsearch index` re-extracts when it
//! changes.

pub mod entities;
pub mod keywords;
pub mod kind;
pub mod similar;

use std::hash::BuildHasherDefault;
use std::sync::Arc;

use jieba_rs::Jieba;
use serde::Serialize;

pub use entities::{Entities, EntityExtractor};
pub use keywords::KeywordExtractor;
pub use kind::Kind;

/// FxHash (as in rustc and jieba-rs), for the extractors' own tables: their keys come from our
/// data files, so SipHash's resistance to crafted keys buys nothing there and costs on every
/// lookup. Tables keyed by a report's words keep std's keyed hasher: a report crafted to
/// collide must not make indexing quadratic.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;

/// Keywords kept per report.
pub const KEYWORDS: usize = 8;

/// Everything that decides what is extracted, as one string: stored in the index, and a
/// different value means the index must be re-extracted (`zhsearch index` rebuilds it).
pub fn version() -> String {
    format!(
        "kind v{}, entities v{} (data {:08x}), keywords v{} (data {:08x}), similar v{}",
        kind::VERSION,
        entities::VERSION,
        entities::data_checksum() as u32,
        keywords::VERSION,
        keywords::data_checksum() as u32,
        similar::VERSION,
    )
}

/// What is known of one report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Knowledge {
    /// Its document type.
    pub kind: Kind,
    /// The [`KEYWORDS`] words that best characterize it, best first.
    pub keywords: Vec<String>,
    /// The people, places and organizations it names.
    pub entities: Entities,
    /// Locality-sensitive hashes of its text: reports sharing one are near-duplicate candidates.
    #[serde(skip)]
    pub bands: Vec<u64>,
}

/// Reads what a report is and what it is about. Cheap to clone (the dictionaries are shared);
/// build it once per process.
#[derive(Clone)]
pub struct Extractor {
    jieba: Arc<Jieba>,
    entities: Arc<EntityExtractor>,
    keywords: Arc<KeywordExtractor>,
}

impl std::fmt::Debug for Extractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extractor")
            .field("version", &version())
            .finish_non_exhaustive()
    }
}

impl Extractor {
    /// An extractor segmenting with `jieba` (normally [`crate::analysis::jieba`]).
    pub fn new(jieba: Arc<Jieba>) -> Extractor {
        Extractor {
            entities: Arc::new(EntityExtractor::new(Arc::clone(&jieba))),
            keywords: Arc::new(KeywordExtractor::new(Arc::clone(&jieba))),
            jieba,
        }
    }

    /// What `title` and `text` (the report's title line and whole text) say.
    ///
    /// jieba runs once, over `title + "\n" + text`: keywords and entities read the same
    /// words ([`KeywordExtractor::keywords_from`], [`EntityExtractor::extract_words`]).
    pub fn extract(&self, title: &str, text: &str) -> Knowledge {
        let full = format!("{title}\n{text}");
        let tags = self.jieba.tag(&full, crate::analysis::HMM);
        Knowledge {
            kind: kind::classify(title, text),
            keywords: self.keywords.keywords_from(&tags, title.len(), KEYWORDS),
            entities: self.entities.extract_words(&full, &tags),
            bands: similar::Fingerprint::of(text).bands(),
        }
    }
}
