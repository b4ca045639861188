//! People, places and organizations named in a report.
//!
//! Stock jieba tags (nr/ns/nt) find barely half of the names a reader would list, so the
//! extractor adds the domain knowledge jieba lacks, in one pass over the text:
//!
//! 1. jieba's tagger runs once over `title + "\n" + text`; its word boundaries and tags are the
//!    evidence every rule below reads.
//! 2. A trie of the lexicon, walked from where each jieba word starts, finds its entries:
//!    China's administrative divisions (full names, and short forms that must also be a word
//!    of their own), countries, world places, known organizations and known people (leaders
//!    whose names jieba cuts or takes for places: 普京, 孙春兰). A trie of the stop list
//!    (generic bodies and events), walked from every character, finds it anywhere.
//! 3. Organizations are composed around a suffix (党委, 委员会, 公司, 部…) by walking left over
//!    name-like words to the leftmost proper start (a place, an organization, a proper noun):
//!    `博乐市小营盘镇党委` is one organization. Events (会议, 论坛, 奥运会…) are composed the same
//!    way; they are never reported but hide the names inside them.
//! 4. People come from jieba's person tags filtered by a surname list, transliterated names
//!    (also joined across `·`), and context (a title before, 说/表示 after, a byline). A
//!    transliteration counts only when context confirms it somewhere in the report, and never
//!    right before a place or thing word (库布齐|沙漠, 西尼罗|病毒) or with a town's ending
//!    (克拉马托尔斯克): foreign places and companies look like foreign names. Any words around a
//!    middle dot make a name (艾力更·依明巴海), and a word in a list with a name (栗战书、汪洋)
//!    is one. Dictionary words jieba tags as names but made of a word and a noun ending
//!    (安全|感, 许可|证) are not.
//! 5. Overlaps are resolved longest first: a name nested in a longer one counts only where it
//!    also stands on its own, which is the annotation rule; for the same span a stop word wins.
//!
//! The rules follow `../shared/entities/README.md`; [`VERSION`] and the checksum of the data
//! files ([`crate::checksums::KNOWLEDGE_DATA`]) identify them in the index.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::FxBuild;
use jieba_rs::{Jieba, Tag};

/// Version of the rules; bump when output changes. Together with the data files' checksum
/// ([`crate::checksums::KNOWLEDGE_DATA`]) it goes into the index so that a change re-extracts.
pub const VERSION: u32 = 5;

/// China's administrative divisions, `LEVEL NAME` per line (see `data/README.md`).
const DIVISIONS: &str = include_str!("data/divisions.txt");
/// Countries and territories (CLDR names).
const COUNTRIES: &str = include_str!("data/countries.txt");
/// World places, regions and China's rivers and mountains.
const WORLD: &str = include_str!("data/world.txt");
/// Organizations known by name.
const ORGS: &str = include_str!("data/orgs.txt");
/// People known by name: national leaders and foreign heads of state and government whose
/// names the rules miss (普京, 孙春兰).
const PEOPLE: &str = include_str!("data/people.txt");
/// Generic words and events that are never reported.
const STOP: &str = include_str!("data/stop.txt");
/// Endings of an organization's name; the first listed that a word has is its suffix.
const ORG_SUFFIXES: &str = include_str!("data/org_suffixes.txt");
/// Roles written right after an organization's name, in the same jieba word (党委书记).
const ROLES: &str = include_str!("data/org_roles.txt");
/// Words that end with an organization suffix but name no organization.
const NOT_ORG_HEADS: &str = include_str!("data/not_org_heads.txt");
/// Descriptive words that make a suffix generic rather than a name (上市公司, 外资银行).
const GENERIC_STEMS: &str = include_str!("data/generic_stems.txt");
/// Generic one-character prefixes: 镇党委 or 该公司 names no particular organization.
const GENERIC_PREFIXES: &str = include_str!("data/generic_prefixes.txt");
/// Endings that make a name an event, a meeting, a document or an idea rather than an
/// organization: never reported, they hide the names inside them (巴黎奥运会).
const EVENT_SUFFIXES: &str = include_str!("data/event_suffixes.txt");
/// Words that start an organization's name although jieba does not tag them as proper.
const ORG_PREFIXES: &str = include_str!("data/org_prefixes.txt");
/// Single surnames common in Chinese names, then compound surnames.
const SURNAMES: &str = include_str!("data/surnames.txt");
/// Characters of transliterated foreign names (阿拉法特, 梅德韦杰夫).
const TRANSLIT: &str = include_str!("data/translit.txt");
/// Titles and roles written right before a name (总统特朗普, 记者王可可).
const TITLES: &str = include_str!("data/titles.txt");
/// Words right after a name that show it is one (王可可说, 李明同志).
const AFTER_NAME: &str = include_str!("data/after_name.txt");
/// Words right after a name that make it a place, a company or a thing rather than a person
/// (库布齐|沙漠, 西尼罗|病毒, 摩托罗拉|移动, 张常|铁路).
const NOT_AFTER_NAME: &str = include_str!("data/not_after_name.txt");
/// Endings of transliterated names that show a person (梅德韦杰夫, 卡耶夫, 斯基).
const FOREIGN_ENDINGS: &str = include_str!("data/foreign_endings.txt");
/// Endings of words in 村 that name no particular village (农村, 本村).
const COMMON_VILLAGES: &str = include_str!("data/common_villages.txt");
/// One-character endings of derived nouns (安全|感, 现代|化, 许可|证): a word of the dictionary
/// made of a common word and one of them is no name.
const NOUN_ENDINGS: &str = include_str!("data/noun_endings.txt");

/// The distinct people, places and organizations a report names, each sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entities {
    /// Names of individual people.
    pub person: Vec<String>,
    /// Countries, divisions, cities, regions, rivers, mountains.
    pub place: Vec<String>,
    /// Party and state bodies, companies, universities, international organizations.
    pub org: Vec<String>,
}

impl Entities {
    /// The names of one entity type (none for kinds and keywords).
    pub fn of(&self, facet: super::Facet) -> &[String] {
        match facet {
            super::Facet::Person => &self.person,
            super::Facet::Place => &self.place,
            super::Facet::Org => &self.org,
            super::Facet::Kind | super::Facet::Keyword => &[],
        }
    }

    /// The names of one entity type, to change (kinds and keywords: organizations').
    pub(crate) fn of_mut(&mut self, facet: super::Facet) -> &mut Vec<String> {
        match facet {
            super::Facet::Person => &mut self.person,
            super::Facet::Place => &mut self.place,
            _ => &mut self.org,
        }
    }
}

/// What a candidate span is. `Block` spans (events, generic words) are never reported; they
/// only hide the shorter names inside them. The order decides between candidates of the same
/// span: a stop word wins over the organization composed around its suffix (中国网络|电视台 is
/// the programme's own channel whatever the suffix says).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Block,
    Org,
    Place,
    Person,
}

/// When a lexicon match counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    /// Its first character starts a jieba word: full names with their suffix (博乐市,
    /// 小营盘镇), whose last character jieba often glues to the next word (镇党委).
    Start,
    /// Starts and ends on jieba word boundaries: names without a suffix (青岛, 巴黎).
    Aligned,
    /// Is exactly one jieba word tagged as a place: county short forms, which are often
    /// common words (长子, 和顺, 平山).
    PlaceWord,
    /// Always: stop words hide whatever they contain.
    Always,
}

#[derive(Debug, Clone, Copy)]
struct Lexeme {
    kind: Kind,
    gate: Gate,
}

/// Punctuation and space that close a name (李明，).
const CLOSING: &str = "，。、：；（）() \n,:;";

/// Endings of transliterated places: 克拉马托尔斯克, 叶卡捷琳堡, 斯大林格勒 are towns, not people.
const PLACE_ENDINGS: [&str; 7] = ["斯克", "茨克", "格勒", "堡", "波尔", "州", "港"];

/// Characters that end a phrase after a name rather than the name (李明|等, 王强|家).
const NOT_LAST_CHARS: &str = "等的了们着过是在也都又就还将已曾家处俩说称";

/// Characters of Chinese numerals, which are no given name (周立|三 is a cut, 周立|玖 a name).
const NUMERALS: &str = "一二三四五六七八九十两几";

/// A regnal number after a name: 二世.
fn is_regnal(word: &str) -> bool {
    let mut chars = word.chars();
    matches!(
        (chars.next(), chars.next(), chars.next()),
        (Some(n), Some('世'), None) if NUMERALS.contains(n)
    )
}

/// A person found in the text, and whether context confirms it there.
#[derive(Debug, Clone, Copy)]
struct Person {
    start: usize,
    end: usize,
    confirmed: bool,
}

/// Tags of words an organization's name may run through (nouns, proper nouns, abbreviations,
/// distinguishing words, verbal nouns).
fn org_part_tag(tag: &str) -> bool {
    matches!(tag, "n" | "nz" | "ns" | "nt" | "nrt" | "j" | "b" | "eng")
}

/// Tags that can start an organization's name on their own.
fn proper_tag(tag: &str) -> bool {
    matches!(tag, "ns" | "nt" | "nz" | "j" | "nrt" | "eng")
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}')
}

/// Whether `s` is one Han character.
fn is_one_han(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_han) && chars.next().is_none()
}

fn all_han(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_han)
}

/// The number of characters of `s` (`s.chars().count()`, inlined: words are a few bytes).
#[inline]
fn char_len(s: &str) -> usize {
    // Every byte that does not continue a character starts one.
    s.bytes().filter(|b| (*b as i8) >= -0x40).count()
}

