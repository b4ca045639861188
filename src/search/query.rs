//! The query language, parsed into our own [`Expr`] tree.
//!
//! ```text
//! 党建 引领            both words (AND is implicit)
//! 党建 OR 党风         either
//! 党建 -廉政 / NOT 廉政  exclude
//! "小营盘镇"            exact phrase (any length, whatever jieba does with it)
//! title:党建  body:"乡村振兴"  field prefixes: where text must occur
//! kind:述职报告 place:博乐市  knowledge prefixes (kind, person, place, org, keyword): the
//!                     report's extracted value equals the term exactly
//! (党建 OR 党风) 引领   grouping
//! ```
//!
//! Only ASCII `"`, `(`, `)`, a leading `-` and the words `OR`, `AND`, `NOT` are syntax. Chinese
//! punctuation is text, so a pasted title or sentence just works: `贵州：赋能产业` is the text it
//! looks like and `“时代楷模”` (curly quotes around a whole term) is a phrase.

use crate::error::{Error, Result};
use crate::knowledge::{Facet, Kind};

/// Which part of a report a term must occur in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Anywhere (the whole text, title line included); title matches rank higher.
    All,
    /// The title only (`title:`).
    Title,
    /// The text, ranked without a title bonus (`body:`).
    Body,
}

/// How a piece of text must occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// Verbatim, as a substring (quoted).
    Phrase,
    /// Unquoted: every jieba word of each run of letters must occur; verbatim ranks first.
    Words,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// Text to find, as typed (normalization happens at compile time).
    Text {
        /// Where it must occur.
        scope: Scope,
        /// Phrase or words.
        kind: TextKind,
        /// The text as typed.
        text: String,
    },
    /// All of these.
    And(Vec<Expr>),
    /// Any of these.
    Or(Vec<Expr>),
    /// Not this.
    Not(Box<Expr>),
    /// Reports whose extracted `facet` has exactly this value (`kind:述职报告`).
    Facet {
        /// Which facet.
        facet: Facet,
        /// The value, trimmed.
        value: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Open,
    Close,
    Or,
    And,
    Not,
    /// A leading `-` glued to the next term.
    Minus,
    /// `title:` or `body:` glued to the next token.
    Field(Scope),
    /// `kind:`, `person:`, `place:`, `org:` or `keyword:` glued to the next token.
    Facet(Facet),
    Phrase(String),
    Word(String),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    column: usize,
    /// Whitespace follows this token (or it ends the query).
    spaced: bool,
}

fn error(message: impl Into<String>, column: usize) -> Error {
    Error::Query {
        message: message.into(),
        column,
    }
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c.is_control()
}

/// The prefix token a word starts with (`title:`, `kind:`…) and its length in bytes.
fn field_prefix(word: &str) -> Option<(Tok, usize)> {
    let (name, _) = word.split_once(':')?;
    let tok = match name.to_ascii_lowercase().as_str() {
        "title" => Tok::Field(Scope::Title),
        "body" => Tok::Field(Scope::Body),
        other => Tok::Facet(Facet::from_name(other)?),
    };
    Some((tok, name.len() + 1))
}

