//! The copy audit: every group of reports that share most of their text, across the whole
//! index, each report with the share of its text found in the group's earlier reports.
//!
//! No pair of reports is compared unless their MinHash signatures (the 64 four-bit slots the
//! index keeps for each report, see [`crate::knowledge::similar`]) agree on a *band*: a fixed
//! set of 3 or 4 slots. Reports are sorted by band value, so finding the pairs that agree is a
//! sort of `reports × bands` entries; only pairs in the same bucket are compared, and a bucket
//! holding many reports compares each with its next [`BUCKET_WINDOW`] neighbours only. A pair
//! that agrees on a band is a candidate when its signatures estimate a Jaccard similarity high
//! enough for the requested share; candidates are then measured exactly on their stored texts
//! (the share of one report's distinct 5-character shingles found in the other), and reports
//! joined by pairs where one holds at least the requested share of the other's text form a
//! group (union–find: copies of copies are one group).
//!
//! Within a group, reports are ordered by date (then path; undated reports last), and each
//! report's `overlap` is the share of its distinct shingles found in the reports before it: 0
//! for the earliest, the original.

use std::collections::HashMap;
use std::time::Duration;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use tantivy::columnar::Column;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use super::facets::FacetColumns;
use super::store::{self, ReportRecord};
use super::{Deadline, LocalEngine, SearchRequest};
use crate::error::{Error, Result};
use crate::index::schema::names;
use crate::knowledge::similar::{self, SLOTS};
use crate::knowledge::{Facet, Kind};

/// Share of a report's text, in percent, another must hold for the two to be grouped, unless
/// asked otherwise.
pub const DEFAULT_MIN_PERCENT: u32 = 50;
/// Least share that can be asked for: below it, signatures no longer find pairs reliably.
pub const LEAST_MIN_PERCENT: u32 = 30;
/// Bands compared at most.
const MAX_BANDS: usize = 128;
/// Reports of one bucket each report is compared with, at most (the following ones in the
/// bucket), so that a bucket shared by very many reports costs a bounded amount per report.
const BUCKET_WINDOW: usize = 16;
/// Share of the pairs at the requested similarity that the bands are planned to find.
const PLANNED_RECALL: f64 = 0.95;
/// Bytes of a signature: 4 bits a slot.
const SIGNATURE_BYTES: usize = SLOTS / 2;

/// What the audit lists.
#[derive(Debug, Clone)]
pub struct DuplicatesRequest {
    /// Least share of a report's text, in percent, another report must hold for the two to be
    /// grouped (from [`LEAST_MIN_PERCENT`] to 100).
    pub min_percent: u32,
    /// Only groups with a report of this kind.
    pub kind: Option<Kind>,
    /// Only groups with a report dated on or after this (`yyyymmdd`).
    pub from: Option<i64>,
    /// Only groups with a report dated on or before this (`yyyymmdd`).
    pub to: Option<i64>,
    /// Time the audit may take; past it, it stops with [`Error::Timeout`]. `None`: no limit.
    pub budget: Option<Duration>,
}

impl Default for DuplicatesRequest {
    fn default() -> Self {
        DuplicatesRequest {
            min_percent: DEFAULT_MIN_PERCENT,
            kind: None,
            from: None,
            to: None,
            budget: None,
        }
    }
}

impl DuplicatesRequest {
    /// The audit of every group sharing at least `min_percent` percent; an error for a share
    /// outside [`LEAST_MIN_PERCENT`]..=100.
    pub fn new(min_percent: u32) -> Result<Self> {
        if !(LEAST_MIN_PERCENT..=100).contains(&min_percent) {
            return Err(Error::Option(format!(
                "the least share must be from {LEAST_MIN_PERCENT} to 100 percent, not {min_percent}"
            )));
        }
        Ok(DuplicatesRequest {
            min_percent,
            ..DuplicatesRequest::default()
        })
    }

