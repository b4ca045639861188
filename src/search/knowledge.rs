//! The knowledge base read back from the index: the corpus at a glance, one entity's page, and
//! the reports related to a report or copied from it.

use std::collections::HashSet;
use std::sync::Arc;

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use super::store::{self, ReportRecord};
use super::{
    FacetCollector, FacetCounts, LocalEngine, ReportKnowledge, SearchRequest, SearchResponse, Sort,
};
use crate::error::{Error, Result};
use crate::index::schema::names;
use crate::knowledge::similar::{self, Fingerprint};
use crate::knowledge::{Facet, Kind};

/// Related reports shown per report.
pub const RELATED: usize = 5;
/// Least share of a report's text another must hold to be its near-duplicate.
pub const DUPLICATE_OVERLAP: f64 = 0.5;
/// Candidates measured exactly per report, best sharing first.
const DUPLICATE_CANDIDATES: usize = 20;
/// Near-duplicates listed per report.
const DUPLICATES: usize = 10;
/// Weight of a shared person, place or organization against a shared keyword.
pub(crate) const ENTITY_WEIGHT: f32 = 1.5;
/// Most names of one entity counted on its page.
pub const ENTITY_NAMES: usize = 50;

/// The corpus at a glance.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    /// Reports in the index.
    pub reports: u64,
    /// Kinds, people, places and organizations, most frequent first, with their reports.
    #[serde(serialize_with = "super::facets_json")]
    pub facets: FacetCounts,
}

/// One entity's page.
#[derive(Debug, Clone, Serialize)]
pub struct EntityView {
    /// Its type.
    #[serde(rename = "type")]
    pub facet: Facet,
    /// Its canonical name.
    pub name: String,
    /// Every name its reports call it by, with the number of reports using each, most used
    /// first (at most [`ENTITY_NAMES`]).
    pub names: Vec<(String, u64)>,
    /// Reports naming it.
    pub reports: usize,
    /// `[year, reports]`, ascending.
    pub years: Vec<[i64; 2]>,
    /// The entities named most often in the same reports, by type (itself left out).
    #[serde(serialize_with = "super::facets_json")]
    pub cooccurring: FacetCounts,
    /// A page of its reports, newest first.
    pub hits: Vec<super::Hit>,
}

/// A report like another one.
#[derive(Debug, Clone, Serialize)]
pub struct SimilarReport {
    /// Which report.
    #[serde(flatten)]
    pub report: ReportRecord,
    /// Near-duplicates: the share of the first report's text this one holds, in percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlap: Option<u32>,
    /// Related reports: the keywords and entities shared.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shared: Vec<String>,
}

/// Reports like one report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Similar {
    /// Up to [`RELATED`] reports sharing its keywords and entities, most alike first (its
    /// near-duplicates left out).
    pub related: Vec<SimilarReport>,
    /// Reports holding at least half of its text, most overlap first.
    pub duplicates: Vec<SimilarReport>,
}

/// One report as `zhsearch export` writes it.
#[derive(Debug, Clone, Serialize)]
pub struct ExportRecord {
    /// Which report.
    #[serde(flatten)]
    pub report: ReportRecord,
    /// Document type label.
    pub kind: String,
    /// Keywords, best first.
    pub keywords: Vec<String>,
    /// People, places and organizations named, as written.
    pub entities: crate::knowledge::Entities,
    /// The canonical names of the names above whose canonical name differs (`{"org":
    /// {"党中央": "中共中央"}}`).
    pub canonical: crate::knowledge::Canonical,
    /// Section headings.
    pub headings: Vec<String>,
    /// The whole text, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The format it was read as (not exported: a push sends it).
    #[serde(skip)]
    pub format: crate::ingest::format::ReportFormat,
    /// Encoding of the file (not exported: a push sends it).
    #[serde(skip)]
    pub encoding: String,
}

/// What a report is compared by.
pub struct Probe<'a> {
    /// Its text.
    pub text: &'a str,
    /// Its kind, keywords and entities.
    pub knowledge: &'a ReportKnowledge,
    /// Its own path, when it is in the index (left out of the answers).
    pub path: Option<&'a str>,
}

