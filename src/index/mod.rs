//! Reports to index: the schema, the one place an index is opened, and incremental sync.

pub mod open;
pub mod pushes;
pub mod schema;
pub mod sync;

pub use open::{IndexInfo, ReportIndex};
pub use pushes::{Pushed, Pushes};
pub use schema::Fields;
pub use sync::{sync, Indexer, Progress, SyncOptions, SyncSummary};

use std::collections::HashSet;
use std::sync::Arc;

use tantivy::columnar::StrColumn;
use tantivy::query::doc_predicate_query::{DocPredicateQuery, FunctionPredicate};
use tantivy::{DocAddress, DocId, Searcher, SegmentReader};

use crate::error::{Error, Result};

/// The dictionary-encoded column of a segment's paths (`None` when the segment has none).
pub fn path_column(segment: &SegmentReader) -> Result<Option<StrColumn>> {
    Ok(segment.fast_fields().str(schema::names::PATH)?)
}

/// Whether the path of `doc` has one of the dictionary ordinals `ords` (sorted).
fn path_in(column: &StrColumn, ords: &[u64], doc: DocId) -> bool {
    column
        .term_ords(doc)
        .next()
        .is_some_and(|o| ords.binary_search(&o).is_ok())
}

/// The path of one document.
pub fn path_of(segment: &SegmentReader, doc: DocId) -> Result<String> {
    let mut path = String::new();
    if let Some(column) = path_column(segment)? {
        if let Some(ord) = column.term_ords(doc).next() {
            column
                .ord_to_str(ord, &mut path)
                .map_err(|e| Error::io("reading a path from the index", e))?;
        }
    }
    Ok(path)
}

/// The paths of `docs` in one segment, as `(doc, path)` sorted by path.
///
/// Paths live in a dictionary-encoded fast column; resolving them in ordinal order reads each
/// dictionary block once instead of once per document.
pub fn segment_paths(
    segment: &SegmentReader,
    docs: impl Iterator<Item = DocId>,
) -> Result<Vec<(DocId, String)>> {
    let Some(column) = path_column(segment)? else {
        return Ok(Vec::new());
    };
    let mut by_ord: Vec<(u64, DocId)> = docs
        .filter_map(|doc| column.term_ords(doc).next().map(|ord| (ord, doc)))
        .collect();
    by_ord.sort_unstable();
    let ords: Vec<u64> = by_ord.iter().map(|&(ord, _)| ord).collect();
    let mut out = Vec::with_capacity(by_ord.len());
    let mut next = by_ord.iter();
    column
        .dictionary()
        .sorted_ords_to_term_cb(&ords, |bytes| {
            if let Some(&(_, doc)) = next.next() {
                out.push((doc, String::from_utf8_lossy(bytes).into_owned()));
            }
        })
        .map_err(|e| Error::io("reading paths from the index", e))?;
    Ok(out)
}

/// The path-dictionary ordinals of one segment whose path satisfies `wanted`, sorted.
fn ords_where(column: &StrColumn, wanted: impl Fn(&[u8]) -> bool) -> Result<Vec<u64>> {
    let mut stream = column
        .dictionary()
        .stream()
        .map_err(|e| Error::io("reading paths from the index", e))?;
    let mut ords = Vec::new();
    let mut ord = 0u64;
    while stream.advance() {
        if wanted(stream.key()) {
            ords.push(ord);
        }
        ord += 1;
    }
    Ok(ords)
}

/// Documents whose path is one of `paths`: how sync deletes the old versions of files.
pub fn paths_query(paths: HashSet<String>) -> DocPredicateQuery {
    let paths = Arc::new(paths);
    DocPredicateQuery::from(FunctionPredicate::from(move |segment: &SegmentReader| {
        let internal = |e: Error| tantivy::TantivyError::InternalError(e.to_string());
        let column = path_column(segment).map_err(internal)?;
        let ords = match &column {
            Some(c) => ords_where(c, |p| {
                std::str::from_utf8(p).is_ok_and(|p| paths.contains(p))
            })
            .map_err(internal)?,
            None => Vec::new(),
        };
        Ok(move |doc: DocId| column.as_ref().is_some_and(|c| path_in(c, &ords, doc)))
    }))
}

/// The live document whose [`schema::report_key`] is `key`.
pub fn find_by_key(searcher: &Searcher, key: u64) -> Result<Option<DocAddress>> {
    for (segment_ord, segment) in searcher.segment_readers().iter().enumerate() {
        let Some(column) = path_column(segment)? else {
            continue;
        };
        let ords = ords_where(&column, |p| xxhash_rust::xxh3::xxh3_64(p) == key)?;
        if ords.is_empty() {
            continue;
        }
        let alive = segment.alive_bitset();
        for doc in 0..segment.max_doc() {
            if alive.is_none_or(|a| a.is_alive(doc)) && path_in(&column, &ords, doc) {
                return Ok(Some(DocAddress::new(segment_ord as u32, doc)));
            }
        }
    }
    Ok(None)
}
