//! Queries answered by a cluster: the same query language, hits, facets and pages as the
//! local index, through [`Engine`].
//!
//! A query is translated to Elasticsearch's query DSL (which Quickwit speaks): phrases and
//! words become phrase queries on the character tokens of [`super::mapping`] — every
//! character a token, punctuation and spaces included, so a phrase matches there exactly the
//! reports holding it — and filters on kinds and names exact terms. The cluster's answer is
//! then the local index's, counts, facets and years included. Of its candidates, only the
//! newest version of each report is kept: a push sends a changed report again and a
//! tombstone for a removed one, and the cluster deletes old versions later
//! ([`super::push`]). The hits shown are checked against their stored text with
//! [`TextCheck`] before they are returned, so the guarantee does not rest on the cluster's
//! tokens alone.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock};
use std::time::Instant;

use serde_json::{json, Value};

use super::mapping::tokens;
use super::{Client, Target};
use crate::error::{Error, Result};
use crate::index::schema::{alias_prefix, parse_alias_value, Fields};
use crate::index::IndexInfo;
use crate::knowledge::{Canonical, Entities, Facet, Kind};
use crate::search::knowledge::{DUPLICATE_OVERLAP, ENTITY_WEIGHT, RELATED};
use crate::search::query::{Expr, Scope};
use crate::search::verify::{facet_value, text_groups, Candidate};
use crate::search::{
    compile, Deadline, Duplicates, DuplicatesRequest, Engine, EntityView, ExportRecord,
    FacetCounts, Highlighter, Hit, IndexStats, Overview, Probe, ReportKnowledge, ReportRecord,
    ReportView, SearchRequest, SearchResponse, Similar, SimilarReport, Sort, TextCheck, FACET_TOP,
    MAX_DEPTH,
};
use crate::vocabulary::{Aliases, FolderVocabulary, Vocabulary};

/// Candidates fetched per request after the first.
const PAGE: usize = 500;
/// Paths per aggregation request (Quickwit allows 65,000 buckets).
const PATH_BUCKETS: usize = 50_000;
/// Reports per request of a scan of every match (`-l`, the export).
const SCAN_PAGE: usize = 2_000;
/// Candidates the first request asks for beyond the end of the page (a report whose newer
/// version does not match leaves the page short otherwise).
const FIRST_SLACK: usize = 5;
/// The most hits one request may ask for (Quickwit's limit on `from + size`).
const CLUSTER_DEPTH: usize = 10_000;
/// Years counted at most.
const YEARS: usize = 1_000;
/// Names of one entity listed at most.
const ENTITY_NAMES: usize = 50;

/// The schema's fields: the local compiler gives the strings a query highlights.
static FIELDS: LazyLock<Fields> = LazyLock::new(|| Fields::build().1);

/// A cluster index answering queries.
#[derive(Debug, Clone)]
pub struct ClusterEngine {
    client: Client,
}

/// One document of the cluster index, as a hit gives it.
#[derive(Debug, Clone, Default)]
struct Doc {
    id: String,
    key: u64,
    path: String,
    title: String,
    text: Option<String>,
    day: Option<u64>,
    kind: String,
    keywords: Vec<String>,
    entities: Entities,
    names: Vec<String>,
    headings: Vec<String>,
    format: String,
    encoding: String,
    push: u64,
    tombstone: bool,
    score: f32,
}

