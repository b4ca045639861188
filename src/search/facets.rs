//! A collector counting the values of knowledge facets (kind, people, places, organizations)
//! over a whole matching set, for the facet lists beside results and the corpus overview.
//!
//! Each facet is a dictionary-encoded fast column: a segment counts term ordinals in a flat
//! array (one increment per value of a matching report), and only the ordinals it saw are
//! turned into strings, in ordinal order, when the segments' counts are merged.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

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
pub struct FacetCollector {
    /// Facets to count.
    pub facets: Vec<Facet>,
    /// Values kept per facet.
    pub top: usize,
}

impl FacetCollector {
    /// A collector that counts nothing.
    pub fn none() -> FacetCollector {
        FacetCollector {
            facets: Vec::new(),
            top: 0,
        }
    }
}

/// One facet's column and counts in one segment.
struct Counter {
    column: StrColumn,
    counts: Vec<u32>,
}

/// Per-segment part of [`FacetCollector`].
pub struct SegmentFacetCounts {
    counters: Vec<Option<Counter>>,
}

/// One segment's counts: per facet, `(value, count)` for every value it saw.
pub type SegmentFruit = Vec<Vec<(String, u64)>>;

impl Collector for FacetCollector {
    type Fruit = FacetCounts;
    type Child = SegmentFacetCounts;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounts> {
        let mut counters = Vec::with_capacity(self.facets.len());
        for facet in &self.facets {
            let column = segment.fast_fields().str(facet.name())?;
            counters.push(column.map(|column| Counter {
                counts: vec![0; column.num_terms()],
                column,
            }));
        }
        Ok(SegmentFacetCounts { counters })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<FacetCounts> {
        let mut out = Vec::with_capacity(self.facets.len());
        for (i, &facet) in self.facets.iter().enumerate() {
            let mut all: HashMap<String, u64> = HashMap::new();
            let mut single = None;
            let parts: Vec<&Vec<(String, u64)>> = fruits.iter().filter_map(|f| f.get(i)).collect();
            if let [only] = parts[..] {
                single = Some(only.clone());
            } else {
                for part in parts {
                    for (value, n) in part {
                        *all.entry(value.clone()).or_default() += n;
                    }
                }
            }
            let mut counted: Vec<(String, u64)> =
                single.unwrap_or_else(|| all.into_iter().collect());
            counted.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            counted.truncate(self.top);
            out.push((facet, counted));
        }
        Ok(out)
    }
}

impl SegmentCollector for SegmentFacetCounts {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, _: Score) {
        for counter in self.counters.iter_mut().flatten() {
            for ord in counter.column.term_ords(doc) {
                if let Some(n) = counter.counts.get_mut(ord as usize) {
                    *n += 1;
                }
            }
        }
    }

    fn harvest(self) -> SegmentFruit {
        self.counters
            .into_iter()
            .map(|counter| {
                let Some(counter) = counter else {
                    return Vec::new();
                };
                let seen: Vec<(u64, u64)> = counter
                    .counts
                    .iter()
                    .enumerate()
                    .filter(|(_, &n)| n > 0)
                    .map(|(ord, &n)| (ord as u64, u64::from(n)))
                    .collect();
                let ords: Vec<u64> = seen.iter().map(|&(ord, _)| ord).collect();
                let mut values = Vec::with_capacity(seen.len());
                let mut next = seen.iter();
                // A dictionary that cannot be read loses this segment's counts, not the search.
                let read = counter
                    .column
                    .dictionary()
                    .sorted_ords_to_term_cb(&ords, |bytes| {
                        if let Some(&(_, n)) = next.next() {
                            values.push((String::from_utf8_lossy(bytes).into_owned(), n));
                        }
                    });
                if let Err(e) = read {
                    tracing::warn!("reading facet values: {e}");
                }
                values
            })
            .collect()
    }
}
