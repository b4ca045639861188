//! [`Expr`] to tantivy queries: a *match* query that decides membership exactly, and *score*
//! clauses that rank the members.
//!
//! Membership never depends on jieba: a string is a phrase query over its characters at
//! consecutive positions (a bigram lookup for two frequent characters, a term for one), which
//! matches exactly the documents that contain it; its indexed bigrams narrow the candidates
//! first. A string with whitespace inside is matched piecewise and verified against the stored
//! text. The same queries rank: BM25 of each string's occurrences (phrase frequency, or the
//! bigram's frequency), boosted title matches, and a bonus for an unquoted run found verbatim.

use std::sync::Arc;

use tantivy::query::doc_predicate_query::{DocPredicateQuery, FunctionPredicate};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, EnableScoring, Explanation,
    Occur, PhraseQuery, Query, Scorer, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::SeekDangerResult;
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyDocument, Term, TERMINATED};

use super::deadline::Deadline;
use super::query::{Expr, Scope, TextKind};
use crate::analysis::{is_indexed_bigram, normalize, word_runs, words};
use crate::index::Fields;
use crate::knowledge::Facet;
use crate::vocabulary::{FolderVocabulary, Vocabulary};

/// Weight of the membership query's own BM25 (occurrences of each substring): a quoted
/// phrase's weight in the text.
const MATCH_WEIGHT: f32 = 0.5;
/// Boost of an unquoted word's match query, so that its BM25 in the text weighs
/// `MATCH_WEIGHT * WORD_BOOST` = 1: the unit of the weights below.
const WORD_BOOST: f32 = 2.0;
/// Weight of a word's BM25 in the title: double its weight in the text.
const TITLE_WORD_BOOST: f32 = 2.0;
/// Bonus for an unquoted run of several words found verbatim in the text.
const VERBATIM_BOOST: f32 = 1.5;
/// Bonus for the whole run or phrase found verbatim in the title.
const TITLE_VERBATIM_BOOST: f32 = 4.0;

/// Score of a knowledge prefix (`kind:…`): a filter that adds the same to every match.
const FACET_SCORE: f32 = 1.0;

/// The fields of one part of a report, its stored original, and the search's deadline.
#[derive(Clone, Copy)]
struct Part<'a> {
    /// Bigrams of frequent characters; titles have none.
    gram: Option<Field>,
    chr: Field,
    stored: Field,
    deadline: &'a Arc<Deadline>,
}

/// A compiled query.
pub struct Compiled {
    /// Decides which documents match.
    pub matcher: Box<dyn Query>,
    /// Ranking clauses, each optional.
    pub scorers: Vec<Box<dyn Query>>,
    /// Normalized strings to highlight.
    pub highlights: Vec<String>,
}

impl Compiled {
    /// The query to run when ranking: the match (lightly weighted) plus every score clause.
    pub fn ranked(&self, filter: Option<Box<dyn Query>>) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Must,
            Box::new(BoostQuery::new(self.matcher.box_clone(), MATCH_WEIGHT)),
        )];
        if let Some(filter) = filter {
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))));
        }
        for s in &self.scorers {
            clauses.push((Occur::Should, s.box_clone()));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// The query to run when only membership matters.
    pub fn unranked(&self, filter: Option<Box<dyn Query>>) -> Box<dyn Query> {
        match filter {
            None => self.matcher.box_clone(),
            Some(filter) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, self.matcher.box_clone()),
                (Occur::Must, filter),
            ])),
        }
    }
}

/// Compiles a parsed query. The vocabulary's jieba is called only for unquoted runs of three
/// or more characters, where segmentation decides what the query means; its synonyms widen
/// unquoted words. The scorers that do the costly work stop when `deadline` passes.
pub fn compile(
    expr: &Expr,
    fields: &Fields,
    vocabulary: &FolderVocabulary,
    deadline: &Arc<Deadline>,
) -> Compiled {
    let mut c = Compiler {
        fields,
        vocabulary,
        loaded: std::cell::OnceCell::new(),
        deadline,
        scorers: Vec::new(),
        highlights: Vec::new(),
    };
    let matcher = c.expr(expr, true);
    Compiled {
        matcher,
        scorers: c.scorers,
        highlights: c.highlights,
    }
}

struct Compiler<'a> {
    fields: &'a Fields,
    vocabulary: &'a FolderVocabulary,
    /// The vocabulary, read when an unquoted word first needs it: phrases never do.
    loaded: std::cell::OnceCell<Arc<Vocabulary>>,
    deadline: &'a Arc<Deadline>,
    scorers: Vec<Box<dyn Query>>,
    highlights: Vec<String>,
}

