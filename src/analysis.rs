//! Text analysis shared by indexing and querying: normalization, character classes and the three
//! tantivy tokenizers.
//!
//! Every field is indexed from the *normalized* text ([`normalize`]): NFKC applied character by
//! character (full-width ASCII becomes half-width), Latin lowercased, line endings unified. The
//! same function runs on queries, so a query matches exactly when its normalized form is a
//! substring of the normalized document.
//!
//! Three tokenizers cover two jobs:
//! - [`CharTokenizer`] (`zh_char`) emits every non-space character at its ordinal position. A
//!   phrase is a phrase query over its characters, which matches exactly the documents that
//!   contain it: this is the exact-matching guarantee, independent of jieba.
//! - [`GramTokenizer`] (`zh_gram`) emits each pair of adjacent *frequent* characters once per
//!   text (see [`is_frequent`]), indexed for documents only: such a two-character query is one
//!   lookup, and longer phrases use their bigrams as cheap, selective filters before positions
//!   are checked.
//! - [`WordTokenizer`] (`zh_word`) emits jieba words of two or more characters for BM25
//!   ranking.

use std::borrow::Cow;
use std::str::CharIndices;
use std::sync::{Arc, LazyLock};

use jieba_rs::Jieba;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::UnicodeNormalization;

/// Tokenizer name of the jieba word fields.
pub const WORD_TOKENIZER: &str = "zh_word";
/// Tokenizer name of the bigram fields.
pub const GRAM_TOKENIZER: &str = "zh_gram";
/// Tokenizer name of the single-character fields.
pub const CHAR_TOKENIZER: &str = "zh_char";

/// Whether jieba's HMM guesses words missing from its dictionary (names, new terms).
pub const HMM: bool = true;

/// Version of [`normalize`] and of the gram/char tokenizers. Bump it whenever their output
/// changes: an index built with another version is rebuilt by `zhsearch index`.
const ANALYSIS_VERSION: u32 = 2;

/// The version of jieba-rs this binary was built with (read from Cargo.lock by build.rs).
const JIEBA_VERSION: &str = env!("ZHSEARCH_JIEBA_VERSION");

static JIEBA: LazyLock<Arc<Jieba>> = LazyLock::new(|| Arc::new(Jieba::new()));

/// The process-wide jieba segmenter, loaded on first use (building it takes a noticeable
/// fraction of a second, so queries that need no segmentation never pay for it).
pub fn jieba() -> Arc<Jieba> {
    Arc::clone(&JIEBA)
}

/// Checksum of the jieba-rs package (from Cargo.lock), which covers its dictionary and HMM model.
const JIEBA_CHECKSUM: &str = env!("ZHSEARCH_JIEBA_CHECKSUM");

/// A description of everything that decides how text is turned into terms: jieba-rs version
/// and package checksum (its embedded dictionary), HMM, the list of frequent characters and
/// the normalization version. Stored in the index; a different value means the index must be
/// rebuilt. Cheap to compute: no dictionary is loaded.
pub fn segmenter_config() -> String {
    format!(
        "jieba-rs {JIEBA_VERSION} (package {JIEBA_CHECKSUM}, default dictionary), hmm {}, frequent characters {:08x}, analysis v{ANALYSIS_VERSION}",
        if HMM { "on" } else { "off" },
        xxhash_rust::xxh3::xxh3_64(FREQUENT_CHARS.as_bytes()) as u32
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
    matches!(c, '\u{4e00}'..='\u{9fff}' | 'a'..='z' | '0'..='9' | '\n')
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
    for n in std::iter::once(c).nfkc() {
        for l in n.to_lowercase() {
            out.push(l);
        }
    }
}

/// Normalizes text for indexing and querying: NFKC per character (full-width ASCII to
/// half-width, ideographic space to space), lowercase, `\r\n` and `\r` to `\n`.
///
/// ```
/// assert_eq!(zhsearch::analysis::normalize("ＧＤＰ增长，Ａ股\r\n"), "gdp增长,a股\n");
/// ```
pub fn normalize(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_stable) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
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
#[derive(Debug, Clone)]
pub struct NormalizedText {
    /// The normalized text, equal to [`normalize`] of the original.
    pub text: String,
    /// For each byte of `text`, the byte range of the original character it came from.
    origin: Vec<(u32, u32)>,
}

impl NormalizedText {
    /// Normalizes `original`, remembering where each normalized byte came from.
    pub fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut origin = Vec::with_capacity(original.len());
        let mut chars = original.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            let end = start + c.len_utf8();
            if c == '\r' {
                if matches!(chars.peek(), Some((_, '\n'))) {
                    continue;
                }
                text.push('\n');
            } else {
                push_normalized(c, &mut text);
            }
            origin.resize(text.len(), (start as u32, end as u32));
        }
        NormalizedText { text, origin }
    }

    /// The original byte range of the normalized byte range `start..end` (char boundaries).
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        if start >= end || end > self.origin.len() {
            return (0, 0);
        }
        (
            self.origin[start].0 as usize,
            self.origin[end - 1].1 as usize,
        )
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