/// Lines of a data file that are not comments, split on whitespace.
fn words(data: &'static str) -> impl Iterator<Item = &'static str> {
    data.lines()
        .filter(|line| !line.starts_with('#'))
        .flat_map(str::split_whitespace)
}

/// The one-character words of a data file.
fn single_chars(data: &'static str) -> impl Iterator<Item = char> {
    words(data).filter_map(|w| {
        let mut chars = w.chars();
        let c = chars.next()?;
        chars.next().is_none().then_some(c)
    })
}

/// Built once per process (loading data costs time), shared behind an Arc; Send + Sync.
pub struct EntityExtractor {
    jieba: Arc<Jieba>,
    /// The lexicon's entries that must start where a word starts.
    gazetteer: Gazetteer,
    /// The lexicon's entries that count wherever they occur: the stop list.
    blocks: Gazetteer,
    stop: WordSet,
    /// Single-character surnames.
    surnames: HanSet,
    compound_surnames: Vec<&'static str>,
    translit: HanSet,
    generic_prefix: HanSet,
    generic_stems: WordSet,
    event_suffixes: Suffixes,
    org_suffixes: Suffixes,
    org_prefixes: WordSet,
    roles: Suffixes,
    not_org_heads: Suffixes,
    /// Every place of the lexicon, whatever its gate: a word that names one is no person.
    places: WordSet,
    titles: WordSet,
    after_name: WordSet,
    not_after_name: WordSet,
    foreign_endings: Vec<&'static str>,
    common_villages: Vec<&'static str>,
    /// Endings of derived nouns that jieba's dictionary tags as names (安全感, 许可证).
    noun_endings: WordSet,
}

/// A list of word endings, looked up by the word's last character rather than by trying
/// every entry: a bitmap rejects most words, and the few endings sharing a last character
/// are compared in list order.
struct Suffixes {
    /// The endings by their last character, in list order.
    by_last: HashMap<char, Vec<&'static str>, FxBuild>,
    endings: Endings,
}

impl Suffixes {
    fn of(list: &[&'static str]) -> Suffixes {
        let mut by_last: HashMap<char, Vec<&'static str>, FxBuild> = HashMap::default();
        for &suffix in list {
            if let Some(c) = suffix.chars().next_back() {
                let same_last = by_last.entry(c).or_default();
                if !same_last.contains(&suffix) {
                    same_last.push(suffix);
                }
            }
        }
        Suffixes {
            endings: Endings::of(list.iter().copied()),
            by_last,
        }
    }

    /// The ending of `word` that comes first in the list, leaving at least `keep` bytes
    /// before it: what `list.iter().find(|s| word.ends_with(s))` finds (with `keep` 0).
    fn first_of(&self, word: &str, keep: usize) -> Option<&'static str> {
        let c = word.chars().next_back()?;
        // The bitmaps hold Han characters only, as the original table's last characters did.
        if !is_han(c) || !self.endings.may_end(word) {
            return None;
        }
        self.by_last
            .get(&c)?
            .iter()
            .find(|s| word.len() >= keep + s.len() && word.ends_with(**s))
            .copied()
    }
}

/// Lexicon entries as a trie over characters: walked from a position of the text, it finds
/// every entry the text starts with there, in as many steps as the longest has characters.
struct Gazetteer {
    /// The child of the root for each Han character, or `NONE`: the first step is one load.
    root: Vec<u32>,
    /// The other edges: a node and a character to the child.
    edges: HashMap<(u32, char), u32, FxBuild>,
    /// The entry ending at each node (node 0 is the root).
    entries: Vec<Option<Lexeme>>,
    /// The first two characters of the entries, checked before the second step: most words
    /// start no entry of two characters or more.
    pairs: PairSet,
    /// The first characters of the entries that are Han characters.
    firsts: HanSet,
    /// Whether an entry starts with another character.
    other_firsts: bool,
}

impl Gazetteer {
    /// An empty trie for about `count` entries.
    fn new(count: usize) -> Gazetteer {
        Gazetteer {
            root: vec![NONE; (HanSet::LAST - HanSet::FIRST + 1) as usize],
            edges: HashMap::default(),
            entries: vec![None],
            pairs: PairSet::new(count),
            firsts: HanSet::of(std::iter::empty()),
            other_firsts: false,
        }
    }

    /// Whether an entry may start with `c` (exactly, for a Han character).
    fn may_begin(&self, c: char) -> bool {
        if is_han(c) {
            self.firsts.contains(c)
        } else {
            self.other_firsts
        }
    }

    fn child(&self, node: u32, c: char) -> Option<u32> {
        if node == 0 {
            if let Some(&child) = (c as u32)
                .checked_sub(HanSet::FIRST)
                .and_then(|k| self.root.get(k as usize))
            {
                return (child != NONE).then_some(child);
            }
        }
        self.edges.get(&(node, c)).copied()
    }

    fn insert(&mut self, name: &str, lexeme: Lexeme) {
        let mut chars = name.chars();
        match name.chars().next() {
            Some(c) if is_han(c) => self.firsts.insert(c),
            Some(_) => self.other_firsts = true,
            None => {}
        }
        if let (Some(first), Some(second)) = (chars.next(), chars.next()) {
            self.pairs.insert(first, second);
        }
        let mut node = 0;
        for c in name.chars() {
            node = match self.child(node, c) {
                Some(child) => child,
                None => {
                    let child = self.entries.len() as u32;
                    self.entries.push(None);
                    let root_slot = (c as u32)
                        .checked_sub(HanSet::FIRST)
                        .and_then(|k| self.root.get_mut(k as usize))
                        .filter(|_| node == 0);
                    match root_slot {
                        Some(slot) => *slot = child,
                        None => {
                            self.edges.insert((node, c), child);
                        }
                    }
                    child
                }
            };
        }
        if let Some(entry) = self.entries.get_mut(node as usize) {
            *entry = Some(lexeme);
        }
    }

    /// Calls `found` with the length in bytes and the lexeme of every entry `text` starts
    /// with, shortest first.
    fn for_each_prefix(&self, text: &str, mut found: impl FnMut(usize, Lexeme)) {
        let mut node = 0;
        let mut first = None;
        for (k, c) in text.char_indices() {
            match first {
                None if !self.may_begin(c) => return,
                None => first = Some(c),
                Some(first) if k == first.len_utf8() && !self.pairs.contains(first, c) => return,
                Some(_) => {}
            }
            let Some(child) = self.child(node, c) else {
                return;
            };
            node = child;
            if let Some(Some(lexeme)) = self.entries.get(node as usize) {
                found(k + c.len_utf8(), *lexeme);
            }
        }
    }
}

/// Words of the data files, behind [`Endings`]: most words of a report end like none of them
/// and cost no hashing.
struct WordSet {
    words: HashSet<&'static str, FxBuild>,
    endings: Endings,
}

impl FromIterator<&'static str> for WordSet {
    fn from_iter<I: IntoIterator<Item = &'static str>>(iter: I) -> WordSet {
        let words: HashSet<&'static str, FxBuild> = iter.into_iter().collect();
        let endings = Endings::of(words.iter().copied());
        WordSet { words, endings }
    }
}

impl WordSet {
    fn contains(&self, word: &str) -> bool {
        self.may_end(word) && self.words.contains(word)
    }

    /// False when no word of the set is `word` or an ending of it.
    fn may_end(&self, word: &str) -> bool {
        self.endings.may_end(word)
    }
}

/// How the words of a list end, from bitmaps: no word of the list is a given word or one of
/// its endings unless [`Endings::may_end`] says so (it never says no wrongly).
struct Endings {
    /// The last characters of the words (Han characters only).
    last: HanSet,
    /// The words of one character (Han characters only).
    singles: HanSet,
    /// The last two characters of the longer words.
    pairs: PairSet,
}

impl Endings {
    fn of<'w>(words: impl Iterator<Item = &'w str> + Clone) -> Endings {
        let mut endings = Endings {
            last: HanSet::of(std::iter::empty()),
            singles: HanSet::of(std::iter::empty()),
            pairs: PairSet::new(words.clone().count()),
        };
        for word in words {
            let mut chars = word.chars();
            let Some(last) = chars.next_back() else {
                continue;
            };
            endings.last.insert(last);
            match chars.next_back() {
                Some(before) => endings.pairs.insert(before, last),
                None => endings.singles.insert(last),
            }
        }
        endings
    }

    fn may_end(&self, word: &str) -> bool {
        let mut chars = word.chars();
        let Some(last) = chars.next_back() else {
            return true;
        };
        if !is_han(last) {
            return true;
        }
        if !self.last.contains(last) {
            return false;
        }
        if self.singles.contains(last) {
            return true;
        }
        // Only the longer words are left: they end with the same two characters.
        chars
            .next_back()
            .is_some_and(|before| self.pairs.contains(before, last))
    }
}

/// A set of character pairs as a bitmap of their hashes: false positives, no false
/// negatives.
struct PairSet {
    bits: Vec<u64>,
    /// The number of bits of a hash.
    width: u32,
}

impl PairSet {
    /// A set for about `count` pairs, with few false positives.
    fn new(count: usize) -> PairSet {
        let width = (count.max(64) * 32).next_power_of_two().trailing_zeros();
        PairSet {
            bits: vec![0; (1usize << width).div_ceil(64)],
            width,
        }
    }

    fn bit(&self, first: char, second: char) -> usize {
        let pair = (u64::from(first) << 32) | u64::from(second);
        (pair.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - self.width)) as usize
    }

    fn insert(&mut self, first: char, second: char) {
        let bit = self.bit(first, second);
        if let Some(word) = self.bits.get_mut(bit / 64) {
            *word |= 1 << (bit % 64);
        }
    }

    fn contains(&self, first: char, second: char) -> bool {
        let bit = self.bit(first, second);
        self.bits
            .get(bit / 64)
            .is_some_and(|word| word & (1 << (bit % 64)) != 0)
    }
}

/// A set of Han characters (U+4E00 to U+9FFF) as a bitmap: one load per lookup.
struct HanSet(Vec<u64>);

impl HanSet {
    const FIRST: u32 = 0x4e00;
    const LAST: u32 = 0x9fff;

    /// The Han characters of `chars` (the others are left out).
    fn of(chars: impl IntoIterator<Item = char>) -> HanSet {
        let mut set = HanSet(vec![0u64; ((Self::LAST - Self::FIRST) / 64 + 1) as usize]);
        for c in chars {
            set.insert(c);
        }
        set
    }

    /// Adds `c` if it is a Han character.
    fn insert(&mut self, c: char) {
        let Some(k) = (c as u32).checked_sub(Self::FIRST) else {
            return;
        };
        if let Some(word) = self.0.get_mut(k as usize / 64) {
            *word |= 1 << (k % 64);
        }
    }

    fn contains(&self, c: char) -> bool {
        let Some(k) = (c as u32).checked_sub(Self::FIRST) else {
            return false;
        };
        self.0
            .get(k as usize / 64)
            .is_some_and(|word| word & (1 << (k % 64)) != 0)
    }

