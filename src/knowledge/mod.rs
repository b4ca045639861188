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

use std::collections::BTreeMap;
use std::sync::Arc;

use jieba_rs::Jieba;
use serde::Serialize;

use crate::analysis::fold::fold;
use crate::vocabulary::Aliases;

pub use entities::{Entities, EntityExtractor};
pub use keywords::KeywordExtractor;
pub use kind::Kind;

/// What a report can be filtered and counted by: its kind and the values extracted from it.
/// Each is a query prefix (`kind:述职报告`) and an index field of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Facet {
    /// The document type.
    Kind,
    /// People.
    Person,
    /// Places.
    Place,
    /// Organizations.
    Org,
    /// Keywords.
    Keyword,
}

impl Facet {
    /// Every facet, in display order.
    pub const ALL: [Facet; 5] = [
        Facet::Kind,
        Facet::Person,
        Facet::Place,
        Facet::Org,
        Facet::Keyword,
    ];
    /// The named entity types.
    pub const ENTITIES: [Facet; 3] = [Facet::Person, Facet::Place, Facet::Org];

    /// Its name as a query prefix, an index field and a JSON key.
    pub fn name(self) -> &'static str {
        match self {
            Facet::Kind => "kind",
            Facet::Person => "person",
            Facet::Place => "place",
            Facet::Org => "org",
            Facet::Keyword => "keyword",
        }
    }

    /// What users call it, in Chinese.
    pub fn label(self) -> &'static str {
        match self {
            Facet::Kind => "类型",
            Facet::Person => "人物",
            Facet::Place => "地点",
            Facet::Org => "机构",
            Facet::Keyword => "关键词",
        }
    }

    /// The facet called `name` (ASCII case ignored).
    pub fn from_name(name: &str) -> Option<Facet> {
        Facet::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for Facet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
/// FxHash (rustc's hasher), for the extractors' own tables: their keys come from our data
/// files, so SipHash's resistance to crafted keys buys nothing there and costs on every lookup.
/// Tables keyed by a report's words keep std's keyed hasher: a report crafted to collide must
/// not make indexing quadratic.
pub(crate) type FxBuild = rustc_hash::FxBuildHasher;

/// Keywords kept per report.
pub const KEYWORDS: usize = 8;

/// Everything that decides what is extracted, as one string: stored in the index, and a
/// different value means the index must be re-extracted (`zhsearch index` rebuilds it).
pub fn version() -> String {
    format!(
        "kind v{}, entities v{} under canonical names v{}, keywords v{} (data {:08x}), \
         similar v{}, read folded to simplified (table {:08x}) with the bundled lexicon ({:08x})",
        kind::VERSION,
        entities::VERSION,
        crate::vocabulary::aliases::VERSION,
        keywords::VERSION,
        crate::checksums::KNOWLEDGE_DATA,
        similar::VERSION,
        crate::checksums::FOLD_TABLE,
        crate::checksums::LEXICON,
    )
}

/// [`version`] for a folder read with `vocabulary`: its own dictionary changes the words the
/// extractor reads, so it is part of what the index records.
pub fn version_for(vocabulary: &crate::vocabulary::Vocabulary) -> String {
    version_for_key(&vocabulary.extraction_key())
}

/// [`version`] for a folder whose vocabulary has this
/// [`extraction_key`](crate::vocabulary::Vocabulary::extraction_key).
pub fn version_for_key(key: &str) -> String {
    if key.is_empty() {
        version()
    } else {
        format!("{}, {key}", version())
    }
}

/// What of a folder's vocabulary changed between the knowledge version an index `recorded`
/// and `current` (both of this build's [`version`]): its dictionary or its aliases.
pub fn folder_change(recorded: &str, current: &str) -> &'static str {
    let part = |v: &str, what: &str| {
        v.split(", ")
            .find(|p| p.starts_with(what))
            .map(str::to_string)
    };
    if part(recorded, "folder dictionary") != part(current, "folder dictionary") {
        "the folder's dictionary changed"
    } else {
        "the folder's aliases changed"
    }
}

/// What is known of one report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Knowledge {
    /// Its document type.
    pub kind: Kind,
    /// The [`KEYWORDS`] words that best characterize it, best first.
    pub keywords: Vec<String>,
    /// The people, places and organizations it names, as written.
    pub entities: Entities,
    /// The canonical name of each of them whose canonical name differs.
    pub canonical: Canonical,
    /// The MinHash signature of its text ([`similar::Fingerprint::signature`]), which finds
    /// near-duplicate candidates; empty for a report too short to compare.
    #[serde(skip)]
    pub signature: Vec<u8>,
}

/// Reads what a report is and what it is about. Cheap to clone (the dictionaries are shared);
/// build it once per process.
#[derive(Clone)]
pub struct Extractor {
    jieba: Arc<Jieba>,
    aliases: Arc<Aliases>,
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
    /// An extractor segmenting with `jieba` and naming entities canonically with `aliases`
    /// (normally both of one [`crate::vocabulary::Vocabulary`]).
    pub fn new(jieba: Arc<Jieba>, aliases: Arc<Aliases>) -> Extractor {
        Extractor {
            aliases,
            entities: Arc::new(EntityExtractor::new(Arc::clone(&jieba))),
            keywords: Arc::new(KeywordExtractor::new(Arc::clone(&jieba))),
            jieba,
        }
    }

