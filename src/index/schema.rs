//! The index schema: one [`Fields`] struct names every field.
//!
//! Text is indexed two ways (see [`crate::analysis`]): `*_char` (characters with positions)
//! and `body_gram` (bigrams of frequent characters, with frequencies) decide *which* documents
//! match, exactly as a substring scan would, and their frequencies rank them with BM25.
//! `body` is the whole text, title line included; titles are short and are indexed by their
//! characters only.
//!
//! What the knowledge base knows of a report ([`crate::knowledge`]) is kept verbatim, one
//! untokenized term per value: `kind`, `person`, `place`, `org` and `keyword` answer
//! `kind:述职报告` and friends with a term lookup, and their fast columns count facets.
//! People, places and organizations are kept under their canonical names
//! ([`crate::vocabulary::aliases`]), so every count is of entities, not spellings; `alias`
//! keeps the names as written where they differ ([`alias_value`]).
//! `fingerprint` holds the report's MinHash signature (64 bytes in a fast column), which finds
//! near-duplicate candidates.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED,
};

use crate::analysis::{CHAR_TOKENIZER, GRAM_TOKENIZER};
use crate::knowledge::Facet;

/// Every field of the index.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Relative path, `/`-separated (fast: a dictionary-encoded column, read by
    /// [`crate::index::path_of`]).
    pub path: Field,
    /// Original title (stored).
    pub title: Field,
    /// Original text (stored).
    pub text: Field,
    /// Section headings (stored, one value each).
    pub headings: Field,
    /// Encoding the file was in (stored; empty where the format fixes it).
    pub encoding: Field,
    /// The format the file was read as (stored): `text`, `markdown`, `docx`, `doc`, `odt`,
    /// `pdf`, `html`.
    pub format: Field,
    /// Date as `yyyymmdd` (indexed, fast); absent when the report has none.
    pub date: Field,
    /// File size in bytes (fast), for incremental indexing.
    pub size: Field,
    /// Modification time in ns (fast), for incremental indexing.
    pub mtime: Field,
    /// xxh3 of the file's bytes (fast), for incremental indexing and renames.
    pub hash: Field,
    /// Title, characters with positions.
    pub title_char: Field,
    /// Whole text, bigrams of frequent characters (frequencies, no positions).
    pub body_gram: Field,
    /// Whole text, characters with positions.
    pub body_char: Field,
    /// Document type label (`述职报告`): one untokenized term, fast.
    pub kind: Field,
    /// People named (one value each), under their canonical names: untokenized, fast (in
    /// byte order).
    pub person: Field,
    /// Places named: as [`Fields::person`].
    pub place: Field,
    /// Organizations named: as [`Fields::person`].
    pub org: Field,
    /// Keywords: untokenized, stored best first.
    pub keyword: Field,
    /// MinHash signature (fast only), scanned for near-duplicate candidates.
    pub fingerprint: Field,
    /// The names as written whose canonical name differs, one [`alias_value`] each (and the
    /// canonical name itself when the report also wrote it): untokenized and stored. The
    /// export reads the names as written from it, an entity page counts each name's reports.
    pub alias: Field,
    /// The [`crate::index::IndexInfo::generation`] of the commit that wrote the report (fast
    /// only): what a push to a cluster has not sent yet.
    pub generation: Field,
}

/// Separates the parts of an [`alias_value`] (no name holds it: it is a control character).
pub const ALIAS_SEPARATOR: char = '\u{1f}';

/// The `alias` value saying that a report names the entity of type `facet` called `canonical`
/// as `written`: `facet␟canonical␟written`, so that every name of one entity shares the
/// prefix [`alias_prefix`].
pub fn alias_value(facet: Facet, canonical: &str, written: &str) -> String {
    format!("{}{written}", alias_prefix(facet, canonical))
}

/// What every [`alias_value`] of one entity starts with.
pub fn alias_prefix(facet: Facet, canonical: &str) -> String {
    format!("{facet}{ALIAS_SEPARATOR}{canonical}{ALIAS_SEPARATOR}")
}

/// The type, canonical name and written name of an [`alias_value`].
pub fn parse_alias_value(value: &str) -> Option<(Facet, &str, &str)> {
    let mut parts = value.splitn(3, ALIAS_SEPARATOR);
    let facet = Facet::from_name(parts.next()?)?;
    Some((facet, parts.next()?, parts.next()?))
}

/// Names of the fast fields read by name.
pub mod names {
    /// See [`super::Fields::path`].
    pub const PATH: &str = "path";
    /// See [`super::Fields::date`].
    pub const DATE: &str = "date";
    /// See [`super::Fields::size`].
    pub const SIZE: &str = "size";
    /// See [`super::Fields::mtime`].
    pub const MTIME: &str = "mtime";
    /// See [`super::Fields::hash`].
    pub const HASH: &str = "hash";
    /// See [`super::Fields::fingerprint`].
    pub const FINGERPRINT: &str = "fingerprint";
    /// See [`super::Fields::generation`].
    pub const GENERATION: &str = "generation";
}