    /// Whether every character of `s` is in the set (true for the empty string).
    fn contains_all(&self, s: &str) -> bool {
        s.chars().all(|c| self.contains(c))
    }
}

/// A span of the text and what it is; spans are byte ranges of `title + "\n" + text`.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    start: usize,
    end: usize,
    kind: Kind,
}

/// Where the places and organizations found by the lexicon start and end (the longest one
/// ending at each position), for composing longer names from them: sorted lists searched by
/// bisection (a report has far fewer names than bytes).
struct KnownNames {
    /// Where a known name starts, sorted and distinct.
    starts: Vec<usize>,
    /// Where a known name ends, and where the longest one ending there starts, sorted by end.
    ends: Vec<(usize, usize)>,
}

impl KnownNames {
    fn of(candidates: &[Candidate]) -> KnownNames {
        let names = candidates
            .iter()
            .filter(|c| matches!(c.kind, Kind::Place | Kind::Org));
        let mut starts: Vec<usize> = names.clone().map(|c| c.start).collect();
        starts.sort_unstable();
        starts.dedup();
        let mut ends: Vec<(usize, usize)> = names.map(|c| (c.end, c.start)).collect();
        // The longest known name ending here (小营盘镇, not 营盘镇): the smallest start, which
        // sorts first among the same end and is the one kept.
        ends.sort_unstable();
        ends.dedup_by_key(|(end, _)| *end);
        KnownNames { starts, ends }
    }

    fn starts_at(&self, pos: usize) -> bool {
        self.starts.binary_search(&pos).is_ok()
    }

    fn start_of_one_ending_at(&self, pos: usize) -> Option<usize> {
        let k = self.ends.binary_search_by_key(&pos, |(end, _)| *end).ok()?;
        self.ends.get(k).map(|(_, start)| *start)
    }
}

/// The bytes that lexicon entries cover, as sorted, disjoint spans.
struct Covered(Vec<(usize, usize)>);

impl Covered {
    fn of(candidates: &[Candidate]) -> Covered {
        let mut spans: Vec<(usize, usize)> = candidates
            .iter()
            .filter(|c| c.start < c.end)
            .map(|c| (c.start, c.end))
            .collect();
        spans.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
        for (start, end) in spans {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        Covered(merged)
    }

    /// Whether a byte of `start..end` is covered.
    fn any(&self, start: usize, end: usize) -> bool {
        // The first span ending after `start` is the only one that can overlap first.
        let k = self.0.partition_point(|(_, e)| *e <= start);
        start < end && self.0.get(k).is_some_and(|(s, _)| *s < end)
    }
}

/// jieba's words with lookups by byte position.
struct Words<'t, 'a> {
    /// The text the words were cut from.
    full: &'a str,
    /// Its words in order, covering it.
    tags: &'t [Tag<'a>],
}

const NONE: u32 = u32::MAX;

impl<'t, 'a> Words<'t, 'a> {
    fn new(full: &'a str, tags: &'t [Tag<'a>]) -> Words<'t, 'a> {
        Words { full, tags }
    }

    /// The text between two byte positions (empty if they cut a character).
    fn text(&self, start: usize, end: usize) -> &'a str {
        self.full.get(start..end).unwrap_or("")
    }

    /// The (last) word ending at `pos`: words are in order, so their ends are sorted.
    fn ending_at(&self, pos: usize) -> Option<&'t Tag<'a>> {
        let after = self.tags.partition_point(|t| t.byte_end <= pos);
        self.tags
            .get(after.checked_sub(1)?)
            .filter(|t| t.byte_end == pos)
    }
}

impl EntityExtractor {
    /// Loads the gazetteers and word lists (a few milliseconds) around a shared segmenter.
    pub fn new(jieba: Arc<Jieba>) -> EntityExtractor {
        let mut entries: HashMap<&'static str, Lexeme> = HashMap::new();
        let place = |gate| Lexeme {
            kind: Kind::Place,
            gate,
        };
        for line in DIVISIONS.lines() {
            let Some((level, name)) = line.split_once(' ') else {
                continue;
            };
            let lexeme = match level {
                "P" | "C" | "A" | "T" => place(Gate::Start),
                "p" | "c" => place(Gate::Aligned),
                _ => place(Gate::PlaceWord),
            };
            // Two-character full names (和县, 城区) are as ambiguous as short forms.
            let lexeme = if lexeme.gate == Gate::Start && char_len(name) < 3 {
                place(Gate::PlaceWord)
            } else {
                lexeme
            };
            entries.entry(name).or_insert(lexeme);
        }
        for name in words(COUNTRIES).chain(words(WORLD)) {
            entries.insert(name, place(Gate::Aligned));
        }
        for name in words(ORGS) {
            // A long name is specific enough to count where jieba glued what follows to its
            // end (中共|中央政治局常委 holds 中共中央政治局).
            let gate = if char_len(name) >= 4 {
                Gate::Start
            } else {
                Gate::Aligned
            };
            entries.insert(
                name,
                Lexeme {
                    kind: Kind::Org,
                    gate,
                },
            );
        }
        for name in words(PEOPLE) {
            // jieba glues a word after a name it does not know (韩正|在 as 韩正在); a place or
            // an organization of the same name is the likelier reading.
            entries.entry(name).or_insert(Lexeme {
                kind: Kind::Person,
                gate: Gate::Start,
            });
        }
        let stop: WordSet = words(STOP).collect();
        for &name in &stop.words {
            entries.insert(
                name,
                Lexeme {
                    kind: Kind::Block,
                    gate: Gate::Always,
                },
            );
        }
        let places = entries
            .iter()
            .filter(|(_, l)| l.kind == Kind::Place)
            .map(|(name, _)| *name)
            .collect();
        let mut gazetteer = Gazetteer::new(entries.len());
        let mut blocks = Gazetteer::new(stop.words.len());
        for (name, lexeme) in entries {
            if lexeme.gate == Gate::Always {
                blocks.insert(name, lexeme);
            } else {
                gazetteer.insert(name, lexeme);
            }
        }
        EntityExtractor {
            jieba,
            gazetteer,
            blocks,
            stop,
            surnames: HanSet::of(single_chars(SURNAMES)),
            compound_surnames: words(SURNAMES).filter(|s| char_len(s) > 1).collect(),
            translit: HanSet::of(single_chars(TRANSLIT)),
            generic_prefix: HanSet::of(single_chars(GENERIC_PREFIXES)),
            generic_stems: words(GENERIC_STEMS).collect(),
            event_suffixes: Suffixes::of(&words(EVENT_SUFFIXES).collect::<Vec<_>>()),
            org_suffixes: Suffixes::of(&words(ORG_SUFFIXES).collect::<Vec<_>>()),
            org_prefixes: words(ORG_PREFIXES).collect(),
            roles: Suffixes::of(&words(ROLES).collect::<Vec<_>>()),
            not_org_heads: Suffixes::of(&words(NOT_ORG_HEADS).collect::<Vec<_>>()),
            titles: words(TITLES).collect(),
            after_name: words(AFTER_NAME).collect(),
            not_after_name: words(NOT_AFTER_NAME).collect(),
            foreign_endings: words(FOREIGN_ENDINGS).collect(),
            common_villages: words(COMMON_VILLAGES).collect(),
            noun_endings: words(NOUN_ENDINGS).collect(),
            places,
        }
    }

    /// Entities of `title + "\n" + text`, each an exact substring of it.
    pub fn extract(&self, title: &str, text: &str) -> Entities {
        let full = format!("{title}\n{text}");
        let tags = self.jieba.tag(&full, crate::analysis::HMM);
        self.extract_words(&full, &tags)
    }