    /// What `title` and `text` (the report's title line and whole text) say.
    ///
    /// Both are read folded to simplified characters ([`crate::analysis::fold`]), so a report
    /// in traditional characters names the same people, places and organizations. jieba runs
    /// once, over `title + "\n" + text`: keywords and entities read the same words
    /// ([`KeywordExtractor::keywords_from`], [`EntityExtractor::extract_words`]).
    pub fn extract(&self, title: &str, text: &str) -> Knowledge {
        self.extract_normalized(title, text, &crate::analysis::normalize(text))
    }

    /// [`Extractor::extract`] of a report whose text's [`normalize`](crate::analysis::normalize)d
    /// form is `normalized`: indexing computes it once for the index and for the fingerprint.
    /// The fingerprint reads the same text either way, as normalization folds too (a
    /// normalized character never depends on whether it was folded first).
    pub fn extract_normalized(&self, title: &str, text: &str, normalized: &str) -> Knowledge {
        let (title, text) = (fold(title), fold(text));
        let (title, text) = (title.as_ref(), text.as_ref());
        let full = format!("{title}\n{text}");
        let tags = self.jieba.tag(&full, crate::analysis::HMM);
        let entities = self.entities.extract_words(&full, &tags);
        Knowledge {
            kind: kind::classify(title, text),
            keywords: self.keywords.keywords_from(&tags, title.len(), KEYWORDS),
            canonical: Canonical::of(&entities, &self.aliases),
            entities,
            signature: similar::Fingerprint::of_normalized(normalized).signature(),
        }
    }

    /// The aliases it names entities with.
    pub fn aliases(&self) -> &Aliases {
        &self.aliases
    }
}

/// The canonical name of an entity of type `facet` named `name` (kinds and keywords have
/// none: `name` itself).
pub fn canonical_name<'a>(aliases: &'a Aliases, facet: Facet, name: &'a str) -> &'a str {
    match facet {
        Facet::Place => aliases.canonical_place(name),
        Facet::Person | Facet::Org => aliases.canonical(name),
        Facet::Kind | Facet::Keyword => name,
    }
}

/// The names of a report whose canonical name differs from the name as written: written →
/// canonical, per entity type (`zhsearch export`'s `"canonical"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Canonical {
    /// People.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub person: BTreeMap<String, String>,
    /// Places.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub place: BTreeMap<String, String>,
    /// Organizations.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub org: BTreeMap<String, String>,
}

impl Canonical {
    /// The names of `entities` that `aliases` names otherwise.
    pub fn of(entities: &Entities, aliases: &Aliases) -> Canonical {
        let mut out = Canonical::default();
        for facet in Facet::ENTITIES {
            for name in entities.of(facet) {
                let canonical = canonical_name(aliases, facet, name);
                if canonical != name {
                    out.of_mut(facet)
                        .insert(name.clone(), canonical.to_string());
                }
            }
        }
        out
    }

    /// The map of one entity type (empty for kinds and keywords).
    pub fn of_type(&self, facet: Facet) -> Option<&BTreeMap<String, String>> {
        match facet {
            Facet::Person => Some(&self.person),
            Facet::Place => Some(&self.place),
            Facet::Org => Some(&self.org),
            Facet::Kind | Facet::Keyword => None,
        }
    }

    fn of_mut(&mut self, facet: Facet) -> &mut BTreeMap<String, String> {
        match facet {
            Facet::Person => &mut self.person,
            Facet::Place => &mut self.place,
            _ => &mut self.org,
        }
    }

    /// The canonical name of `name`, of type `facet`, as written in the report.
    pub fn get<'a>(&'a self, facet: Facet, name: &'a str) -> &'a str {
        self.of_type(facet)
            .and_then(|m| m.get(name))
            .map_or(name, String::as_str)
    }

    /// Records that `written`, of type `facet`, is counted as `canonical`.
    pub fn insert(&mut self, facet: Facet, written: &str, canonical: &str) {
        self.of_mut(facet)
            .insert(written.to_string(), canonical.to_string());
    }

    /// Whether no name has another canonical name.
    pub fn is_empty(&self) -> bool {
        self.person.is_empty() && self.place.is_empty() && self.org.is_empty()
    }

    /// `entities` under their canonical names, each once, sorted.
    pub fn apply(&self, entities: &Entities) -> Entities {
        let mut out = Entities::default();
        for facet in Facet::ENTITIES {
            let values = out.of_mut(facet);
            values.extend(
                entities
                    .of(facet)
                    .iter()
                    .map(|name| self.get(facet, name).to_string()),
            );
            values.sort_unstable();
            values.dedup();
        }
        out
    }
}
