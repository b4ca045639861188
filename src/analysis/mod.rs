//! Text analysis shared by indexing and querying: normalization, character classes, the two
//! tantivy tokenizers and the jieba segmenter that reads queries.
//!
//! Every field is indexed from the *normalized* text ([`normalize`]): NFKC applied character by
//! character (full-width ASCII becomes half-width), Latin lowercased, traditional characters
//! folded to simplified ([`fold`]), line endings unified. The same function runs on queries, so
//! a query matches exactly when its normalized form is a substring of the normalized document.
//!
//! The index holds no words: text is indexed as characters and bigrams, and both jobs of a
//! search engine are done with them.
//! - [`CharTokenizer`] (`zh_char`) emits every non-space character at its ordinal position. A
//!   phrase is a phrase query over its characters, which matches exactly the documents that
//!   contain it: this is the exact-matching guarantee. Its BM25 (phrase frequency, character
//!   count as length) ranks.
//! - [`GramTokenizer`] (`zh_gram`) emits every pair of adjacent *frequent* characters (see
//!   [`is_frequent`]) with its frequency: such a two-character query is one term, and longer
//!   phrases use their bigrams as cheap, selective filters before positions are checked.
//!
//! jieba only reads queries: an unquoted run of words becomes the words jieba finds in it, each
//! matched (and ranked) as a substring. So segmentation never decides whether a document is
//! found, and a jieba upgrade never invalidates an index.

pub mod fold;

use std::borrow::Cow;
use std::str::CharIndices;
use std::sync::LazyLock;

use jieba_rs::Jieba;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::UnicodeNormalization;

/// Tokenizer name of the bigram fields.
pub const GRAM_TOKENIZER: &str = "zh_gram";
/// Tokenizer name of the single-character fields.
pub const CHAR_TOKENIZER: &str = "zh_char";

/// Whether jieba's HMM guesses words missing from its dictionary (names, new terms) in queries.
pub const HMM: bool = true;

/// Version of [`normalize`] and of the gram/char tokenizers. Bump it whenever their output
/// changes: an index built with another version is rebuilt by `zhsearch index`.
const ANALYSIS_VERSION: u32 = 4;

/// A description of everything that decides how text is turned into terms: the analysis
/// version (normalization and tokenizers) and the list of frequent characters. Stored in the
/// index; a different value means the index must be rebuilt. jieba is not part of it: it only
/// reads queries.
pub fn analysis_config() -> String {
    format!(
        "characters, and bigrams of frequent characters (list {:08x}), folded to simplified \
         (table {:08x}), analysis v{ANALYSIS_VERSION}",
        crate::checksums::FREQUENT_CHARS,
        crate::checksums::FOLD_TABLE,
    )
}

/// True for characters that make up words: letters and digits of any script, Han included.
/// Everything else (punctuation, symbols, whitespace) separates words and is never part of a
/// bigram.
#[inline]
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        // Common Han first: the general lookup is a binary search over Unicode tables.
        matches!(c, '\u{4e00}'..='\u{9fff}') || c.is_alphanumeric()
    }
}

/// Characters that never change under [`normalize`]: the fast path for typical report text.
#[inline]
fn is_stable(c: char) -> bool {
    if matches!(c, '\u{4e00}'..='\u{9fff}') {
        return !fold::changes(c);
    }
    matches!(c, 'a'..='z' | '0'..='9' | '\n')
        || (c.is_ascii() && !c.is_ascii_uppercase() && c != '\r')
        || matches!(
            c,
            '\u{3001}' | '\u{3002}' | '\u{201c}' | '\u{201d}' | '\u{300a}'..='\u{3011}'
        )
}

/// Appends the normalized form of one character (not `\r`, handled by the callers).
#[inline]
fn push_normalized(c: char, out: &mut String) {
    if is_stable(c) {
        out.push(c);
        return;
    }
    // Full-width ASCII (the ，：（）！？ of most reports): NFKC makes it the ASCII character.
    if let '\u{ff01}'..='\u{ff5e}' = c {
        let ascii = char::from((c as u32 - 0xfee0) as u8);
        out.push(fold::fold_char(ascii.to_ascii_lowercase()));
        return;
    }
    for n in std::iter::once(c).nfkc() {
        for l in n.to_lowercase() {
            out.push(fold::fold_char(l));
        }
    }
}

