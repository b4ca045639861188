//! The cluster index: its configuration, and the document of one report.
//!
//! A report's text is stored as it was read (`text`, for snippets and the check of
//! candidates) and indexed as `text_tokens`: the text normalized as the local index
//! normalizes it ([`crate::analysis::normalize`]) and [`spaced`], so that Quickwit's
//! `chinese_compatible` tokenizer — which makes each Han character a token but keeps runs of
//! other letters and digits together, and drops punctuation and spaces without leaving a gap
//! in positions — makes *every* character a token with its position: letters and digits as
//! themselves, everything else as a placeholder token. A phrase is then looked for character
//! by character, as locally, and cannot match across a comma.
//!
//! The knowledge of a report is kept as on the local index: kind, keywords and entities under
//! their canonical names as untokenized fast values (filters and aggregations), and the names
//! as written in `names` (stored only). `push` numbers the push that sent the report and
//! `tombstone` marks a report removed or replaced by a later push (see [`super::push`]).

use serde_json::{json, Value};

use crate::analysis::normalize;
use crate::index::schema::alias_value;
use crate::knowledge::{Canonical, Entities, Facet};
use crate::search::ExportRecord;

/// Version of the mapping and of [`document`]; a change recreates the cluster index on the
/// next push.
pub const MAPPING_VERSION: u32 = 2;

/// Every text field is tokenized with this (Quickwit's).
const TOKENIZER: &str = "chinese_compatible";

/// A field name that says which mapping and analysis made the index: a cluster index
/// without it is recreated (and everything pushed again) rather than mixed.
pub fn marker() -> String {
    let config = format!("{MAPPING_VERSION}|{}", crate::analysis::analysis_config());
    format!(
        "zhsearch_v{MAPPING_VERSION}_{:08x}",
        xxhash_rust::xxh3::xxh3_64(config.as_bytes()) as u32
    )
}

/// The field names of a cluster index, from its metadata (`GET /api/v1/indexes/ID`).
fn field_names(metadata: &Value) -> impl Iterator<Item = &str> {
    metadata
        .pointer("/index_config/doc_mapping/field_mappings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| f.get("name").and_then(Value::as_str))
}

/// Whether a cluster index was made with this mapping.
pub fn is_current(metadata: &Value) -> bool {
    let marker = marker();
    field_names(metadata).any(|name| name == marker)
}

/// Whether a cluster index was made by zhsearch (of any version): only such an index is ever
/// deleted and made again by a push.
pub fn made_by_zhsearch(metadata: &Value) -> bool {
    field_names(metadata).any(|name| name.starts_with("zhsearch_v"))
}

/// The configuration of the cluster index `id`.
pub fn index_config(id: &str) -> Value {
    let raw = |name: &str, array: bool| {
        json!({
            "name": name,
            "type": if array { "array<text>" } else { "text" },
            "tokenizer": "raw",
            "indexed": true,
            "stored": true,
            "fast": true,
        })
    };
    let stored = |name: &str, array: bool| {
        json!({
            "name": name,
            "type": if array { "array<text>" } else { "text" },
            "indexed": false,
            "stored": true,
        })
    };
    let tokens = |name: &str| {
        json!({
            "name": name,
            "type": "text",
            "tokenizer": TOKENIZER,
            "record": "position",
            "fieldnorms": true,
            "stored": false,
        })
    };
    let number = |name: &str| json!({"name": name, "type": "u64", "indexed": true, "stored": true, "fast": true});
    json!({
        "version": "0.9",
        "index_id": id,
        "doc_mapping": {
            "mode": "strict",
            "field_mappings": [
                raw("id", false),
                number("key"),
                raw("path", false),
                stored("title", false),
                stored("text", false),
                tokens("title_tokens"),
                tokens("text_tokens"),
                stored("headings", true),
                raw("names", true),
                raw("format", false),
                raw("encoding", false),
                number("day"),
                number("year"),
                raw("kind", false),
                raw("keyword", true),
                raw("person", true),
                raw("place", true),
                raw("org", true),
                number("push"),
                {"name": "tombstone", "type": "bool", "indexed": true, "stored": true, "fast": true},
                {"name": marker(), "type": "bool", "indexed": false, "stored": false, "fast": false},
            ],
        },
        "search_settings": {"default_search_fields": ["title_tokens", "text_tokens"]},
        // Deletes apply to mature splits only: splits mature within minutes, not days, so that
        // a removed report's old version goes soon (the engine hides it before that).
        "indexing_settings": {
            "commit_timeout_secs": 5,
            "merge_policy": {
                "type": "stable_log",
                "maturation_period": "3m",
                "merge_factor": 10,
                "max_merge_factor": 12,
            },
        },
    })
}

/// Text as the cluster indexes it: `normalized` (see [`normalize`]) written so that Quickwit's
/// `chinese_compatible` tokenizer makes every character one token, in order, with nothing
/// dropped: a letter or digit is itself (followed by a space where the tokenizer would
/// otherwise keep it together with the next one), and every other character — punctuation,
/// spaces, line breaks, symbols — its [`placeholder`]. A phrase query of the same tokens then
/// matches exactly the texts holding the phrase, as a substring, like the local index's
/// characters with positions.
pub fn spaced(normalized: &str) -> String {
    let mut out = String::with_capacity(normalized.len() * 2);
    for c in normalized.chars() {
        if c.is_alphanumeric() {
            out.push(c);
            if !splits_itself(c) {
                out.push(' ');
            }
        } else {
            out.push(' ');
            out.push_str(&placeholder(c));
            out.push(' ');
        }
    }
    out
}

/// The token standing for a character the tokenizer would drop: `q` and its code point in hex
/// (`，` is `qff0c`). A real letter is always a token of its own, so no text makes one.
fn placeholder(c: char) -> String {
    format!("q{:x}", u32::from(c))
}

/// The tokens Quickwit makes of `normalized` text once [`spaced`], in order. A phrase query is
/// these.
pub fn tokens(normalized: &str) -> Vec<String> {
    normalized
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().collect()
            } else {
                placeholder(c)
            }
        })
        .collect()
}