    /// Entities of `full` (normally `title + "\n" + text`), already cut and tagged by jieba
    /// with [`crate::analysis::HMM`]: `tags` are its words in order, covering it. Each entity
    /// is an exact substring of `full`.
    pub fn extract_words(&self, full: &str, tags: &[Tag<'_>]) -> Entities {
        let words = Words::new(full, tags);
        let mut candidates = Vec::new();
        self.lexicon_candidates(full, &words, &mut candidates);
        let known_names = KnownNames::of(&candidates);
        let known = Covered::of(&candidates);
        self.composed_candidates(&words, &known_names, &mut candidates);
        self.person_candidates(&words, &known, &mut candidates);
        resolve(full, candidates)
    }

    /// Lexicon entries found in the text whose gate lets them count: the gazetteer walked
    /// from each word's start (every gate but [`Gate::Always`] needs one), and the stop list
    /// wherever it occurs.
    fn lexicon_candidates(&self, full: &str, words: &Words, out: &mut Vec<Candidate>) {
        for w in words.tags {
            let start = w.byte_start;
            let Some(rest) = full.get(start..) else {
                continue;
            };
            self.gazetteer.for_each_prefix(rest, |len, lexeme| {
                let end = start + len;
                let counts = match lexeme.gate {
                    Gate::Always | Gate::Start => true,
                    Gate::Aligned => words.ending_at(end).is_some(),
                    Gate::PlaceWord => w.byte_end == end && w.tag.starts_with("ns"),
                };
                if counts {
                    out.push(Candidate {
                        start,
                        end,
                        kind: lexeme.kind,
                    });
                }
            });
        }
        for (start, c) in full.char_indices() {
            if !self.blocks.may_begin(c) {
                continue;
            }
            let Some(rest) = full.get(start..) else {
                continue;
            };
            self.blocks.for_each_prefix(rest, |len, lexeme| {
                out.push(Candidate {
                    start,
                    end: start + len,
                    kind: lexeme.kind,
                });
            });
        }
    }

    /// Organizations and events composed around a suffix, organizations jieba tags, and
    /// villages.
    fn composed_candidates(&self, words: &Words, known: &KnownNames, out: &mut Vec<Candidate>) {
        for (i, w) in words.tags.iter().enumerate() {
            // Stop words are still heads: 镇党委 is generic, 小营盘镇|党委 is not.
            if !all_han(w.word) {
                continue;
            }
            if let Some(suffix) = self.event_suffixes.first_of(w.word, 0) {
                // An event hides the names inside it; the walk is the organization's.
                let start = self.walk_left(words, i, w.byte_end, suffix, known, false);
                if let Some(start) = start {
                    out.push(Candidate {
                        start,
                        end: w.byte_end,
                        kind: Kind::Block,
                    });
                }
                continue;
            }
            if let Some(start) = self.village(words, i) {
                out.push(Candidate {
                    start,
                    end: w.byte_end,
                    kind: Kind::Place,
                });
                continue;
            }
            if !matches!(w.tag, "n" | "nt" | "nz" | "j" | "ns") {
                continue;
            }
            // A clean role after the name keeps the organization (党委|书记, 欧洲议会|议员).
            let core = self
                .roles
                .first_of(w.word, 1)
                .and_then(|r| w.word.strip_suffix(r))
                .unwrap_or(w.word);
            let Some(suffix) = self.org_suffixes.first_of(core, 0) else {
                continue;
            };
            if self.not_org_heads.first_of(w.word, 0).is_some() {
                continue;
            }
            let end = w.byte_start + core.len();
            if let Some(start) = self.walk_left(words, i, end, suffix, known, true) {
                out.push(Candidate {
                    start,
                    end,
                    kind: Kind::Org,
                });
            }
        }
    }

    /// The start of a village's name ending with word `i`: a proper word and 村 (长岭|村), or
    /// one word ending in 村 that jieba takes for a name (小岗村).
    fn village(&self, words: &Words, i: usize) -> Option<usize> {
        let w = words.tags.get(i)?;
        let proper = |t: &str| matches!(t, "ns" | "nr" | "nrt" | "nz");
        if w.word == "村" {
            let before = words.tags.get(i.checked_sub(1)?)?;
            (proper(before.tag) && all_han(before.word) && char_len(before.word) >= 2)
                .then_some(before.byte_start)
        } else {
            (w.word.ends_with('村')
                && char_len(w.word) >= 3
                && proper(w.tag)
                && !self.common_villages.iter().any(|c| w.word.ends_with(c)))
            .then_some(w.byte_start)
        }
    }

    /// The start of the longest name ending with word `i` (whose text ends with `suffix`):
    /// a walk left over name-like words and known names, stopping at the leftmost proper
    /// start. None for an organization when nothing proper stands before the suffix.
    fn walk_left(
        &self,
        words: &Words,
        i: usize,
        head_end: usize,
        suffix: &str,
        known: &KnownNames,
        need_proper: bool,
    ) -> Option<usize> {
        let head = words.tags.get(i)?;
        let suffix_start = head_end.checked_sub(suffix.len())?;
        let stem = head
            .word
            .get(..suffix_start.checked_sub(head.byte_start)?)?;
        let is_proper = |w: &Tag| {
            known.starts_at(w.byte_start) || proper_tag(w.tag) || self.org_prefixes.contains(w.word)
        };
        let generic_stem = stem.is_empty()
            || self.generic_stems.contains(stem)
            || (char_len(stem) == 1 && self.generic_prefix.contains_all(stem));
        // The head alone (外交部, 中国体育代表团) when jieba knows it as an organization.
        let mut best = (head.tag == "nt" && !generic_stem && !self.stop.contains(head.word))
            .then_some(head.byte_start);
        let mut pos = head.byte_start;
        // A known place or organization ending where the suffix starts (小营盘镇|党委 inside
        // the word 镇党委).
        if let Some(start) = known.start_of_one_ending_at(suffix_start) {
            if start < suffix_start && start + 40 >= head.byte_start {
                pos = start;
                best = Some(start);
            }
        }
        for _ in 0..6 {
            if let Some(start) = known.start_of_one_ending_at(pos) {
                pos = start;
                best = Some(start);
                continue;
            }
            let Some(w) = words.ending_at(pos) else { break };
            // A foreign name across a middle dot (约翰斯·|霍普金斯大学).
            if matches!(w.word, "·" | "•") {
                let name = words.ending_at(w.byte_start).filter(|p| {
                    all_han(p.word)
                        && (p.tag.starts_with("nr") || self.translit.contains_all(p.word))
                });
                let Some(name) = name else { break };
                pos = name.byte_start;
                best = Some(pos);
                continue;
            }
            let joins = matches!(w.word, "和" | "与")
                && words
                    .ending_at(w.byte_start)
                    .is_some_and(|p| org_part_tag(p.tag));
            let part = org_part_tag(w.tag) && all_han(w.word) && !self.stop.contains(w.word);
            if !(joins || part) {
                break;
            }
            pos = w.byte_start;
            if !need_proper || is_proper(w) {
                best = Some(pos);
            }
        }
        if need_proper {
            best
        } else {
            Some(best.unwrap_or(head.byte_start))
        }
    }

    /// People: jieba's person words with a known surname, transliterated names (runs of
    /// transliteration characters, also joined across `·`), and words that context marks as
    /// names.
    ///
    /// A name is *confirmed* by context at one of its occurrences (a title before, a speech
    /// verb or punctuation after, a middle dot, a foreign name's ending) and *vetoed* where the
    /// word after it makes it a place, a company or a thing (库布齐|沙漠, 西尼罗|病毒). Names
    /// that are only plausible (a transliteration jieba tags as a name, a two-character name
    /// that starts a longer one) count only when confirmed somewhere in the report.
    ///
    /// Each word is read first as the start of a transliterated name
    /// ([`NameContext::transliterated_name`]), then, unless that took several words, as a
    /// Chinese name ([`NameContext::chinese_name`]).
    fn person_candidates(&self, words: &Words, known: &Covered, out: &mut Vec<Candidate>) {
        let cx = NameContext {
            ex: self,
            words,
            tags: words.tags,
            known,
        };
        let mut found: Vec<Person> = Vec::new();
        cx.dotted_names(&mut found);
        let mut i = 0;
        while i < cx.tags.len() {
            i = match cx.transliterated_name(i, &mut found) {
                Some(next) => next,
                None => cx.chinese_name(i, &mut found),
            };
        }
        self.confirmed_people(words, found, out);
        cx.listed_people(out);
    }

    /// The people of [`Self::person_candidates`] that count: a confirmed name, or a plausible
    /// one that is also confirmed elsewhere in the report (as itself, or as a part of a longer
    /// name across `·`). A two-character name that starts a longer name of the report counts
    /// only where context confirms it (王承 in 王承|书面 beside 王承书).
    fn confirmed_people(&self, words: &Words, found: Vec<Person>, out: &mut Vec<Candidate>) {
        let mut confirmed: HashSet<&str> = HashSet::new();
        for p in &found {
            if p.confirmed {
                let name = words.text(p.start, p.end);
                confirmed.insert(name);
                for part in name.split(['·', '•']) {
                    confirmed.insert(part);
                }
            }
        }
        let mut names: Vec<&str> = found.iter().map(|p| words.text(p.start, p.end)).collect();
        names.sort_unstable();
        names.dedup();
        for p in &found {
            let name = words.text(p.start, p.end);
            // The names starting with this one follow it in sorted order.
            let prefix_of_longer = char_len(name) == 2
                && names
                    .get(names.partition_point(|n| *n <= name))
                    .is_some_and(|n| n.starts_with(name));
            // A name never ends in a title: 任|组长 is "serves as the group's head".
            let counts = if self.is_title(name) {
                false
            } else if prefix_of_longer {
                p.confirmed
            } else {
                confirmed.contains(name) || self.plausible_alone(name)
            };
            if counts {
                out.push(Candidate {
                    start: p.start,
                    end: p.end,
                    kind: Kind::Person,
                });
            }
        }
    }

    /// A word of jieba's dictionary (which tags it as a name) made of another word of it and
    /// a noun ending (安全|感, 许可|证, 安全|法): no name, unless context says it is one.
    fn derived_noun(&self, word: &str) -> bool {
        let Some((stem, ending)) = word
            .char_indices()
            .last()
            .map(|(k, _)| (&word[..k], &word[k..]))
        else {
            return false;
        };
        // The stem's own tag says little: the dictionary tags 许可 a name too.
        self.noun_endings.contains(ending) && self.jieba.has_word(word) && self.jieba.has_word(stem)
    }

    /// A Chinese name (a surname and a given name) needs no confirmation; a transliteration
    /// does.
    fn plausible_alone(&self, name: &str) -> bool {
        self.has_surname(name) && !self.translit.contains_all(name)
    }

    /// A title or role written before a name: a known one, or a longer one ending with one
    /// (财政部长, 副委员长).
    fn is_title(&self, word: &str) -> bool {
        // A title, or a word ending with one, ends like one.
        if !self.titles.may_end(word) {
            return false;
        }
        self.titles.words.contains(word)
            || (word.len() > 6
                && char_len(word) <= 6
                && all_han(word)
                && word
                    .char_indices()
                    .skip(1)
                    .take_while(|(k, _)| word.len() - k >= 6)
                    .any(|(k, _)| self.titles.contains(&word[k..])))
    }

    /// A name jieba left untagged may still be one: not a common word class.
    fn name_like(&self, w: &Tag) -> bool {
        self.name_like_tag(w.tag)
            && !self.is_title(w.word)
            && !self.after_name.contains(w.word)
            && (self.has_surname(w.word) || self.translit.contains_all(w.word))
    }

    /// Whether a word tagged `tag` may be a name jieba left untagged: not a common word class.
    fn name_like_tag(&self, tag: &str) -> bool {
        !matches!(
            tag,
            "v" | "vn"
                | "p"
                | "u"
                | "d"
                | "c"
                | "r"
                | "m"
                | "q"
                | "f"
                | "t"
                | "a"
                | "ad"
                | "uj"
                | "ul"
                | "ns"
                | "nt"
        )
    }

    fn has_surname_char(&self, word: &str) -> bool {
        word.chars()
            .next()
            .is_some_and(|c| self.surnames.contains(c))
    }

    fn has_surname(&self, name: &str) -> bool {
        self.compound_surnames
            .iter()
            .any(|s| name.starts_with(s) && name.len() > s.len())
            || name
                .chars()
                .next()
                .is_some_and(|c| self.surnames.contains(c))
    }
}

/// What [`EntityExtractor::person_candidates`] reads around a word: jieba's words, the bytes
/// that known places and organizations cover, and the extractor's word lists. Word indices
/// past the end are allowed and read as "no word".
struct NameContext<'x, 't, 'a> {
    ex: &'x EntityExtractor,
    words: &'x Words<'t, 'a>,
    tags: &'t [Tag<'a>],
    /// The bytes inside a lexicon entry (a place, an organization or a stop word).
    known: &'x Covered,
}