impl Probe<'_> {
    /// The keywords and entities related reports are looked for by, each with its facet.
    pub fn wanted(&self) -> Vec<(Facet, &str)> {
        let k = self.knowledge;
        let mut wanted = Vec::new();
        for (facet, values) in [
            (Facet::Keyword, &k.keywords),
            (Facet::Person, &k.entities.person),
            (Facet::Place, &k.entities.place),
            (Facet::Org, &k.entities.org),
        ] {
            wanted.extend(values.iter().map(|v| (facet, v.as_str())));
        }
        wanted
    }
}

impl LocalEngine {
    /// The number of reports and the most frequent kinds (all of them), people, places and
    /// organizations (`top` of each) of the whole index.
    pub fn overview(&self, top: usize) -> Result<Overview> {
        let searcher = self.reader.searcher();
        let facets = self.count_facets(&searcher, &AllQuery, &Facet::ENTITIES, top)?;
        let kinds = self.count_facets(&searcher, &AllQuery, &[Facet::Kind], Kind::ALL.len())?;
        Ok(Overview {
            reports: searcher.num_docs(),
            facets: kinds.into_iter().chain(facets).collect(),
        })
    }

    /// The `top` most frequent values of each of `facets` over the whole index.
    pub fn corpus_facets(&self, facets: &[Facet], top: usize) -> Result<FacetCounts> {
        self.count_facets(&self.reader.searcher(), &AllQuery, facets, top)
    }

    /// Every report with what the knowledge base knows of it, in path order; with `text`,
    /// the whole text too. Stored documents are read segment by segment in their own order
    /// (each compressed block once), then sorted.
    pub fn export(&self, text: bool) -> Result<Vec<ExportRecord>> {
        let mut records = Vec::with_capacity(self.num_docs() as usize);
        self.export_each(text, None, &mut |record| {
            records.push(record);
            Ok(())
        })?;
        records.sort_by(|a, b| a.report.path.cmp(&b.report.path));
        Ok(records)
    }

    /// The number of reports written by a commit after generation `since` (all when `None`).
    pub fn count_since(&self, since: Option<u64>) -> Result<u64> {
        let Some(since) = since else {
            return Ok(self.num_docs());
        };
        let mut count = 0;
        for segment in self.reader.searcher().segment_readers() {
            let wanted = written_after(segment, Some(since))?;
            count += segment.doc_ids_alive().filter(|&d| wanted(d)).count() as u64;
        }
        Ok(count)
    }

    /// Hands every report written by a commit after generation `since` (every report when
    /// `None`) to `sink`, in index order, with the text when `text`: what a push sends,
    /// one report at a time.
    pub fn export_each(
        &self,
        text: bool,
        since: Option<u64>,
        sink: &mut dyn FnMut(ExportRecord) -> Result<()>,
    ) -> Result<()> {
        let f = &self.index.fields;
        let searcher = self.reader.searcher();
        for segment in searcher.segment_readers() {
            let wanted = written_after(segment, since)?;
            let docs: Vec<tantivy::DocId> =
                segment.doc_ids_alive().filter(|&d| wanted(d)).collect();
            if docs.is_empty() {
                continue;
            }
            let paths = crate::index::segment_paths(segment, docs.iter().copied())?;
            let mut path_of: Vec<Option<String>> = vec![None; segment.max_doc() as usize];
            for (doc, path) in paths {
                if let Some(slot) = path_of.get_mut(doc as usize) {
                    *slot = Some(path);
                }
            }
            let columns = super::facets::FacetColumns::open(segment)?;
            let store = segment
                .get_store_reader(1)
                .map_err(|e| Error::io("reading stored reports", e))?;
            for (doc_id, doc) in segment
                .doc_ids_alive()
                .zip(store.iter::<TantivyDocument>(segment.alive_bitset()))
            {
                let Some(path) = path_of.get_mut(doc_id as usize).and_then(Option::take) else {
                    continue;
                };
                let doc = doc?;
                let knowledge = columns.knowledge(doc_id, store::all(&doc, f.keyword))?;
                let (entities, canonical) =
                    as_written(&knowledge.entities, &store::all(&doc, f.alias));
                sink(ExportRecord {
                    report: ReportRecord::with_path(path, segment, doc_id, &doc, f.title)?,
                    kind: knowledge.kind,
                    keywords: knowledge.keywords,
                    entities,
                    canonical,
                    headings: store::all(&doc, f.headings),
                    text: text.then(|| store::first(&doc, f.text)),
                    format: crate::ingest::format::ReportFormat::recorded(&store::first(
                        &doc, f.format,
                    )),
                    encoding: store::first(&doc, f.encoding),
                })?;
            }
        }
        Ok(())
    }

