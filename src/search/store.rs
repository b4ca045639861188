//! Reports read back from the index: one place turns a stored document and its segment's
//! columns into the [`ReportRecord`] that hits, report pages, similar reports and the export
//! all start with.

use serde::Serialize;
use tantivy::schema::{Field, Value};
use tantivy::{DocId, SegmentReader, TantivyDocument};

use crate::error::Result;
use crate::index::schema::report_id;
use crate::ingest::ReportDate;

/// Which report: its id, path, title and date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReportRecord {
    /// Stable id of the report (see [`crate::index::schema::report_id`]).
    pub id: String,
    /// Path relative to the indexed folder, `/`-separated.
    pub path: String,
    /// Title line.
    pub title: String,
    /// Date, `YYYY-MM-DD`.
    pub date: Option<String>,
}

impl ReportRecord {
    /// The record of document `doc` of `segment`, whose stored fields are `stored` (`title`
    /// its title field): the path and date come from the segment's columns.
    pub fn read(
        segment: &SegmentReader,
        doc: DocId,
        stored: &TantivyDocument,
        title: Field,
    ) -> Result<ReportRecord> {
        let path = crate::index::path_of(segment, doc)?;
        ReportRecord::with_path(path, segment, doc, stored, title)
    }

    /// [`ReportRecord::read`] when the path is known already (read for a whole segment at
    /// once, say).
    pub fn with_path(
        path: String,
        segment: &SegmentReader,
        doc: DocId,
        stored: &TantivyDocument,
        title: Field,
    ) -> Result<ReportRecord> {
        Ok(ReportRecord {
            id: report_id(&path),
            path,
            title: first(stored, title),
            date: date_of(segment, doc)?,
        })
    }
}

/// The first value of a stored text field, or "".
pub fn first(doc: &TantivyDocument, field: Field) -> String {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string()
}

/// Every value of a stored text field.
pub fn all(doc: &TantivyDocument, field: Field) -> Vec<String> {
    doc.get_all(field)
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// The date of one report, `YYYY-MM-DD`.
pub fn date_of(segment: &SegmentReader, doc: DocId) -> Result<Option<String>> {
    Ok(segment
        .fast_fields()
        .column_opt::<i64>(crate::index::schema::names::DATE)?
        .and_then(|c| c.first(doc))
        .and_then(ReportDate::from_key)
        .map(|d| d.to_string()))
}
