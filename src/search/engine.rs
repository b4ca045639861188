//! The boundary between the product and what answers its queries.
//!
//! The CLI, the web pages and the JSON API ask an [`Engine`] — never tantivy directly — for
//! one page of hits with snippets, highlights, facets and years ([`SearchRequest`] in,
//! [`SearchResponse`] out), for every matching path, and for the look-ups the pages need
//! (a report, an entity's page, the overview, related reports, the copy audit, the export).
//! The local index ([`super::LocalEngine`]) is the first implementation; a distributed engine
//! answering over the network is meant to be a second one.
//!
//! Its methods block: a front end calls them on a blocking pool (the server does so on tokio's),
//! never on an async thread. An engine that cannot be reached says so with
//! [`Error::Unreachable`](crate::Error::Unreachable), which front ends show as one line.
//!
//! The exact-match guarantee is a property of the request, not of an engine: a quoted phrase
//! matches exactly the reports whose text contains it (after the normalization of
//! [`crate::analysis::normalize`]). An engine whose own tokens cannot promise that (one that
//! drops punctuation without a gap in positions, say) checks its candidates against the stored
//! text before it answers.

use super::{
    Duplicates, DuplicatesRequest, EntityView, ExportRecord, FacetCounts, Highlighter, IndexStats,
    Overview, Probe, ReportView, SearchRequest, SearchResponse, Similar,
};
use crate::error::Result;
use crate::index::IndexInfo;
use crate::knowledge::Facet;
use crate::vocabulary::FolderVocabulary;

/// What answers queries about one knowledge base.
pub trait Engine: Send + Sync {
    /// What it is, for messages (`the index at ./index`).
    fn describe(&self) -> String;

    /// What the last update recorded: the indexed folder, versions, time.
    fn info(&self) -> Result<Option<IndexInfo>>;

    /// One page of ranked, highlighted hits, with the requested facets and years. Unquoted
    /// words are read with `vocabulary` (loaded only if the query has any).
    fn search(&self, req: &SearchRequest, vocabulary: &FolderVocabulary) -> Result<SearchResponse>;

    /// The paths of every report `req` matches (its query and dates), sorted; no ranking and
    /// no page.
    fn matching_paths(
        &self,
        req: &SearchRequest,
        vocabulary: &FolderVocabulary,
    ) -> Result<Vec<String>>;

    /// What highlights a query's matches in any text (a document page).
    fn highlighter(&self, query: &str, vocabulary: &FolderVocabulary) -> Result<Highlighter>;

    /// The report with this id, if there is one.
    fn document(&self, id: &str) -> Result<Option<ReportView>>;

    /// The number of reports and the most frequent values of each entity type.
    fn overview(&self, top: usize) -> Result<Overview>;

    /// The `top` most frequent values of each of `facets` over all reports.
    fn corpus_facets(&self, facets: &[Facet], top: usize) -> Result<FacetCounts>;

    /// The page of one entity: its reports (newest first), years, and co-occurring entities.
    /// `name` may be any of the entity's names (the vocabulary's aliases say which).
    fn entity(
        &self,
        facet: Facet,
        name: &str,
        limit: usize,
        offset: usize,
        vocabulary: &FolderVocabulary,
    ) -> Result<EntityView>;

    /// Near-duplicates and related reports of a report, indexed or not.
    fn similar(&self, probe: &Probe) -> Result<Similar>;

    /// Every group of reports sharing most of their text, across the whole knowledge base
    /// (the copy audit), newest group first.
    fn duplicate_groups(&self, req: &DuplicatesRequest) -> Result<Duplicates>;

    /// Every report with its knowledge, in path order (with the text when `text`).
    fn export(&self, text: bool) -> Result<Vec<ExportRecord>>;

    /// What the engine holds, with the vocabulary queries are read with.
    fn stats(&self, vocabulary: &FolderVocabulary) -> Result<IndexStats>;

    /// Picks up the latest update now.
    fn reload(&self) -> Result<()>;
}

impl Engine for super::LocalEngine {
    fn describe(&self) -> String {
        format!("the index at {}", self.dir().display())
    }
    fn info(&self) -> Result<Option<IndexInfo>> {
        super::LocalEngine::info(self)
    }
    fn search(&self, req: &SearchRequest, vocabulary: &FolderVocabulary) -> Result<SearchResponse> {
        super::LocalEngine::search(self, req, vocabulary)
    }
    fn matching_paths(
        &self,
        req: &SearchRequest,
        vocabulary: &FolderVocabulary,
    ) -> Result<Vec<String>> {
        super::LocalEngine::matching_paths(self, req, vocabulary)
    }
    fn highlighter(&self, query: &str, vocabulary: &FolderVocabulary) -> Result<Highlighter> {
        super::LocalEngine::highlighter(self, query, vocabulary)
    }
    fn document(&self, id: &str) -> Result<Option<ReportView>> {
        super::LocalEngine::document(self, id)
    }
    fn overview(&self, top: usize) -> Result<Overview> {
        super::LocalEngine::overview(self, top)
    }
    fn corpus_facets(&self, facets: &[Facet], top: usize) -> Result<FacetCounts> {
        super::LocalEngine::corpus_facets(self, facets, top)
    }
    fn entity(
        &self,
        facet: Facet,
        name: &str,
        limit: usize,
        offset: usize,
        vocabulary: &FolderVocabulary,
    ) -> Result<EntityView> {
        super::LocalEngine::entity(self, facet, name, limit, offset, vocabulary)
    }
    fn similar(&self, probe: &Probe) -> Result<Similar> {
        super::LocalEngine::similar(self, probe)
    }
    fn duplicate_groups(&self, req: &DuplicatesRequest) -> Result<Duplicates> {
        super::LocalEngine::duplicate_groups(self, req)
    }
    fn export(&self, text: bool) -> Result<Vec<ExportRecord>> {
        super::LocalEngine::export(self, text)
    }
    fn stats(&self, vocabulary: &FolderVocabulary) -> Result<IndexStats> {
        super::LocalEngine::stats(self, vocabulary)
    }
    fn reload(&self) -> Result<()> {
        super::LocalEngine::reload(self)
    }
}
