//! What a query means, decided on a report's text: the exact-match guarantee as a property of
//! the request, not of an engine.
//!
//! [`TextCheck`] reads a query the way [`compile`](super::compile) does — a quoted phrase is a
//! substring of the normalized text (its title for `title:`), an unquoted run is its jieba words
//! (each, or one of its synonyms, a substring), `kind:`/`place:`/… compare a report's extracted
//! values — and answers for one report's stored title, text and knowledge. The local index
//! needs no check (positions give the same answer, as `tests/exact.rs` verifies against this);
//! an engine whose tokens cannot promise it (one that drops punctuation without a gap in
//! positions) checks its candidates with it before answering.

use std::sync::Arc;

use super::query::{Expr, Scope, TextKind};
use crate::analysis::fold::fold;
use crate::analysis::{normalize, word_runs, words};
use crate::knowledge::{canonical_name, Facet};
use crate::vocabulary::{Aliases, FolderVocabulary, Vocabulary};

/// A query, ready to be decided on reports.
#[derive(Debug, Clone)]
pub struct TextCheck {
    node: Node,
}

#[derive(Debug, Clone)]
enum Node {
    /// Every group holds one of its forms (each normalized), in the title or the text.
    Contains {
        title: bool,
        groups: Vec<Vec<String>>,
    },
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// The report's extracted `facet` holds this value (as the index stores it).
    Facet(Facet, String),
}

/// A report as stored: what [`TextCheck::matches`] decides on.
pub trait Candidate {
    /// Its title line, normalized ([`crate::analysis::normalize`]).
    fn title(&self) -> &str;
    /// Its whole text, normalized.
    fn text(&self) -> &str;
    /// Whether its extracted `facet` holds `value` (kinds as labels, people, places and
    /// organizations under their canonical names in simplified characters, keywords
    /// normalized).
    fn has(&self, facet: Facet, value: &str) -> bool;
}

impl TextCheck {
    /// The check of a parsed query; unquoted words are split with the vocabulary's jieba and
    /// widened by its synonyms (loaded only when there are any), names are read under their
    /// canonical names (the aliases loaded only when a query filters by one).
    pub fn new(expr: &Expr, vocabulary: &FolderVocabulary) -> TextCheck {
        let mut loaded: Option<Arc<Vocabulary>> = None;
        let mut aliases: Option<Arc<Aliases>> = None;
        TextCheck {
            node: node(
                expr,
                &mut || Arc::clone(loaded.get_or_insert_with(|| vocabulary.get())),
                &mut || Arc::clone(aliases.get_or_insert_with(|| vocabulary.aliases())),
            ),
        }
    }

    /// Whether `report` matches the query.
    pub fn matches(&self, report: &dyn Candidate) -> bool {
        eval(&self.node, report)
    }
}

fn node(
    expr: &Expr,
    vocabulary: &mut dyn FnMut() -> Arc<Vocabulary>,
    aliases: &mut dyn FnMut() -> Arc<Aliases>,
) -> Node {
    match expr {
        Expr::Text { scope, kind, text } => Node::Contains {
            title: *scope == Scope::Title,
            groups: text_groups(*kind, text, vocabulary),
        },
        Expr::And(parts) => Node::And(parts.iter().map(|p| node(p, vocabulary, aliases)).collect()),
        Expr::Or(parts) => Node::Or(parts.iter().map(|p| node(p, vocabulary, aliases)).collect()),
        Expr::Not(inner) => Node::Not(Box::new(node(inner, vocabulary, aliases))),
        Expr::Facet { facet, value } => Node::Facet(*facet, facet_value(*facet, value, aliases)),
    }
}

/// What a piece of query text asks for: groups of normalized strings, each group satisfied by
/// any one of its forms. A phrase is one group of one form; an unquoted run is each of its
/// jieba words, with its synonyms as other forms (runs of two characters or less, and runs
/// jieba keeps whole, are one word).
pub(crate) fn text_groups(
    kind: TextKind,
    text: &str,
    vocabulary: &mut dyn FnMut() -> Arc<Vocabulary>,
) -> Vec<Vec<String>> {
    let text = normalize(text);
    match kind {
        TextKind::Phrase => vec![vec![text.trim().to_string()]],
        TextKind::Words => {
            let mut groups = Vec::new();
            for (_, run) in word_runs(&text) {
                let mut pieces = if run.chars().count() <= 2 {
                    Vec::new()
                } else {
                    words(&vocabulary().jieba(), run)
                };
                if pieces.len() <= 1 {
                    pieces = vec![run];
                }
                for w in pieces {
                    let v = vocabulary();
                    let mut forms = vec![w.to_string()];
                    forms.extend(v.alternatives(w).iter().cloned());
                    groups.push(forms);
                }
            }
            groups
        }
    }
}

fn eval(node: &Node, report: &dyn Candidate) -> bool {
    match node {
        Node::Contains { title, groups } => {
            let haystack = if *title {
                report.title()
            } else {
                report.text()
            };
            // No group at all (a run of punctuation) matches nothing, as in the index.
            !groups.is_empty()
                && groups
                    .iter()
                    .all(|forms| forms.iter().any(|f| contains(haystack, f)))
        }
        Node::And(parts) => parts.iter().all(|p| eval(p, report)),
        Node::Or(parts) => parts.iter().any(|p| eval(p, report)),
        Node::Not(inner) => !eval(inner, report),
        Node::Facet(facet, value) => report.has(*facet, value),
    }
}

/// Whether `haystack` holds `needle`; the empty needle is nowhere (an empty phrase matches no
/// report in the index either).
fn contains(haystack: &str, needle: &str) -> bool {
    !needle.is_empty() && haystack.contains(needle)
}

/// The value a `facet:value` filter looks for, as the index holds it: a keyword normalized, a
/// kind as typed, a person, place or organization folded to simplified characters and under
/// its canonical name (the aliases are asked for only then).
pub(crate) fn facet_value(
    facet: Facet,
    value: &str,
    aliases: &mut dyn FnMut() -> Arc<Aliases>,
) -> String {
    match facet {
        Facet::Keyword => normalize(value).into_owned(),
        Facet::Kind => fold(value).into_owned(),
        Facet::Person | Facet::Place | Facet::Org => {
            let name = fold(value);
            let aliases = aliases();
            canonical_name(&aliases, facet, &name).to_string()
        }
    }
}
