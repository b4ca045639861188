//! [`Expr`] to tantivy queries: a *match* query that decides membership exactly, and *score*
//! clauses that rank the members.
//!
//! Membership never depends on jieba: a string of word characters is a phrase query over its
//! bigrams (a term query for one or two characters), which matches exactly the documents that
//! contain it. A string with punctuation or spaces inside is narrowed by its pieces and then
//! verified against the stored text. Ranking uses BM25 over jieba words, boosts title matches
//! and adds a bonus for the unquoted run found verbatim.

use std::sync::Arc;

use jieba_rs::Jieba;
use tantivy::query::doc_predicate_query::{DocPredicateQuery, FunctionPredicate};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocId, SegmentReader, TantivyDocument, Term};

use super::query::{Expr, Scope, TextKind};
use crate::analysis::{is_word_char, normalize, word_runs, words};
use crate::index::Fields;

/// Weight of a word's BM25 in the title relative to the text.
const TITLE_WORD_BOOST: f32 = 2.0;
/// Bonus for an unquoted run of several words found verbatim in the text.
const VERBATIM_BOOST: f32 = 1.5;
/// Bonus for the whole run or phrase found verbatim in the title.
const TITLE_VERBATIM_BOOST: f32 = 4.0;
/// Weight of the membership query's own BM25 (occurrences of the substring).
const MATCH_WEIGHT: f32 = 0.5;

/// The three fields of one part of a report, and its stored original.
#[derive(Clone, Copy)]
struct Part {
    word: Field,
    gram: Field,
    chr: Field,
    stored: Field,
}

fn part(fields: &Fields, title: bool) -> Part {
    if title {
        Part {
            word: fields.title_word,
            gram: fields.title_gram,
            chr: fields.title_char,
            stored: fields.title,
        }
    } else {
        Part {
            word: fields.body_word,
            gram: fields.body_gram,
            chr: fields.body_char,
            stored: fields.text,
        }
    }
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

/// Compiles a parsed query. `jieba` is called only for unquoted runs of three or more
/// characters, where segmentation decides what the query means.
pub fn compile(expr: &Expr, fields: &Fields, jieba: &dyn Fn() -> Arc<Jieba>) -> Compiled {
    let mut c = Compiler {
        fields,
        jieba,
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
    jieba: &'a dyn Fn() -> Arc<Jieba>,
    scorers: Vec<Box<dyn Query>>,
    highlights: Vec<String>,
}

impl Compiler<'_> {
    fn expr(&mut self, expr: &Expr, positive: bool) -> Box<dyn Query> {
        match expr {
            Expr::Text { scope, kind, text } => self.text(*scope, *kind, text, positive),
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
        let parts: Vec<Part> = match scope {
            Scope::Title => vec![part(self.fields, true)],
            Scope::All | Scope::Body => vec![part(self.fields, false)],
        };
        let main = parts[0];
        let title_bonus = scope == Scope::All;
        let matcher = match kind {
            TextKind::Phrase => {
                let phrase = text.trim();
                if positive {
                    self.highlights.push(phrase.to_string());
                    if title_bonus {
                        self.verbatim_bonus(part(self.fields, true), phrase, TITLE_VERBATIM_BOOST);
                    }
                }
                substring(main, phrase)
            }
            TextKind::Words => {
                let mut all: Vec<Box<dyn Query>> = Vec::new();
                for (_, run) in word_runs(&text) {
                    let run_words: Vec<String> = if run.chars().count() <= 2 {
                        vec![run.to_string()]
                    } else {
                        words(&(self.jieba)(), run)
                            .into_iter()
                            .map(str::to_string)
                            .collect()
                    };
                    if positive {
                        self.highlights.push(run.to_string());
                        for w in &run_words {
                            self.score_word(main, w, title_bonus);
                            if run_words.len() > 1 {
                                self.highlights.push(w.clone());
                            }
                        }
                        if run_words.len() > 1 {
                            self.verbatim_bonus(main, run, VERBATIM_BOOST);
                        }
                        if title_bonus {
                            self.verbatim_bonus(part(self.fields, true), run, TITLE_VERBATIM_BOOST);
                        }
                    }
                    if run_words.len() <= 1 {
                        all.push(substring(main, run));
                    } else {
                        all.extend(run_words.iter().map(|w| substring(main, w)));
                    }
                }
                and(all)
            }
        };
        matcher
    }

    fn score_word(&mut self, main: Part, word: &str, title_bonus: bool) {
        let term = Term::from_field_text(main.word, word);
        self.scorers
            .push(Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)));
        if title_bonus {
            let title = part(self.fields, true);
            let term = Term::from_field_text(title.word, word);
            self.scorers.push(Box::new(BoostQuery::new(
                Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
                TITLE_WORD_BOOST,
            )));
        }
    }

    fn verbatim_bonus(&mut self, part: Part, text: &str, boost: f32) {
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
fn substring(part: Part, s: &str) -> Box<dyn Query> {
    if s.chars().all(is_word_char) {
        return word_substring(part, s);
    }
    // Punctuation or spaces inside: narrow to documents holding every piece, then verify.
    let mut pieces: Vec<Box<dyn Query>> = word_runs(s)
        .map(|(_, run)| word_substring(part, run))
        .collect();
    let mut seen = Vec::new();
    for c in s
        .chars()
        .filter(|c| !is_word_char(*c) && !c.is_whitespace())
    {
        if !seen.contains(&c) {
            seen.push(c);
            pieces.push(char_query(part, c));
        }
    }
    if pieces.is_empty() {
        // Only whitespace: nothing to narrow with, every document is a candidate.
        pieces.push(Box::new(AllQuery));
    }
    pieces.push(Box::new(verify(part.stored, s.to_string())));
    and(pieces)
}

fn char_query(part: Part, c: char) -> Box<dyn Query> {
    let term = Term::from_field_text(part.chr, c.encode_utf8(&mut [0; 4]));
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

/// A string of word characters: a term for one or two, else a phrase over a bigram cover.
fn word_substring(part: Part, s: &str) -> Box<dyn Query> {
    let bounds: Vec<usize> = s
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()))
        .collect();
    let n = bounds.len() - 1;
    match n {
        0 => Box::new(EmptyQuery),
        1 => char_query(part, s.chars().next().unwrap_or(' ')),
        2 => Box::new(TermQuery::new(
            Term::from_field_text(part.gram, s),
            IndexRecordOption::WithFreqs,
        )),
        _ => {
            // Bigrams at offsets 0, 2, 4, … and one ending on the last character cover every
            // character, so matching them at those offsets is matching the whole string.
            let mut offsets: Vec<usize> = (0..n - 1).step_by(2).collect();
            if offsets.last() != Some(&(n - 2)) {
                offsets.push(n - 2);
            }
            let terms = offsets
                .into_iter()
                .map(|o| {
                    (
                        o,
                        Term::from_field_text(part.gram, &s[bounds[o]..bounds[o + 2]]),
                    )
                })
                .collect();
            Box::new(PhraseQuery::new_with_offset(terms))
        }
    }
}

/// Documents whose stored `field`, normalized, contains `needle`.
fn verify(field: Field, needle: String) -> DocPredicateQuery {
    let needle = Arc::new(needle);
    let predicate = FunctionPredicate::from(move |segment: &SegmentReader| {
        let store = segment.get_store_reader(4)?;
        let needle = Arc::clone(&needle);
        Ok(move |doc: DocId| {
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