fn lex(query: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = query.chars().collect();
    let mut tokens: Vec<Token> = Vec::new();
    let mut i = 0;
    let push = |tokens: &mut Vec<Token>, tok, column| {
        tokens.push(Token {
            tok,
            column,
            spaced: false,
        })
    };
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if is_space(c) {
            if let Some(last) = tokens.last_mut() {
                last.spaced = true;
            }
            i += 1;
            continue;
        }
        match c {
            '(' => {
                push(&mut tokens, Tok::Open, column);
                i += 1;
            }
            ')' => {
                push(&mut tokens, Tok::Close, column);
                i += 1;
            }
            '"' => {
                let Some(len) = chars[i + 1..].iter().position(|&c| c == '"') else {
                    return Err(error("unbalanced quote: this `\"` is never closed", column));
                };
                let text: String = chars[i + 1..i + 1 + len].iter().collect();
                if text.trim().is_empty() {
                    return Err(error("empty phrase", column));
                }
                push(&mut tokens, Tok::Phrase(text), column);
                i += len + 2;
            }
            '-' if chars.get(i + 1).is_some_and(|&n| !is_space(n) && n != ')')
                && tokens.last().is_none_or(|t| t.spaced || t.tok == Tok::Open) =>
            {
                push(&mut tokens, Tok::Minus, column);
                i += 1;
            }
            _ => {
                let len = chars[i..]
                    .iter()
                    .position(|&c| is_space(c) || matches!(c, '(' | ')' | '"'))
                    .unwrap_or(chars.len() - i);
                let word: String = chars[i..i + len].iter().collect();
                i += len;
                match word.as_str() {
                    "OR" => push(&mut tokens, Tok::Or, column),
                    "AND" => push(&mut tokens, Tok::And, column),
                    "NOT" => push(&mut tokens, Tok::Not, column),
                    _ => match field_prefix(&word) {
                        Some((tok, n)) => {
                            push(&mut tokens, tok, column);
                            if word.len() > n {
                                push(&mut tokens, Tok::Word(word[n..].to_string()), column + n);
                            } else if chars.get(i).is_none_or(|&c| is_space(c) || c == ')') {
                                return Err(error(
                                    format!("`{word}` needs a word, a \"phrase\" or a (group) right after it"),
                                    column,
                                ));
                            }
                        }
                        None => push(&mut tokens, Tok::Word(word), column),
                    },
                }
            }
        }
    }
    Ok(tokens)
}