/// jieba words of two or more characters, with byte offsets and ordinal positions (counting
/// every word); punctuation and whitespace dropped, no length limit (long political terms are
/// kept whole). Single characters are left to the character field, which holds each of them
/// with its frequency already: ranking reads them from there.
#[derive(Clone, Default)]
pub struct WordTokenizer {
    /// `None`: the process-wide segmenter, loaded when the first text is tokenized.
    jieba: Option<Arc<Jieba>>,
}

impl WordTokenizer {
    /// A tokenizer using the process-wide segmenter, loaded on first use.
    pub fn shared() -> Self {
        WordTokenizer { jieba: None }
    }

    /// A tokenizer using the given segmenter.
    pub fn with_jieba(jieba: Arc<Jieba>) -> Self {
        WordTokenizer { jieba: Some(jieba) }
    }
}

/// Stream of [`WordTokenizer`].
pub struct WordTokenStream<'a> {
    text: &'a str,
    /// (byte start, byte end, position) of each word.
    words: Vec<(usize, usize, usize)>,
    next: usize,
    token: Token,
}

/// Whether a jieba word is indexed in the word field: two or more characters, at least one of
/// them a word character.
#[inline]
pub fn is_indexed_word(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some() && chars.next().is_some() && word.chars().any(is_word_char)
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokenStream<'a> {
        let jieba: &Jieba = match &self.jieba {
            Some(j) => j,
            None => &JIEBA,
        };
        let words = jieba
            .cut(text, HMM)
            .into_iter()
            .filter(|t| t.word.chars().any(is_word_char))
            .enumerate()
            .filter(|(_, t)| is_indexed_word(t.word))
            .map(|(position, t)| (t.byte_start, t.byte_end, position))
            .collect();
        WordTokenStream {
            text,
            words,
            next: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for WordTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let Some(&(from, to, position)) = self.words.get(self.next) else {
            return false;
        };
        self.next += 1;
        self.token.text.clear();
        self.token.text.push_str(&self.text[from..to]);
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = position;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// The characters between which bigrams are indexed: the 800 Han characters that carry most
/// of jieba's dictionary (`src/frequent_chars.txt`, written by `scripts/frequent_chars.py`),
/// ASCII letters and digits. They make up about two thirds of report text; a phrase made only
/// of them has long character posting lists, and its bigrams are what keeps it fast. A bigram
/// with a rarer character is not indexed: that character's own postings are short enough.
const FREQUENT_CHARS: &str = include_str!("frequent_chars.txt");

static FREQUENT: LazyLock<Box<[u16; 1 << 16]>> = LazyLock::new(|| {
    // Each frequent character's number, from 1; 0 for every other character of the BMP.
    let mut table = Box::new([0u16; 1 << 16]);
    let ascii = ('a'..='z').chain('0'..='9');
    let listed = FREQUENT_CHARS.chars().filter(|c| !c.is_whitespace());
    let mut next = 1u16;
    for c in listed.chain(ascii) {
        if let Some(slot) = table.get_mut(c as usize) {
            if *slot == 0 {
                *slot = next;
                next += 1;
            }
        }
    }
    table
});

/// The number of frequent characters, plus one (see [`frequent_number`]).
static FREQUENT_SLOTS: LazyLock<usize> =
    LazyLock::new(|| FREQUENT.iter().map(|&n| n as usize).max().unwrap_or(0) + 1);

/// `c`'s number among the frequent characters (from 1), or 0.
#[inline]
fn frequent_number(c: char) -> usize {
    FREQUENT.get(c as usize).map_or(0, |&n| n as usize)
}

/// Whether `c` (normalized) is one of the characters bigrams are indexed between.
#[inline]
pub fn is_frequent(c: char) -> bool {
    frequent_number(c) != 0
}

/// Whether the bigram `a b` is indexed wherever it occurs.
#[inline]
pub fn is_indexed_bigram(a: char, b: char) -> bool {
    is_frequent(a) && is_frequent(b)
}

/// Indexed bigrams (see [`is_indexed_bigram`]) of adjacent characters, each distinct bigram
/// once per text, at its first occurrence: the field records documents only, so repeats would
/// cost the index writer and add nothing.
#[derive(Clone, Default)]
pub struct GramTokenizer {
    /// One bit per possible bigram, set while a text is being read; cleared again after.
    seen: Vec<u64>,
}

/// Stream of [`GramTokenizer`].
pub struct GramTokenStream {
    /// (first char, second char, byte offset, ordinal) of each distinct bigram.
    grams: Vec<(char, char, u32, u32)>,
    next: usize,
    token: Token,
}

impl Tokenizer for GramTokenizer {
    type TokenStream<'a> = GramTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> GramTokenStream {
        let slots = *FREQUENT_SLOTS;
        if self.seen.is_empty() {
            self.seen = vec![0; (slots * slots).div_ceil(64)];
        }
        let mut grams = Vec::new();
        let mut prev: Option<(usize, char, usize)> = None;
        for (ordinal, (i, c)) in text.char_indices().enumerate() {
            let n = frequent_number(c);
            if let Some((pi, pc, pn)) = prev {
                if pn != 0 && n != 0 {
                    let bit = pn * slots + n;
                    let word = &mut self.seen[bit >> 6];
                    if *word & (1 << (bit & 63)) == 0 {
                        *word |= 1 << (bit & 63);
                        // Texts are far below 4 GiB (see `ingest::MAX_FILE_BYTES`).
                        grams.push((pc, c, pi as u32, ordinal as u32 - 1));
                    }
                }
            }
            prev = Some((i, c, n));
        }
        for &(a, b, _, _) in &grams {
            let bit = frequent_number(a) * slots + frequent_number(b);
            self.seen[bit >> 6] = 0;
        }
        GramTokenStream {
            grams,
            next: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for GramTokenStream {
    fn advance(&mut self) -> bool {
        let Some(&(a, b, offset, ordinal)) = self.grams.get(self.next) else {
            return false;
        };
        self.next += 1;
        self.token.text.clear();
        self.token.text.push(a);
        self.token.text.push(b);
        self.token.offset_from = offset as usize;
        self.token.offset_to = offset as usize + a.len_utf8() + b.len_utf8();
        self.token.position = ordinal as usize;
        true
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
    fn grams_of_frequent_characters_once_each_at_first_occurrence() {
        let text = "党建a，中国人民中国鑫国人";
        let got = collect(GramTokenizer::default(), text);
        let mut texts: Vec<_> = got.iter().map(|t| t.0.as_str()).collect();
        texts.sort_unstable();
        // 鑫 is not frequent: no bigram with it; 中国 and 国人 repeat but are indexed once.
        assert_eq!(texts, vec!["中国", "人民", "党建", "国人", "建a", "民中"]);
        for (gram, from, to, position) in &got {
            assert_eq!(&text[*from..*to], gram);
            assert_eq!(
                text.find(gram.as_str()),
                Some(*from),
                "first occurrence of {gram}"
            );
            assert_eq!(text[..*from].chars().count(), *position);
        }
        assert!(is_frequent('的') && is_frequent('a') && is_frequent('7'));
        assert!(!is_frequent('鑫') && !is_frequent('，') && !is_frequent('A'));
    }

    #[test]
    fn gram_tokenizer_forgets_each_text() {
        let mut tokenizer = GramTokenizer::default();
        for _ in 0..2 {
            let mut stream = tokenizer.token_stream("中国人民中国");
            let mut n = 0;
            while stream.advance() {
                n += 1;
            }
            assert_eq!(n, 4, "中国, 国人, 人民, 民中 each time");
        }
    }

    #[test]
    fn grams_never_cross_punctuation_or_whitespace() {
        let got = collect(GramTokenizer::default(), "中国 人民。中\n国");
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
    fn words_drop_punctuation_and_keep_long_terms() {
        let got = collect(
            WordTokenizer::shared(),
            "博乐市小营盘镇党委，坚持“党建为龙头”。",
        );
        let texts: Vec<_> = got.iter().map(|t| t.0.as_str()).collect();
        assert!(texts.contains(&"镇党委"), "{texts:?}");
        assert!(!texts.iter().any(|t| !t.chars().any(is_word_char)));
        // Single characters (为) are left to the character field.
        assert!(texts.iter().all(|t| t.chars().count() >= 2), "{texts:?}");
        let mut last = None;
        for (text, from, to, pos) in &got {
            assert!(last < Some(*pos), "positions increase");
            last = Some(*pos);
            assert_eq!(&"博乐市小营盘镇党委，坚持“党建为龙头”。"[*from..*to], text);
        }
        // A 16-character term is never dropped for length.
        let mut jieba = Jieba::new();
        jieba.add_word("中国特色社会主义思想和党的建设研究", Some(1_000_000), None);
        let long = collect(
            WordTokenizer::with_jieba(Arc::new(jieba)),
            "中国特色社会主义思想和党的建设研究",
        );
        assert_eq!(long.len(), 1);
        assert_eq!(long[0].2, 17 * 3);
    }

    #[test]
    fn normalization_folds_width_and_case() {
        assert_eq!(normalize("ＡＢＣ１２３：（）"), "abc123:()");
        assert_eq!(normalize("a\r\nb\rc"), "a\nb\nc");
        assert!(matches!(normalize("党建引领。"), Cow::Borrowed(_)));
        assert_eq!(normalize("\u{3000}"), " ");
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