    /// Only groups with a report of the kind labelled `label` (one of the 25 kinds).
    pub fn kind(mut self, label: Option<&str>) -> Result<Self> {
        self.kind = match label.map(str::trim).filter(|l| !l.is_empty()) {
            None => None,
            Some(label) => Some(Kind::from_label(label).ok_or_else(|| {
                let labels: Vec<&str> = Kind::ALL.iter().map(|k| k.label()).collect();
                Error::Option(format!(
                    "unknown kind {label:?}: use one of {}",
                    labels.join(" ")
                ))
            })?),
        };
        Ok(self)
    }

    /// Only groups with a report dated in the range: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as
    /// searches take them.
    pub fn dates(mut self, from: Option<&str>, to: Option<&str>) -> Result<Self> {
        let range = SearchRequest::new("").dates(from, to)?;
        self.from = range.from;
        self.to = range.to;
        Ok(self)
    }

    /// Whether a report of this kind and date makes its group listed.
    fn admits(&self, kind: &str, date: Option<i64>) -> bool {
        let kind_ok = self.kind.is_none_or(|k| k.label() == kind);
        let dated = self.from.is_some() || self.to.is_some();
        let date_ok = !dated
            || date.is_some_and(|d| {
                self.from.is_none_or(|f| d >= f) && self.to.is_none_or(|t| d <= t)
            });
        kind_ok && date_ok
    }
}

/// One report of a group.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateMember {
    /// Which report.
    #[serde(flatten)]
    pub report: ReportRecord,
    /// Its kind.
    pub kind: String,
    /// The share of its text found in the group's earlier reports, in percent (0 for the
    /// earliest).
    pub overlap: u32,
}

/// Reports sharing most of their text, oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateGroup {
    /// Its reports by date (then path; undated last).
    pub reports: Vec<DuplicateMember>,
}

/// Every group the audit found, newest group (by its newest report) first.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Duplicates {
    /// The groups.
    pub groups: Vec<DuplicateGroup>,
}

/// The signature slot `i` (4 bits).
fn slot(signature: &[u8; SIGNATURE_BYTES], i: usize) -> u64 {
    u64::from((signature[i / 2] >> (4 * (i % 2))) & 0x0f)
}

/// Slots per band: 3 (4,096 values) for a few thousand reports, 4 (65,536 values) beyond, so
/// that buckets stay small by chance.
fn slots_per_band(reports: usize) -> usize {
    if reports <= 4096 {
        3
    } else {
        4
    }
}

/// The estimated Jaccard similarity of two equally long reports one of which holds `share` of
/// the other's text: the weakest pair the audit must find.
fn jaccard_of_share(share: f64) -> f64 {
    share / (2.0 - share)
}

/// How many bands of `width` slots find a pair of Jaccard similarity `jaccard` with
/// [`PLANNED_RECALL`]: a slot agrees with probability `J + (1 − J)/16` (4 bits agree by chance
/// one time in 16), a band when all its slots do.
fn bands_needed(width: usize, jaccard: f64) -> usize {
    let slot = jaccard + (1.0 - jaccard) / 16.0;
    let band = slot.powi(width as i32);
    let needed = (1.0 - PLANNED_RECALL).ln() / (1.0 - band).ln();
    (needed.ceil() as usize).clamp(1, MAX_BANDS)
}

/// `count` bands of `width` distinct slots each: the slots of fixed pseudo-random shuffles of
/// all slots, cut into runs of `width` (so a band never repeats a slot, and bands of one
/// shuffle share none).
fn bands(width: usize, count: usize) -> Vec<Vec<usize>> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        // splitmix64: a fixed sequence, the same for every build.
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let mut order: Vec<usize> = (0..SLOTS).collect();
        for i in (1..SLOTS).rev() {
            order.swap(i, (next() % (i as u64 + 1)) as usize);
        }
        for run in order.chunks_exact(width) {
            if out.len() < count {
                out.push(run.to_vec());
            }
        }
    }
    out
}

/// Disjoint sets over `0..n`.
struct UnionFind(Vec<u32>);

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind((0..n as u32).collect())
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let parent = self.0[x as usize];
            self.0[x as usize] = self.0[parent as usize];
            x = parent;
        }
        x
    }

    /// Joins the sets of `a` and `b`; false when they were one already.
    fn union(&mut self, a: u32, b: u32) -> bool {
        let (a, b) = (self.find(a), self.find(b));
        if a == b {
            return false;
        }
        let (low, high) = (a.min(b), a.max(b));
        self.0[high as usize] = low;
        true
    }
}

