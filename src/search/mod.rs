//! Queries to ranked, highlighted hits.

pub mod compile;
pub mod deadline;
pub mod duplicates;
pub mod engine;
pub mod facets;
pub mod knowledge;
pub mod query;
pub mod snippet;
pub mod store;
pub mod verify;
pub mod years;

use std::collections::HashMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{Query, RangeQuery};
use tantivy::{DocAddress, IndexReader, ReloadPolicy, Score, TantivyDocument, Term};

use crate::error::{Error, Result};
use crate::index::schema::names;
use crate::index::{IndexInfo, ReportIndex};
use crate::ingest::ReportDate;
use crate::knowledge::{Entities, Facet};
use crate::vocabulary::FolderVocabulary;
pub use deadline::Deadline;
pub use duplicates::{DuplicateGroup, DuplicateMember, Duplicates, DuplicatesRequest};
pub use engine::Engine;
pub use facets::{FacetCollector, FacetCounts, FacetTotals};
pub use knowledge::{EntityView, ExportRecord, Overview, Probe, Similar, SimilarReport};
use query::Expr;
pub use query::MAX_QUERY_CHARS;
pub use snippet::{Highlighted, Highlighter};
pub use store::ReportRecord;
pub use verify::TextCheck;

/// Hits per page unless asked otherwise.
pub const DEFAULT_LIMIT: usize = 10;
/// Values listed per facet beside results.
pub const FACET_TOP: usize = 10;

/// Deepest hit a search can reach: `offset + limit` at most this (and `limit` too).
pub const MAX_DEPTH: usize = 10_000;

/// Result order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Best match first.
    #[default]
    Relevance,
    /// Newest first (reports without a date last), then best match.
    Date,
}

/// One search.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// Query text in the query language of [`query`].
    pub query: String,
    /// Hits to return.
    pub limit: usize,
    /// Hits to skip.
    pub offset: usize,
    /// Earliest date, inclusive (`yyyymmdd`).
    pub from: Option<i64>,
    /// Latest date, inclusive (`yyyymmdd`).
    pub to: Option<i64>,
    /// Order of hits.
    pub sort: Sort,
    /// Snippet length in characters.
    pub snippet_chars: usize,
    /// Also count matching reports per year ([`SearchResponse::years`]).
    pub years: bool,
    /// Facets to count over the whole matching set ([`SearchResponse::facets`]), each to its
    /// [`FACET_TOP`] values.
    pub facets: Vec<Facet>,
    /// Filters on extracted values, in addition to the query (the query may then be empty):
    /// the same as `facet:"value"` in the query, without quoting.
    pub filters: Vec<(Facet, String)>,
    /// Time the search may take; past it the search stops and fails with
    /// [`Error::Timeout`]. `None`: no limit.
    pub budget: Option<Duration>,
}

impl SearchRequest {
    /// A request for the first [`DEFAULT_LIMIT`] hits by relevance, without a time budget.
    pub fn new(query: impl Into<String>) -> Self {
        SearchRequest {
            query: query.into(),
            limit: DEFAULT_LIMIT,
            offset: 0,
            from: None,
            to: None,
            sort: Sort::Relevance,
            snippet_chars: snippet::SNIPPET_CHARS,
            years: false,
            facets: Vec::new(),
            filters: Vec::new(),
            budget: None,
        }
    }

    /// Counts the kind, people, places and organizations of the matching reports.
    pub fn with_facets(mut self) -> Self {
        self.facets = vec![Facet::Kind, Facet::Person, Facet::Place, Facet::Org];
        self
    }

    /// What the request's query and filters mean, decided on a report's stored text and
    /// knowledge ([`verify`]): how any engine can hold to the exact-match guarantee. Dates are
    /// not part of it.
    pub fn text_check(&self, vocabulary: &FolderVocabulary) -> Result<TextCheck> {
        Ok(TextCheck::new(&self.expr()?, vocabulary))
    }