/// How [`NameContext::name_and_last_char`] reads a two-character name.
enum LastChar {
    /// The next word is its last character: the name with it.
    Joined(Person),
    /// The next word is a name word: this one is no name of its own.
    Skip,
    /// Neither: read the word alone.
    Alone,
}

impl NameContext<'_, '_, '_> {
    /// Whether word `w` overlaps a lexicon entry.
    fn known_at(&self, w: &Tag) -> bool {
        self.known.any(w.byte_start, w.byte_end)
    }

    /// Whether a middle dot is next to word `k` (before it, or one or two words after it).
    fn dotted(&self, k: usize) -> bool {
        let dot = |j: Option<usize>| {
            j.and_then(|j| self.tags.get(j))
                .is_some_and(|t| matches!(t.word, "·" | "•"))
        };
        dot(k.checked_sub(1)) || dot(Some(k + 1)) || dot(Some(k + 2))
    }

    /// Whether word `k` can be part of a transliterated name: only transliteration characters,
    /// no title or speech word, and no known place unless next to a middle dot (a known place
    /// next to one is part of a name: 努尔苏丹·纳扎尔巴耶夫).
    fn translit_at(&self, k: usize) -> bool {
        let Some(w) = self.tags.get(k) else {
            return false;
        };
        // The set holds Han characters only: all of them in it makes an all-Han word.
        !w.word.is_empty()
            && self.ex.translit.contains_all(w.word)
            && (!self.known_at(w) || self.dotted(k))
            && !self.ex.is_title(w.word)
            && !self.ex.after_name.contains(w.word)
    }

    /// Whether a title comes right before word `i`.
    fn titled(&self, i: usize) -> bool {
        i > 0
            && self
                .tags
                .get(i - 1)
                .is_some_and(|p| self.ex.is_title(p.word))
    }

    /// Whether word `i` closes the name before it: a speech word, punctuation, or the end.
    fn closed(&self, i: usize) -> bool {
        self.tags.get(i).is_none_or(|n| {
            self.ex.after_name.contains(n.word) || n.word.chars().all(|c| CLOSING.contains(c))
        })
    }

    /// Whether word `i` makes the name before it a place, a company or a thing.
    fn vetoed(&self, i: usize) -> bool {
        self.tags.get(i).is_some_and(|n| {
            self.ex.not_after_name.contains(n.word)
                // An organization's bare ending makes a school or a company (黎岭|小学).
                || (char_len(n.word) >= 2 && self.ex.org_suffixes.first_of(n.word, 0) == Some(n.word))
        })
    }

    /// Whether words `start..end` open a short quoted name that goes on after them:
    /// “古丽宣教队” is a team. A quoted sentence (“特朗普政府的关税举措…”) keeps its names.
    fn opens_quote(&self, start: usize, end: usize) -> bool {
        let tags = self.tags;
        let closes = |t: &Tag| t.word.starts_with(['”', '」', '》']);
        start >= 1
            && tags
                .get(start - 1)
                .is_some_and(|p| p.word.ends_with(['“', '「', '《']))
            && tags.get(end).is_some_and(|n| !closes(n))
            && tags
                .get(end + 1..(end + 3).min(tags.len()))
                .is_some_and(|rest| rest.iter().any(closes))
    }

    /// A transliterated name starting at word `i`: a run of transliteration characters with a
    /// person tag in it (哈姆|杜克), also across a middle dot (努尔苏丹·纳扎尔巴耶夫), with a
    /// single character cut off after a title (总统 托|卡耶夫) and a regnal number (阿尔贝|二世).
    /// Pushes the name to `found` when it may be one; the index of the next word to read when
    /// the run took several words or three characters, None when word `i` is still to be
    /// read as a Chinese name.
    fn transliterated_name(&self, i: usize, found: &mut Vec<Person>) -> Option<usize> {
        let tags = self.tags;
        let w = tags.get(i)?;
        // After a title, a single character jieba cut off belongs to the transliterated
        // name after it (总统 托|卡耶夫, 财政部长 肖|尔茨).
        let lead = is_one_han(w.word)
            && self.titled(i)
            && !self.ex.after_name.contains(w.word)
            && self.translit_at(i + 1)
            && tags.get(i + 1).is_some_and(|n| n.tag.starts_with("nr"));
        if !(lead || self.translit_at(i)) {
            return None;
        }
        let run = self.translit_run(i, lead);
        let j = run.next;
        let start = w.byte_start;
        let name = self.words.text(start, run.end);
        // A person acts: a verb or an adverb after a name jieba tags as one
        // (阿拉法特|进行, 桑切斯|再度), where a company or a place is followed by nouns.
        let acts = run.tagged
            && tags
                .get(j)
                .is_some_and(|n| matches!(n.tag, "v" | "d") || n.word == "在");
        let confirmed = self.titled(i)
            || self.closed(j)
            || acts
            || run.glued
            || name.contains(['·', '•'])
            || self.ex.foreign_endings.iter().any(|e| name.ends_with(e));
        let chars = run.chars;
        let plausible = chars >= 3 && run.tagged;
        if !self.vetoed(j)
            && !self.opens_quote(i, j)
            && tags.get(j).is_none_or(|n| n.tag != "nz")
            && !self.ex.places.contains(name)
            && !PLACE_ENDINGS.iter().any(|e| name.ends_with(e))
            && !(chars == 2 && !self.titled(i) && self.after_modifier(i))
            && (plausible
                || (chars >= 2 && confirmed && (run.tagged || chars >= 3))
                || (chars == 2 && self.titled(i) && self.closed(j)))
        {
            found.push(Person {
                start,
                end: run.end,
                confirmed,
            });
        }
        (j - i > 1 || chars >= 3).then_some(j)
    }

    /// Names in a list with a person's name (栗战书、汪洋、王沪宁): a word of two or three
    /// characters with a surname, next to `、` with a person's name on the other side of it,
    /// is a name too, whatever jieba made of it (汪洋 is also "a vast sea", 孙春兰 "an orchid").
    fn listed_people(&self, out: &mut Vec<Candidate>) {
        let tags = self.tags;
        let comma = |k: usize| tags.get(k).is_some_and(|t| t.word == "、");
        // Most reports list no names: the words next to a 、 are the only ones to read.
        let listed: Vec<usize> = (0..tags.len())
            .filter(|&k| comma(k + 1) || (k >= 1 && comma(k - 1)))
            .collect();
        if listed.is_empty() {
            return;
        }
        let mut starts: HashSet<usize, FxBuild> = HashSet::default();
        let mut ends: HashSet<usize, FxBuild> = HashSet::default();
        for c in out.iter().filter(|c| c.kind == Kind::Person) {
            starts.insert(c.start);
            ends.insert(c.end);
        }
        if starts.is_empty() {
            return;
        }
        // A list is read in both directions: each name found lets the next one count.
        for _ in 0..4 {
            let mut added = false;
            for &k in &listed {
                let Some(w) = tags.get(k) else { continue };
                if starts.contains(&w.byte_start) || !self.list_name(k) {
                    continue;
                }
                let after_person = k >= 2
                    && comma(k - 1)
                    && tags
                        .get(k - 1)
                        .is_some_and(|c| ends.contains(&c.byte_start));
                let before_person = comma(k + 1)
                    && tags
                        .get(k + 1)
                        .is_some_and(|c| starts.contains(&c.byte_end));
                if after_person || before_person {
                    starts.insert(w.byte_start);
                    ends.insert(w.byte_end);
                    out.push(Candidate {
                        start: w.byte_start,
                        end: w.byte_end,
                        kind: Kind::Person,
                    });
                    added = true;
                }
            }
            if !added {
                break;
            }
        }
    }

    /// Whether word `k` may be a name in a list of names: two or three Han characters with a
    /// surname, closed by punctuation on both sides, and no known name, title or common word
    /// class that never names anyone.
    fn list_name(&self, k: usize) -> bool {
        let Some(w) = self.tags.get(k) else {
            return false;
        };
        let punct = |t: &Tag| t.word.chars().all(|c| CLOSING.contains(c) || c == '、');
        k >= 1
            && self.tags.get(k - 1).is_some_and(punct)
            && self.tags.get(k + 1).is_none_or(punct)
            && (2..=3).contains(&char_len(w.word))
            && all_han(w.word)
            && !matches!(
                w.tag,
                "p" | "c" | "u" | "uj" | "ul" | "m" | "q" | "f" | "t" | "d" | "r" | "v" | "a"
            )
            && self.ex.has_surname(w.word)
            && !self.known_at(w)
            && !self.ex.is_title(w.word)
            && !self.ex.stop.contains(w.word)
            && !self.ex.places.contains(w.word)
            && self.ex.org_suffixes.first_of(w.word, 0).is_none()
    }

    /// Names written with a middle dot whose parts are not all transliteration characters
    /// (艾力更·依明巴海, 特雷莎·梅): the words on each side of the dot up to punctuation, a
    /// title, a speech word or a function word, when a person tag or a transliteration is
    /// among them. The dot confirms them.
    fn dotted_names(&self, found: &mut Vec<Person>) {
        let tags = self.tags;
        let is_dot = |t: &Tag| matches!(t.word, "·" | "•");
        for (d, dot) in tags.iter().enumerate() {
            if !is_dot(dot) || d == 0 {
                continue;
            }
            // Left of the first dot: at most 6 characters of name-like words.
            let mut start = d;
            let mut chars = 0;
            while start > 0 {
                let Some(w) = tags.get(start - 1) else { break };
                let len = char_len(w.word);
                if !self.dotted_part(w) || chars + len > 6 {
                    break;
                }
                chars += len;
                start -= 1;
            }
            // Only the first dot of a name starts one (穆罕默德·本·萨勒曼).
            if start == d || tags.get(start.wrapping_sub(1)).is_some_and(is_dot) {
                continue;
            }
            // Right of it, across further dots: at most 10 characters.
            let mut end = d + 1;
            let mut right = 0;
            while let Some(w) = tags.get(end) {
                let len = char_len(w.word);
                let dotted = is_dot(w) && tags.get(end + 1).is_some_and(|n| self.dotted_part(n));
                // An adverb after the name starts what is said of it (鲁斯|将).
                let adverb = len == 1 && w.tag == "d";
                if !(dotted || self.dotted_part(w)) || adverb || right + len > 10 {
                    break;
                }
                right += len;
                end += 1;
            }
            let Some(last) = end.checked_sub(1).and_then(|e| tags.get(e)) else {
                continue;
            };
            let Some(first) = tags.get(start) else {
                continue;
            };
            let parts = tags.get(start..end).unwrap_or_default();
            let named = parts.iter().any(|t| t.tag.starts_with("nr"))
                || parts
                    .iter()
                    .all(|t| is_dot(t) || self.ex.translit.contains_all(t.word));
            let quoted = start >= 1
                && tags
                    .get(start - 1)
                    .is_some_and(|p| p.word.ends_with(['“', '「', '《', '‘']))
                || tags
                    .get(end)
                    .is_some_and(|n| n.word.starts_with(['”', '」', '》', '’']));
            if end == d + 1 || is_dot(last) || !named || quoted {
                continue;
            }
            found.push(Person {
                start: first.byte_start,
                end: last.byte_end,
                confirmed: true,
            });
        }
    }

    /// Whether word `w` may be a part of a name written with a middle dot: Han characters,
    /// no title, speech word or stop word, not an organization or a function word.
    fn dotted_part(&self, w: &Tag) -> bool {
        let len = char_len(w.word);
        let function = if len == 1 {
            matches!(
                w.tag,
                "p" | "c" | "u" | "uj" | "ul" | "r" | "m" | "q" | "f" | "y" | "v"
            ) || NOT_LAST_CHARS.contains(w.word)
        } else {
            matches!(
                w.tag,
                "v" | "vn" | "d" | "a" | "ad" | "p" | "c" | "f" | "t" | "m" | "r" | "nt" | "l"
            ) && !self.ex.translit.contains_all(w.word)
                // A word jieba made up (依明) is part of a name more likely than a verb.
                && self.ex.jieba.has_word(w.word)
        };
        all_han(w.word)
            && !function
            && !self.ex.is_title(w.word)
            && !self.ex.after_name.contains(w.word)
            && !self.ex.stop.contains(w.word)
            && self.ex.org_suffixes.first_of(w.word, 0).is_none()
    }

    /// The words of a transliterated name from word `i` on (`lead`: word `i` is a single
    /// character cut off before it).
    fn translit_run(&self, i: usize, lead: bool) -> TranslitRun {
        let tags = self.tags;
        let mut run = TranslitRun {
            next: i,
            end: tags.get(i).map_or(0, |w| w.byte_end),
            chars: 0,
            tagged: false,
            glued: false,
        };
        if lead {
            run.chars = 1;
            run.next += 1;
        }
        while let Some(t) = tags.get(run.next) {
            if self.translit_at(run.next) {
                run.tagged |= t.tag.starts_with("nr");
                run.chars += char_len(t.word);
                run.end = t.byte_end;
                run.next += 1;
            } else if let Some(name) = t.word.strip_suffix(['说', '称']).filter(|n| {
                // HMM glues a speech verb to an unknown name (杜克说).
                all_han(n) && self.ex.translit.contains_all(n)
            }) {
                run.tagged |= t.tag.starts_with("nr");
                run.chars += char_len(name);
                run.end = t.byte_start + name.len();
                run.glued = true;
                run.next += 1;
                break;
            } else if matches!(t.word, "·" | "•" | "-")
                && self.translit_at(run.next + 1)
                && run.next > i
            {
                run.chars += 1;
                run.next += 1;
            } else {
                break;
            }
        }
        // A regnal number is part of the name (阿尔贝|二世).
        if !run.glued && run.chars >= 2 {
            if let Some(t) = tags.get(run.next).filter(|t| is_regnal(t.word)) {
                run.end = t.byte_end;
                run.next += 1;
            }
        }
        run
    }

    /// A Chinese name at word `k` (or a name-like word a title marks as one): the word
    /// itself, or the word and the next one when jieba cut the name in two. Returns the index
    /// of the next word to read.
    fn chinese_name(&self, k: usize, found: &mut Vec<Person>) -> usize {
        let Some(w) = self.tags.get(k) else {
            return k + 1;
        };
        // Words without a person tag are names only after a title (every step below).
        if !w.tag.starts_with("nr") && !self.titled(k) {
            return k + 1;
        }
        // Only person tags, and words a title may mark as names, can be names: the rest
        // costs no lookup.
        let len = char_len(w.word);
        let maybe = matches!(w.tag, "nr" | "nrfg" | "nrt")
            || ((2..=4).contains(&len) && (self.ex.name_like_tag(w.tag) || w.tag == "ns"));
        if !maybe || !all_han(w.word) {
            return k + 1;
        }
        if self.ex.stop.contains(w.word) || self.known_at(w) {
            return k + 1;
        }
        if let Some(person) = self.surname_and_given_name(k) {
            found.push(person);
            return k + 2;
        }
        match self.name_and_last_char(k) {
            LastChar::Joined(person) => {
                found.push(person);
                return k + 2;
            }
            LastChar::Skip => return k + 1,
            LastChar::Alone => {}
        }
        if let Some(person) = self.whole_word_name(k) {
            found.push(person);
        }
        k + 1
    }

    /// jieba often cuts a name after its surname (丁|薛祥, 沈|丹阳): a lone surname at word
    /// `k` tagged as a person joins a short name-like word after it.
    fn surname_and_given_name(&self, k: usize) -> Option<Person> {
        let w = self.tags.get(k)?;
        if !(w.tag == "nr" && char_len(w.word) == 1 && self.ex.has_surname_char(w.word)) {
            return None;
        }
        let n = self.tags.get(k + 1)?;
        let given = char_len(n.word);
        (all_han(n.word)
            && (1..=2).contains(&given)
            && (matches!(n.tag, "nr" | "nrfg" | "ns" | "zg" | "ng" | "j")
                || (n.tag == "n" && self.closed(k + 2)))
            && !self.ex.is_title(n.word)
            && !self.ex.after_name.contains(n.word)
            && !self.ex.not_after_name.contains(n.word)
            && !self.known_at(n)
            && !self.vetoed(k + 2))
        .then(|| Person {
            start: w.byte_start,
            end: n.byte_end,
            confirmed: self.titled(k) || self.closed(k + 2),
        })
    }

    /// jieba also cuts a name before its last character (周立|玖, 张家|朗): a two-character
    /// name at word `k` takes one name-like character after it. A name word right after it
    /// instead is a name jieba cut elsewhere (白玛|赤林), or no name at all (安邻|富邻).
    fn name_and_last_char(&self, k: usize) -> LastChar {
        let (Some(w), Some(n)) = (self.tags.get(k), self.tags.get(k + 1)) else {
            return LastChar::Alone;
        };
        if !(char_len(w.word) == 2 && w.tag.starts_with("nr") && self.ex.has_surname(w.word)) {
            return LastChar::Alone;
        }
        let last_char = char_len(n.word) == 1
            && all_han(n.word)
            && (matches!(n.tag, "nr" | "nrfg" | "nrt" | "zg" | "ng")
                || (n.tag == "m" && !n.word.chars().all(|c| NUMERALS.contains(c))))
            && !self.ex.after_name.contains(n.word);
        // Any character jieba cut off (马克|龙, 魏凤|和) when the name is closed right after
        // it and marked as one: a title before, or a list of names (、) going on after it.
        // A conjunction or a preposition is never followed by punctuation.
        let cut_off = char_len(n.word) == 1
            && all_han(n.word)
            && !matches!(n.tag, "v" | "d" | "p")
            && !NOT_LAST_CHARS.contains(n.word)
            && !self.ex.after_name.contains(n.word)
            && self.closed(k + 2)
            && (self.titled(k) || self.tags.get(k + 2).is_some_and(|t| t.word == "、"));
        if (last_char || cut_off) && !self.vetoed(k + 2) {
            return LastChar::Joined(Person {
                start: w.byte_start,
                end: n.byte_end,
                confirmed: self.titled(k) || self.closed(k + 2),
            });
        }
        if all_han(n.word) && matches!(n.tag, "nr" | "nrfg" | "nrt" | "ns") {
            return LastChar::Skip;
        }
        LastChar::Alone
    }

    /// Whether word `k` comes right after a noun, an adjective or an adverb that is no
    /// title: 精准|施策 and 分类|施策 are a policy verb, not someone called 施策.
    fn after_modifier(&self, k: usize) -> bool {
        k >= 1
            && self.tags.get(k - 1).is_some_and(|p| {
                matches!(p.tag, "n" | "a" | "ad" | "an" | "d" | "vn")
                    && all_han(p.word)
                    && !self.ex.is_title(p.word)
            })
    }

    /// Word `k` as a name on its own, by its tag, its shape and its context.
    fn whole_word_name(&self, k: usize) -> Option<Person> {
        let w = self.tags.get(k)?;
        let len = char_len(w.word);
        let titled = self.titled(k);
        // jieba's dictionary tags many common words nr (谢谢, 高水平): a word it knows
        // needs a title before or a speech verb after, unless its given name is no word.
        let said = || {
            titled
                || self
                    .tags
                    .get(k + 1)
                    .is_some_and(|n| self.ex.after_name.contains(n.word))
        };
        let jieba = &self.ex.jieba;
        let person = match w.tag {
            "nr" | "nrfg" => {
                self.ex.has_surname(w.word)
                    && match len {
                        3 => {
                            w.tag == "nrfg"
                                || said()
                                || (!self.ex.derived_noun(w.word)
                                    && (!jieba.has_word(w.word)
                                        || w.word
                                            .char_indices()
                                            .nth(1)
                                            .is_some_and(|(k, _)| !jieba.has_word(&w.word[k..]))))
                        }
                        2 => said() || (!jieba.has_word(w.word) && !self.after_modifier(k)),
                        4 => {
                            w.tag == "nrfg"
                                || self
                                    .ex
                                    .compound_surnames
                                    .iter()
                                    .any(|s| w.word.starts_with(s))
                        }
                        _ => false,
                    }
            }
            "nrt" => len >= 3 || titled || self.closed(k + 1),
            // A title before and a speech verb or punctuation after: 主席塔亚拉维说.
            // jieba takes some foreign names for places (总统|普京|、); a word that names
            // no known place counts there.
            "ns" => titled && self.closed(k + 1) && (2..=3).contains(&len),
            _ => titled && self.closed(k + 1) && (2..=4).contains(&len) && self.ex.name_like(w),
        };
        // 马方 (the Malaysian side), 巴勒斯坦人 (a people) and 秦剧团 (a troupe) are not
        // names.
        let collective = (len == 2 && w.word.ends_with('方'))
            || (len >= 3 && w.word.ends_with(['人', '团', '队']));
        // A name never follows a number: 135|万羽 is 1,350,000 birds.
        let counted = k >= 1
            && self.tags.get(k - 1).is_some_and(|p| {
                p.word
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_ascii_digit() || NUMERALS.contains(c))
            });
        if !person {
            return None;
        }
        (!collective
            && !counted
            && !self.opens_quote(k, k + 1)
            && !self.vetoed(k + 1)
            && !self.ex.places.contains(w.word))
        .then(|| Person {
            start: w.byte_start,
            end: w.byte_end,
            confirmed: said() || (len >= 3 && w.tag != "nrt"),
        })
    }
}