    /// The `top` most frequent values of `facets` among the reports matching `query`.
    fn count_facets(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        facets: &[Facet],
        top: usize,
    ) -> Result<FacetCounts> {
        Ok(searcher.search(
            query,
            &FacetCollector {
                facets: facets.to_vec(),
                top,
                totals: Some(Arc::clone(&self.facet_totals)),
            },
        )?)
    }

    /// The page of the entity `name` (any of its names) of type `facet`: its reports (a page
    /// of `limit` from `offset`, newest first), their count per year, the names they call it
    /// by, and the entities named with it.
    pub fn entity(
        &self,
        facet: Facet,
        name: &str,
        limit: usize,
        offset: usize,
        vocabulary: &crate::vocabulary::FolderVocabulary,
    ) -> Result<EntityView> {
        // Names are extracted in simplified characters, and counted under their canonical
        // names.
        let name = super::verify::facet_value(facet, name, &mut || vocabulary.aliases());
        let name = name.as_str();
        let mut req = SearchRequest::new("").page(limit, offset, super::MAX_DEPTH)?;
        req.filters = vec![(facet, name.to_string())];
        req.sort = Sort::Date;
        req.years = true;
        req.facets = Facet::ENTITIES.to_vec();
        let SearchResponse {
            total,
            hits,
            years,
            mut facets,
            ..
        } = self.search(&req, vocabulary)?;
        // Itself is in every one of its reports.
        for (f, values) in &mut facets {
            if *f == facet {
                values.retain(|(v, _)| v != name);
            }
        }
        let names = if total == 0 || !Facet::ENTITIES.contains(&facet) {
            Vec::new()
        } else {
            self.names_of(facet, name, total as u64)?
        };
        Ok(EntityView {
            facet,
            name: name.to_string(),
            names,
            reports: total,
            years,
            cooccurring: facets,
            hits,
        })
    }

