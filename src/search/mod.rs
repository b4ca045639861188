//! Queries to ranked, highlighted hits.

pub mod compile;
pub mod query;
pub mod snippet;
pub mod years;

use std::collections::HashMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{Query, RangeQuery};
use tantivy::schema::Value;
use tantivy::{DocAddress, IndexReader, ReloadPolicy, Score, TantivyDocument, Term};

use crate::analysis::jieba;
use crate::error::{Error, Result};
use crate::index::schema::names;
use crate::index::{IndexInfo, ReportIndex};
use crate::ingest::ReportDate;
pub use snippet::Highlighted;

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
    /// Also count matching reports per year ([`SearchResults::years`]).
    pub years: bool,
}

impl SearchRequest {
    /// A request for the first ten hits by relevance.
    pub fn new(query: impl Into<String>) -> Self {
        SearchRequest {
            query: query.into(),
            limit: 10,
            offset: 0,
            from: None,
            to: None,
            sort: Sort::Relevance,
            snippet_chars: snippet::SNIPPET_CHARS,
            years: false,
        }
    }
}

/// One matching report.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// Stable id of the report (see [`crate::index::schema::report_id`]).
    pub id: String,
    /// Path relative to the indexed folder, `/`-separated.
    pub path: String,
    /// Title line.
    pub title: String,
    /// Date, `YYYY-MM-DD`.
    pub date: Option<String>,
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
pub struct SearchResults {
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
}

/// A whole report, as stored.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    /// Stable id.
    pub id: String,
    /// Path relative to the indexed folder.
    pub path: String,
    /// Title line.
    pub title: String,
    /// Date, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Section headings.
    pub headings: Vec<String>,
    /// The original text.
    pub text: String,
    /// Encoding of the file.
    pub encoding: String,
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
pub struct ReportSearcher {
    index: ReportIndex,
    reader: IndexReader,
    /// Decoded path dictionaries of the segments seen so far. Segments never change once
    /// written, so an entry stays valid for as long as its segment exists.
    paths: Arc<Mutex<HashMap<tantivy::index::SegmentId, PathTable>>>,
}

impl ReportSearcher {
    /// Opens the index at `dir` for searching. The reader follows new commits (made by this or
    /// another process) shortly after they land.
    pub fn open(dir: &Path) -> Result<Self> {
        let index = ReportIndex::open(dir)?;
        let reader = index
            .index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()?;
        Ok(ReportSearcher {
            index,
            reader,
            paths: Arc::default(),
        })
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

    fn date_filter(&self, from: Option<i64>, to: Option<i64>) -> Result<Option<Box<dyn Query>>> {
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(Error::Option(format!(
                    "--from {} is after --to {}",
                    ReportDate::from_key(f).map_or(f.to_string(), |d| d.to_string()),
                    ReportDate::from_key(t).map_or(t.to_string(), |d| d.to_string()),
                )));
            }
        }
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
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults> {
        let started = Instant::now();
        let expr = query::parse(&req.query)?;
        let compiled = compile::compile(&expr, &self.index.fields, &jieba);
        let filter = self.date_filter(req.from, req.to)?;
        let query = compiled.ranked(filter);
        let searcher = self.reader.searcher();
        let limit = req.limit.max(1);
        let top: Vec<(Score, DocAddress)>;
        let total;
        let years;
        let year_counts = years::YearCounts(req.years);
        match req.sort {
            Sort::Relevance => {
                let collector = TopDocs::with_limit(limit)
                    .and_offset(req.offset)
                    .order_by_score();
                (top, total, years) = searcher.search(&*query, &(collector, Count, year_counts))?;
            }
            Sort::Date => {
                let collector = TopDocs::with_limit(limit)
                    .and_offset(req.offset)
                    .tweak_score(|segment: &tantivy::SegmentReader| {
                        let dates = segment
                            .fast_fields()
                            .column_opt::<i64>(names::DATE)
                            .ok()
                            .flatten();
                        move |doc, score| {
                            let date = dates.as_ref().and_then(|c| c.first(doc)).unwrap_or(0);
                            (date, score)
                        }
                    });
                let (dated, count, by_year): (Vec<DatedHit>, usize, Vec<[i64; 2]>) =
                    searcher.search(&*query, &(collector, Count, year_counts))?;
                top = dated.into_iter().map(|((_, s), a)| (s, a)).collect();
                total = count;
                years = by_year;
            }
        }
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            hits.push(self.hit(
                &searcher,
                address,
                score,
                &compiled.highlights,
                req.snippet_chars,
            )?);
        }
        Ok(SearchResults {
            total,
            hits,
            took: started.elapsed(),
            years,
        })
    }

    fn hit(
        &self,
        searcher: &tantivy::Searcher,
        address: DocAddress,
        score: Score,
        needles: &[String],
        width: usize,
    ) -> Result<Hit> {
        let f = &self.index.fields;
        let doc: TantivyDocument = searcher.doc(address)?;
        let text_of = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        let title = text_of(f.title);
        let text = text_of(f.text);
        let segment = searcher.segment_reader(address.segment_ord);
        let date = segment
            .fast_fields()
            .column_opt::<i64>(names::DATE)?
            .and_then(|c| c.first(address.doc_id))
            .and_then(ReportDate::from_key)
            .map(|d| d.to_string());
        let snip = snippet::snippet(&text, needles, width);
        let title_hl = snippet::highlight_all(&title, needles);
        let path = crate::index::path_of(segment, address.doc_id)?;
        Ok(Hit {
            id: crate::index::schema::report_id(&path),
            path,
            title: title_hl.text,
            date,
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

    /// The normalized strings a query highlights.
    pub fn highlight_terms(&self, query_text: &str) -> Result<Vec<String>> {
        let expr = query::parse(query_text)?;
        Ok(compile::compile(&expr, &self.index.fields, &jieba).highlights)
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
        let all = |field| -> Vec<String> {
            doc.get_all(field)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        let first = |field| all(field).into_iter().next().unwrap_or_default();
        let segment = searcher.segment_reader(address.segment_ord);
        let path = crate::index::path_of(segment, address.doc_id)?;
        let date = segment
            .fast_fields()
            .column_opt::<i64>(names::DATE)?
            .and_then(|c| c.first(address.doc_id))
            .and_then(ReportDate::from_key)
            .map(|d| d.to_string());
        Ok(Some(ReportView {
            id: crate::index::schema::report_id(&path),
            path,
            title: first(f.title),
            date,
            headings: all(f.headings),
            text: first(f.text),
            encoding: first(f.encoding),
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
        query_text: &str,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<Vec<String>> {
        let expr = query::parse(query_text)?;
        let compiled = compile::compile(&expr, &self.index.fields, &jieba);
        let query = compiled.unranked(self.date_filter(from, to)?);
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