/// Deepest nesting of parentheses and `NOT`s accepted.
const MAX_NESTING: usize = 64;

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    end_column: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn column(&self) -> usize {
        self.tokens
            .get(self.pos)
            .map_or(self.end_column, |t| t.column)
    }

    fn or(&mut self, scope: Scope) -> Result<Option<Expr>> {
        let mut parts = Vec::new();
        loop {
            if self.peek() == Some(&Tok::Or) {
                return Err(error("`OR` needs a term before it", self.column()));
            }
            let first = self.column();
            match self.and(scope)? {
                Some(e) => parts.push(e),
                None if parts.is_empty() => return Ok(None),
                None => return Err(error("`OR` needs a term after it", first)),
            }
            if self.peek() != Some(&Tok::Or) {
                break;
            }
            let or_column = self.column();
            self.pos += 1;
            if matches!(self.peek(), None | Some(Tok::Close)) {
                return Err(error("`OR` needs a term after it", or_column));
            }
        }
        Ok(Some(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        }))
    }

    fn and(&mut self, scope: Scope) -> Result<Option<Expr>> {
        let mut parts = Vec::new();
        loop {
            match self.peek() {
                None | Some(Tok::Close) | Some(Tok::Or) => break,
                Some(Tok::And) => {
                    let column = self.column();
                    self.pos += 1;
                    if parts.is_empty() {
                        return Err(error("`AND` needs a term before it", column));
                    }
                    if matches!(
                        self.peek(),
                        None | Some(Tok::Close) | Some(Tok::Or) | Some(Tok::And)
                    ) {
                        return Err(error("`AND` needs a term after it", column));
                    }
                }
                _ => {
                    if let Some(e) = self.unary(scope)? {
                        parts.push(e);
                    }
                }
            }
        }
        Ok(match parts.len() {
            0 => None,
            1 => Some(parts.remove(0)),
            _ => Some(Expr::And(parts)),
        })
    }

    fn unary(&mut self, scope: Scope) -> Result<Option<Expr>> {
        self.depth += 1;
        let result = self.unary_inner(scope);
        self.depth -= 1;
        result
    }

    fn unary_inner(&mut self, scope: Scope) -> Result<Option<Expr>> {
        if self.depth > MAX_NESTING {
            return Err(error(
                format!("the query nests parentheses or NOT more than {MAX_NESTING} deep"),
                self.column(),
            ));
        }
        match self.peek() {
            Some(Tok::Not) | Some(Tok::Minus) => {
                let (column, name) = (
                    self.column(),
                    if self.peek() == Some(&Tok::Not) {
                        "NOT"
                    } else {
                        "-"
                    },
                );
                self.pos += 1;
                if matches!(
                    self.peek(),
                    None | Some(Tok::Close) | Some(Tok::Or) | Some(Tok::And)
                ) {
                    return Err(error(format!("`{name}` needs a term after it"), column));
                }
                Ok(self.unary(scope)?.map(|e| Expr::Not(Box::new(e))))
            }
            _ => self.primary(scope),
        }
    }

    fn primary(&mut self, scope: Scope) -> Result<Option<Expr>> {
        let Some(token) = self.tokens.get(self.pos).cloned() else {
            return Ok(None);
        };
        self.pos += 1;
        match token.tok {
            Tok::Open => {
                let inner = self.or(scope)?;
                if self.peek() != Some(&Tok::Close) {
                    return Err(error(
                        "unbalanced parenthesis: this `(` is never closed",
                        token.column,
                    ));
                }
                self.pos += 1;
                match inner {
                    Some(e) => Ok(Some(e)),
                    None => Err(error("empty parentheses", token.column)),
                }
            }
            Tok::Field(field) => match self.peek() {
                Some(Tok::Word(_)) | Some(Tok::Phrase(_)) | Some(Tok::Open) => self.primary(field),
                _ => Err(error(
                    "a field prefix needs a word, a \"phrase\" or a (group) right after it",
                    token.column,
                )),
            },
            Tok::Facet(facet) => {
                let value = match self.peek() {
                    Some(Tok::Word(v)) | Some(Tok::Phrase(v)) => v.clone(),
                    _ => {
                        return Err(error(
                            format!(
                                "`{facet}:` needs a value right after it, as in `{facet}:\"…\"`"
                            ),
                            token.column,
                        ))
                    }
                };
                self.pos += 1;
                facet_expr(facet, &value, token.column).map(Some)
            }
            Tok::Phrase(text) => Ok(Some(Expr::Text {
                scope,
                kind: TextKind::Phrase,
                text,
            })),
            Tok::Word(text) => Ok(word_expr(scope, text)),
            Tok::Close => Err(error(
                "unbalanced parenthesis: this `)` has no `(`",
                token.column,
            )),
            // Operators are consumed by the callers; reaching one here means it is misplaced.
            Tok::Or | Tok::And | Tok::Not | Tok::Minus => {
                Err(error("an operator cannot stand here", token.column))
            }
        }
    }
}

/// An unquoted term: `“…”` around the whole term makes a phrase; a term of punctuation only
/// carries nothing to search for and is dropped.
fn word_expr(scope: Scope, text: String) -> Option<Expr> {
    let inner = text
        .strip_prefix('“')
        .and_then(|t| t.strip_suffix('”'))
        .filter(|t| !t.is_empty() && !t.contains(['“', '”']));
    if let Some(inner) = inner {
        return Some(Expr::Text {
            scope,
            kind: TextKind::Phrase,
            text: inner.to_string(),
        });
    }
    let searchable = crate::analysis::normalize(&text)
        .chars()
        .any(crate::analysis::is_word_char);
    searchable.then_some(Expr::Text {
        scope,
        kind: TextKind::Words,
        text,
    })
}

/// A filter on an extracted value, as if `facet:"value"` were typed (a kind must be one of
/// the 25 labels).
pub fn facet_filter(facet: Facet, value: &str) -> Result<Expr> {
    facet_expr(facet, value, 1)
}

