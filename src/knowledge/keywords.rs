//! The words that best characterize a report.
//!
//! [`KeywordExtractor`] ranks a report's jieba words by TF-IDF: how often the report uses a
//! word, times how rare the word is in Chinese at large. Rarity comes from jieba's IDF table
//! (`data/keywords_idf.txt`, reduced to the words common enough to matter; every rarer word
//! gets [`DEFAULT_IDF`]), so a report's keywords depend on it alone, never on the rest of the
//! corpus, and stay the same when other reports are added or deleted.
//!
//! Not candidates: stop words (`data/stopwords.txt`: function words and the generic vocabulary
//! of reports and news, such as 工作, 进行, 记者, 表示), single characters, anything with a digit
//! or punctuation, and numbers written in Chinese (`三个`, `第一`, `一是`). Words of the title
//! weigh more: a title names what a report is about.
//!
//! The text is segmented once, with the same jieba settings as queries
//! ([`crate::analysis::HMM`]), after [`normalize`]: a keyword is a substring of the normalized
//! title or text, and of the original wherever normalization changes nothing (it never changes
//! Han characters).

use std::collections::HashMap;
use std::sync::Arc;

use std::borrow::Cow;

use jieba_rs::{Jieba, Tag};

use super::FxBuild;
use crate::analysis::{is_word_char, normalize, HMM};

/// Version of the extraction. Bump it whenever [`KeywordExtractor::keywords`] may answer
/// differently (rules, weights, the stop list or the IDF table).
pub const VERSION: u32 = 2;

/// The IDF of every word missing from the table: the table keeps the words with an IDF below
/// 11, and jieba's rarer words lie between 11 and 13.9 (its median is 11.95).
pub const DEFAULT_IDF: f32 = 12.0;

/// The highest IDF a word can have: the table holds IDFs below [`DEFAULT_IDF`] (a test checks
/// it), and [`TERM_IDF`] is lower too.
const MAX_IDF: f32 = DEFAULT_IDF;

/// How much one appearance in the title counts, in occurrences in the text.
const TITLE_WEIGHT: f32 = 3.0;

/// The weight a word jieba's HMM guessed needs to be a candidate: two occurrences, or the title.
const MIN_GUESSED_WEIGHT: f32 = 2.0;

/// jieba's IDF table, reduced (see the file's header for its source, licence and reduction).
const IDF_TABLE: &str = include_str!("data/keywords_idf.txt");
/// Words that are never keywords (see the file's header).
const STOP_WORDS: &str = include_str!("data/stopwords.txt");
/// Terms jieba cuts into pieces, joined back (see the file's header).
const TERMS: &str = include_str!("data/keywords_terms.txt");

/// The IDF of a joined term: rarer than most words, as jieba's table would have it if it knew
/// them, and not as rare as a name.
const TERM_IDF: f32 = 10.0;

/// Characters of numbers written in Chinese.
const NUMERALS: &str = "零〇一二三四五六七八九十百千万亿两几多余半第";
/// What follows a number to make a count or an ordinal: `三个`, `一年`, `一是`.
const COUNTERS: &str = "个次年月日号天名项条位种批届点是期季家人户元岁层轮件份篇类级倍成";

/// Extracts a report's keywords. Built once (it parses its tables) and shared behind an
/// [`Arc`]: it is `Send + Sync`, and extraction takes `&self`.
///
/// ```
/// use zhsearch::knowledge::keywords::KeywordExtractor;
///
/// let extractor = KeywordExtractor::new(zhsearch::vocabulary::Vocabulary::bundled().jieba());
/// let text = "乡村振兴是新时代的重大任务。我们推进乡村振兴，发展特色产业，建设美丽乡村。";
/// let keywords = extractor.keywords("关于乡村振兴的调研", text, 3);
/// assert_eq!(keywords.first().map(String::as_str), Some("乡村振兴"));
/// assert!(!keywords.iter().any(|k| k == "我们"));
/// ```
pub struct KeywordExtractor {
    jieba: Arc<Jieba>,
    /// The IDF table, the stop words and the joined terms, so that a word costs one lookup.
    lexicon: HashMap<&'static str, Entry, FxBuild>,
    /// The terms of `data/keywords_terms.txt` that jieba cuts into pieces, by their first piece:
    /// each term with its pieces, longest first.
    terms: HashMap<&'static str, Vec<(&'static str, Vec<&'static str>)>, FxBuild>,
}