impl<'a> Compiler<'a> {
    fn vocabulary(&self) -> Arc<Vocabulary> {
        Arc::clone(self.loaded.get_or_init(|| self.vocabulary.get()))
    }

    fn part(&self, title: bool) -> Part<'a> {
        let f = self.fields;
        if title {
            Part {
                gram: None,
                chr: f.title_char,
                stored: f.title,
                deadline: self.deadline,
            }
        } else {
            Part {
                gram: Some(f.body_gram),
                chr: f.body_char,
                stored: f.text,
                deadline: self.deadline,
            }
        }
    }

    fn expr(&mut self, expr: &Expr, positive: bool) -> Box<dyn Query> {
        match expr {
            Expr::Text { scope, kind, text } => self.text(*scope, *kind, text, positive),
            Expr::Facet { facet, value } => {
                // Where a person, place, organization or keyword occurs is worth showing.
                if positive && *facet != Facet::Kind {
                    self.highlights.push(normalize(value).into_owned());
                }
                // Keywords are words of the normalized text; names are kept in simplified
                // characters, under their canonical names.
                let vocabulary = self.vocabulary;
                let value = super::verify::facet_value(*facet, value, &mut || vocabulary.aliases());
                let term = Term::from_field_text(self.fields.facet(*facet), &value);
                Box::new(ConstScoreQuery::new(
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                    FACET_SCORE,
                ))
            }
            Expr::And(parts) => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for p in parts {
                    match p {
                        Expr::Not(inner) => {
                            clauses.push((Occur::MustNot, self.expr(inner, !positive)))
                        }
                        _ => clauses.push((Occur::Must, self.expr(p, positive))),
                    }
                }
                if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Expr::Or(parts) => Box::new(BooleanQuery::new(
                parts
                    .iter()
                    .map(|p| (Occur::Should, self.expr(p, positive)))
                    .collect(),
            )),
            Expr::Not(inner) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery)),
                (Occur::MustNot, self.expr(inner, !positive)),
            ])),
        }
    }

    fn text(&mut self, scope: Scope, kind: TextKind, raw: &str, positive: bool) -> Box<dyn Query> {
        let text = normalize(raw);
        let parts: Vec<Part<'a>> = match scope {
            Scope::Title => vec![self.part(true)],
            Scope::All | Scope::Body => vec![self.part(false)],
        };
        let main = parts[0];
        let title_bonus = scope == Scope::All;
        let matcher = match kind {
            TextKind::Phrase => {
                let phrase = text.trim();
                if positive {
                    self.highlights.push(phrase.to_string());
                    if title_bonus {
                        self.score_in(self.part(true), phrase, TITLE_VERBATIM_BOOST);
                    }
                }
                substring(main, phrase)
            }
            TextKind::Words => {
                let mut all: Vec<Box<dyn Query>> = Vec::new();
                for (_, run) in word_runs(&text) {
                    // The run's jieba words; the run itself when it is one word or fewer.
                    let mut pieces = if run.chars().count() <= 2 {
                        Vec::new()
                    } else {
                        words(&self.vocabulary().jieba(), run)
                    };
                    if pieces.len() <= 1 {
                        pieces = vec![run];
                    }
                    if positive {
                        self.highlights.push(run.to_string());
                        let title = self.part(true);
                        if pieces.len() > 1 {
                            for w in &pieces {
                                if title_bonus {
                                    self.score_in(title, w, TITLE_WORD_BOOST);
                                }
                                self.highlights.push(w.to_string());
                            }
                            self.score_in(main, run, VERBATIM_BOOST);
                        }
                        if title_bonus {
                            // A one-word run is its own word in the title: one query for both.
                            let boost = if pieces.len() > 1 {
                                TITLE_VERBATIM_BOOST
                            } else {
                                TITLE_VERBATIM_BOOST + TITLE_WORD_BOOST
                            };
                            self.score_in(title, run, boost);
                        }
                    }
                    // Each word's own match query ranks it in the text: no second query. All
                    // words' clauses go in one intersection, which starts from the cheapest.
                    // A word with synonyms matches any of its forms, each ranked as the word.
                    for w in &pieces {
                        let vocabulary = self.vocabulary();
                        let alternatives = vocabulary.alternatives(w);
                        if alternatives.is_empty() {
                            all.extend(substring_clauses(main, w).into_iter().map(
                                |q| -> Box<dyn Query> { Box::new(BoostQuery::new(q, WORD_BOOST)) },
                            ));
                            continue;
                        }
                        let forms =
                            std::iter::once(*w).chain(alternatives.iter().map(String::as_str));
                        let either = forms
                            .map(|form| -> (Occur, Box<dyn Query>) {
                                let q = and(substring_clauses(main, form));
                                (Occur::Should, Box::new(BoostQuery::new(q, WORD_BOOST)))
                            })
                            .collect();
                        all.push(Box::new(BooleanQuery::new(either)));
                        if positive {
                            for alt in alternatives {
                                if title_bonus {
                                    self.score_in(self.part(true), alt, TITLE_WORD_BOOST);
                                }
                                self.highlights.push(alt.clone());
                            }
                        }
                    }
                }
                and(all)
            }
        };
        matcher
    }

    /// Adds a ranking clause: the BM25 of `text` in `part`, boosted.
    fn score_in(&mut self, part: Part<'a>, text: &str, boost: f32) {
        self.scorers
            .push(Box::new(BoostQuery::new(substring(part, text), boost)));
    }
}

