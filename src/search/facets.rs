//! A collector counting the values of knowledge facets (kind, people, places, organizations)
//! over a whole matching set, for the facet lists beside results and the corpus overview.
//!
//! Each facet is a dictionary-encoded fast column: a segment counts term ordinals in a flat
//! array (one increment per value of a matching report — or, when most of the segment
//! matches, one decrement per value of a report that does not, from the segment's totals), and
//! only the ordinals that can be among the most frequent are turned into strings when the
//! segments' counts are merged.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;

use tantivy::index::SegmentId;
use tantivy::{DocId, Opstamp, Score, SegmentOrdinal, SegmentReader};

use crate::knowledge::Facet;

/// The kind and entity columns of one segment, to read a report's values back (they are not
/// stored: the fast columns that count facets already hold them).
pub struct FacetColumns {
    columns: Vec<(Facet, Option<StrColumn>)>,
}

impl FacetColumns {
    /// The kind, person, place and org columns of `segment`.
    pub fn open(segment: &SegmentReader) -> crate::error::Result<FacetColumns> {
        let mut columns = Vec::with_capacity(4);
        for facet in [Facet::Kind, Facet::Person, Facet::Place, Facet::Org] {
            columns.push((facet, segment.fast_fields().str(facet.name())?));
        }
        Ok(FacetColumns { columns })
    }

    /// The values of `facet` for `doc`, in byte order (none for a facet without a column).
    pub fn values(&self, facet: Facet, doc: DocId) -> crate::error::Result<Vec<String>> {
        let Some((_, Some(column))) = self.columns.iter().find(|(f, _)| *f == facet) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for ord in column.term_ords(doc) {
            let mut value = String::new();
            column
                .ord_to_str(ord, &mut value)
                .map_err(|e| crate::error::Error::io("reading a report's knowledge", e))?;
            out.push(value);
        }
        Ok(out)
    }

    /// What the index knows of `doc`; `keywords` come from the store.
    pub fn knowledge(
        &self,
        doc: DocId,
        keywords: Vec<String>,
    ) -> crate::error::Result<super::ReportKnowledge> {
        Ok(super::ReportKnowledge {
            kind: self
                .values(Facet::Kind, doc)?
                .into_iter()
                .next()
                .unwrap_or_default(),
            keywords,
            entities: crate::knowledge::Entities {
                person: self.values(Facet::Person, doc)?,
                place: self.values(Facet::Place, doc)?,
                org: self.values(Facet::Org, doc)?,
            },
        })
    }
}

/// The most frequent values of each facet, most frequent first (ties by value), with the
/// number of matching reports that have each.
pub type FacetCounts = Vec<(Facet, Vec<(String, u64)>)>;

/// Counts the values of `facets` over the matching reports and keeps the `top` of each. With no
/// facets it collects nothing (so it can sit in a collector tuple at no cost).
///
/// Two things keep a count over most of the corpus cheap. A segment where most live reports
/// match counts the reports that do *not* match and subtracts them from the segment's totals
/// ([`FacetTotals`], counted once per segment and its deletions). And only the values that can
/// be among the `top` are turned into strings: each segment's most frequent ordinals are
/// looked up, with a bound on what any other value can reach; only when that bound does not
/// settle the `top` are all values read.
pub struct FacetCollector {
    /// Facets to count.
    pub facets: Vec<Facet>,
    /// Values kept per facet.
    pub top: usize,
    /// Totals per segment shared between searches, if any.
    pub totals: Option<Arc<FacetTotals>>,
}

impl FacetCollector {
    /// A collector that counts nothing.
    pub fn none() -> FacetCollector {
        FacetCollector {
            facets: Vec::new(),
            top: 0,
            totals: None,
        }
    }
}

/// Segments whose totals are kept at most; segments come and go as they merge, so the cache
/// starts over when it is full.
const MAX_CACHED_TOTALS: usize = 256;

/// How many values of each facet every segment lives: counted once per segment (and state
/// of its deletions) and kept for the searches that count a facet over most of a segment.
#[derive(Default)]
pub struct FacetTotals {
    cache: Mutex<HashMap<TotalsKey, Arc<Vec<u32>>>>,
}

/// A segment as its deletions left it, and a facet.
type TotalsKey = (SegmentId, Option<Opstamp>, Facet);

impl FacetTotals {
    fn of(&self, segment: &SegmentReader, facet: Facet, column: &StrColumn) -> Arc<Vec<u32>> {
        let key = (segment.segment_id(), segment.delete_opstamp(), facet);
        if let Some(totals) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return totals;
        }
        let mut counts = vec![0u32; column.num_terms()];
        for doc in segment.doc_ids_alive() {
            add(&mut counts, column, doc);
        }
        let counts = Arc::new(counts);
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= MAX_CACHED_TOTALS {
                cache.clear();
            }
            cache.insert(key, Arc::clone(&counts));
        }
        counts
    }
}

/// Counts the values of `doc` in `column`.
fn add(counts: &mut [u32], column: &StrColumn, doc: DocId) {
    for ord in column.term_ords(doc) {
        if let Some(n) = counts.get_mut(ord as usize) {
            *n += 1;
        }
    }
}

/// Per-segment part of [`FacetCollector`]: the matching reports, counted at harvest.
pub struct SegmentFacetCounts {
    segment: SegmentReader,
    columns: Vec<Option<(Facet, StrColumn)>>,
    /// The matching reports, in the order collected.
    matched: Vec<DocId>,
    totals: Option<Arc<FacetTotals>>,
}

/// One facet's counts in one segment, by term ordinal of its column.
pub struct SegmentCounts {
    column: StrColumn,
    counts: Vec<u32>,
}