/// Normalizes text for indexing and querying: NFKC per character (full-width ASCII to
/// half-width, ideographic space to space), lowercase, traditional to simplified, `\r\n` and
/// `\r` to `\n`.
///
/// ```
/// assert_eq!(zhsearch::analysis::normalize("ＧＤＰ增長，Ａ股\r\n"), "gdp增长,a股\n");
/// ```
pub fn normalize(text: &str) -> Cow<'_, str> {
    // The stable prefix (no `\r` in it) is taken as it is.
    let Some(first) = text.find(|c| !is_stable(c)) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..first]);
    let mut chars = text[first..].chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() != Some(&'\n') {
                out.push('\n');
            }
            continue;
        }
        push_normalized(c, &mut out);
    }
    Cow::Owned(out)
}

/// Normalized text together with a map back to the original, for highlighting.
///
/// Normalization works character by character, so every normalized character comes from
/// exactly one original character (or from a `\r\n` pair). Most characters are unchanged;
/// only the changed ones are recorded, as *edits*, and everything between two edits maps
/// byte for byte. The map therefore costs memory in proportion to the changed characters, not
/// to the text.
#[derive(Debug, Clone)]
pub struct NormalizedText {
    /// The normalized text, equal to [`normalize`] of the original.
    pub text: String,
    /// Changed characters in order: normalized byte range, original byte range.
    edits: Vec<Edit>,
}

#[derive(Debug, Clone, Copy)]
struct Edit {
    norm: (usize, usize),
    orig: (usize, usize),
}

impl NormalizedText {
    /// Normalizes `original`, remembering where each normalized byte came from.
    pub fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut edits = Vec::new();
        let mut chars = original.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            let mut end = start + c.len_utf8();
            let before = text.len();
            if c == '\r' {
                if let Some(&(i, '\n')) = chars.peek() {
                    chars.next();
                    end = i + 1;
                }
                text.push('\n');
            } else {
                push_normalized(c, &mut text);
            }
            if text[before..] != original[start..end] {
                edits.push(Edit {
                    norm: (before, text.len()),
                    orig: (start, end),
                });
            }
        }
        NormalizedText { text, edits }
    }

    /// The byte offset in the original of the character that holds normalized byte `pos`
    /// (the original's length at the end of the text).
    pub fn original_start(&self, pos: usize) -> usize {
        let i = self.edits.partition_point(|e| e.norm.1 <= pos);
        match self.edits.get(i) {
            Some(e) if e.norm.0 <= pos => e.orig.0,
            _ => self.shifted(i, pos),
        }
    }

    /// The byte offset in the original just after the character that holds normalized byte
    /// `pos - 1` (0 for 0).
    pub fn original_end(&self, pos: usize) -> usize {
        if pos == 0 {
            return 0;
        }
        let i = self.edits.partition_point(|e| e.norm.1 < pos);
        match self.edits.get(i) {
            Some(e) if e.norm.0 < pos => e.orig.1,
            _ => self.shifted(i, pos),
        }
    }

    /// `pos` mapped through the unchanged run after edit `i - 1`.
    fn shifted(&self, i: usize, pos: usize) -> usize {
        match i.checked_sub(1).and_then(|p| self.edits.get(p)) {
            Some(prev) => prev.orig.1 + (pos - prev.norm.1),
            None => pos,
        }
    }

    /// The original byte range holding the normalized byte range `start..end`: whole original
    /// characters, so a match inside the expansion of one character (`½` → `1⁄2`) covers that
    /// character. Empty when the range is.
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.original_start(start);
        if start >= end {
            return (s, s);
        }
        (s, self.original_end(end).max(s))
    }
}

/// Maximal runs of word characters in `text`, with their byte offsets.
pub fn word_runs(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let start = loop {
            let (i, c) = rest.next()?;
            if is_word_char(c) {
                break i;
            }
        };
        let mut end = text.len();
        while let Some(&(i, c)) = rest.peek() {
            if !is_word_char(c) {
                end = i;
                break;
            }
            rest.next();
        }
        Some((start, &text[start..end]))
    })
}