/// Pairs of distinct signatures that agree on some band and whose estimated similarity reaches
/// `threshold`, with that estimate; each pair once.
fn candidate_pairs(
    signatures: &[[u8; SIGNATURE_BYTES]],
    threshold: f64,
    wanted_jaccard: f64,
    deadline: &Deadline,
) -> Result<Vec<(u32, u32, f64)>> {
    let width = slots_per_band(signatures.len());
    let bands = bands(width, bands_needed(width, wanted_jaccard));
    // One entry per report and band: band (7 bits), value (16 bits), report (32 bits).
    let mut entries: Vec<u64> = Vec::with_capacity(signatures.len() * bands.len());
    for (b, slots) in bands.iter().enumerate() {
        deadline.check()?;
        for (i, signature) in signatures.iter().enumerate() {
            let value = slots
                .iter()
                .fold(0u64, |v, &s| (v << 4) | slot(signature, s));
            entries.push(((b as u64) << 48) | (value << 32) | i as u64);
        }
    }
    entries.sort_unstable();
    let mut pairs: Vec<(u32, u32, f64)> = Vec::new();
    let mut start = 0;
    while start < entries.len() {
        let bucket = entries[start] >> 32;
        let end = start + entries[start..].partition_point(|e| e >> 32 == bucket);
        let members = &entries[start..end];
        if members.len() > 1 {
            deadline.check()?;
        }
        for (k, &a) in members.iter().enumerate() {
            let a = a as u32;
            for &b in members.iter().skip(k + 1).take(BUCKET_WINDOW) {
                let b = b as u32;
                let estimate =
                    similar::similarity(&signatures[a as usize], &signatures[b as usize]);
                if estimate >= threshold {
                    pairs.push((a.min(b), a.max(b), estimate));
                }
            }
        }
        start = end;
    }
    pairs.sort_unstable_by_key(|&(a, b, _)| (a, b));
    pairs.dedup_by_key(|&mut (a, b, _)| (a, b));
    Ok(pairs)
}

/// A candidate pair of reports (their places in the list of reports) and its estimated
/// similarity.
type Edge = (u32, u32, f64);