/// One segment's counts, per facet (none for a facet the segment has no column for).
pub type SegmentFruit = Vec<Option<SegmentCounts>>;

impl Collector for FacetCollector {
    type Fruit = FacetCounts;
    type Child = SegmentFacetCounts;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounts> {
        let mut columns = Vec::with_capacity(self.facets.len());
        for &facet in &self.facets {
            columns.push(
                segment
                    .fast_fields()
                    .str(facet.name())?
                    .map(|column| (facet, column)),
            );
        }
        Ok(SegmentFacetCounts {
            segment: segment.clone(),
            columns,
            matched: Vec::new(),
            totals: self.totals.clone(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<FacetCounts> {
        let mut out = Vec::with_capacity(self.facets.len());
        for (i, &facet) in self.facets.iter().enumerate() {
            let parts: Vec<&SegmentCounts> = fruits
                .iter()
                .filter_map(|f| f.get(i).and_then(Option::as_ref))
                .collect();
            let counted = match top_values(&parts, self.top)? {
                Some(top) => top,
                None => all_values(&parts, self.top),
            };
            out.push((facet, counted));
        }
        Ok(out)
    }
}

/// Orders counted values as the lists show them: most frequent first, ties by value.
fn rank(values: &mut Vec<(String, u64)>, top: usize) {
    values.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    values.truncate(top);
}

/// The `top` values found from each segment's most frequent ordinals, or `None` when a value
/// outside them could still be among the `top`.
fn top_values(parts: &[&SegmentCounts], top: usize) -> tantivy::Result<Option<Vec<(String, u64)>>> {
    let take = top.saturating_mul(4).max(64);
    // What any value not taken from a segment can count there, summed: its bound overall.
    let mut bound = 0u64;
    let mut candidates: HashSet<String> = HashSet::new();
    for part in parts {
        let mut seen: Vec<(u32, u64)> = part
            .counts
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(ord, &n)| (n, ord as u64))
            .collect();
        if seen.len() > take {
            seen.select_nth_unstable_by(take, |a, b| b.0.cmp(&a.0));
            bound += u64::from(seen[take].0);
            seen.truncate(take);
        }
        let mut ords: Vec<u64> = seen.iter().map(|&(_, ord)| ord).collect();
        ords.sort_unstable();
        part.column
            .dictionary()
            .sorted_ords_to_term_cb(&ords, |bytes| {
                candidates.insert(String::from_utf8_lossy(bytes).into_owned());
            })?;
    }
    let mut values = Vec::with_capacity(candidates.len());
    for value in candidates {
        let mut total = 0u64;
        for part in parts {
            if let Some(ord) = part.column.dictionary().term_ord(value.as_bytes())? {
                total += part.counts.get(ord as usize).map_or(0, |&n| u64::from(n));
            }
        }
        values.push((value, total));
    }
    rank(&mut values, top);
    // Settled when the last value kept counts more than any value left out can.
    let settled = bound == 0 || (values.len() == top && values.last().is_some_and(|v| v.1 > bound));
    Ok(settled.then_some(values))
}

/// The `top` values, reading every value each segment saw.
fn all_values(parts: &[&SegmentCounts], top: usize) -> Vec<(String, u64)> {
    let mut all: HashMap<String, u64> = HashMap::new();
    for part in parts {
        let seen: Vec<(u64, u64)> = part
            .counts
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(ord, &n)| (ord as u64, u64::from(n)))
            .collect();
        let ords: Vec<u64> = seen.iter().map(|&(ord, _)| ord).collect();
        let mut next = seen.iter();
        // A dictionary that cannot be read loses this segment's counts, not the search.
        let read = part
            .column
            .dictionary()
            .sorted_ords_to_term_cb(&ords, |bytes| {
                if let Some(&(_, n)) = next.next() {
                    *all.entry(String::from_utf8_lossy(bytes).into_owned())
                        .or_default() += n;
                }
            });
        if let Err(e) = read {
            tracing::warn!("reading facet values: {e}");
        }
    }
    let mut values: Vec<(String, u64)> = all.into_iter().collect();
    rank(&mut values, top);
    values
}

impl SegmentCollector for SegmentFacetCounts {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, _: Score) {
        if !self.columns.is_empty() {
            self.matched.push(doc);
        }
    }

    fn harvest(mut self) -> SegmentFruit {
        let alive = self.segment.num_docs();
        // Most of the segment matches: count the rest and subtract it from the totals.
        let complement = self.totals.is_some() && self.matched.len() as u64 * 2 > u64::from(alive);
        self.matched.sort_unstable();
        self.matched.dedup();
        self.columns
            .into_iter()
            .map(|column| {
                let (facet, column) = column?;
                let counts = match &self.totals {
                    Some(totals) if complement => {
                        let mut counts = totals.of(&self.segment, facet, &column).to_vec();
                        let mut matched = self.matched.iter().peekable();
                        for doc in self.segment.doc_ids_alive() {
                            while matched.next_if(|&&m| m < doc).is_some() {}
                            if matched.next_if_eq(&&doc).is_none() {
                                for ord in column.term_ords(doc) {
                                    if let Some(n) = counts.get_mut(ord as usize) {
                                        *n = n.saturating_sub(1);
                                    }
                                }
                            }
                        }
                        counts
                    }
                    _ => {
                        let mut counts = vec![0u32; column.num_terms()];
                        for &doc in &self.matched {
                            add(&mut counts, &column, doc);
                        }
                        counts
                    }
                };
                Some(SegmentCounts { column, counts })
            })
            .collect()
    }
}
