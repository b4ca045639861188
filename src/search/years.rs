//! A collector counting matching reports per year, for the year chart.

use std::collections::BTreeMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::index::schema::names;

/// Counts matching documents per year of their date; undated documents are not counted.
/// When `.0` is false it collects nothing (so it can sit in a collector tuple at no cost).
pub struct YearCounts(pub bool);

/// Per-segment part of [`YearCounts`].
pub struct SegmentYearCounts {
    dates: Option<Column<i64>>,
    counts: BTreeMap<i64, u64>,
}

impl Collector for YearCounts {
    type Fruit = Vec<[i64; 2]>;
    type Child = SegmentYearCounts;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentYearCounts> {
        Ok(SegmentYearCounts {
            dates: if self.0 {
                segment.fast_fields().column_opt::<i64>(names::DATE)?
            } else {
                None
            },
            counts: BTreeMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<BTreeMap<i64, u64>>) -> tantivy::Result<Vec<[i64; 2]>> {
        let mut all: BTreeMap<i64, u64> = BTreeMap::new();
        for fruit in fruits {
            for (year, n) in fruit {
                *all.entry(year).or_default() += n;
            }
        }
        Ok(all.into_iter().map(|(y, n)| [y, n as i64]).collect())
    }
}

impl SegmentCollector for SegmentYearCounts {
    type Fruit = BTreeMap<i64, u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(date) = self.dates.as_ref().and_then(|c| c.first(doc)) {
            *self.counts.entry(date / 10_000).or_default() += 1;
        }
    }

    fn harvest(self) -> BTreeMap<i64, u64> {
        self.counts
    }
}