/// What the lexicon knows of a word.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Entry {
    /// A word of the IDF table, with its IDF.
    Idf(f32),
    /// A stop word: never a keyword.
    Stop,
}

impl std::fmt::Debug for KeywordExtractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeywordExtractor")
            .field("lexicon", &self.lexicon.len())
            .finish_non_exhaustive()
    }
}

/// What is known of a candidate word in one report.
struct Candidate {
    /// Occurrences, title ones weighted by [`TITLE_WEIGHT`].
    weight: f32,
    /// The order in which it was first seen: ties go to the earlier word.
    first: usize,
}

/// The lines of a data file that hold data: trimmed, without blank lines and `#` comments.
fn data_lines(data: &'static str) -> impl Iterator<Item = &'static str> {
    data.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

impl KeywordExtractor {
    /// An extractor segmenting with `jieba` (normally the one of [`crate::vocabulary::Vocabulary`]).
    pub fn new(jieba: Arc<Jieba>) -> KeywordExtractor {
        let idf = data_lines(IDF_TABLE).filter_map(|line| {
            let (word, idf) = line.split_once(' ')?;
            Some((word, Entry::Idf(idf.trim().parse().ok()?)))
        });
        // Stop words last: they override the table.
        let stop = data_lines(STOP_WORDS)
            .flat_map(str::split_whitespace)
            .map(|word| (word, Entry::Stop));
        let term_words: Vec<&'static str> =
            data_lines(TERMS).flat_map(str::split_whitespace).collect();
        let terms_idf = term_words.iter().map(|&term| (term, Entry::Idf(TERM_IDF)));
        let lexicon = idf.chain(terms_idf).chain(stop).collect();
        let mut terms: HashMap<_, Vec<_>, FxBuild> = HashMap::default();
        for term in term_words {
            let pieces: Vec<&'static str> = jieba.cut(term, HMM).iter().map(|t| t.word).collect();
            if let [first, _, ..] = pieces[..] {
                terms.entry(first).or_default().push((term, pieces));
            }
        }
        for candidates in terms.values_mut() {
            candidates.sort_by_key(|(_, pieces)| std::cmp::Reverse(pieces.len()));
        }
        KeywordExtractor {
            jieba,
            lexicon,
            terms,
        }
    }

    /// The words of a cut, with the pieces of a term joined back (the pieces of a term are
    /// its own cut, so the joined word is the term).
    fn join_terms<'a>(&self, words: &[&'a str], mut emit: impl FnMut(&'a str)) {
        let mut i = 0;
        while let Some(&word) = words.get(i) {
            let joined = self.terms.get(word).and_then(|candidates| {
                candidates.iter().find_map(|(term, pieces)| {
                    let following = words.get(i..i + pieces.len())?;
                    (following == &pieces[..]).then_some((*term, pieces.len()))
                })
            });
            match joined {
                Some((term, len)) => {
                    emit(term);
                    i += len;
                }
                None => {
                    emit(word);
                    i += 1;
                }
            }
        }
    }

    /// At most `n` keywords, best first, each a substring of the normalized title or text
    /// ([`normalize`]). Fewer when the report has fewer candidate words; none for an empty one.
    pub fn keywords(&self, title: &str, text: &str, n: usize) -> Vec<String> {
        if n == 0 {
            return Vec::new();
        }
        let title = normalize(title);
        let text = normalize(text);
        let title_words: Vec<&str> = self.jieba.cut(&title, HMM).iter().map(|t| t.word).collect();
        let text_words: Vec<&str> = self.jieba.cut(&text, HMM).iter().map(|t| t.word).collect();
        self.rank(&title_words, &text_words, n)
    }

    /// [`Self::keywords`] of a report whose `title + "\n" + text` was already cut by jieba
    /// (with [`HMM`], as `tags`; the title is its first `title_len` bytes), so that other
    /// extractors share the cut. Each word is normalized after the cut rather than before, so
    /// the keywords are those of [`Self::keywords`] except where normalization would have cut
    /// differently: full-width Latin letters and digits (one word each before normalization)
    /// and upper-case Latin glued to Han characters.
    pub fn keywords_from(&self, tags: &[Tag<'_>], title_len: usize, n: usize) -> Vec<String> {
        if n == 0 {
            return Vec::new();
        }
        // Single characters are never keywords, and most words are already normal.
        let normalized: Vec<Cow<'_, str>> = tags
            .iter()
            .map(|t| {
                if t.word.chars().nth(1).is_none() {
                    Cow::Borrowed(t.word)
                } else {
                    normalize(t.word)
                }
            })
            .collect();
        let split = tags.partition_point(|t| t.byte_end <= title_len);
        let words: Vec<&str> = normalized.iter().map(|w| w.as_ref()).collect();
        let (title_words, text_words) = words.split_at(split);
        // The line break between title and text.
        let text_words = match text_words.first() {
            Some(&"\n") => &text_words[1..],
            _ => text_words,
        };
        self.rank(title_words, text_words, n)
    }

    /// The best `n` of the words of a title and a text, each cut by jieba and normalized.
    fn rank(&self, title_words: &[&str], text_words: &[&str], n: usize) -> Vec<String> {
        let mut counts: HashMap<&str, Candidate> = HashMap::with_capacity(text_words.len() / 4);
        let mut seen = 0;
        // The title first, so that its words win ties.
        self.join_terms(title_words, |word| {
            count(&mut counts, &mut seen, word, TITLE_WEIGHT)
        });
        self.join_terms(text_words, |word| count(&mut counts, &mut seen, word, 1.0));
        // Most words occur once, and a lookup in the large IDF table is a cache miss or two: the
        // words are taken most frequent first, and once even the highest IDF cannot lift a word
        // into the best `n`, neither it nor any after it is looked up.
        let mut candidates: Vec<(&str, Candidate)> = counts.into_iter().collect();
        candidates.sort_unstable_by(|a, b| b.1.weight.total_cmp(&a.1.weight));
        let better = |a: &(f32, usize, &str), b: &(f32, usize, &str)| {
            b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
        };
        let mut best: Vec<(f32, usize, &str)> = Vec::with_capacity(n + 1);
        for (word, c) in candidates {
            if best.len() == n && best.last().is_some_and(|last| c.weight * MAX_IDF < last.0) {
                break;
            }
            let Some(idf) = self.idf(word, c.weight) else {
                continue;
            };
            let scored = (c.weight * idf, c.first, word);
            let at = best.partition_point(|b| better(b, &scored).is_lt());
            best.insert(at, scored);
            best.truncate(n);
        }
        best.into_iter()
            .map(|(_, _, word)| word.to_string())
            .collect()
    }

    /// The IDF of `word`, seen with `weight` in a report, or `None` when it may not be a
    /// keyword: a stop word, not a word's shape ([`has_keyword_shape`]), or a guess of jieba's
    /// HMM seen once. A guess (`由镇` cut out of `由镇党委书记`) gets [`DEFAULT_IDF`] as if it were
    /// a rare word; one seen once is more often a wrong cut than a name.
    fn idf(&self, word: &str, weight: f32) -> Option<f32> {
        if !has_keyword_shape(word) {
            return None;
        }
        match self.lexicon.get(word) {
            Some(Entry::Idf(idf)) => Some(*idf),
            Some(Entry::Stop) => None,
            None if weight >= MIN_GUESSED_WEIGHT || self.jieba.has_word(word) => Some(DEFAULT_IDF),
            None => None,
        }
    }

    /// Whether `word` (normalized) may be a keyword when seen often enough.
    #[cfg(test)]
    fn is_candidate(&self, word: &str) -> bool {
        self.idf(word, MIN_GUESSED_WEIGHT).is_some()
    }
}

/// Counts one occurrence of `word`, the `seen`th word of a report, with `weight`.
fn count<'a>(
    counts: &mut HashMap<&'a str, Candidate>,
    seen: &mut usize,
    word: &'a str,
    weight: f32,
) {
    *seen += 1;
    // Single Han characters, punctuation and short ASCII cost no lookup; the rest is judged once
    // per distinct word, when ranked.
    if word.len() > 3 || (word.len() == 3 && word.is_ascii()) {
        counts
            .entry(word)
            .or_insert(Candidate {
                weight: 0.0,
                first: *seen,
            })
            .weight += weight;
    }
}

/// Whether `word` looks like a keyword: two characters or more (three for Latin words), only
/// letters (no digits, no punctuation), and not a number written in Chinese.
fn has_keyword_shape(word: &str) -> bool {
    let mut chars = 0;
    let mut han = false;
    for c in word.chars() {
        // Common Han first: `is_numeric` is a table search for non-ASCII characters.
        let letter = matches!(c, '\u{4e00}'..='\u{9fff}') || (is_word_char(c) && !c.is_numeric());
        if !letter {
            return false;
        }
        han |= !c.is_ascii();
        chars += 1;
    }
    let long_enough = if han { chars >= 2 } else { chars >= 3 };
    long_enough && !is_number(word)
}

/// Whether `word` is a number written in Chinese, or a count or ordinal made of one:
/// `十九`, `三个`, `第一`, `一是` (but not `十九大` or `一带一路`).
fn is_number(word: &str) -> bool {
    let rest = word.trim_start_matches(|c| NUMERALS.contains(c));
    if rest.len() == word.len() {
        return false;
    }
    let mut rest = rest.chars();
    match (rest.next(), rest.next()) {
        (None, _) => true,
        (Some(c), None) => COUNTERS.contains(c),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::LazyLock;

    static EXTRACTOR: LazyLock<KeywordExtractor> =
        LazyLock::new(|| KeywordExtractor::new(crate::vocabulary::Vocabulary::bundled().jieba()));

    #[test]
    fn the_tables_parse_entirely() {
        let mut words = HashSet::new();
        for line in data_lines(IDF_TABLE) {
            let parsed = line.split_once(' ').map(|(w, idf)| (w, idf.parse::<f32>()));
            let Some((word, Ok(idf))) = parsed else {
                panic!("malformed IDF line {line:?}");
            };
            assert!((0.0..DEFAULT_IDF).contains(&idf), "{line}");
            assert!(words.insert(word), "{word} twice");
        }
        assert!(words.len() > 50_000);
        let stop: HashSet<&str> = data_lines(STOP_WORDS)
            .flat_map(str::split_whitespace)
            .collect();
        for word in &stop {
            assert_eq!(EXTRACTOR.lexicon.get(word), Some(&Entry::Stop), "{word}");
        }
        let terms: HashSet<&str> = data_lines(TERMS).flat_map(str::split_whitespace).collect();
        for term in &terms {
            assert!(has_keyword_shape(term), "{term}");
            assert!(!stop.contains(term), "{term} is a term and a stop word");
        }
        words.extend(&stop);
        words.extend(&terms);
        assert_eq!(EXTRACTOR.lexicon.len(), words.len());
        for word in ["工作", "进行", "我们", "一个", "今天", "记者", "表示"] {
            assert!(stop.contains(word), "{word} is a stop word");
        }
    }

    #[test]
    fn generic_words_numbers_and_single_characters_are_never_keywords() {
        for word in [
            "工作",
            "进行",
            "我们",
            "一个",
            "今天",
            "记者",
            "表示",
            "三个",
            "第一",
            "一是",
            "十九",
            "2019",
            "12.5",
            "党",
            "gdp1",
            "ab",
            "乡村振兴。",
        ] {
            assert!(!EXTRACTOR.is_candidate(word), "{word}");
        }
        for word in ["乡村振兴", "十九大", "一带一路", "党建", "小营盘镇", "gdp"] {
            assert!(EXTRACTOR.is_candidate(word), "{word}");
        }
    }

    #[test]
    fn a_report_gets_its_topic_words_best_first() {
        let title = "红旗街道党工委2017年度党建工作总结";
        let text = "2017年，红旗街道党工委坚持以习近平新时代中国特色社会主义思想为指导，\
            认真学习贯彻党的十九大精神。我们开展党建引领行动，推进网格化管理，\
            网格员走访群众1200户。党建引领社区治理，网格化管理覆盖全部社区。今天记者表示，工作进行顺利。";
        let keywords = EXTRACTOR.keywords(title, text, 8);
        assert_eq!(keywords.len(), 8, "{keywords:?}");
        for expected in ["党建", "党建引领", "网格化管理"] {
            assert!(
                keywords.iter().any(|k| k == expected),
                "{expected} in {keywords:?}"
            );
        }
        for generic in [
            "工作", "进行", "我们", "今天", "记者", "表示", "2017", "1200",
        ] {
            assert!(
                !keywords.iter().any(|k| k == generic),
                "{generic} in {keywords:?}"
            );
        }
        for keyword in &keywords {
            assert!(
                title.contains(keyword.as_str()) || text.contains(keyword.as_str()),
                "{keyword}"
            );
        }
    }

    #[test]
    fn a_guess_of_the_hmm_needs_two_occurrences() {
        let word = "由镇";
        assert!(!EXTRACTOR.jieba.has_word(word) && !EXTRACTOR.lexicon.contains_key(word));
        let once = "成立领导小组，由镇党委书记任组长。";
        let cut: Vec<&str> = EXTRACTOR
            .jieba
            .cut(once, HMM)
            .iter()
            .map(|t| t.word)
            .collect();
        assert!(cut.contains(&word), "the HMM guesses {word}: {cut:?}");
        assert!(!EXTRACTOR.keywords("", once, 8).iter().any(|k| k == word));
        let twice = format!("{once}{once}");
        assert!(EXTRACTOR.keywords("", &twice, 8).iter().any(|k| k == word));
    }

    #[test]
    fn terms_cut_into_pieces_are_joined_back() {
        // Stock jieba, without the bundled lexicon that keeps the term whole.
        let stock = KeywordExtractor::new(Arc::new(Jieba::new()));
        let cut: Vec<&str> = stock
            .jieba
            .cut("乡村振兴", HMM)
            .iter()
            .map(|t| t.word)
            .collect();
        assert_eq!(
            cut,
            ["乡村", "振兴"],
            "jieba cuts it; if no longer, this test is moot"
        );
        let text = "全面推进乡村振兴，乡村振兴要靠产业。一带一路和脱贫攻坚。";
        let keywords = stock.keywords("", text, 8);
        assert_eq!(
            keywords.first().map(String::as_str),
            Some("乡村振兴"),
            "{keywords:?}"
        );
        for term in ["一带一路", "脱贫攻坚"] {
            assert!(keywords.iter().any(|k| k == term), "{term} in {keywords:?}");
        }
        // Its pieces are not counted where they make up the term.
        assert!(!keywords.iter().any(|k| k == "振兴"), "{keywords:?}");
    }

    /// The ranking without the early stop: every candidate looked up and sorted.
    fn exhaustive(title: &str, text: &str, n: usize) -> Vec<String> {
        let (title, text) = (normalize(title), normalize(text));
        let words =
            |s| -> Vec<&str> { EXTRACTOR.jieba.cut(s, HMM).iter().map(|t| t.word).collect() };
        let (title_words, text_words) = (words(&title), words(&text));
        let mut counts = HashMap::default();
        let mut seen = 0;
        EXTRACTOR.join_terms(&title_words, |w| {
            count(&mut counts, &mut seen, w, TITLE_WEIGHT)
        });
        EXTRACTOR.join_terms(&text_words, |w| count(&mut counts, &mut seen, w, 1.0));
        let mut ranked: Vec<(f32, usize, &str)> = counts
            .into_iter()
            .filter_map(|(w, c)| Some((c.weight * EXTRACTOR.idf(w, c.weight)?, c.first, w)))
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked
            .into_iter()
            .take(n)
            .map(|(_, _, w)| w.to_string())
            .collect()
    }

    #[test]
    fn the_early_stop_changes_nothing() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let mut texts = Vec::new();
        for entry in std::fs::read_dir(corpus).into_iter().flatten().flatten() {
            let bytes = std::fs::read(entry.path()).unwrap_or_default();
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Ok(report) = crate::ingest::Report::from_bytes(&name, &bytes) {
                texts.push((report.title, report.text));
            }
        }
        assert_eq!(texts.len(), 5);
        texts.push((
            "".into(),
            "扶贫和教育都重要。扶贫和教育都重要。乡村振兴。".into(),
        ));
        for (title, text) in &texts {
            // Every paragraph on its own too: short texts, many ties.
            let paragraphs = text.split("\n\n").map(|p| (title.as_str(), p));
            for (title, text) in std::iter::once((title.as_str(), text.as_str())).chain(paragraphs)
            {
                for n in [1, 3, 8, 50] {
                    assert_eq!(
                        EXTRACTOR.keywords(title, text, n),
                        exhaustive(title, text, n),
                        "{text}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_title_weighs_more() {
        let text = "扶贫和教育都重要。扶贫和教育都重要。";
        assert_eq!(EXTRACTOR.keywords("教育", text, 1), ["教育"]);
        assert_eq!(EXTRACTOR.keywords("扶贫", text, 1), ["扶贫"]);
    }

    #[test]
    fn at_most_n_deterministic_and_normalized() {
        let text = "ＧＤＰ增长，ＧＤＰ统计，数字经济，数字经济。";
        let first = EXTRACTOR.keywords("", text, 2);
        assert_eq!(first.len(), 2);
        assert!(first.iter().any(|k| k == "gdp"), "{first:?}");
        for _ in 0..5 {
            assert_eq!(EXTRACTOR.keywords("", text, 2), first);
        }
        assert!(EXTRACTOR.keywords("", text, 0).is_empty());
        assert!(EXTRACTOR.keywords("", "", 8).is_empty());
        assert!(EXTRACTOR.keywords("。。。", "123 456，……", 8).is_empty());
    }

    #[test]
    fn the_extractor_is_shareable() {
        fn shareable<T: Send + Sync>() {}
        shareable::<KeywordExtractor>();
    }

    #[test]
    fn keywords_from_a_shared_cut_are_the_keywords() {
        let reports = [
            (
                "关于乡村振兴的调研",
                "乡村振兴是新时代的重大任务。我们推进乡村振兴，发展特色产业，建设美丽乡村。",
            ),
            (
                "",
                "湖北省秭归县长岭村党支部书记周立玖带领村民种茶致富，茶叶远销海外，茶农增收。",
            ),
            (
                "GDP增长",
                "今年一季度GDP增长５．３％，三大指数上涨，沪深两市成交额放大。",
            ),
            ("标题", ""),
        ];
        for (title, text) in reports {
            let full = format!("{title}\n{text}");
            let tags = EXTRACTOR.jieba.tag(&full, HMM);
            assert_eq!(
                EXTRACTOR.keywords_from(&tags, title.len(), 8),
                EXTRACTOR.keywords(title, text, 8),
                "{title}"
            );
        }
        // The one difference: jieba's dictionary knows upper-case words (A股) that normalized
        // text no longer spells, so the shared cut keeps them, normalized.
        let (title, text) = ("A股上涨", "A股三大指数上涨，A股成交额放大。");
        let tags = EXTRACTOR
            .jieba
            .tag("A股上涨\nA股三大指数上涨，A股成交额放大。", HMM);
        let shared = EXTRACTOR.keywords_from(&tags, title.len(), 8);
        assert!(shared.iter().any(|k| k == "a股"), "{shared:?}");
        assert!(!EXTRACTOR
            .keywords(title, text, 8)
            .iter()
            .any(|k| k == "a股"));
    }
}