/// The characters Quickwit's `chinese_compatible` tokenizer makes a token each (its CJK
/// ranges).
fn splits_itself(c: char) -> bool {
    matches!(c,
        '\u{4500}'..='\u{9FFF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{20000}'..='\u{2A6DF}'
        | '\u{2A700}'..='\u{2CEAF}')
}

/// What a report's cluster document is made of.
pub struct ClusterReport<'a> {
    /// The report as the export gives it, with its text.
    pub record: &'a ExportRecord,
}

/// A date `YYYY-MM-DD` as the number `yyyymmdd`.
fn day_number(date: &str) -> Option<u64> {
    let digits: String = date.chars().filter(char::is_ascii_digit).collect();
    (digits.len() == 8).then(|| digits.parse().ok()).flatten()
}

/// The cluster document of one report, sent by push number `push`.
pub fn document(report: &ClusterReport<'_>, push: u64) -> Value {
    let r = report.record;
    let text = r.text.as_deref().unwrap_or("");
    let canonical: Entities = r.canonical.apply(&r.entities);
    let day = r.report.date.as_deref().and_then(day_number);
    let mut doc = json!({
        "id": r.report.id,
        "key": crate::index::schema::report_key(&r.report.path),
        "path": r.report.path,
        "title": r.report.title,
        "text": text,
        "title_tokens": spaced(&normalize(&r.report.title)),
        "text_tokens": spaced(&normalize(text)),
        "headings": r.headings,
        "names": names(&r.entities, &r.canonical),
        "format": r.format.name(),
        "encoding": r.encoding,
        "kind": r.kind,
        "keyword": r.keywords,
        "person": canonical.person,
        "place": canonical.place,
        "org": canonical.org,
        "push": push,
        "tombstone": false,
    });
    if let (Some(day), Some(map)) = (day, doc.as_object_mut()) {
        map.insert("day".into(), json!(day));
        map.insert("year".into(), json!(day / 10_000));
    }
    doc
}

/// The document saying that the report at `path` was removed or replaced by push `push`: the
/// engine hides every older version of it, until the cluster deletes them.
pub fn tombstone(path: &str, push: u64) -> Value {
    json!({
        "id": crate::index::schema::report_id(path),
        "key": crate::index::schema::report_key(path),
        "path": path,
        "push": push,
        "tombstone": true,
    })
}