fn and(mut queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match queries.len() {
        0 => Box::new(EmptyQuery),
        1 => queries.remove(0),
        _ => Box::new(BooleanQuery::new(
            queries.into_iter().map(|q| (Occur::Must, q)).collect(),
        )),
    }
}

/// Documents whose normalized `part` contains `s` (already normalized) as a substring.
fn substring(part: Part<'_>, s: &str) -> Box<dyn Query> {
    and(substring_clauses(part, s))
}

/// The clauses whose intersection is [`substring`]: filters that add nothing, or the same
/// constant to every document, to the score, and the queries that score the occurrences of `s`.
fn substring_clauses(part: Part<'_>, s: &str) -> Vec<Box<dyn Query>> {
    if !s.chars().any(char::is_whitespace) {
        return exact_run(part, s);
    }
    // Whitespace is not indexed: match the pieces between it at their offsets, then verify
    // the exact whitespace against the stored text.
    let mut pieces: Vec<Box<dyn Query>> = Vec::new();
    let mut chars_in_piece = Vec::new();
    let mut positioned: Vec<(usize, Term)> = Vec::new();
    for (offset, c) in s.chars().enumerate() {
        if c.is_whitespace() {
            if !chars_in_piece.is_empty() {
                pieces.extend(exact_run(
                    part,
                    &chars_in_piece.drain(..).collect::<String>(),
                ));
            }
        } else {
            chars_in_piece.push(c);
            positioned.push((offset, char_term(part, c)));
        }
    }
    if !chars_in_piece.is_empty() {
        pieces.extend(exact_run(part, &chars_in_piece.iter().collect::<String>()));
    }
    if positioned.len() >= 2 {
        pieces.push(Box::new(phrase(part, positioned)));
    }
    if pieces.is_empty() {
        pieces.push(Box::new(AllQuery));
    }
    pieces.push(Box::new(verify(part, s.to_string())));
    pieces
}

/// A phrase query over `(offset, term)` pairs, stopped by the part's deadline.
fn phrase(part: Part<'_>, terms: Vec<(usize, Term)>) -> Phrase {
    Phrase {
        query: PhraseQuery::new_with_offset(terms),
        deadline: Arc::clone(part.deadline),
    }
}

/// A tantivy phrase query whose scorer takes any probe an exclusion makes, and stops at the
/// search's deadline.
///
/// `NOT "…"` makes tantivy probe the excluded scorer at documents it may already have passed;
/// the phrase scorer's own `seek_danger` asserts that never happens (a panic in debug builds).
/// The wrapper answers such probes itself — the scorer's current document is a lower bound of
/// its next match — and hands every other probe to the phrase scorer's cheap `seek_danger`.
///
/// Reading positions is where a costly query spends its time, so this is where the deadline
/// is checked: once it has passed, the scorer reports no more documents, and the search (which
/// checks the deadline when it is done) fails with a timeout instead of running on.
#[derive(Clone, Debug)]
struct Phrase {
    query: PhraseQuery,
    deadline: Arc<Deadline>,
}