/// What an audit was asked: the searcher generation, the least share, kind and dates.
type AuditKey = (u64, u32, Option<&'static str>, Option<i64>, Option<i64>);

/// The last audit's answer and what it was asked.
pub(super) struct LastAudit {
    key: AuditKey,
    found: Duplicates,
}

/// One report with a signature.
struct Entry {
    address: DocAddress,
    date: Option<i64>,
}

/// What a report of a candidate group is compared by.
struct Measured {
    record: ReportRecord,
    kind: String,
    date: Option<i64>,
    shingles: FxHashSet<u64>,
}

/// The share of `a`'s shingles `b` holds and of `b`'s that `a` holds.
fn shares(a: &FxHashSet<u64>, b: &FxHashSet<u64>) -> (f64, f64) {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let common = small.iter().filter(|h| large.contains(h)).count() as f64;
    let of = |s: &FxHashSet<u64>| {
        if s.is_empty() {
            0.0
        } else {
            common / s.len() as f64
        }
    };
    (of(a), of(b))
}

impl LocalEngine {
    /// Every group of reports sharing at least `req.min_percent` of their text (see the module
    /// documentation), newest group first; a group is listed when one of its reports has the
    /// requested kind and date.
    pub fn duplicate_groups(&self, req: &DuplicatesRequest) -> Result<Duplicates> {
        let searcher = self.reader.searcher();
        let key: AuditKey = (
            searcher.generation().generation_id(),
            req.min_percent,
            req.kind.map(Kind::label),
            req.from,
            req.to,
        );
        {
            let last = self.last_audit.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(last) = last.as_ref().filter(|l| l.key == key) {
                return Ok(last.found.clone());
            }
        }
        let found = self.audit(&searcher, req)?;
        *self.last_audit.lock().unwrap_or_else(|e| e.into_inner()) = Some(LastAudit {
            key,
            found: found.clone(),
        });
        Ok(found)
    }

    /// [`LocalEngine::duplicate_groups`], worked out.
    fn audit(&self, searcher: &Searcher, req: &DuplicatesRequest) -> Result<Duplicates> {
        let deadline = Deadline::after(req.budget);
        let min_share = f64::from(req.min_percent) / 100.0;

        // Every live report with a signature; reports with the same signature share a slot.
        let mut entries: Vec<Entry> = Vec::new();
        let mut signature_of: Vec<u32> = Vec::new();
        let mut signatures: Vec<[u8; SIGNATURE_BYTES]> = Vec::new();
        let mut distinct: FxHashMap<[u8; SIGNATURE_BYTES], u32> = FxHashMap::default();
        for (segment_ord, segment) in searcher.segment_readers().iter().enumerate() {
            deadline.check()?;
            let Some(column) = segment.fast_fields().bytes(names::FINGERPRINT)? else {
                continue;
            };
            let dates: Option<Column<i64>> =
                segment.fast_fields().column_opt::<i64>(names::DATE)?;
            let mut stream = column
                .dictionary()
                .stream()
                .map_err(|e| Error::io("reading fingerprints from the index", e))?;
            let mut by_ord: Vec<Option<u32>> = Vec::new();
            while stream.advance() {
                by_ord.push(<[u8; SIGNATURE_BYTES]>::try_from(stream.key()).ok().map(
                    |signature| {
                        let next = signatures.len() as u32;
                        *distinct.entry(signature).or_insert_with(|| {
                            signatures.push(signature);
                            next
                        })
                    },
                ));
            }
            let alive = segment.alive_bitset();
            for doc in 0..segment.max_doc() {
                if alive.is_some_and(|a| !a.is_alive(doc)) {
                    continue;
                }
                let Some(ord) = column.term_ords(doc).next() else {
                    continue;
                };
                if let Some(&Some(signature)) = by_ord.get(ord as usize) {
                    entries.push(Entry {
                        address: DocAddress::new(segment_ord as u32, doc),
                        date: dates.as_ref().and_then(|c| c.first(doc)),
                    });
                    signature_of.push(signature);
                }
            }
        }

        // Candidate pairs of reports: the first report of each signature with the others of
        // the same signature, and with the first report of each candidate signature.
        let wanted = jaccard_of_share(min_share);
        let threshold = (0.6 * wanted).min(similar::CANDIDATE_SIMILARITY);
        let mut first_with: Vec<Option<u32>> = vec![None; signatures.len()];
        let mut edges: Vec<Edge> = Vec::new();
        for (report, &signature) in signature_of.iter().enumerate() {
            match first_with[signature as usize] {
                Some(first) => edges.push((first, report as u32, 1.0)),
                None => first_with[signature as usize] = Some(report as u32),
            }
        }
        for (a, b, estimate) in candidate_pairs(&signatures, threshold, wanted, &deadline)? {
            if let (Some(a), Some(b)) = (first_with[a as usize], first_with[b as usize]) {
                edges.push((a, b, estimate));
            }
        }

        // Candidate groups; each is then measured on its reports' texts.
        let mut candidates = UnionFind::new(entries.len());
        for &(a, b, _) in &edges {
            candidates.union(a, b);
        }
        let mut by_group: HashMap<u32, Vec<Edge>> = HashMap::new();
        for edge in edges {
            by_group
                .entry(candidates.find(edge.0))
                .or_default()
                .push(edge);
        }
        let mut groups: Vec<(u32, Vec<Edge>)> = by_group.into_iter().collect();
        groups.sort_unstable_by_key(|(root, _)| *root);
        let mut columns: HashMap<u32, FacetColumns> = HashMap::new();
        let mut found = Vec::new();
        for (_, mut group_edges) in groups {
            deadline.check()?;
            let mut members: Vec<u32> = group_edges.iter().flat_map(|e| [e.0, e.1]).collect();
            members.sort_unstable();
            members.dedup();
            // Listed only with a report of the kind and dates asked for: decide that from the
            // columns before reading any text.
            let mut admitted = false;
            for &m in &members {
                let entry = &entries[m as usize];
                let kind = self.kind_of(searcher, &mut columns, entry.address)?;
                if req.admits(&kind, entry.date) {
                    admitted = true;
                    break;
                }
            }
            if !admitted {
                continue;
            }
            let mut measured: FxHashMap<u32, Measured> = FxHashMap::default();
            for &m in &members {
                deadline.check()?;
                let entry = &entries[m as usize];
                measured.insert(m, self.measure(searcher, &mut columns, entry)?);
            }
            // Strongest candidates first: most later ones then join reports already grouped
            // and need no measuring.
            group_edges.sort_by(|x, y| y.2.total_cmp(&x.2).then((x.0, x.1).cmp(&(y.0, y.1))));
            // Over the group's own reports, numbered by their place in `members` (which holds
            // both ends of every edge, so the search always finds them).
            let local = |m: u32| members.binary_search(&m).unwrap_or(0) as u32;
            let mut exact = UnionFind::new(members.len());
            for &(a, b, _) in &group_edges {
                if exact.find(local(a)) == exact.find(local(b)) {
                    continue;
                }
                deadline.check()?;
                let (Some(ma), Some(mb)) = (measured.get(&a), measured.get(&b)) else {
                    continue;
                };
                let (sa, sb) = shares(&ma.shingles, &mb.shingles);
                if sa.max(sb) >= min_share {
                    exact.union(local(a), local(b));
                }
            }
            let mut parts: HashMap<u32, Vec<u32>> = HashMap::new();
            for &m in &members {
                parts.entry(exact.find(local(m))).or_default().push(m);
            }
            for part in parts.into_values().filter(|p| p.len() > 1) {
                let reports: Vec<Measured> =
                    part.iter().filter_map(|m| measured.remove(m)).collect();
                if reports.iter().any(|r| req.admits(&r.kind, r.date)) {
                    found.push(ordered_group(reports));
                }
            }
        }
        // Newest group first (by its newest report; undated groups last), then by path.
        found.sort_by(|a: &(Option<i64>, DuplicateGroup), b| {
            b.0.cmp(&a.0).then_with(|| {
                let first = |g: &DuplicateGroup| g.reports.first().map(|r| r.report.path.clone());
                first(&a.1).cmp(&first(&b.1))
            })
        });
        Ok(Duplicates {
            groups: found.into_iter().map(|(_, g)| g).collect(),
        })
    }

    /// The kind of the report at `address`.
    fn kind_of(
        &self,
        searcher: &Searcher,
        columns: &mut HashMap<u32, FacetColumns>,
        address: DocAddress,
    ) -> Result<String> {
        let segment = searcher.segment_reader(address.segment_ord);
        let segment_columns = match columns.entry(address.segment_ord) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(FacetColumns::open(segment)?),
        };
        Ok(segment_columns
            .values(Facet::Kind, address.doc_id)?
            .into_iter()
            .next()
            .unwrap_or_default())
    }

    /// A report read for measuring: its record, kind, date and distinct shingles.
    fn measure(
        &self,
        searcher: &Searcher,
        columns: &mut HashMap<u32, FacetColumns>,
        entry: &Entry,
    ) -> Result<Measured> {
        let f = &self.index.fields;
        let doc: TantivyDocument = searcher.doc(entry.address)?;
        let segment = searcher.segment_reader(entry.address.segment_ord);
        Ok(Measured {
            record: ReportRecord::read(segment, entry.address.doc_id, &doc, f.title)?,
            kind: self.kind_of(searcher, columns, entry.address)?,
            date: entry.date,
            shingles: similar::shingles(&store::first(&doc, f.text))
                .into_iter()
                .collect(),
        })
    }
}