/// The jieba words of normalized `text`, without punctuation and whitespace tokens.
pub fn words<'a>(jieba: &Jieba, text: &'a str) -> Vec<&'a str> {
    jieba
        .cut(text, HMM)
        .into_iter()
        .map(|t| t.word)
        .filter(|w| w.chars().any(is_word_char))
        .collect()
}

/// The characters between which bigrams are indexed: the 800 Han characters that carry most
/// of jieba's dictionary (`src/analysis/frequent_chars.txt`, written by `scripts/frequent_chars.py`),
/// ASCII letters and digits. They make up about 80% of report text; a phrase made only
/// of them has long character posting lists, and its bigrams are what keeps it fast. A bigram
/// with a rarer character is not indexed: that character's own postings are short enough.
const FREQUENT_CHARS: &str = include_str!("frequent_chars.txt");

/// Whether each character of the Basic Multilingual Plane is frequent.
static FREQUENT: LazyLock<Box<[bool; 1 << 16]>> = LazyLock::new(|| {
    let mut table = Box::new([false; 1 << 16]);
    let ascii = ('a'..='z').chain('0'..='9');
    let listed = FREQUENT_CHARS.chars().filter(|c| !c.is_whitespace());
    for c in listed.chain(ascii) {
        if let Some(slot) = table.get_mut(c as usize) {
            *slot = true;
        }
    }
    table
});

/// Whether `c` (normalized) is one of the characters bigrams are indexed between.
#[inline]
pub fn is_frequent(c: char) -> bool {
    FREQUENT.get(c as usize).copied().unwrap_or(false)
}

/// Whether the bigram `a b` is indexed wherever it occurs.
#[inline]
pub fn is_indexed_bigram(a: char, b: char) -> bool {
    is_frequent(a) && is_frequent(b)
}

/// Every indexed bigram (see [`is_indexed_bigram`]) of adjacent characters, at the position
/// of its first character. The field keeps their frequencies, not their positions: a
/// two-character query is one term, ranked by BM25, and longer phrases use their bigrams as
/// cheap, selective document filters before character positions are checked.
#[derive(Clone, Default)]
pub struct GramTokenizer;

/// Stream of [`GramTokenizer`].
pub struct GramTokenStream<'a> {
    chars: CharIndices<'a>,
    /// The previous character, its byte offset and whether it is frequent.
    prev: Option<(char, usize, bool)>,
    ordinal: usize,
    token: Token,
}