/// The names as written, each as an alias value (`type␟canonical␟written`), as the local
/// index keeps them: what an entity page lists.
fn names(written: &Entities, canonical: &Canonical) -> Vec<String> {
    let mut out = Vec::new();
    for facet in Facet::ENTITIES {
        for name in written.of(facet) {
            out.push(alias_value(facet, canonical.get(facet, name), name));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Quickwit's `chinese_compatible` tokenizer (quickwit-query, Apache-2.0), rewritten from
    /// its description: a Han character of its ranges is a token; a run of other letters and
    /// digits is one token; anything else separates tokens and leaves no gap in positions.
    fn quickwit_tokens(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut run = String::new();
        for c in text.chars() {
            if c.is_alphanumeric() && !splits_itself(c) {
                run.push(c);
                continue;
            }
            if !run.is_empty() {
                out.push(run.to_lowercase());
                run.clear();
            }
            if c.is_alphanumeric() {
                out.push(c.to_string());
            }
        }
        if !run.is_empty() {
            out.push(run.to_lowercase());
        }
        out
    }

    #[test]
    fn spaced_text_makes_every_letter_and_digit_a_token() {
        for text in [
            "小营盘镇2024年GDP增长5.2%",
            "Hello你好bonjour",
            "ｶﾀｶﾅ かな 한국어 Ωμέγα",
            "",
            "，。！",
            "小营，盘镇\n小 营 盘 镇\tq2c qff0c 🙂",
        ] {
            let normalized = normalize(text);
            assert_eq!(
                quickwit_tokens(&spaced(&normalized)),
                tokens(&normalized),
                "{text}"
            );
        }
        assert_eq!(tokens("gdp增长"), ["g", "d", "p", "增", "长"]);
        // Nothing is dropped: a phrase cannot match across punctuation or a space.
        assert_eq!(tokens("小营,盘镇"), ["小", "营", "q2c", "盘", "镇"]);
        assert_ne!(tokens("小 营"), tokens("小营"));
        // A text spelling a placeholder out is letters, one token each.
        assert_eq!(tokens("q2c"), ["q", "2", "c"]);
    }

    #[test]
    fn the_marker_is_a_field_of_the_config_and_names_this_mapping() {
        let config = index_config("zhsearch");
        let metadata = json!({"index_config": config});
        assert!(is_current(&metadata) && made_by_zhsearch(&metadata));
        let fields = |name: &str| json!({"index_config": {"doc_mapping": {"field_mappings": [{"name": name}]}}});
        let older = fields("zhsearch_v0_00000000");
        assert!(!is_current(&older) && made_by_zhsearch(&older));
        let foreign = fields("body");
        assert!(!is_current(&foreign) && !made_by_zhsearch(&foreign));
        assert!(!is_current(
            &json!({"index_config": {"doc_mapping": {"field_mappings": []}}})
        ));
        assert!(marker().starts_with(&format!("zhsearch_v{MAPPING_VERSION}_")));
    }

    #[test]
    fn documents_carry_canonical_names_dates_and_tokens() {
        let mut canonical = Canonical::default();
        canonical.insert(Facet::Org, "党中央", "中共中央");
        let record = ExportRecord {
            report: crate::search::ReportRecord {
                id: crate::index::schema::report_id("a/b.txt"),
                path: "a/b.txt".into(),
                title: "学习通知".into(),
                date: Some("2021-03-01".into()),
            },
            kind: "通知".into(),
            keywords: vec!["学习".into()],
            entities: Entities {
                org: vec!["党中央".into()],
                ..Entities::default()
            },
            canonical,
            headings: vec![],
            text: Some("党中央，ABC".into()),
            format: crate::ingest::format::ReportFormat::Text,
            encoding: "GB18030".into(),
        };
        let doc = document(&ClusterReport { record: &record }, 7);
        assert_eq!(doc["org"], json!(["中共中央"]));
        assert_eq!(doc["day"], json!(20210301));
        assert_eq!(doc["year"], json!(2021));
        assert_eq!(doc["push"], json!(7));
        assert_eq!(doc["text_tokens"], json!("党中央 q2c a b c "));
        assert_eq!(doc["names"].as_array().map(Vec::len), Some(1));
    }
}