/// The words of a transliterated name ([`NameContext::translit_run`]).
struct TranslitRun {
    /// The index of the first word after the name.
    next: usize,
    /// Where the name ends.
    end: usize,
    /// Its length in characters.
    chars: usize,
    /// Whether jieba tags one of its words as a person.
    tagged: bool,
    /// Whether its last word had a speech verb glued to it (杜克说).
    glued: bool,
}

/// Longest spans first; a span overlapping one already taken is dropped, so a name inside a
/// longer name counts only where it also stands alone.
fn resolve(full: &str, mut candidates: Vec<Candidate>) -> Entities {
    // Candidates that compare equal are the same span of the same kind: their order does not
    // matter.
    candidates.sort_unstable_by_key(|c| (std::cmp::Reverse(c.end - c.start), c.kind, c.start));
    let mut taken = vec![false; full.len()];
    let mut found: [Vec<&str>; 3] = Default::default();
    for c in candidates {
        let Some(span) = taken.get_mut(c.start..c.end) else {
            continue;
        };
        if span.iter().any(|t| *t) {
            continue;
        }
        span.fill(true);
        let Some(name) = full.get(c.start..c.end) else {
            continue;
        };
        let slot = match c.kind {
            Kind::Person => 0,
            Kind::Place => 1,
            Kind::Org => 2,
            Kind::Block => continue,
        };
        found[slot].push(name);
    }
    // Sorted and distinct before they are copied: a name often occurs many times.
    let [person, place, org] = found.map(|mut list| {
        list.sort_unstable();
        list.dedup();
        list.into_iter().map(str::to_string).collect()
    });
    Entities { person, place, org }
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use super::*;

    static EXTRACTOR: LazyLock<EntityExtractor> =
        LazyLock::new(|| EntityExtractor::new(crate::vocabulary::Vocabulary::bundled().jieba()));

    fn extract(text: &str) -> Entities {
        EXTRACTOR.extract("标题", text)
    }

    fn has(list: &[String], name: &str) -> bool {
        list.iter().any(|n| n == name)
    }

    #[test]
    fn gazetteer_places_full_and_short_names() {
        let found = extract("记者来到吉林省辽源市，又去了青岛和杭州。");
        for place in ["吉林省", "辽源市", "青岛", "杭州"] {
            assert!(has(&found.place, place), "{place} in {found:?}");
        }
    }

    #[test]
    fn gazetteer_countries_and_world_places() {
        let found = extract("法国和匈牙利的代表在巴黎讨论了东南亚局势。");
        for place in ["法国", "匈牙利", "巴黎", "东南亚"] {
            assert!(has(&found.place, place), "{place} in {found:?}");
        }
    }

    #[test]
    fn county_short_forms_that_are_common_words_are_not_places() {
        // 长子 (a county in Shanxi) and 平安 (a district) are also everyday words.
        let found = extract("他是家里的长子，一家人平平安安。");
        assert!(found.place.is_empty(), "{found:?}");
    }

    #[test]
    fn longest_organization_wins() {
        let found = extract("博乐市小营盘镇党委组织党员学习。");
        assert!(has(&found.org, "博乐市小营盘镇党委"), "{found:?}");
        assert!(!has(&found.org, "党委"), "{found:?}");
        assert!(
            !has(&found.place, "博乐市") && !has(&found.place, "小营盘镇"),
            "{found:?}"
        );
    }

    #[test]
    fn organizations_composed_from_a_place_and_a_suffix() {
        let found = extract("韩国外交部发言人表示，阿根廷地铁工人协会宣布罢工。");
        assert!(has(&found.org, "韩国外交部"), "{found:?}");
        assert!(has(&found.org, "阿根廷地铁工人协会"), "{found:?}");
    }

    #[test]
    fn nested_names_count_only_where_they_stand_alone() {
        let nested = extract("博乐市小营盘镇党委书记说。");
        assert!(!has(&nested.place, "小营盘镇"), "{nested:?}");
        let alone = extract("博乐市小营盘镇党委书记来到小营盘镇。");
        assert!(has(&alone.place, "小营盘镇"), "{alone:?}");
        assert!(!has(&alone.place, "博乐市"), "{alone:?}");
    }

    #[test]
    fn events_hide_the_names_inside_them() {
        let inside = extract("运动员们备战巴黎奥运会。");
        assert!(!has(&inside.place, "巴黎"), "{inside:?}");
        let alone = extract("运动员们备战巴黎奥运会，已经抵达巴黎。");
        assert!(has(&alone.place, "巴黎"), "{alone:?}");
    }

    #[test]
    fn person_with_surname_and_context() {
        let found = extract("李克强同志指出，要做好工作。国家主席习近平说。");
        assert!(has(&found.person, "李克强"), "{found:?}");
        assert!(has(&found.person, "习近平"), "{found:?}");
    }

    #[test]
    fn common_words_tagged_as_names_are_not_people() {
        // jieba's dictionary tags 谢谢 as a person name.
        let found = extract("谢谢大家的支持。");
        assert!(found.person.is_empty(), "{found:?}");
    }

    #[test]
    fn foreign_names_joined_across_the_middle_dot() {
        let found = extract("哈萨克斯坦总统努尔苏丹·纳扎尔巴耶夫表示欢迎。");
        assert!(has(&found.person, "努尔苏丹·纳扎尔巴耶夫"), "{found:?}");
        assert!(!has(&found.place, "努尔苏丹"), "{found:?}");
    }

    #[test]
    fn transliterated_names_from_their_parts() {
        let found = extract("苏丹总理哈姆杜克说，局势稳定。");
        assert!(has(&found.person, "哈姆杜克"), "{found:?}");
    }

    #[test]
    fn counts_troupes_and_teams_are_not_people() {
        // A number before a name-shaped word makes it a quantity; a troupe or a team named
        // after a person, or a quoted name that goes on after it, is a group, not the person.
        for text in [
            "养鸡规模达到135万羽，日产鲜蛋60余吨。",
            "打造秦剧团、社火、腰鼓等传统文化。",
            "组建“草根宣讲员”“古丽宣教队”深入农家。",
        ] {
            let found = extract(text);
            assert!(found.person.is_empty(), "{text}: {found:?}");
        }
        // A role is no name: 王某某任组长 makes nobody called 任组长.
        let found = extract("镇长王某某任组长，副镇长任副组长。");
        assert!(!has(&found.person, "任组长"), "{found:?}");
        // The same names with a person's context still count.
        let found = extract("记者万羽说，书记秦剧表示同意。");
        assert!(has(&found.person, "万羽"), "{found:?}");
    }

    #[test]
    fn transliterations_before_a_place_or_thing_word_are_not_people() {
        // 埃|博拉 before 疫情, 卡拉奇 before 省: a disease and a place, not people.
        let found = extract("当地爆发埃博拉疫情，卡拉奇省发生地震。");
        assert!(found.person.is_empty(), "{found:?}");
    }

    #[test]
    fn transliterations_jieba_tags_as_names_need_confirmation() {
        // A company jieba tags as a name, followed by a conjunction: nothing confirms it.
        let company = extract("巴斯夫和拜耳在华投资建厂。");
        assert!(company.person.is_empty(), "{company:?}");
        // A title before, or a verb after, confirms a name.
        let titled = extract("巴勒斯坦领导人阿拉法特进行访问。");
        assert!(has(&titled.person, "阿拉法特"), "{titled:?}");
    }

    #[test]
    fn a_character_cut_off_a_name_joins_it() {
        let before = extract("哈萨克斯坦总统托卡耶夫表示欢迎。德国财政部长肖尔茨表示赞同。");
        assert!(has(&before.person, "托卡耶夫"), "{before:?}");
        assert!(has(&before.person, "肖尔茨"), "{before:?}");
        assert!(!has(&before.person, "尔茨"), "{before:?}");
        let after = extract("贫困户李立玖，今年收入增加。");
        assert_eq!(after.person, ["李立玖"], "{after:?}");
    }

    #[test]
    fn regnal_numbers_and_dotted_parts_belong_to_the_name() {
        let found = extract("摩纳哥亲王阿尔贝二世、巴基斯坦总理伊姆兰·汗出席。");
        assert!(has(&found.person, "阿尔贝二世"), "{found:?}");
        assert!(has(&found.person, "伊姆兰·汗"), "{found:?}");
        assert!(!has(&found.person, "阿尔贝"), "{found:?}");
    }

    #[test]
    fn foreign_names_jieba_takes_for_places_between_a_title_and_punctuation() {
        let found = extract("会见俄罗斯总统普京、埃及总统塞西。");
        assert!(has(&found.person, "普京"), "{found:?}");
        assert!(has(&found.person, "塞西"), "{found:?}");
        assert!(!has(&found.person, "俄罗斯"), "{found:?}");
    }

    #[test]
    fn words_after_a_title_need_a_name_shape() {
        // A title before and punctuation after, but neither starts with a surname nor is a
        // transliteration.
        let found = extract("给总书记写封信，运动员参赛。");
        assert!(found.person.is_empty(), "{found:?}");
    }

    #[test]
    fn derived_nouns_jieba_tags_as_names_are_not_people() {
        let found = extract("提高群众的安全感，办理许可证，学习国家安全法。");
        assert!(found.person.is_empty(), "{found:?}");
        // A policy verb after a modifier is no name either.
        let found = extract("要精准施策，分类施策。");
        assert!(found.person.is_empty(), "{found:?}");
    }

    #[test]
    fn a_character_cut_off_after_a_title_or_in_a_list_joins_the_name() {
        let found = extract("法国总统马克龙表示欢迎。中央军委委员魏凤和、李作成出席。");
        assert!(has(&found.person, "马克龙"), "{found:?}");
        assert!(has(&found.person, "魏凤和"), "{found:?}");
        assert!(
            !has(&found.person, "马克") && !has(&found.person, "魏凤"),
            "{found:?}"
        );
        // A conjunction between two names stays out of them.
        let found = extract("国家主席习近平和夫人彭丽媛出席。");
        assert!(!found.person.iter().any(|p| p.ends_with('和')), "{found:?}");
    }

    #[test]
    fn names_across_a_middle_dot_whatever_their_characters() {
        let found =
            extract("全国人大常委会副委员长艾力更·依明巴海在参加。英国首相特雷莎·梅14日表示。");
        assert!(has(&found.person, "艾力更·依明巴海"), "{found:?}");
        assert!(has(&found.person, "特雷莎·梅"), "{found:?}");
        let found = extract("古巴国务委员会主席劳尔·卡斯特罗·鲁斯将出席。");
        assert!(has(&found.person, "劳尔·卡斯特罗·鲁斯"), "{found:?}");
        // A quoted title with a dot is no name.
        let found = extract("举办“新征程·小康梦圆”主题活动。");
        assert!(found.person.is_empty(), "{found:?}");
        // An organization named after someone keeps the name across the dot.
        let found = extract("根据美国约翰斯·霍普金斯大学的统计数据。");
        assert!(
            found.org.iter().any(|o| o.ends_with("约翰斯·霍普金斯大学")),
            "{found:?}"
        );
        assert!(found.person.is_empty(), "{found:?}");
    }

    #[test]
    fn names_in_a_list_with_a_name_are_names() {
        // 汪洋 and 春兰 are also common words.
        let found = extract("李克强主持大会，栗战书、汪洋、孙春兰出席。");
        for name in ["栗战书", "汪洋", "孙春兰"] {
            assert!(has(&found.person, name), "{name} in {found:?}");
        }
        // A list of places stays a list of places.
        let found = extract("习近平来到江苏、浙江、安徽考察。");
        assert_eq!(found.person, ["习近平"], "{found:?}");
    }

    #[test]
    fn known_people_and_foreign_towns() {
        let found = extract("4日，普京签署命令。俄军进入哈尔科夫，克拉马托尔斯克遭到炮击。");
        assert!(has(&found.person, "普京"), "{found:?}");
        assert!(has(&found.place, "哈尔科夫"), "{found:?}");
        assert!(!has(&found.person, "哈尔科夫"), "{found:?}");
        assert!(!has(&found.person, "克拉马托尔斯克"), "{found:?}");
    }

    #[test]
    fn a_stop_word_wins_over_the_organization_composed_around_its_suffix() {
        let found = extract("中共中央政治局常委出席。他在黎岭小学任教。");
        assert!(has(&found.org, "中共中央政治局"), "{found:?}");
        assert!(!has(&found.org, "中共"), "{found:?}");
        assert!(found.person.is_empty(), "{found:?}");
        let found = extract("中国网络电视台消息，科研院所和二十国集团。");
        assert!(!has(&found.org, "中国网络电视台"), "{found:?}");
        assert!(!has(&found.org, "科研院所"), "{found:?}");
        assert!(has(&found.org, "二十国集团"), "{found:?}");
        assert!(!has(&found.org, "十国集团"), "{found:?}");
    }

    #[test]
    fn stop_list_generic_bodies_and_events() {
        let found = extract("中央政府和美军都表示关注，领导小组在二十大后成立。");
        assert!(found.org.is_empty(), "{found:?}");
        let channel = extract("央视网消息：新华社报道。");
        assert!(!has(&channel.org, "央视网"), "{channel:?}");
        assert!(has(&channel.org, "新华社"), "{channel:?}");
        // A hall is a room of a building, not a body (厅 alone ends 财政厅, an organization).
        let hall = extract("欢迎仪式在人民大会堂北大厅举行，省财政厅派人出席。");
        assert!(!has(&hall.org, "人民大会堂北大厅"), "{hall:?}");
        assert!(hall.org.iter().all(|o| !o.ends_with("大厅")), "{hall:?}");
    }

    #[test]
    fn every_entity_is_a_substring_and_lists_are_sorted_and_distinct() {
        let texts = [
            "国务院总理李克强在人民大会堂会见法国总理瓦尔斯。",
            "湖北省秭归县长岭村党支部书记周立玖带领村民致富。",
            "",
            "·—— ·· 、、 abc 123",
        ];
        for text in texts {
            let found = EXTRACTOR.extract("", text);
            let full = format!("\n{text}");
            for list in [&found.person, &found.place, &found.org] {
                let mut sorted = list.clone();
                sorted.sort();
                sorted.dedup();
                assert_eq!(&sorted, list);
                for name in list {
                    assert!(full.contains(name.as_str()), "{name} in {text}");
                }
            }
        }
    }

    #[test]
    fn suffix_tables_and_character_sets_answer_like_the_lists() {
        let words = [
            "党委",
            "镇党委",
            "外交部",
            "中国人民大学",
            "全会",
            "奥运会",
            "议员",
            "欧洲议会议员",
            "书记",
            "党委书记",
            "东北部",
            "",
            "a",
            "银行行长",
            "研究所",
        ];
        for data in [EVENT_SUFFIXES, ORG_SUFFIXES, NOT_ORG_HEADS] {
            let list: Vec<&str> = super::words(data).collect();
            let table = Suffixes::of(&list);
            for word in words {
                let expected = list.iter().find(|s| word.ends_with(*s)).copied();
                assert_eq!(table.first_of(word, 0), expected, "{word}");
            }
        }
        let role_list: Vec<&str> = super::words(ROLES).collect();
        let roles = Suffixes::of(&role_list);
        for word in words {
            let expected = role_list
                .iter()
                .find_map(|r| word.strip_suffix(r).filter(|c| !c.is_empty()).map(|_| *r));
            assert_eq!(roles.first_of(word, 1), expected, "{word}");
        }
        let translit = HanSet::of(single_chars(TRANSLIT));
        for c in "阿尔巴王李a·\u{3400}\u{20000}".chars() {
            let listed = super::words(TRANSLIT).any(|w| w.chars().eq([c]));
            assert_eq!(translit.contains(c), listed, "{c}");
        }
    }

    #[test]
    fn word_sets_find_every_word_and_the_words_ending_with_one() {
        for data in [
            STOP,
            TITLES,
            AFTER_NAME,
            NOT_AFTER_NAME,
            ORG_PREFIXES,
            EVENT_SUFFIXES,
        ] {
            let set: WordSet = super::words(data).collect();
            for word in super::words(data) {
                assert!(set.contains(word), "{word}");
                assert!(set.may_end(&format!("中a{word}")), "{word}");
            }
            assert!(!set.contains("不在表里的词"));
        }
        let set: WordSet = ["a", "乙", "甲乙", "·", "丙丁"].into_iter().collect();
        for word in ["a", "乙", "甲乙", "·", "丙丁", "x·", "丁乙", "戊丙丁"] {
            assert!(set.may_end(word), "{word}");
        }
        assert!(!set.may_end("丁") && !set.may_end("乙丁"));
    }

    #[test]
    fn the_gazetteer_finds_every_entry_a_text_starts_with() {
        let lexeme = |kind| Lexeme {
            kind,
            gate: Gate::Aligned,
        };
        let mut gazetteer = Gazetteer::new(4);
        gazetteer.insert("北", lexeme(Kind::Place));
        gazetteer.insert("北京", lexeme(Kind::Place));
        gazetteer.insert("北京市政府", lexeme(Kind::Org));
        gazetteer.insert("G20", lexeme(Kind::Block));
        let found = |text: &str| {
            let mut found = Vec::new();
            gazetteer.for_each_prefix(text, |len, l| found.push((len, l.kind)));
            found
        };
        assert_eq!(
            found("北京市政府大楼"),
            [(3, Kind::Place), (6, Kind::Place), (15, Kind::Org)]
        );
        assert_eq!(found("北京市"), [(3, Kind::Place), (6, Kind::Place)]);
        assert_eq!(found("G20峰会"), [(3, Kind::Block)]);
        assert!(found("南京").is_empty() && found("").is_empty() && found("京").is_empty());
    }

    #[test]
    fn data_files_have_a_header_and_no_duplicates() {
        // DIVISIONS is `LEVEL NAME` lines without a header (data/README.md describes it).
        assert!(DIVISIONS.lines().count() > 20_000);
        for text in [
            COUNTRIES,
            WORLD,
            ORGS,
            STOP,
            ORG_SUFFIXES,
            ROLES,
            NOT_ORG_HEADS,
            GENERIC_STEMS,
            GENERIC_PREFIXES,
            EVENT_SUFFIXES,
            ORG_PREFIXES,
            SURNAMES,
            TRANSLIT,
            TITLES,
            AFTER_NAME,
            NOT_AFTER_NAME,
            FOREIGN_ENDINGS,
            COMMON_VILLAGES,
            NOUN_ENDINGS,
            PEOPLE,
        ] {
            assert!(
                text.starts_with('#'),
                "a header saying what the list is for"
            );
        }
        for data in [
            ORG_SUFFIXES,
            ROLES,
            NOT_ORG_HEADS,
            GENERIC_STEMS,
            GENERIC_PREFIXES,
            EVENT_SUFFIXES,
            ORG_PREFIXES,
            SURNAMES,
            TRANSLIT,
            TITLES,
            AFTER_NAME,
            NOT_AFTER_NAME,
            FOREIGN_ENDINGS,
            COMMON_VILLAGES,
            NOUN_ENDINGS,
        ] {
            let mut seen = HashSet::new();
            for word in super::words(data) {
                assert!(all_han(word), "{word}");
                assert!(seen.insert(word), "{word} listed twice");
            }
        }
    }
}