fn text_of(source: &Value, name: &str) -> String {
    source
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn texts_of(source: &Value, name: &str) -> Vec<String> {
    match source.get(name) {
        Some(Value::Array(values)) => values
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

impl Doc {
    fn from_hit(hit: &Value) -> Option<Doc> {
        let s = hit.get("_source")?;
        Some(Doc {
            id: text_of(s, "id"),
            key: s.get("key").and_then(Value::as_u64)?,
            path: text_of(s, "path"),
            title: text_of(s, "title"),
            text: s.get("text").and_then(Value::as_str).map(str::to_string),
            day: s.get("day").and_then(Value::as_u64),
            kind: text_of(s, "kind"),
            keywords: texts_of(s, "keyword"),
            entities: Entities {
                person: texts_of(s, "person"),
                place: texts_of(s, "place"),
                org: texts_of(s, "org"),
            },
            names: texts_of(s, "names"),
            headings: texts_of(s, "headings"),
            format: text_of(s, "format"),
            encoding: text_of(s, "encoding"),
            push: s.get("push").and_then(Value::as_u64).unwrap_or(0),
            tombstone: s.get("tombstone").and_then(Value::as_bool).unwrap_or(false),
            // Sorted by score (last), the score comes with the sort values.
            score: hit
                .get("_score")
                .and_then(Value::as_f64)
                .or_else(|| {
                    hit.pointer("/sort")
                        .and_then(Value::as_array)?
                        .last()?
                        .as_f64()
                })
                .unwrap_or(0.0) as f32,
        })
    }

    fn date(&self) -> Option<String> {
        self.day
            .and_then(|d| i64::try_from(d).ok())
            .and_then(crate::ingest::ReportDate::from_key)
            .map(|d| d.to_string())
    }

    fn record(&self) -> ReportRecord {
        ReportRecord {
            id: self.id.clone(),
            path: self.path.clone(),
            title: self.title.clone(),
            date: self.date(),
        }
    }

    fn knowledge(&self) -> ReportKnowledge {
        ReportKnowledge {
            kind: self.kind.clone(),
            keywords: self.keywords.clone(),
            entities: self.entities.clone(),
        }
    }

    fn values(&self, facet: Facet) -> Vec<String> {
        match facet {
            Facet::Kind => (!self.kind.is_empty())
                .then(|| self.kind.clone())
                .into_iter()
                .collect(),
            Facet::Keyword => self.keywords.clone(),
            _ => self.entities.of(facet).to_vec(),
        }
    }
}

/// A candidate as [`TextCheck`] reads it.
struct Checked<'a> {
    doc: &'a Doc,
    title: String,
    text: String,
}

impl Candidate for Checked<'_> {
    fn title(&self) -> &str {
        &self.title
    }
    fn text(&self) -> &str {
        &self.text
    }
    fn has(&self, facet: Facet, value: &str) -> bool {
        self.doc.values(facet).iter().any(|v| v == value)
    }
}

fn match_all() -> Value {
    json!({"match_all": {}})
}

fn match_none() -> Value {
    json!({"bool": {"must_not": [match_all()]}})
}

/// The query matching exactly the reports `expr` matches.
fn translate(
    expr: &Expr,
    vocabulary: &mut dyn FnMut() -> Arc<Vocabulary>,
    aliases: &mut dyn FnMut() -> Arc<Aliases>,
) -> Value {
    match expr {
        Expr::Text { scope, kind, text } => {
            let field = match scope {
                Scope::Title => "title_tokens",
                Scope::All | Scope::Body => "text_tokens",
            };
            let groups = text_groups(*kind, text, vocabulary);
            if groups.is_empty() {
                // As locally: text without a letter or digit matches nothing.
                return match_none();
            }
            let must: Vec<Value> = groups
                .iter()
                .map(|forms| {
                    let should: Vec<Value> = forms.iter().map(|f| phrase(field, f)).collect();
                    json!({"bool": {"should": should, "minimum_should_match": 1}})
                })
                .collect();
            // Ranking only, as locally: a word in the title counts more, and the run found
            // verbatim more still (in the title most).
            let mut boosts = Vec::new();
            if *scope == Scope::All {
                boosts.extend(
                    groups
                        .iter()
                        .map(|forms| boosted("title_tokens", &forms[0], TITLE_BOOST)),
                );
            }
            if groups.len() > 1 {
                let verbatim = crate::analysis::normalize(text);
                boosts.push(boosted(field, &verbatim, VERBATIM_BOOST));
                if *scope == Scope::All {
                    boosts.push(boosted(
                        "title_tokens",
                        &verbatim,
                        VERBATIM_BOOST * TITLE_BOOST,
                    ));
                }
            }
            boosts.retain(|b| !b.is_null());
            json!({"bool": {"must": must, "should": boosts}})
        }
        Expr::And(parts) | Expr::Or(parts) => {
            let queries: Vec<Value> = parts
                .iter()
                .map(|p| translate(p, vocabulary, aliases))
                .collect();
            if matches!(expr, Expr::And(_)) {
                json!({"bool": {"must": queries}})
            } else {
                json!({"bool": {"should": queries, "minimum_should_match": 1}})
            }
        }
        Expr::Not(inner) => {
            let inner = translate(inner, vocabulary, aliases);
            json!({"bool": {"must": [match_all()], "must_not": [inner]}})
        }
        Expr::Facet { facet, value } => {
            json!({"term": {facet.name(): facet_value(*facet, value, aliases)}})
        }
    }
}

/// The phrase query for a normalized string on a token field: its characters' tokens in a
/// row.
fn phrase(field: &str, normalized: &str) -> Value {
    let tokens = tokens(normalized);
    if tokens.is_empty() {
        // The empty phrase is in no report, as locally.
        return match_none();
    }
    json!({"match_phrase": {field: {"query": tokens.join(" ")}}})
}

/// Weight of a match in the title.
const TITLE_BOOST: f32 = 2.0;
/// Weight of an unquoted run found verbatim.
const VERBATIM_BOOST: f32 = 3.0;

/// A scoring clause: the phrase of a normalized string on a token field, weighted (in
/// Quickwit's query language, whose `^` the DSL's phrase query lacks). Null for a string
/// without a letter or digit.
fn boosted(field: &str, normalized: &str, boost: f32) -> Value {
    let tokens = tokens(normalized);
    if tokens.is_empty() {
        return Value::Null;
    }
    // Tokens are letters and digits only: nothing in them needs escaping inside quotes.
    json!({"query_string": {"query": format!("{field}:\"{}\"^{boost}", tokens.join(" "))}})
}

/// The whole query: `query`, the date range, no tombstones.
fn wrap(query: Value, from: Option<i64>, to: Option<i64>) -> Value {
    let mut filter = Vec::new();
    if from.is_some() || to.is_some() {
        // An open side still needs a date, as locally.
        let mut range = json!({"gte": from.unwrap_or(0).max(0)});
        if let Some(to) = to {
            range["lte"] = json!(to.max(0));
        }
        filter.push(json!({"range": {"day": range}}));
    }
    json!({"bool": {
        "must": [query],
        "filter": filter,
        "must_not": [{"term": {"tombstone": "true"}}],
    }})
}

fn aggregations(facets: &[Facet], top: usize, years: bool) -> Value {
    let mut aggs = serde_json::Map::new();
    for facet in facets {
        // More than `top`: ties at the edge are then broken by value, as locally.
        aggs.insert(
            facet.name().to_string(),
            json!({"terms": {"field": facet.name(), "size": top.saturating_mul(4).max(40)}}),
        );
    }
    if years {
        aggs.insert(
            "year".to_string(),
            json!({"terms": {"field": "year", "size": YEARS}}),
        );
    }
    Value::Object(aggs)
}

fn buckets(aggregations: &Value, name: &str) -> Vec<(String, u64)> {
    aggregations
        .pointer(&format!("/{name}/buckets"))
        .and_then(Value::as_array)
        .map(|b| {
            b.iter()
                .filter_map(|b| {
                    let key = match b.get("key")? {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    Some((key, b.get("doc_count").and_then(Value::as_u64)?))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The counts of `facets`, each to its `top` values: most frequent first, ties by value.
fn facets_from(aggregations: &Value, facets: &[Facet], top: usize) -> FacetCounts {
    facets
        .iter()
        .map(|f| {
            let mut counts = buckets(aggregations, f.name());
            counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            counts.truncate(top);
            (*f, counts)
        })
        .collect()
}

fn years_from(aggregations: &Value) -> Vec<[i64; 2]> {
    let mut years: Vec<[i64; 2]> = buckets(aggregations, "year")
        .into_iter()
        .filter_map(|(y, n)| Some([y.parse().ok()?, i64::try_from(n).ok()?]))
        .collect();
    years.sort_unstable();
    years
}

/// The part of a search's answer gathered from candidates.
struct Gathered {
    /// The newest versions, in the cluster's order.
    docs: Vec<Doc>,
    /// The cluster's count of matching documents.
    candidates: u64,
    /// The aggregations of the first request.
    aggregations: Value,
}

impl ClusterEngine {
    /// The engine of the cluster index `target`.
    pub fn new(target: Target) -> ClusterEngine {
        ClusterEngine {
            client: Client::new(target),
        }
    }

    /// The cluster index.
    pub fn target(&self) -> &Target {
        self.client.target()
    }

    fn request(&self, body: &Value, text: bool) -> Result<(u64, Vec<Doc>, Value)> {
        let answer = self.client.search(body, text)?;
        let total = answer
            .pointer("/hits/total/value")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let docs = answer
            .pointer("/hits/hits")
            .and_then(Value::as_array)
            .map(|hits| hits.iter().filter_map(Doc::from_hit).collect())
            .unwrap_or_default();
        let aggregations = answer.get("aggregations").cloned().unwrap_or(Value::Null);
        Ok((total, docs, aggregations))
    }

    /// Drops every document that is not the newest version of its report (or is a
    /// tombstone).
    ///
    /// With `text`, the documents that came without their text get it from the same request.
    fn newest_only(&self, docs: &mut Vec<Doc>, text: bool) -> Result<()> {
        if docs.is_empty() {
            return Ok(());
        }
        let mut ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut newest: HashMap<String, (u64, bool)> = HashMap::new();
        let mut texts: HashMap<(String, u64), String> = HashMap::new();
        let mut fields = vec!["id", "key", "push", "tombstone"];
        if text {
            fields.push("text");
        }
        // Versions of one report are few: a page of ids fits one request.
        for chunk in ids.chunks(PAGE) {
            let body = json!({
                "query": {"terms": {"id": chunk}},
                "size": CLUSTER_DEPTH,
                "_source": {"includes": fields},
            });
            let (_, versions, _) = self.request(&body, text)?;
            for v in versions {
                // The newest push wins; within one push a report wins over a tombstone.
                let entry = newest.entry(v.id.clone()).or_insert((v.push, v.tombstone));
                if (v.push, !v.tombstone) > (entry.0, !entry.1) {
                    *entry = (v.push, v.tombstone);
                }
                if let Some(t) = v.text {
                    texts.insert((v.id, v.push), t);
                }
            }
        }
        // A batch sent twice (a retry after an answer that was lost) holds one report twice.
        let mut seen = std::collections::HashSet::new();
        docs.retain(|d| {
            !d.tombstone
                && newest
                    .get(&d.id)
                    .is_none_or(|&(push, tomb)| push == d.push && !tomb)
                && seen.insert(d.id.clone())
        });
        for doc in docs.iter_mut().filter(|d| d.text.is_none()) {
            doc.text = texts.remove(&(doc.id.clone(), doc.push));
        }
        Ok(())
    }

    /// Fetches the text of the documents that came without it (a page past the first).
    fn fill_text(&self, docs: &mut [Doc]) -> Result<()> {
        let ids: Vec<&str> = docs
            .iter()
            .filter(|d| d.text.is_none())
            .map(|d| d.id.as_str())
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let body = json!({"query": {"terms": {"id": ids}}, "size": CLUSTER_DEPTH});
        let (_, versions, _) = self.request(&body, true)?;
        let mut texts: HashMap<(String, u64), String> = versions
            .into_iter()
            .filter_map(|v| Some(((v.id, v.push), v.text?)))
            .collect();
        for doc in docs.iter_mut().filter(|d| d.text.is_none()) {
            doc.text = texts.remove(&(doc.id.clone(), doc.push));
        }
        Ok(())
    }

    /// Keeps the documents whose stored text `check` accepts.
    fn check(docs: &mut Vec<Doc>, check: &TextCheck) {
        docs.retain(|doc| {
            let candidate = Checked {
                doc,
                title: crate::analysis::normalize(&doc.title).into_owned(),
                text: crate::analysis::normalize(doc.text.as_deref().unwrap_or("")).into_owned(),
            };
            check.matches(&candidate)
        });
    }

    /// Matches of `query` in the order of `sort`, newest versions only, until `want` of them
    /// are gathered (with their text when `text`).
    fn gather(
        &self,
        query: &Value,
        sort: Sort,
        want: usize,
        aggs: Value,
        deadline: &Deadline,
        text: bool,
    ) -> Result<Gathered> {
        let mut gathered = Gathered {
            docs: Vec::new(),
            candidates: 0,
            aggregations: Value::Null,
        };
        let mut from = 0;
        let mut first = true;
        loop {
            deadline.check()?;
            // A page needs a few more than its length (in case some are old versions), and
            // then more at a time.
            let size = if first { want + FIRST_SLACK } else { PAGE };
            let size = size.min(CLUSTER_DEPTH.saturating_sub(from));
            if size == 0 {
                break;
            }
            let mut body = json!({
                "query": query,
                "from": from,
                "size": size,
                "track_total_hits": true,
            });
            body["sort"] = match sort {
                Sort::Date => json!([{"day": {"order": "desc"}}, {"_score": {"order": "desc"}}]),
                Sort::Relevance => json!([{"_score": {"order": "desc"}}]),
            };
            if first && aggs.as_object().is_some_and(|a| !a.is_empty()) {
                body["aggs"] = aggs.clone();
            }
            let (total, mut docs, aggregations) = self.request(&body, false)?;
            let fetched = docs.len();
            if first {
                gathered.candidates = total;
                gathered.aggregations = aggregations;
                first = false;
            }
            from += fetched;
            // On the first page the text comes with the versions (its snippets need it);
            // deeper, only the page's own is fetched, afterwards.
            self.newest_only(&mut docs, text)?;
            gathered.docs.extend(docs);
            if fetched < size || from as u64 >= gathered.candidates || gathered.docs.len() >= want {
                break;
            }
        }
        Ok(gathered)
    }

    /// Every report `query` matches, newest versions checked, in key order, handed to `sink`
    /// a page at a time: with their text when `text`, with nothing but their path when
    /// `paths_only`.
    fn scan(
        &self,
        query: &Value,
        text: bool,
        paths_only: bool,
        sink: &mut dyn FnMut(Vec<Doc>),
    ) -> Result<()> {
        let mut after: Option<(u64, u64)> = None;
        loop {
            let mut body = json!({
                "query": query,
                "size": SCAN_PAGE,
                "sort": [{"key": {"order": "asc"}}, {"push": {"order": "asc"}}],
            });
            if let Some((key, push)) = after {
                body["search_after"] = json!([key, push]);
            }
            if paths_only && !text {
                // Which reports, not what they hold.
                body["_source"] = json!({"includes": ["id", "key", "path", "push", "tombstone"]});
            }
            let (_, mut docs, _) = self.request(&body, text)?;
            let fetched = docs.len();
            if let Some(last) = docs.last() {
                after = Some((last.key, last.push));
            }
            self.newest_only(&mut docs, false)?;
            sink(docs);
            if fetched < SCAN_PAGE {
                return Ok(());
            }
        }
    }

    fn hit(doc: &Doc, highlighter: &Highlighter, width: usize) -> Hit {
        let mut report = doc.record();
        let title = highlighter.highlight_all(&report.title);
        report.title = title.text;
        let snippet = highlighter.snippet(doc.text.as_deref().unwrap_or(""), width);
        Hit {
            report,
            score: doc.score,
            snippet: snippet.text,
            highlights: snippet.highlights,
            title_highlights: title.highlights,
        }
    }

    /// The query for the cluster, and the check of its hits against their stored text.
    fn translated(expr: &Expr, vocabulary: &FolderVocabulary) -> (Value, TextCheck) {
        let mut loaded: Option<Arc<Vocabulary>> = None;
        let mut aliases: Option<Arc<Aliases>> = None;
        let translated = translate(
            expr,
            &mut || Arc::clone(loaded.get_or_insert_with(|| vocabulary.get())),
            &mut || Arc::clone(aliases.get_or_insert_with(|| vocabulary.aliases())),
        );
        (translated, TextCheck::new(expr, vocabulary))
    }

    fn unavailable(&self, what: &str) -> Error {
        Error::Option(format!(
            "{what} is answered by the local index only, not by {}: run it where the index is",
            self.target().describe()
        ))
    }

    /// Reports holding at least half of the probe's text. Candidates are the reports holding
    /// several of [`SAMPLES`] runs of the probe's text, spread over it (one holding half of
    /// its text holds at least three of them with a probability of about 98%); each is then
    /// measured exactly on its stored text, as locally.
    fn near_duplicates(&self, probe: &Probe) -> Result<Vec<SimilarReport>> {
        let normalized = crate::analysis::normalize(probe.text);
        let samples = samples(&normalized);
        if samples.len() < SAMPLES / 2 {
            return Ok(Vec::new());
        }
        let should: Vec<Value> = samples.iter().map(|s| phrase("text_tokens", s)).collect();
        let needed = (samples.len() / 4).max(2);
        let query = json!({"bool": {"should": should, "minimum_should_match": needed}});
        let body = json!({"query": wrap(query, None, None), "size": DUPLICATE_CANDIDATES});
        let (_, mut docs, _) = self.request(&body, true)?;
        self.newest_only(&mut docs, false)?;
        let mine = crate::knowledge::similar::shingles(probe.text);
        let found: Vec<SimilarReport> = docs
            .into_iter()
            .filter(|d| Some(d.path.as_str()) != probe.path)
            .filter_map(|d| {
                let theirs = crate::knowledge::similar::shingles(d.text.as_deref().unwrap_or(""));
                let share = crate::knowledge::similar::overlap(&mine, &theirs);
                (share >= DUPLICATE_OVERLAP).then(|| SimilarReport {
                    report: d.record(),
                    overlap: Some((share * 100.0).round() as u32),
                    shared: Vec::new(),
                })
            })
            .collect();
        Ok(crate::search::knowledge::most_copied(found))
    }

    /// Reports sharing the probe's keywords and entities (an entity weighs more than a
    /// keyword), as locally.
    fn related(&self, probe: &Probe, exclude: &[&str]) -> Result<Vec<SimilarReport>> {
        let wanted = probe.wanted();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let should: Vec<Value> = wanted
            .iter()
            .map(|&(facet, value)| {
                let boost = if facet == Facet::Keyword {
                    1.0
                } else {
                    ENTITY_WEIGHT
                };
                json!({"term": {facet.name(): {"value": value, "boost": boost}}})
            })
            .collect();
        let body = json!({
            "query": wrap(json!({"bool": {"should": should, "minimum_should_match": 1}}), None, None),
            "size": RELATED + exclude.len() + 1,
            "sort": [{"_score": {"order": "desc"}}],
        });
        let (_, mut docs, _) = self.request(&body, false)?;
        self.newest_only(&mut docs, false)?;
        Ok(docs
            .into_iter()
            .filter(|d| !exclude.contains(&d.path.as_str()))
            .take(RELATED)
            .map(|d| {
                let mut shared: Vec<String> = Vec::new();
                for &(facet, value) in &wanted {
                    if d.values(facet).iter().any(|v| v == value)
                        && !shared.iter().any(|s| s == value)
                    {
                        shared.push(value.to_string());
                    }
                }
                SimilarReport {
                    report: d.record(),
                    overlap: None,
                    shared,
                }
            })
            .collect())
    }

    /// The ids of the reports the cluster may hold more than one version of: those sent by a
    /// push after the oldest one it holds (changed, added, renamed and removed reports);
    /// `None` when there are too many to list.
    fn multi_version_ids(&self) -> Result<Option<HashSet<String>>> {
        let body =
            json!({"query": match_all(), "size": 0, "aggs": {"first": {"min": {"field": "push"}}}});
        let (_, _, aggregations) = self.request(&body, false)?;
        let Some(first) = aggregations.pointer("/first/value").and_then(Value::as_f64) else {
            return Ok(Some(HashSet::new()));
        };
        let body = json!({
            "query": {"range": {"push": {"gt": first as u64}}},
            "size": 0,
            "aggs": {"v": {"terms": {"field": "id", "size": PATH_BUCKETS}}},
        });
        let (_, _, aggregations) = self.request(&body, false)?;
        let ids: HashSet<String> = buckets(&aggregations, "v")
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        Ok((ids.len() < PATH_BUCKETS).then_some(ids))
    }

    /// The paths of every report `query` matches, read from the cluster's path column
    /// (a terms aggregation per range of report keys) instead of from its stored documents; a
    /// report with several versions on the cluster is counted only when its newest version
    /// matches. `None` when the cluster holds too many versions to tell this way.
    fn paths_from_columns(&self, query: &Value) -> Result<Option<Vec<String>>> {
        let Some(multi) = self.multi_version_ids()? else {
            return Ok(None);
        };
        let count = json!({"query": query, "size": 0, "track_total_hits": true});
        let (total, _, _) = self.request(&count, false)?;
        // Keys are hashes, spread evenly: ranges of a few tens of thousands of reports each.
        let ranges = (total / (PATH_BUCKETS as u64 / 2) + 1) as u128;
        let width = (u128::from(u64::MAX) + 1) / ranges;
        let mut paths: Vec<String> = Vec::with_capacity(total.min(1 << 20) as usize);
        for r in 0..ranges {
            let low = r * width;
            let mut range = json!({"gte": low as u64});
            if r + 1 < ranges {
                range["lt"] = json!(((r + 1) * width) as u64);
            }
            let body = json!({
                "query": {"bool": {"must": [query], "filter": [{"range": {"key": range}}]}},
                "size": 0,
                "aggs": {"p": {"terms": {"field": "path", "size": PATH_BUCKETS}}},
            });
            let (_, _, aggregations) = self.request(&body, false)?;
            let found = buckets(&aggregations, "p");
            if found.len() >= PATH_BUCKETS {
                return Ok(None);
            }
            paths.extend(found.into_iter().map(|(p, _)| p));
        }
        // A report with several versions: only if its newest matches.
        let suspects: Vec<String> = paths
            .iter()
            .map(|p| crate::index::schema::report_id(p))
            .filter(|id| multi.contains(id))
            .collect();
        if !suspects.is_empty() {
            let mut keep: HashSet<String> = HashSet::new();
            for chunk in suspects.chunks(PAGE) {
                let body = json!({
                    "query": {"bool": {"must": [query], "filter": [{"terms": {"id": chunk}}]}},
                    "size": CLUSTER_DEPTH,
                    "_source": {"includes": ["id", "key", "path", "push", "tombstone"]},
                });
                let (_, mut docs, _) = self.request(&body, false)?;
                self.newest_only(&mut docs, false)?;
                keep.extend(docs.into_iter().map(|d| d.path));
            }
            paths.retain(|p| {
                !multi.contains(&crate::index::schema::report_id(p)) || keep.contains(p)
            });
        }
        paths.sort();
        paths.dedup();
        Ok(Some(paths))
    }

    fn count_all(&self) -> Result<u64> {
        let body =
            json!({"query": wrap(match_all(), None, None), "size": 0, "track_total_hits": true});
        Ok(self.request(&body, false)?.0)
    }
}

impl Engine for ClusterEngine {
    fn describe(&self) -> String {
        self.target().describe()
    }

    fn info(&self) -> Result<Option<IndexInfo>> {
        Ok(None)
    }

    fn search(&self, req: &SearchRequest, vocabulary: &FolderVocabulary) -> Result<SearchResponse> {
        let started = Instant::now();
        let deadline = Deadline::after(req.budget);
        let expr = req.expr()?;
        let (translated, check) = Self::translated(&expr, vocabulary);
        let query = wrap(translated, req.from, req.to);
        let limit = req.limit.clamp(1, MAX_DEPTH);
        let offset = req.offset.min(MAX_DEPTH - limit);
        let aggs = aggregations(&req.facets, FACET_TOP, req.years);
        let gathered = self.gather(
            &query,
            req.sort,
            offset + limit,
            aggs,
            &deadline,
            offset == 0,
        )?;
        let facets = facets_from(&gathered.aggregations, &req.facets, FACET_TOP);
        let years = years_from(&gathered.aggregations);
        let total = usize::try_from(gathered.candidates).unwrap_or(usize::MAX);
        let compiled = compile::compile(&expr, &FIELDS, vocabulary, &Deadline::none());
        let highlighter = Highlighter::new(&compiled.highlights);
        let mut page: Vec<Doc> = gathered.docs.into_iter().skip(offset).take(limit).collect();
        self.fill_text(&mut page)?;
        // The hits shown are checked against their text whatever the cluster answered: the
        // guarantee does not rest on its tokens alone.
        let shown = page.len();
        let checking = Instant::now();
        Self::check(&mut page, &check);
        tracing::debug!(
            "cluster search: {} candidates, {shown} hits checked against their text, {} kept, in {:.3} ms",
            gathered.candidates,
            page.len(),
            checking.elapsed().as_secs_f64() * 1e3
        );
        if page.len() < shown {
            tracing::warn!(
                "{} of {shown} hits from {} did not hold the query in their text and were left out",
                shown - page.len(),
                self.target().describe()
            );
        }
        let hits = page
            .iter()
            .map(|d| Self::hit(d, &highlighter, req.snippet_chars))
            .collect();
        Ok(SearchResponse {
            total,
            hits,
            took: started.elapsed(),
            years: if req.years { years } else { Vec::new() },
            facets,
        })
    }

    fn matching_paths(
        &self,
        req: &SearchRequest,
        vocabulary: &FolderVocabulary,
    ) -> Result<Vec<String>> {
        let expr = req.expr()?;
        let (translated, _) = Self::translated(&expr, vocabulary);
        let query = wrap(translated, req.from, req.to);
        if let Some(paths) = self.paths_from_columns(&query)? {
            return Ok(paths);
        }
        // Too many versions on the cluster to tell from its columns: every match is read.
        let mut paths = Vec::new();
        self.scan(&query, false, true, &mut |docs| {
            paths.extend(docs.into_iter().map(|d| d.path));
        })?;
        paths.sort();
        paths.dedup();
        Ok(paths)
    }

    fn highlighter(&self, query: &str, vocabulary: &FolderVocabulary) -> Result<Highlighter> {
        let expr = crate::search::query::parse(query)?;
        let compiled = compile::compile(&expr, &FIELDS, vocabulary, &Deadline::none());
        Ok(Highlighter::new(&compiled.highlights))
    }

    fn document(&self, id: &str) -> Result<Option<ReportView>> {
        if crate::index::schema::parse_report_id(id).is_none() {
            return Ok(None);
        }
        let body = json!({"query": {"term": {"id": id}}, "size": CLUSTER_DEPTH});
        let (_, docs, _) = self.request(&body, true)?;
        let Some(doc) = docs.into_iter().max_by_key(|d| (d.push, !d.tombstone)) else {
            return Ok(None);
        };
        if doc.tombstone {
            return Ok(None);
        }
        Ok(Some(ReportView {
            report: doc.record(),
            headings: doc.headings.clone(),
            text: doc.text.clone().unwrap_or_default(),
            encoding: doc.encoding.clone(),
            format: crate::ingest::format::ReportFormat::recorded(&doc.format),
            knowledge: doc.knowledge(),
        }))
    }

    fn overview(&self, top: usize) -> Result<Overview> {
        let mut aggs = aggregations(&Facet::ENTITIES, top, false);
        if let Value::Object(map) = &mut aggs {
            map.insert(
                "kind".into(),
                json!({"terms": {"field": "kind", "size": Kind::ALL.len()}}),
            );
        }
        let body = json!({
            "query": wrap(match_all(), None, None),
            "size": 0,
            "track_total_hits": true,
            "aggs": aggs,
        });
        let (reports, _, aggregations) = self.request(&body, false)?;
        let mut facets = facets_from(&aggregations, &[Facet::Kind], Kind::ALL.len());
        facets.extend(facets_from(&aggregations, &Facet::ENTITIES, top));
        Ok(Overview { reports, facets })
    }

    fn corpus_facets(&self, facets: &[Facet], top: usize) -> Result<FacetCounts> {
        let body = json!({
            "query": wrap(match_all(), None, None),
            "size": 0,
            "aggs": aggregations(facets, top, false),
        });
        let (_, _, aggregations) = self.request(&body, false)?;
        Ok(facets_from(&aggregations, facets, top))
    }

    fn entity(
        &self,
        facet: Facet,
        name: &str,
        limit: usize,
        offset: usize,
        vocabulary: &FolderVocabulary,
    ) -> Result<EntityView> {
        let name = facet_value(facet, name, &mut || vocabulary.aliases());
        let mut req = SearchRequest::new("").page(limit, offset, MAX_DEPTH)?;
        req.filters = vec![(facet, name.clone())];
        req.sort = Sort::Date;
        req.years = true;
        req.facets = Facet::ENTITIES.to_vec();
        let mut response = self.search(&req, vocabulary)?;
        for (f, values) in &mut response.facets {
            if *f == facet {
                values.retain(|(v, _)| *v != name);
            }
        }
        let names = if response.total == 0 || !Facet::ENTITIES.contains(&facet) {
            Vec::new()
        } else {
            let body = json!({
                "query": wrap(json!({"term": {facet.name(): name}}), None, None),
                "size": 0,
                "aggs": {"names": {"terms": {"field": "names", "size": 10 * ENTITY_NAMES}}},
            });
            let (_, _, aggregations) = self.request(&body, false)?;
            let prefix = alias_prefix(facet, &name);
            let mut names: Vec<(String, u64)> = buckets(&aggregations, "names")
                .into_iter()
                .filter(|(v, _)| v.starts_with(&prefix))
                .filter_map(|(v, n)| Some((parse_alias_value(&v)?.2.to_string(), n)))
                .collect();
            names.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            names.truncate(ENTITY_NAMES);
            names
        };
        Ok(EntityView {
            facet,
            name,
            names,
            reports: response.total,
            years: response.years,
            cooccurring: response.facets,
            hits: response.hits,
        })
    }

    fn similar(&self, probe: &Probe) -> Result<Similar> {
        let duplicates = self.near_duplicates(probe)?;
        let mut exclude: Vec<&str> = duplicates.iter().map(|d| d.report.path.as_str()).collect();
        exclude.extend(probe.path);
        let related = self.related(probe, &exclude)?;
        Ok(Similar {
            related,
            duplicates,
        })
    }

    fn duplicate_groups(&self, _req: &DuplicatesRequest) -> Result<Duplicates> {
        Err(self.unavailable("the copy audit"))
    }

    fn export(&self, text: bool) -> Result<Vec<ExportRecord>> {
        let mut records = Vec::new();
        self.scan(&wrap(match_all(), None, None), text, false, &mut |docs| {
            records.extend(docs.into_iter().map(|d| export_record(d, text)));
        })?;
        records.sort_by(|a, b| a.report.path.cmp(&b.report.path));
        Ok(records)
    }

    fn stats(&self, vocabulary: &FolderVocabulary) -> Result<IndexStats> {
        Ok(IndexStats {
            reports: self.count_all()?,
            folder: None,
            last_update: None,
            analysis: Some(crate::analysis::analysis_config()),
            analysis_current: true,
            knowledge: None,
            knowledge_current: true,
            vocabulary: vocabulary.get().loaded().clone(),
        })
    }

    fn reload(&self) -> Result<()> {
        Ok(())
    }
}

/// Runs of the probe's text looked for to find its near-duplicates.
const SAMPLES: usize = 12;
/// Characters in a run.
const SAMPLE_CHARS: usize = 8;
/// Candidates measured.
const DUPLICATE_CANDIDATES: usize = 50;

/// [`SAMPLES`] runs of [`SAMPLE_CHARS`] characters spread evenly over a normalized text (fewer
/// for a short text).
fn samples(normalized: &str) -> Vec<String> {
    let chars: Vec<char> = normalized.chars().collect();
    if chars.len() < SAMPLE_CHARS {
        return Vec::new();
    }
    let room = chars.len() - SAMPLE_CHARS;
    let mut out: Vec<String> = (0..SAMPLES)
        .map(|i| {
            let start = room * i / (SAMPLES - 1).max(1);
            chars[start..start + SAMPLE_CHARS].iter().collect()
        })
        .collect();
    out.dedup();
    out
}

/// A cluster document as the export writes it: the names as written, and the canonical name
/// of each that has another.
fn export_record(doc: Doc, text: bool) -> ExportRecord {
    let mut written = Entities::default();
    let mut canonical = Canonical::default();
    for value in &doc.names {
        if let Some((facet, canon, name)) = parse_alias_value(value) {
            written.of_mut(facet).push(name.to_string());
            if canon != name {
                canonical.insert(facet, name, canon);
            }
        }
    }
    ExportRecord {
        report: doc.record(),
        kind: doc.kind,
        keywords: doc.keywords,
        entities: written,
        canonical,
        headings: doc.headings,
        text: if text { doc.text } else { None },
        format: crate::ingest::format::ReportFormat::recorded(&doc.format),
        encoding: doc.encoding,
    }
}