    /// The query as an expression: the parsed text and the filters, all required. An empty
    /// query with filters is the filters alone.
    pub fn expr(&self) -> Result<Expr> {
        let mut parts = Vec::with_capacity(self.filters.len() + 1);
        if !self.query.trim().is_empty() || self.filters.is_empty() {
            parts.push(query::parse(&self.query)?);
        }
        for (facet, value) in &self.filters {
            parts.push(query::facet_filter(*facet, value)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::And(parts)
        })
    }

    /// Sets the page: `limit` from 1 to `max_limit` (at most [`MAX_DEPTH`]), and
    /// `offset + limit` at most [`MAX_DEPTH`]. The one place these bounds are checked, for
    /// the command line and the web alike.
    pub fn page(mut self, limit: usize, offset: usize, max_limit: usize) -> Result<Self> {
        let max_limit = max_limit.min(MAX_DEPTH);
        if !(1..=max_limit).contains(&limit) {
            return Err(Error::Option(format!(
                "limit must be a whole number from 1 to {max_limit}, not {limit}"
            )));
        }
        if offset.saturating_add(limit) > MAX_DEPTH {
            return Err(Error::Option(format!(
                "offset + limit may not exceed {MAX_DEPTH} (offset {offset}, limit {limit})"
            )));
        }
        self.limit = limit;
        self.offset = offset;
        Ok(self)
    }

    /// Sets the date range from `YYYY`, `YYYY-MM` or `YYYY-MM-DD` bounds (see
    /// [`parse_date_bound`]); `from` may not be after `to`.
    pub fn dates(mut self, from: Option<&str>, to: Option<&str>) -> Result<Self> {
        let from = from.map(|d| parse_date_bound(d, false)).transpose()?;
        let to = to.map(|d| parse_date_bound(d, true)).transpose()?;
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                let show =
                    |k: i64| ReportDate::from_key(k).map_or(k.to_string(), |d| d.to_string());
                return Err(Error::Option(format!(
                    "the range starts on {} and ends on {}, before it starts",
                    show(f),
                    show(t)
                )));
            }
        }
        self.from = from;
        self.to = to;
        Ok(self)
    }
}

/// One matching report.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// Which report (its title with the matches in `title_highlights`).
    #[serde(flatten)]
    pub report: ReportRecord,
    /// Relevance score.
    pub score: f32,
    /// Text around the best match.
    pub snippet: String,
    /// `[start, end)` character offsets of matches in `snippet`.
    pub highlights: Vec<[usize; 2]>,
    /// Matches in the title (character offsets), for display.
    #[serde(skip)]
    pub title_highlights: Vec<[usize; 2]>,
}

/// A page of hits.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResponse {
    /// Matching reports in all.
    pub total: usize,
    /// The requested page.
    pub hits: Vec<Hit>,
    /// Time spent searching.
    #[serde(skip)]
    pub took: Duration,
    /// `[year, matching reports]`, ascending, when requested.
    #[serde(skip)]
    pub years: Vec<[i64; 2]>,
    /// The most frequent values of each requested facet over all matching reports, as
    /// `{"kind": [[value, count], …], …}`.
    #[serde(serialize_with = "facets_json", skip_serializing_if = "Vec::is_empty")]
    pub facets: FacetCounts,
}

/// [`FacetCounts`] as a JSON object keyed by facet name, in facet order.
pub fn facets_json<S: serde::Serializer>(
    facets: &FacetCounts,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_map(facets.iter().map(|(f, values)| (f.name(), values)))
}

/// What the knowledge base knows of one report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReportKnowledge {
    /// Document type label (`述职报告`); empty for an index without knowledge.
    pub kind: String,
    /// Keywords, best first.
    pub keywords: Vec<String>,
    /// People, places and organizations named.
    pub entities: Entities,
}