impl Query for Phrase {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(PhraseWeight {
            inner: self.query.weight(scoring)?,
            deadline: Arc::clone(&self.deadline),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.query.query_terms(visitor)
    }
}

struct PhraseWeight {
    inner: Box<dyn Weight>,
    deadline: Arc<Deadline>,
}

impl PhraseWeight {
    fn wrap(&self, inner: Box<dyn Scorer>) -> Box<dyn Scorer> {
        Box::new(PhraseScorer {
            inner,
            deadline: Arc::clone(&self.deadline),
            stopped: false,
        })
    }
}

impl Weight for PhraseWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(self.wrap(self.inner.scorer(reader, boost)?))
    }

    fn scorer_danger(
        &self,
        reader: &SegmentReader,
        target: DocId,
        boost: Score,
    ) -> tantivy::Result<(SeekDangerResult, Box<dyn Scorer>)> {
        let (result, scorer) = self.inner.scorer_danger(reader, target, boost)?;
        Ok((result, self.wrap(scorer)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.inner.explain(reader, doc)
    }
}

struct PhraseScorer {
    inner: Box<dyn Scorer>,
    deadline: Arc<Deadline>,
    /// The deadline passed: the scorer is exhausted from now on.
    stopped: bool,
}

impl PhraseScorer {
    /// Whether to stop now. One look at the clock costs far less than one step of a phrase
    /// scorer, which may read the positions of many documents.
    fn stop(&mut self) -> bool {
        self.stopped = self.stopped || self.deadline.expired();
        self.stopped
    }
}

impl DocSet for PhraseScorer {
    fn advance(&mut self) -> DocId {
        if self.stop() {
            return TERMINATED;
        }
        self.inner.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.stop() {
            return TERMINATED;
        }
        self.inner.seek(target)
    }

    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        if self.stop() {
            return SeekDangerResult::SeekLowerBound(TERMINATED);
        }
        let doc = self.inner.doc();
        if target < doc {
            SeekDangerResult::SeekLowerBound(doc)
        } else {
            self.inner.seek_danger(target)
        }
    }

    fn doc(&self) -> DocId {
        if self.stopped {
            TERMINATED
        } else {
            self.inner.doc()
        }
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }

    fn cost(&self) -> u64 {
        self.inner.cost()
    }
}

impl Scorer for PhraseScorer {
    fn score(&mut self) -> Score {
        self.inner.score()
    }
}

fn char_term(part: Part<'_>, c: char) -> Term {
    Term::from_field_text(part.chr, c.encode_utf8(&mut [0; 4]))
}

/// A string without whitespace: one character is a term; an indexed bigram (see
/// [`is_indexed_bigram`]) is a term; anything else is a phrase over its characters at
/// consecutive positions, narrowed first by the documents holding its indexed bigrams. Each
/// scores the BM25 of the string's occurrences. Returns the clauses to intersect.
fn exact_run(part: Part<'_>, s: &str) -> Vec<Box<dyn Query>> {
    let chars: Vec<char> = s.chars().collect();
    let gram_term = |i: usize| -> Option<Term> {
        let field = part.gram?;
        if !is_indexed_bigram(chars[i], chars[i + 1]) {
            return None;
        }
        let gram: String = chars[i..i + 2].iter().collect();
        Some(Term::from_field_text(field, &gram))
    };
    // A filter narrows the phrase's candidates and leaves its score to the phrase.
    let gram = |i: usize| -> Option<Box<dyn Query>> {
        let term = TermQuery::new(gram_term(i)?, IndexRecordOption::Basic);
        Some(Box::new(ConstScoreQuery::new(Box::new(term), 0.0)))
    };
    match chars.len() {
        0 => vec![Box::new(EmptyQuery)],
        1 => vec![Box::new(TermQuery::new(
            char_term(part, chars[0]),
            IndexRecordOption::WithFreqs,
        ))],
        n => {
            if n == 2 {
                if let Some(term) = gram_term(0) {
                    return vec![Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))];
                }
            }
            // Indexed bigrams are cheap, selective document filters; the phrase then checks
            // positions in the documents holding all of them.
            let mut clauses: Vec<Box<dyn Query>> = (0..n - 1).filter_map(gram).collect();
            let terms = chars
                .iter()
                .enumerate()
                .map(|(i, &c)| (i, char_term(part, c)))
                .collect();
            clauses.push(Box::new(phrase(part, terms)));
            clauses
        }
    }
}

/// Documents whose stored `part`, normalized, contains `needle`. Reading stored text is
/// costly: past the deadline every document is rejected (and the search reports the timeout).
fn verify(part: Part<'_>, needle: String) -> DocPredicateQuery {
    let needle = Arc::new(needle);
    let field = part.stored;
    let deadline = Arc::clone(part.deadline);
    let predicate = FunctionPredicate::from(move |segment: &SegmentReader| {
        let store = segment.get_store_reader(4)?;
        let needle = Arc::clone(&needle);
        let deadline = Arc::clone(&deadline);
        Ok(move |doc: DocId| {
            if deadline.expired() {
                return false;
            }
            store
                .get::<TantivyDocument>(doc)
                .ok()
                .and_then(|d| {
                    d.get_first(field)
                        .and_then(|v| v.as_str())
                        .map(|t| normalize(t).contains(needle.as_str()))
                })
                .unwrap_or(false)
        })
    });
    DocPredicateQuery::from(predicate)
}