    /// The names the reports naming the entity `canonical` of type `facet` (`reports` of
    /// them) call it by, with the reports using each, most used first. The index keeps a
    /// report's names as written only where they differ from the canonical name (and the
    /// canonical name too where the report wrote both), so each name is one term's reports,
    /// and the canonical name's are the others' complement; at most [`ENTITY_NAMES`] names
    /// are read.
    fn names_of(&self, facet: Facet, canonical: &str, reports: u64) -> Result<Vec<(String, u64)>> {
        let f = &self.index.fields;
        let searcher = self.reader.searcher();
        let prefix = crate::index::schema::alias_prefix(facet, canonical);
        let mut end = prefix.clone().into_bytes();
        // The separator is the prefix's last byte; the next byte value ends the range.
        if let Some(last) = end.last_mut() {
            *last += 1;
        }
        let mut written: Vec<String> = Vec::new();
        'segments: for segment in searcher.segment_readers() {
            let terms = segment.inverted_index(f.alias)?;
            let mut stream = terms
                .terms()
                .range()
                .ge(prefix.as_bytes())
                .lt(&end)
                .into_stream()
                .map_err(|e| Error::io("reading an entity's names", e))?;
            while stream.advance() {
                let Ok(value) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                let Some((_, _, name)) = crate::index::schema::parse_alias_value(value) else {
                    continue;
                };
                if !written.iter().any(|w| w == name) {
                    if written.len() == ENTITY_NAMES {
                        break 'segments;
                    }
                    written.push(name.to_string());
                }
            }
        }
        let term = |name: &str| {
            Term::from_field_text(
                f.alias,
                &crate::index::schema::alias_value(facet, canonical, name),
            )
        };
        let count =
            |query: &dyn Query| -> Result<u64> { Ok(searcher.search(query, &Count)? as u64) };
        let mut names = Vec::with_capacity(written.len() + 1);
        let mut others: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for name in written.iter().filter(|w| *w != canonical) {
            let query = TermQuery::new(term(name), IndexRecordOption::Basic);
            names.push((name.clone(), count(&query)?));
            others.push((Occur::Should, Box::new(query)));
        }
        // The canonical name as written: the reports with no other name, and those that wrote
        // it beside another.
        let itself = if others.is_empty() {
            reports
        } else {
            let entity = TermQuery::new(
                Term::from_field_text(f.facet(facet), canonical),
                IndexRecordOption::Basic,
            );
            let only: Vec<(Occur, Box<dyn Query>)> = vec![
                (Occur::Must, Box::new(entity)),
                (Occur::MustNot, Box::new(BooleanQuery::new(others))),
            ];
            count(&BooleanQuery::new(only))?
                + count(&TermQuery::new(term(canonical), IndexRecordOption::Basic))?
        };
        names.push((canonical.to_string(), itself));
        names.retain(|(_, n)| *n > 0);
        names.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(names)
    }

    /// Related reports and near-duplicates of any report, indexed or not.
    pub fn similar(&self, probe: &Probe) -> Result<Similar> {
        let searcher = self.reader.searcher();
        let duplicates = self.duplicates(&searcher, probe)?;
        let mut exclude: HashSet<String> =
            duplicates.iter().map(|d| d.report.path.clone()).collect();
        exclude.extend(probe.path.map(str::to_string));
        let related = self.related(&searcher, probe, &exclude)?;
        Ok(Similar {
            related,
            duplicates,
        })
    }

    /// A report like another, from its stored document `doc`.
    fn brief(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        doc: &TantivyDocument,
    ) -> Result<SimilarReport> {
        let segment = searcher.segment_reader(address.segment_ord);
        Ok(SimilarReport {
            report: ReportRecord::read(segment, address.doc_id, doc, self.index.fields.title)?,
            overlap: None,
            shared: Vec::new(),
        })
    }

    fn duplicates(&self, searcher: &Searcher, probe: &Probe) -> Result<Vec<SimilarReport>> {
        let f = &self.index.fields;
        let shingles = similar::shingles(probe.text);
        let signature = Fingerprint::from_shingles(&shingles).signature();
        if signature.is_empty() {
            return Ok(Vec::new());
        }
        let candidates = candidates(searcher, &signature)?;
        let mut found = Vec::new();
        for address in candidates {
            let doc: TantivyDocument = searcher.doc(address)?;
            let mut report = self.brief(searcher, address, &doc)?;
            if Some(report.report.path.as_str()) == probe.path {
                continue;
            }
            let share =
                similar::overlap(&shingles, &similar::shingles(&store::first(&doc, f.text)));
            if share >= DUPLICATE_OVERLAP {
                report.overlap = Some((share * 100.0).round() as u32);
                found.push(report);
            }
        }
        Ok(most_copied(found))
    }

    fn related(
        &self,
        searcher: &Searcher,
        probe: &Probe,
        exclude: &HashSet<String>,
    ) -> Result<Vec<SimilarReport>> {
        let f = &self.index.fields;
        let wanted = probe.wanted();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let clauses = wanted
            .iter()
            .map(|&(facet, value)| -> (Occur, Box<dyn Query>) {
                let term = Term::from_field_text(f.facet(facet), value);
                let weight = if facet == Facet::Keyword {
                    1.0
                } else {
                    ENTITY_WEIGHT
                };
                let q = TermQuery::new(term, IndexRecordOption::WithFreqs);
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(q), weight)),
                )
            })
            .collect();
        let query = BooleanQuery::new(clauses);
        let want = RELATED + exclude.len() + 1;
        let (top, _) =
            searcher.search(&query, &(TopDocs::with_limit(want).order_by_score(), Count))?;
        let mut out = Vec::new();
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let mut report = self.brief(searcher, address, &doc)?;
            if exclude.contains(&report.report.path) {
                continue;
            }
            let segment = searcher.segment_reader(address.segment_ord);
            let columns = super::facets::FacetColumns::open(segment)?;
            let keywords: Vec<String> = doc
                .get_all(f.keyword)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            let theirs = columns.knowledge(address.doc_id, keywords)?;
            for &(facet, value) in &wanted {
                let list = match facet {
                    Facet::Keyword => &theirs.keywords,
                    Facet::Person => &theirs.entities.person,
                    Facet::Place => &theirs.entities.place,
                    Facet::Org => &theirs.entities.org,
                    Facet::Kind => continue,
                };
                let has = list.iter().any(|v| v == value);
                if has && !report.shared.iter().any(|s| s == value) {
                    report.shared.push(value.to_string());
                }
            }
            out.push(report);
            if out.len() == RELATED {
                break;
            }
        }
        Ok(out)
    }
}