/// A whole report, as stored.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    /// Which report.
    #[serde(flatten)]
    pub report: ReportRecord,
    /// Section headings.
    pub headings: Vec<String>,
    /// The original text.
    pub text: String,
    /// Encoding of the file (empty where its format fixes it).
    pub encoding: String,
    /// The format it was read as: `text`, `markdown`, `docx`, `doc`, `odt`, `pdf`, `html`
    /// (a report indexed by a build that did not record it counts as text).
    pub format: crate::ingest::format::ReportFormat,
    /// Kind, keywords and entities.
    #[serde(flatten)]
    pub knowledge: ReportKnowledge,
}

/// An indexed report's original file (see [`LocalEngine::original`]).
#[derive(Debug)]
pub struct OriginalFile {
    /// Path relative to the indexed folder.
    pub path: String,
    /// Its media type (with the charset of a text file).
    pub media_type: String,
    /// The file, opened as a regular file: a download streams from this descriptor, the one
    /// that was checked, at most its size at opening.
    pub file: crate::ingest::RegularFile,
}

/// What `/file` finds for a report id.
#[derive(Debug)]
pub enum Original {
    /// The report's file, opened.
    Found(OriginalFile),
    /// No report has this id, or its file is gone.
    Missing,
    /// The report's path holds something that is not served (a folder, a symbolic link, a
    /// named pipe, a file past the size limit), and what it is.
    Refused(String),
}

/// What an index holds, for `zhsearch stats` and `/api/stats` alike.
#[derive(Debug, Clone, Serialize)]
pub struct IndexStats {
    /// Reports in the index.
    pub reports: u64,
    /// The indexed folder, absolute.
    pub folder: Option<String>,
    /// Time of the last commit, RFC 3339 (UTC, seconds).
    pub last_update: Option<String>,
    /// The analysis configuration the index was built with.
    pub analysis: Option<String>,
    /// Whether this build analyses text the same way (otherwise `index` rebuilds).
    pub analysis_current: bool,
    /// What decided the kinds, entities and keywords stored ([`crate::knowledge::version`]).
    pub knowledge: Option<String>,
    /// Whether this build extracts them the same way (otherwise `index` re-extracts).
    pub knowledge_current: bool,
    /// The vocabulary queries are read with: bundled lexicon and synonyms, the folder's
    /// `zhsearch.toml` files, and every line that was rejected.
    pub vocabulary: crate::vocabulary::Loaded,
}