fn analyzed(tokenizer: &str, record: IndexRecordOption, fieldnorms: bool) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(record)
            .set_fieldnorms(fieldnorms),
    )
}

/// The key of the report at `path`: the xxh3 of its path (see [`crate::index::find_by_key`]).
pub fn report_key(path: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(path.as_bytes())
}

/// The id of the report at `path` in URLs: 16 hex digits of [`report_key`]. Stable across
/// reindexing, and only ever looked up in the index, never used to reach a file.
pub fn report_id(path: &str) -> String {
    format!("{:016x}", report_key(path))
}

/// The key an id from [`report_id`] stands for; `None` unless it is 16 hex digits.
pub fn parse_report_id(id: &str) -> Option<u64> {
    if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(id, 16).ok()
}

impl Fields {
    /// The field holding a facet's values.
    pub fn facet(&self, facet: Facet) -> Field {
        match facet {
            Facet::Kind => self.kind,
            Facet::Person => self.person,
            Facet::Place => self.place,
            Facet::Org => self.org,
            Facet::Keyword => self.keyword,
        }
    }

    /// The schema and its fields.
    pub fn build() -> (Schema, Fields) {
        let mut b = Schema::builder();
        // Bigrams: frequencies for BM25, no positions (phrases check characters). Characters:
        // with positions, for phrases. Body lengths rank; titles are all short.
        let gram = analyzed(GRAM_TOKENIZER, IndexRecordOption::WithFreqs, true);
        let body_chr = analyzed(
            CHAR_TOKENIZER,
            IndexRecordOption::WithFreqsAndPositions,
            true,
        );
        let title_chr = analyzed(
            CHAR_TOKENIZER,
            IndexRecordOption::WithFreqsAndPositions,
            false,
        );
        // Extracted values: one untokenized term each, no lengths to rank by. Kinds and names are
        // read back from their fast columns (which count facets); keywords, whose order
        // matters, from the store.
        let value = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("raw")
                .set_index_option(IndexRecordOption::Basic)
                .set_fieldnorms(false),
        );
        let fields = Fields {
            path: b.add_text_field(names::PATH, FAST),
            title: b.add_text_field("title", STORED),
            text: b.add_text_field("text", STORED),
            headings: b.add_text_field("headings", STORED),
            encoding: b.add_text_field("encoding", STORED),
            format: b.add_text_field("format", STORED),
            date: b.add_i64_field(names::DATE, INDEXED | FAST),
            size: b.add_u64_field(names::SIZE, FAST),
            mtime: b.add_u64_field(names::MTIME, FAST),
            hash: b.add_u64_field(names::HASH, FAST),
            title_char: b.add_text_field("title_char", title_chr),
            body_gram: b.add_text_field("body_gram", gram),
            body_char: b.add_text_field("body_char", body_chr),
            kind: b.add_text_field(Facet::Kind.name(), value.clone() | FAST),
            person: b.add_text_field(Facet::Person.name(), value.clone() | FAST),
            place: b.add_text_field(Facet::Place.name(), value.clone() | FAST),
            org: b.add_text_field(Facet::Org.name(), value.clone() | FAST),
            keyword: b.add_text_field(Facet::Keyword.name(), value.clone() | STORED),
            fingerprint: b.add_bytes_field(names::FINGERPRINT, FAST),
            alias: b.add_text_field("alias", value | STORED),
            generation: b.add_u64_field(names::GENERATION, FAST),
        };
        (b.build(), fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_ids_round_trip_and_reject_anything_else() {
        for path in ["a.txt", "党建/2017/小营盘镇.txt", ""] {
            assert_eq!(parse_report_id(&report_id(path)), Some(report_key(path)));
        }
        for bad in [
            "",
            "abc",
            "0123456789abcdeg",
            "0123456789abcdef0",
            "../etc/passwd",
            "+123456789abcdef",
        ] {
            assert_eq!(parse_report_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn alias_values_round_trip_and_share_their_entity_s_prefix() {
        let v = alias_value(Facet::Org, "中共中央", "党中央");
        assert_eq!(
            parse_alias_value(&v),
            Some((Facet::Org, "中共中央", "党中央"))
        );
        assert!(v.starts_with(&alias_prefix(Facet::Org, "中共中央")));
        // A canonical name that is the start of another's is not its prefix.
        assert!(!alias_value(Facet::Org, "中共中央纪委", "中纪委")
            .starts_with(&alias_prefix(Facet::Org, "中共中央")));
        assert_eq!(parse_alias_value("org\u{1f}only"), None);
        assert_eq!(parse_alias_value("nothing\u{1f}a\u{1f}b"), None);
    }
}