impl Tokenizer for GramTokenizer {
    type TokenStream<'a> = GramTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> GramTokenStream<'a> {
        GramTokenStream {
            chars: text.char_indices(),
            prev: None,
            ordinal: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for GramTokenStream<'_> {
    fn advance(&mut self) -> bool {
        for (i, c) in self.chars.by_ref() {
            let frequent = is_frequent(c);
            let prev = self.prev.replace((c, i, frequent));
            self.ordinal += 1;
            if let Some((p, pi, true)) = prev {
                if frequent {
                    self.token.text.clear();
                    self.token.text.push(p);
                    self.token.text.push(c);
                    self.token.offset_from = pi;
                    self.token.offset_to = i + c.len_utf8();
                    self.token.position = self.ordinal - 2;
                    return true;
                }
            }
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Every non-whitespace character, at its ordinal position.
#[derive(Clone, Default)]
pub struct CharTokenizer;

/// Stream of [`CharTokenizer`].
pub struct CharTokenStream<'a> {
    chars: CharIndices<'a>,
    ordinal: usize,
    token: Token,
}

impl Tokenizer for CharTokenizer {
    type TokenStream<'a> = CharTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CharTokenStream<'a> {
        CharTokenStream {
            chars: text.char_indices(),
            ordinal: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for CharTokenStream<'_> {
    fn advance(&mut self) -> bool {
        for (i, c) in self.chars.by_ref() {
            self.ordinal += 1;
            if !c.is_whitespace() {
                self.token.text.clear();
                self.token.text.push(c);
                self.token.offset_from = i;
                self.token.offset_to = i + c.len_utf8();
                self.token.position = self.ordinal - 1;
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect<T: Tokenizer>(mut tokenizer: T, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
        }
        out
    }

    #[test]
    fn grams_of_frequent_characters_at_every_occurrence() {
        let text = "党建a，中国人民中国鑫国人";
        let got = collect(GramTokenizer, text);
        let texts: Vec<_> = got.iter().map(|t| t.0.as_str()).collect();
        // 鑫 is not frequent: no bigram with it; 中国 repeats and is counted twice.
        assert_eq!(
            texts,
            vec!["党建", "建a", "中国", "国人", "人民", "民中", "中国", "国人"]
        );
        for (gram, from, to, position) in &got {
            assert_eq!(&text[*from..*to], gram);
            assert_eq!(text[..*from].chars().count(), *position);
        }
        assert!(is_frequent('的') && is_frequent('a') && is_frequent('7'));
        assert!(!is_frequent('鑫') && !is_frequent('，') && !is_frequent('A'));
    }

    #[test]
    fn grams_never_cross_punctuation_or_whitespace() {
        let got = collect(GramTokenizer, "中国 人民。中\n国");
        let texts: Vec<_> = got.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(texts, vec!["中国", "人民"]);
    }

    #[test]
    fn chars_skip_whitespace_keep_punctuation() {
        let got = collect(CharTokenizer, "党 ，建");
        assert_eq!(
            got,
            vec![
                ("党".into(), 0, 3, 0),
                ("，".into(), 4, 7, 2),
                ("建".into(), 7, 10, 3)
            ]
        );
    }

    #[test]
    fn normalization_folds_width_and_case() {
        assert_eq!(normalize("ＡＢＣ１２３：（）"), "abc123:()");
        assert_eq!(normalize("a\r\nb\rc"), "a\nb\nc");
        assert!(matches!(normalize("党建引领。"), Cow::Borrowed(_)));
        assert_eq!(normalize("\u{3000}"), " ");
    }

    #[test]
    fn full_width_ascii_takes_the_short_way_to_the_same_result() {
        for c in '\u{ff01}'..='\u{ff5e}' {
            let mut fast = String::new();
            push_normalized(c, &mut fast);
            let slow: String = std::iter::once(c)
                .nfkc()
                .flat_map(char::to_lowercase)
                .map(fold::fold_char)
                .collect();
            assert_eq!(fast, slow, "{c}");
        }
        assert_eq!(normalize("党建\r\n，Ａ"), "党建\n,a");
    }

    #[test]
    fn normalizing_folded_text_is_normalizing_it() {
        // Both map one character at a time (`\r`, which pairs with `\n`, never folds), so
        // every character decides it; the knowledge extractor's fingerprint relies on it.
        let differ: Vec<char> = (0..=0x10ffff)
            .filter_map(char::from_u32)
            .filter(|&c| {
                let text = c.to_string();
                normalize(&fold::fold(&text)) != normalize(&text)
            })
            .collect();
        assert!(differ.is_empty(), "{differ:?}");
        assert_eq!(
            normalize(&fold::fold("黨建ＡＢ\r\n")),
            normalize("黨建ＡＢ\r\n")
        );
    }

    #[test]
    fn normalization_folds_traditional_and_maps_back() {
        assert_eq!(normalize("黨建引領"), "党建引领");
        let original = "小營盤鎮黨委";
        let n = NormalizedText::new(original);
        assert_eq!(n.text, "小营盘镇党委");
        let start = n.text.find("营盘").unwrap();
        let (s, e) = n.original_range(start, start + "营盘".len());
        assert_eq!(&original[s..e], "營盤");
    }

    #[test]
    fn normalized_text_maps_back_to_original_bytes() {
        let original = "Ａ党…建\r\n";
        let n = NormalizedText::new(original);
        assert_eq!(n.text, normalize(original));
        assert_eq!(n.text, "a党...建\n");
        let pos = n.text.find("建").unwrap();
        let (s, e) = n.original_range(pos, pos + "建".len());
        assert_eq!(&original[s..e], "建");
        // A match ending inside an expansion covers the whole original character.
        let dots = n.text.find("..").unwrap();
        let (s, e) = n.original_range(dots, dots + 2);
        assert_eq!(&original[s..e], "…");
    }

    #[test]
    fn word_runs_split_on_non_word_characters() {
        let runs: Vec<_> = word_runs("贵州:赋能产业 abc。").collect();
        assert_eq!(runs, vec![(0, "贵州"), (7, "赋能产业"), (20, "abc")]);
    }
}