/// Parses a date bound: `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (also with `/` or `.`). `end` picks
/// the last day of a year or month instead of the first.
pub fn parse_date_bound(text: &str, end: bool) -> Result<i64> {
    let bad = || {
        Error::Option(format!(
            "invalid date {text:?}: use YYYY, YYYY-MM or YYYY-MM-DD"
        ))
    };
    let parts: Vec<&str> = text.trim().split(['-', '/', '.']).collect();
    let num = |s: &str, len: std::ops::RangeInclusive<usize>| -> Result<u16> {
        if !len.contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    let year = num(parts[0], 4..=4)?;
    let (month, day) = match parts.len() {
        1 => (if end { 12 } else { 1 }, None),
        2 => (num(parts[1], 1..=2)?, None),
        3 => (num(parts[1], 1..=2)?, Some(num(parts[2], 1..=2)?)),
        _ => return Err(bad()),
    };
    let month = u8::try_from(month).map_err(|_| bad())?;
    let day = match day {
        Some(d) => u8::try_from(d).map_err(|_| bad())?,
        None if end => (28..=31u8)
            .rev()
            .find(|&d| ReportDate::new(year, month, d).is_some())
            .ok_or_else(bad)?,
        None => 1,
    };
    ReportDate::new(year, month, day)
        .map(ReportDate::key)
        .ok_or_else(bad)
}

/// A hit ordered by (date, score).
type DatedHit = ((i64, Score), DocAddress);

/// Paths of one segment, indexed by term ordinal (so in path order).
type PathTable = Arc<Vec<String>>;

/// Searches an index.
#[derive(Clone)]
pub struct LocalEngine {
    dir: std::path::PathBuf,
    index: ReportIndex,
    reader: IndexReader,
    /// Decoded path dictionaries of the segments seen so far. Segments never change once
    /// written, so an entry stays valid for as long as its segment exists.
    paths: Arc<Mutex<HashMap<tantivy::index::SegmentId, PathTable>>>,
    /// Facet totals per segment, for counts over most of the corpus.
    facet_totals: Arc<facets::FacetTotals>,
    /// The last copy audit and what it was asked on (the pages of `/duplicates` ask for the
    /// same audit again), valid while the index is as it was.
    last_audit: Arc<Mutex<Option<duplicates::LastAudit>>>,
}

impl LocalEngine {
    /// Opens the index at `dir` for searching. The reader follows new commits (made by this or
    /// another process) shortly after they land.
    pub fn open(dir: &Path) -> Result<Self> {
        let index = ReportIndex::open(dir)?;
        let reader = index
            .index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()?;
        Ok(LocalEngine {
            dir: dir.to_path_buf(),
            index,
            reader,
            paths: Arc::default(),
            facet_totals: Arc::default(),
            last_audit: Arc::default(),
        })
    }

    /// The index folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The underlying index.
    pub fn index(&self) -> &ReportIndex {
        &self.index
    }

    /// Documents in the index.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// What the last commit recorded.
    pub fn info(&self) -> Result<Option<IndexInfo>> {
        self.index.info()
    }

    /// What the index holds.
    pub fn stats(&self, vocabulary: &FolderVocabulary) -> Result<IndexStats> {
        let info = self.info()?;
        let current = crate::analysis::analysis_config();
        let vocabulary = vocabulary.get();
        Ok(IndexStats {
            reports: self.num_docs(),
            folder: info.as_ref().map(|i| i.root.display().to_string()),
            last_update: info.as_ref().map(|i| {
                humantime::format_rfc3339_seconds(
                    std::time::UNIX_EPOCH + Duration::from_secs(i.updated),
                )
                .to_string()
            }),
            analysis_current: info.as_ref().is_some_and(|i| i.analysis == current),
            knowledge_current: info
                .as_ref()
                .is_some_and(|i| i.knowledge == crate::knowledge::version_for(&vocabulary)),
            vocabulary: vocabulary.loaded().clone(),
            knowledge: info.as_ref().map(|i| i.knowledge.clone()),
            analysis: info.map(|i| i.analysis),
        })
    }

    fn date_filter(&self, from: Option<i64>, to: Option<i64>) -> Result<Option<Box<dyn Query>>> {
        if from.is_none() && to.is_none() {
            return Ok(None);
        }
        let field = self.index.fields.date;
        let bound = |v: Option<i64>| match v {
            Some(v) => Bound::Included(Term::from_field_i64(field, v)),
            None => Bound::Unbounded,
        };
        // An unbounded side still excludes reports without a date: the range needs a value.
        let lower = bound(from.or(Some(0)));
        Ok(Some(Box::new(RangeQuery::new(lower, bound(to)))))
    }

    /// Runs a search and returns one page of highlighted hits.
    pub fn search(
        &self,
        req: &SearchRequest,
        vocabulary: &FolderVocabulary,
    ) -> Result<SearchResponse> {
        let started = Instant::now();
        let deadline = Deadline::after(req.budget);
        let expr = req.expr()?;
        let compiled = compile::compile(&expr, &self.index.fields, vocabulary, &deadline);
        let filter = self.date_filter(req.from, req.to)?;
        let query = compiled.ranked(filter);
        let searcher = self.reader.searcher();
        let limit = req.limit.clamp(1, MAX_DEPTH);
        let offset = req.offset.min(MAX_DEPTH - limit);
        let top: Vec<(Score, DocAddress)>;
        let total;
        let years;
        let year_counts = years::YearCounts(req.years);
        let facet_counts = FacetCollector {
            facets: req.facets.clone(),
            top: FACET_TOP,
            totals: Some(Arc::clone(&self.facet_totals)),
        };
        let facets;
        match req.sort {
            Sort::Relevance => {
                let collector = TopDocs::with_limit(limit)
                    .and_offset(offset)
                    .order_by_score();
                (top, total, years, facets) =
                    searcher.search(&*query, &(collector, Count, year_counts, facet_counts))?;
            }
            Sort::Date => {
                let collector = TopDocs::with_limit(limit).and_offset(offset).tweak_score(
                    |segment: &tantivy::SegmentReader| {
                        let dates = segment
                            .fast_fields()
                            .column_opt::<i64>(names::DATE)
                            .ok()
                            .flatten();
                        move |doc, score| {
                            let date = dates.as_ref().and_then(|c| c.first(doc)).unwrap_or(0);
                            (date, score)
                        }
                    },
                );
                let (dated, count, by_year, counted): (Vec<DatedHit>, _, _, _) =
                    searcher.search(&*query, &(collector, Count, year_counts, facet_counts))?;
                top = dated.into_iter().map(|((_, s), a)| (s, a)).collect();
                total = count;
                years = by_year;
                facets = counted;
            }
        }
        // A scorer stopped by the deadline makes the counts and the page incomplete.
        deadline.check()?;
        let highlighter = Highlighter::new(&compiled.highlights);
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            deadline.check()?;
            hits.push(self.hit(&searcher, address, score, &highlighter, req.snippet_chars)?);
        }
        Ok(SearchResponse {
            total,
            hits,
            took: started.elapsed(),
            years,
            facets,
        })
    }

    fn hit(
        &self,
        searcher: &tantivy::Searcher,
        address: DocAddress,
        score: Score,
        highlighter: &Highlighter,
        width: usize,
    ) -> Result<Hit> {
        let f = &self.index.fields;
        let doc: TantivyDocument = searcher.doc(address)?;
        let segment = searcher.segment_reader(address.segment_ord);
        let mut report = ReportRecord::read(segment, address.doc_id, &doc, f.title)?;
        let snip = highlighter.snippet(&store::first(&doc, f.text), width);
        let title_hl = highlighter.highlight_all(&report.title);
        report.title = title_hl.text;
        Ok(Hit {
            report,
            score,
            snippet: snip.text,
            highlights: snip.highlights,
            title_highlights: title_hl.highlights,
        })
    }

    /// Picks up the latest commit now (the reader also follows commits by itself, shortly
    /// after they land).
    pub fn reload(&self) -> Result<()> {
        Ok(self.reader.reload()?)
    }

    /// What highlights a query's matches in any text.
    pub fn highlighter(
        &self,
        query_text: &str,
        vocabulary: &FolderVocabulary,
    ) -> Result<Highlighter> {
        let expr = query::parse(query_text)?;
        let compiled = compile::compile(&expr, &self.index.fields, vocabulary, &Deadline::none());
        Ok(Highlighter::new(&compiled.highlights))
    }

    /// The report with this id, if the index holds it.
    pub fn document(&self, id: &str) -> Result<Option<ReportView>> {
        let f = &self.index.fields;
        let searcher = self.reader.searcher();
        let Some(key) = crate::index::schema::parse_report_id(id) else {
            return Ok(None);
        };
        let Some(address) = crate::index::find_by_key(&searcher, key)? else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher.doc(address)?;
        let segment = searcher.segment_reader(address.segment_ord);
        Ok(Some(ReportView {
            report: ReportRecord::read(segment, address.doc_id, &doc, f.title)?,
            headings: store::all(&doc, f.headings),
            text: store::first(&doc, f.text),
            encoding: store::first(&doc, f.encoding),
            format: crate::ingest::format::ReportFormat::recorded(&store::first(&doc, f.format)),
            knowledge: facets::FacetColumns::open(segment)?
                .knowledge(address.doc_id, store::all(&doc, f.keyword))?,
        }))
    }

    /// The decoded path dictionary of a segment, built once per segment when a query names
    /// a good share of it (`hits`); `None` when it is not decoded and not worth decoding yet.
    fn path_table(
        &self,
        segment: &tantivy::SegmentReader,
        column: &tantivy::columnar::StrColumn,
        hits: usize,
    ) -> Result<Option<PathTable>> {
        let id = segment.segment_id();
        let mut cache = self.paths.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(table) = cache.get(&id) {
            return Ok(Some(Arc::clone(table)));
        }
        // Naming a few hits reads a few dictionary blocks; decoding everything pays off once a
        // query names more than a small share of the segment.
        if hits * 32 < column.num_terms() {
            return Ok(None);
        }
        let mut table = Vec::with_capacity(column.num_terms());
        let mut stream = column
            .dictionary()
            .stream()
            .map_err(|e| Error::io("reading paths from the index", e))?;
        while stream.advance() {
            table.push(String::from_utf8_lossy(stream.key()).into_owned());
        }
        let table = Arc::new(table);
        // Forget segments that merges have replaced.
        let live: Vec<tantivy::index::SegmentId> = self
            .reader
            .searcher()
            .segment_readers()
            .iter()
            .map(|s| s.segment_id())
            .collect();
        cache.retain(|k, _| live.contains(k));
        cache.insert(id, Arc::clone(&table));
        Ok(Some(table))
    }

    /// The paths of every matching report, sorted. No ranking, no limit.
    pub fn matching_paths(
        &self,
        req: &SearchRequest,
        vocabulary: &FolderVocabulary,
    ) -> Result<Vec<String>> {
        let expr = req.expr()?;
        let compiled = compile::compile(&expr, &self.index.fields, vocabulary, &Deadline::none());
        let query = compiled.unranked(self.date_filter(req.from, req.to)?);
        let searcher = self.reader.searcher();
        let weight = query.weight(tantivy::query::EnableScoring::disabled_from_searcher(
            &searcher,
        ))?;
        let mut paths = Vec::new();
        for segment in searcher.segment_readers() {
            let Some(column) = crate::index::path_column(segment)? else {
                continue;
            };
            let alive = segment.alive_bitset();
            let mut ords: Vec<u64> = Vec::new();
            weight.for_each_no_score(segment, &mut |batch| {
                for &doc in batch {
                    if alive.is_none_or(|a| a.is_alive(doc)) {
                        ords.extend(column.term_ords(doc).next());
                    }
                }
            })?;
            // Ordinals follow path order, so sorted ordinals give sorted paths.
            ords.sort_unstable();
            match self.path_table(segment, &column, ords.len())? {
                Some(table) => paths.extend(
                    ords.into_iter()
                        .filter_map(|o| table.get(o as usize).cloned()),
                ),
                // A few hits in a segment not decoded yet: read just their blocks.
                None => {
                    column
                        .dictionary()
                        .sorted_ords_to_term_cb(&ords, |bytes| {
                            paths.push(String::from_utf8_lossy(bytes).into_owned())
                        })
                        .map_err(|e| Error::io("reading paths from the index", e))?;
                }
            }
        }
        // Each segment's paths are already sorted: the stable sort merges the runs.
        paths.sort();
        Ok(paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_bounds() {
        assert_eq!(parse_date_bound("2017", false).unwrap(), 20170101);
        assert_eq!(parse_date_bound("2017", true).unwrap(), 20171231);
        assert_eq!(parse_date_bound("2016-02", true).unwrap(), 20160229);
        assert_eq!(parse_date_bound("2017-2", false).unwrap(), 20170201);
        assert_eq!(parse_date_bound("2017-11-09", true).unwrap(), 20171109);
        assert_eq!(parse_date_bound("2017/11/9", false).unwrap(), 20171109);
        for bad in [
            "",
            "17",
            "2017-13",
            "2017-02-30",
            "abc",
            "2017-1-1-1",
            "２０１７",
        ] {
            assert!(parse_date_bound(bad, false).is_err(), "{bad}");
        }
    }
}
