//! Reports to index: the schema, the one place an index is opened, and incremental sync.

pub mod open;
pub mod schema;
pub mod sync;

pub use open::{IndexInfo, ReportIndex};
pub use schema::Fields;
pub use sync::{sync, Indexer, Progress, SyncOptions, SyncSummary};

use tantivy::{DocId, SegmentReader};

use crate::error::{Error, Result};

/// The paths of `docs` in one segment, as `(doc, path)` sorted by path.
///
/// Paths live in a dictionary-encoded fast column; resolving them in ordinal order reads each
/// compressed dictionary block once instead of once per document.
pub fn segment_paths(
    segment: &SegmentReader,
    docs: impl Iterator<Item = DocId>,
) -> Result<Vec<(DocId, String)>> {
    let Some(column) = segment.fast_fields().str(schema::names::PATH)? else {
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