/// `facet:value`, the value checked: a kind must be one of the 25 labels.
fn facet_expr(facet: Facet, value: &str, column: usize) -> Result<Expr> {
    let value = value
        .trim()
        .trim_start_matches('“')
        .trim_end_matches('”')
        .trim();
    if value.is_empty() {
        return Err(error(format!("`{facet}:` needs a value"), column));
    }
    if facet == Facet::Kind && Kind::from_label(value).is_none() {
        let labels: Vec<&str> = Kind::ALL.iter().map(|k| k.label()).collect();
        return Err(error(
            format!("unknown kind `{value}`: use one of {}", labels.join(" ")),
            column,
        ));
    }
    Ok(Expr::Facet {
        facet,
        value: value.to_string(),
    })
}

/// Longest query, in characters, both as typed and once normalized.
pub const MAX_QUERY_CHARS: usize = 1000;

/// Parses a query. Errors name what is wrong and the 1-based column where it is.
///
/// ```
/// use zhsearch::search::query::{parse, Expr, Scope, TextKind};
/// let e = parse("党建 -\"形式主义\"").unwrap();
/// assert!(matches!(e, Expr::And(ref parts) if parts.len() == 2));
/// assert!(parse("title:").is_err());
/// ```
pub fn parse(query: &str) -> Result<Expr> {
    let end_column = query.chars().count() + 1;
    if end_column > MAX_QUERY_CHARS + 1 {
        return Err(error(
            format!("the query is longer than {MAX_QUERY_CHARS} characters"),
            MAX_QUERY_CHARS + 1,
        ));
    }
    // Normalization can multiply lengths (ﷺ is 18 characters once normalized, ㍻ two): the
    // limit holds for what is searched, not only for what was typed.
    let normalized = crate::analysis::normalize(query).chars().count();
    if normalized > MAX_QUERY_CHARS {
        return Err(error(
            format!(
                "the query is {normalized} characters long once normalized (some characters, such as ﷺ or ㍻, stand for several); at most {MAX_QUERY_CHARS} are searched"
            ),
            1,
        ));
    }
    let tokens = lex(query)?;
    if tokens.is_empty() {
        return Err(error("empty query", 1));
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        end_column,
        depth: 0,
    };
    let expr = parser.or(Scope::All)?;
    if let Some(t) = parser.tokens.get(parser.pos) {
        // Only a stray `)` can stop the top-level loop early.
        return Err(error(
            "unbalanced parenthesis: this `)` has no `(`",
            t.column,
        ));
    }
    expr.ok_or_else(|| error("the query has nothing to search for", 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Expr {
        Expr::Text {
            scope: Scope::All,
            kind: TextKind::Words,
            text: text.into(),
        }
    }

    fn phrase(scope: Scope, text: &str) -> Expr {
        Expr::Text {
            scope,
            kind: TextKind::Phrase,
            text: text.into(),
        }
    }

    fn err_column(q: &str) -> (usize, String) {
        match parse(q) {
            Err(Error::Query { column, message }) => (column, message),
            other => panic!("{q:?} should fail, got {other:?}"),
        }
    }

    #[test]
    fn implicit_and_or_not() {
        assert_eq!(
            parse("党建 引领").unwrap(),
            Expr::And(vec![words("党建"), words("引领")])
        );
        assert_eq!(
            parse("党建 OR 党风 -廉政").unwrap(),
            Expr::Or(vec![
                words("党建"),
                Expr::And(vec![words("党风"), Expr::Not(Box::new(words("廉政")))])
            ])
        );
        assert_eq!(
            parse("(党建 OR 党风) AND NOT 廉政").unwrap(),
            Expr::And(vec![
                Expr::Or(vec![words("党建"), words("党风")]),
                Expr::Not(Box::new(words("廉政")))
            ])
        );
    }

    #[test]
    fn phrases_and_fields() {
        assert_eq!(
            parse("\"小营盘镇\"").unwrap(),
            phrase(Scope::All, "小营盘镇")
        );
        assert_eq!(
            parse("title:\"乡村 振兴\"").unwrap(),
            phrase(Scope::Title, "乡村 振兴")
        );
        assert_eq!(
            parse("TITLE:党建").unwrap(),
            Expr::Text {
                scope: Scope::Title,
                kind: TextKind::Words,
                text: "党建".into()
            }
        );
        assert_eq!(
            parse("body:(a OR b)").unwrap(),
            Expr::Or(vec![
                Expr::Text {
                    scope: Scope::Body,
                    kind: TextKind::Words,
                    text: "a".into()
                },
                Expr::Text {
                    scope: Scope::Body,
                    kind: TextKind::Words,
                    text: "b".into()
                },
            ])
        );
    }

    #[test]
    fn chinese_punctuation_is_text() {
        assert_eq!(parse("贵州：赋能产业").unwrap(), words("贵州：赋能产业"));
        assert_eq!(parse("贵州:赋能产业").unwrap(), words("贵州:赋能产业"));
        assert_eq!(parse("“时代楷模”").unwrap(), phrase(Scope::All, "时代楷模"));
        assert_eq!(
            parse("《决定》（试行）").unwrap(),
            words("《决定》（试行）")
        );
        assert_eq!(parse("2017-11-09").unwrap(), words("2017-11-09"));
        // A dash of punctuation alone carries nothing and is dropped.
        assert_eq!(
            parse("党建 — 引领").unwrap(),
            Expr::And(vec![words("党建"), words("引领")])
        );
    }

    #[test]
    fn malformed_queries_say_what_and_where() {
        assert_eq!(err_column("党建 \"引领").0, 4);
        assert_eq!(err_column("(党建 引领").0, 1);
        assert_eq!(err_column("党建) 引领").0, 3);
        assert_eq!(err_column("OR 党建").0, 1);
        assert_eq!(err_column("党建 OR").0, 4);
        assert_eq!(err_column("党建 NOT").0, 4);
        assert_eq!(err_column("").0, 1);
        assert_eq!(err_column("   ").0, 1);
        assert_eq!(err_column("title:").0, 1);
        assert_eq!(err_column("党建 title: 引领").0, 4);
        assert_eq!(err_column("()").0, 1);
        assert_eq!(err_column("\"\"").0, 1);
        assert!(err_column("党建 \"引领").1.contains("quote"));
        assert!(err_column("(党建").1.contains("parenthesis"));
    }

    #[test]
    fn long_queries_are_measured_after_normalization_too() {
        // 990 ﷺ are 990 characters as typed and 17,820 once normalized.
        let (column, message) = err_column(&"ﷺ".repeat(990));
        assert_eq!(column, 1);
        assert!(message.contains("17820 characters"), "{message}");
        assert!(parse(&"ﷺ".repeat(55)).is_ok());
        assert!(parse(&"党".repeat(MAX_QUERY_CHARS)).is_ok());
        assert!(parse(&"党".repeat(MAX_QUERY_CHARS + 1)).is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}党建{}", "(".repeat(400), ")".repeat(400));
        assert!(err_column(&deep).1.contains("deep"));
        let nots = format!("{}党建", "NOT ".repeat(200));
        assert!(err_column(&nots).1.contains("deep"));
        let huge = format!("{}党建{}", "(".repeat(100_000), ")".repeat(100_000));
        assert_eq!(err_column(&huge).0, MAX_QUERY_CHARS + 1);
        let ok = format!("{}党建{}", "(".repeat(20), ")".repeat(20));
        assert_eq!(parse(&ok).unwrap(), words("党建"));
    }

    #[test]
    fn unknown_field_names_are_text() {
        assert_eq!(
            parse("http://example.com").unwrap(),
            words("http://example.com")
        );
        assert_eq!(parse("a-b").unwrap(), words("a-b"));
    }
}