/// Whether a document of `segment` was written by a commit after generation `since` (every
/// document when `None`).
fn written_after(
    segment: &tantivy::SegmentReader,
    since: Option<u64>,
) -> Result<impl Fn(tantivy::DocId) -> bool> {
    let generations = segment.fast_fields().column_opt::<u64>(names::GENERATION)?;
    Ok(move |doc| match since {
        None => true,
        Some(g) => generations
            .as_ref()
            .and_then(|c| c.first(doc))
            .is_some_and(|d| d > g),
    })
}

/// Near-duplicates as listed: most overlap first (then by path), at most [`DUPLICATES`].
pub(crate) fn most_copied(mut found: Vec<SimilarReport>) -> Vec<SimilarReport> {
    found.sort_by(|a, b| {
        b.overlap
            .cmp(&a.overlap)
            .then_with(|| a.report.path.cmp(&b.report.path))
    });
    found.truncate(DUPLICATES);
    found
}

/// The [`DUPLICATE_CANDIDATES`] live reports whose signature is most like `signature`, among
/// those estimated at least [`similar::CANDIDATE_SIMILARITY`] alike. Each segment's signatures
/// are a dictionary of distinct values: it is scanned once, then the matching ordinals are
/// mapped to documents.
fn candidates(searcher: &Searcher, signature: &[u8]) -> Result<Vec<DocAddress>> {
    let mut scored: Vec<(f64, DocAddress)> = Vec::new();
    for (segment_ord, segment) in searcher.segment_readers().iter().enumerate() {
        let Some(column) = segment.fast_fields().bytes(names::FINGERPRINT)? else {
            continue;
        };
        let mut stream = column
            .dictionary()
            .stream()
            .map_err(|e| Error::io("reading fingerprints from the index", e))?;
        let mut alike: Vec<(u64, f64)> = Vec::new();
        let mut ord = 0u64;
        while stream.advance() {
            let estimate = similar::similarity(signature, stream.key());
            if estimate >= similar::CANDIDATE_SIMILARITY {
                alike.push((ord, estimate));
            }
            ord += 1;
        }
        if alike.is_empty() {
            continue;
        }
        let alive = segment.alive_bitset();
        for doc in 0..segment.max_doc() {
            if alive.is_some_and(|a| !a.is_alive(doc)) {
                continue;
            }
            for o in column.term_ords(doc) {
                if let Ok(i) = alike.binary_search_by_key(&o, |&(ord, _)| ord) {
                    scored.push((alike[i].1, DocAddress::new(segment_ord as u32, doc)));
                }
            }
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.truncate(DUPLICATE_CANDIDATES);
    Ok(scored.into_iter().map(|(_, a)| a).collect())
}

/// A facet named in a URL or on the command line (`person`, `place`, `org`; `kind` and
/// `keyword` too).
pub fn parse_facet(name: &str) -> Result<Facet> {
    Facet::from_name(name).ok_or_else(|| {
        Error::Option(format!(
            "unknown type {name:?}: use person, place, org or kind"
        ))
    })
}

/// A report's names as written, and the canonical name of each that differs, from its
/// entities under their canonical names and its `alias` values
/// ([`crate::index::schema::alias_value`]).
fn as_written(
    canonical: &crate::knowledge::Entities,
    aliases: &[String],
) -> (crate::knowledge::Entities, crate::knowledge::Canonical) {
    let mut map = crate::knowledge::Canonical::default();
    let mut written = crate::knowledge::Entities::default();
    let parsed: Vec<(Facet, &str, &str)> = aliases
        .iter()
        .filter_map(|v| crate::index::schema::parse_alias_value(v))
        .collect();
    for facet in Facet::ENTITIES {
        let names = written.of_mut(facet);
        for c in canonical.of(facet) {
            let mut found = false;
            for (_, _, w) in parsed.iter().filter(|(f, pc, _)| *f == facet && pc == c) {
                found = true;
                names.push(w.to_string());
            }
            if !found {
                names.push(c.clone());
            }
        }
        names.sort_unstable();
        names.dedup();
    }
    for (facet, c, w) in parsed {
        if c != w {
            map.insert(facet, w, c);
        }
    }
    (written, map)
}