/// A group's reports by date (then path; undated last), each with the share of its text found
/// in the ones before it; and the group's newest date.
fn ordered_group(mut reports: Vec<Measured>) -> (Option<i64>, DuplicateGroup) {
    reports.sort_by(|a, b| {
        let key = |r: &Measured| (r.date.is_none(), r.date);
        key(a)
            .cmp(&key(b))
            .then_with(|| a.record.path.cmp(&b.record.path))
    });
    let newest = reports.iter().filter_map(|r| r.date).max();
    let mut seen: FxHashSet<u64> = FxHashSet::default();
    let mut members = Vec::with_capacity(reports.len());
    for (i, r) in reports.into_iter().enumerate() {
        let overlap = if i == 0 || r.shingles.is_empty() {
            0
        } else {
            let found = r.shingles.iter().filter(|h| seen.contains(h)).count();
            (found as f64 * 100.0 / r.shingles.len() as f64).round() as u32
        };
        seen.extend(r.shingles.iter().copied());
        members.push(DuplicateMember {
            report: r.record,
            kind: r.kind,
            overlap,
        });
    }
    (newest, DuplicateGroup { reports: members })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_use_distinct_slots_and_are_the_same_every_time() {
        for width in [3, 4] {
            let made = bands(width, 100);
            assert_eq!(made.len(), 100);
            for band in &made {
                assert_eq!(band.len(), width);
                let mut sorted = band.clone();
                sorted.sort_unstable();
                sorted.dedup();
                assert_eq!(sorted.len(), width, "{band:?}");
                assert!(band.iter().all(|&s| s < SLOTS));
            }
            assert_eq!(made, bands(width, 100));
            // Not one slot set over and over.
            let mut distinct = made.clone();
            distinct.iter_mut().for_each(|b| b.sort_unstable());
            distinct.sort();
            distinct.dedup();
            assert!(distinct.len() > 90, "{}", distinct.len());
        }
    }

    #[test]
    fn the_plan_finds_the_weakest_wanted_pair_with_the_planned_recall() {
        for width in [3, 4] {
            for share in [0.3, 0.5, 0.8] {
                let j = jaccard_of_share(share);
                let n = bands_needed(width, j);
                let band = (j + (1.0 - j) / 16.0).powi(width as i32);
                let recall = 1.0 - (1.0 - band).powi(n as i32);
                assert!(
                    recall >= PLANNED_RECALL || n == MAX_BANDS,
                    "{width} {share}: {n} bands, recall {recall}"
                );
                // One band fewer would not do (unless one is enough).
                let fewer = 1.0 - (1.0 - band).powi(n as i32 - 1);
                assert!(n == 1 || n == MAX_BANDS || fewer < PLANNED_RECALL);
            }
        }
        assert_eq!(jaccard_of_share(1.0), 1.0);
        assert!((jaccard_of_share(0.5) - 1.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn union_find_joins_chains() {
        let mut uf = UnionFind::new(6);
        assert!(uf.union(0, 1));
        assert!(uf.union(3, 4));
        assert!(uf.union(1, 4));
        assert!(!uf.union(0, 3));
        assert_eq!(uf.find(4), uf.find(0));
        assert_ne!(uf.find(2), uf.find(0));
        assert_ne!(uf.find(5), uf.find(2));
    }

    #[test]
    fn requests_check_their_bounds() {
        assert!(DuplicatesRequest::new(50).is_ok());
        assert!(DuplicatesRequest::new(100).is_ok());
        assert!(DuplicatesRequest::new(LEAST_MIN_PERCENT - 1).is_err());
        assert!(DuplicatesRequest::new(101).is_err());
        let r = DuplicatesRequest::default();
        assert!(r.clone().kind(Some("述职")).is_err());
        let k = r.clone().kind(Some("述职报告")).unwrap();
        assert!(k.admits("述职报告", None) && !k.admits("工作总结", None));
        let d = r.dates(Some("2018"), Some("2019-06")).unwrap();
        assert!(d.admits("其他", Some(20180101)) && d.admits("其他", Some(20190630)));
        assert!(!d.admits("其他", Some(20190701)) && !d.admits("其他", None));
        assert!(DuplicatesRequest::default()
            .dates(Some("2019"), Some("2018"))
            .is_err());
    }
}
