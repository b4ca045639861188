//! The language of the reports: the bundled lexicon of party-building and policy expressions,
//! a folder's own dictionary and synonyms (`zhsearch.toml`), and the synonym expansion of
//! unquoted query words.
//!
//! jieba reads queries and the knowledge extractor reads reports with the words a
//! [`Vocabulary`] adds: an unquoted `乡村振兴` is one word, matched as one substring, instead
//! of 乡村 and 振兴 anywhere in a report. Synonyms only widen unquoted words at query time:
//! they never change the index. A folder's dictionary changes what the extractor reads, so it
//! is part of what the index records ([`Vocabulary::extraction_key`]).
//!
//! ```toml
//! # zhsearch.toml at the root of the indexed folder
//! [vocabulary]
//! dictionary = "vocab/dict.txt"     # jieba format: word [freq] [tag], one per line
//! synonyms = "vocab/synonyms.txt"   # Solr format: "党建, 党的建设" or "十九大 => 党的十九大"
//! ```
//!
//! A folder can also name its own aliases, names of one entity counted under one canonical
//! name ([`aliases`]):
//!
//! ```toml
//! [knowledge]
//! aliases = "aliases.txt"           # canonical = name, name
//! ```
//!
//! A line that cannot be used is reported ([`Loaded::rejected`], with file, line and reason)
//! and skipped; it never stops indexing or searching.

pub mod aliases;

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::time::SystemTime;

use jieba_rs::Jieba;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::analysis::{is_word_char, normalize};
pub use aliases::{AliasRule, Aliases};

/// The name of a folder's vocabulary configuration, at its root.
pub const CONFIG_FILE: &str = "zhsearch.toml";

/// The bundled lexicon, in jieba's dictionary format (`data/README.md` says how it was made).
const LEXICON: &str = include_str!("data/lexicon.txt");
/// The bundled synonyms, in Solr's format.
const SYNONYMS: &str = include_str!("data/synonyms.txt");

/// Largest dictionary or synonym file read; a bigger one is rejected as a whole.
const MAX_FILE_BYTES: u64 = 4 << 20;
/// Largest `zhsearch.toml` read.
const MAX_CONFIG_BYTES: u64 = 64 << 10;
/// Longest line of a dictionary or synonym file, in characters; a longer one is rejected.
const MAX_LINE_CHARS: usize = 1_000;
/// Most forms in one synonym rule; a bigger rule is rejected as a whole.
pub const MAX_RULE_FORMS: usize = 64;
/// Most forms in all the rules of a folder's synonym file; rules past it are rejected.
pub const MAX_SYNONYM_FORMS: usize = 50_000;
/// Most entries taken from a folder's dictionary; lines past it are rejected.
pub const MAX_DICTIONARY_ENTRIES: usize = 100_000;
/// Most rejected lines listed; the rest are counted in one last message.
pub const MAX_REJECTED: usize = 20;
/// Most characters of a file's text quoted in a rejection message.
const QUOTED_CHARS: usize = 24;
/// Longest word or synonym, in characters.
const MAX_TERM_CHARS: usize = 40;
/// Most alternatives one word expands to (each is one more substring query).
pub const MAX_ALTERNATIVES: usize = 16;

/// A checksum of the bundled data, part of [`crate::knowledge::version`]: the lexicon decides
/// the words the extractor reads.
pub fn data_checksum() -> u32 {
    crate::checksums::LEXICON
}

/// The terms of the bundled lexicon, normalized, in file order.
pub fn lexicon_terms() -> Vec<String> {
    let mut words = Vec::new();
    add_dictionary(
        &mut words,
        LEXICON,
        "bundled lexicon",
        &mut Rejections::default(),
    );
    words.into_iter().map(|w| w.word).collect()
}

/// What a vocabulary was made of, for `zhsearch stats` and `/api/stats`.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Loaded {
    /// Terms of the bundled lexicon.
    pub lexicon_terms: usize,
    /// Rules of the bundled synonym list.
    pub bundled_synonym_rules: usize,
    /// The folder's `zhsearch.toml`, when it has one.
    pub config: Option<String>,
    /// The folder's dictionary and how many words it added.
    pub dictionary: Option<LoadedFile>,
    /// The folder's synonym file and how many rules it added.
    pub synonyms: Option<LoadedFile>,
    /// The folder's alias file (`[knowledge] aliases`) and how many entities it names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aliases: Option<LoadedFile>,
    /// Lines (or whole files) that could not be used, and why.
    pub rejected: Vec<Rejected>,
}

/// A file of the folder's vocabulary.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LoadedFile {
    /// As `zhsearch.toml` names it, relative to the folder.
    pub path: String,
    /// Entries taken from it.
    pub entries: usize,
}

/// A line that was skipped.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Rejected {
    /// The file, relative to the folder (or `bundled synonyms`).
    pub file: String,
    /// Its line number, from 1 (0 for the whole file).
    pub line: usize,
    /// Why it was skipped.
    pub reason: String,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.reason)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.reason)
        }
    }
}

/// Rejected lines as they are found: the first [`MAX_REJECTED`] kept, the others counted.
#[derive(Debug, Default)]
struct Rejections {
    listed: Vec<Rejected>,
    more: usize,
}

impl Rejections {
    fn push(&mut self, rejected: Rejected) {
        if self.listed.len() < MAX_REJECTED {
            self.listed.push(rejected);
        } else {
            self.more += 1;
        }
    }

    /// The listed rejections, with one more saying how many were left out.
    fn into_list(mut self) -> Vec<Rejected> {
        if self.more > 0 {
            let file = self
                .listed
                .last()
                .map_or_else(String::new, |r| r.file.clone());
            self.listed.push(Rejected {
                file,
                line: 0,
                reason: format!("… and {} more lines rejected", self.more),
            });
        }
        self.listed
    }
}

/// Text of a file quoted in a message: at most [`QUOTED_CHARS`] characters of it.
fn quote(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// The words and synonyms queries and the extractor use.
pub struct Vocabulary {
    /// Built from `words` when first needed: a query of quoted phrases never loads jieba.
    jieba: OnceLock<Arc<Jieba>>,
    /// The words added to jieba's own dictionary, in order.
    words: Vec<Word>,
    /// Normalized word → the other forms it also matches.
    synonyms: FxHashMap<String, Vec<String>>,
    loaded: Loaded,
    /// The folder's dictionary entries, normalized: what the index must record.
    dictionary_key: Option<u64>,
    /// The folder's alias rules (none: the bundled aliases).
    alias_rules: Vec<AliasRule>,
    /// The bundled aliases with the folder's rules, built when first needed.
    aliases: OnceLock<Arc<Aliases>>,
    /// The folder's own vocabulary files, relative and `/`-separated: never reports.
    own_files: Vec<String>,
}

impl std::fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vocabulary")
            .field("loaded", &self.loaded)
            .finish_non_exhaustive()
    }
}

static BUNDLED: LazyLock<Arc<Vocabulary>> = LazyLock::new(|| Arc::new(Vocabulary::bundled_now()));

impl Vocabulary {
    /// jieba's dictionary with the bundled lexicon, and the bundled synonyms. Built once per
    /// process, on first use (loading jieba takes a noticeable fraction of a second).
    pub fn bundled() -> Arc<Vocabulary> {
        Arc::clone(&BUNDLED)
    }

    fn bundled_now() -> Vocabulary {
        let mut words = Vec::new();
        let mut loaded = Loaded::default();
        let mut rejected = Rejections::default();
        loaded.lexicon_terms =
            add_dictionary(&mut words, LEXICON, "bundled lexicon", &mut rejected);
        let mut synonyms = FxHashMap::default();
        loaded.bundled_synonym_rules = add_synonyms(
            &mut words,
            &mut synonyms,
            SYNONYMS,
            "bundled synonyms",
            &mut rejected,
        );
        // The bundled files are tested to load cleanly; say so if they ever do not.
        loaded.rejected = rejected.into_list();
        for r in &loaded.rejected {
            tracing::warn!("{r}");
        }
        Vocabulary {
            jieba: OnceLock::new(),
            words,
            synonyms,
            loaded,
            dictionary_key: None,
            alias_rules: Vec::new(),
            aliases: OnceLock::new(),
            own_files: Vec::new(),
        }
    }

    /// The vocabulary of the folder `root` as its files are now: the bundled one, plus what
    /// its `zhsearch.toml` names (the bundled one itself when it has none). Read afresh; a
    /// [`FolderVocabulary`] keeps it and reads it again only when a file changes.
    pub fn of_folder(root: &Path) -> Arc<Vocabulary> {
        if stamp_of(&root.join(CONFIG_FILE)).is_none() {
            return Vocabulary::bundled();
        }
        Arc::new(Vocabulary::load(root))
    }

    /// Reads the folder's `zhsearch.toml` and the files it names.
    fn load(root: &Path) -> Vocabulary {
        let bundled = Vocabulary::bundled();
        let mut loaded = bundled.loaded.clone();
        loaded.config = Some(CONFIG_FILE.to_string());
        let mut rejected = Rejections::default();
        let mut own_files = vec![CONFIG_FILE.to_string()];
        let config = match read_config(root) {
            Ok(config) => config,
            Err(reason) => {
                rejected.push(Rejected {
                    file: CONFIG_FILE.to_string(),
                    line: reason.1,
                    reason: reason.0,
                });
                loaded.rejected.extend(rejected.into_list());
                return Vocabulary {
                    jieba: OnceLock::new(),
                    words: bundled.words.clone(),
                    synonyms: bundled.synonyms.clone(),
                    loaded,
                    dictionary_key: None,
                    alias_rules: Vec::new(),
                    aliases: OnceLock::new(),
                    own_files,
                };
            }
        };
        let mut words = bundled.words.clone();
        let mut synonyms = bundled.synonyms.clone();
        let mut dictionary_key = None;
        let mut read = |name: &Option<String>, rejected: &mut Rejections| {
            let name = name.as_deref()?;
            let relative = name.replace('\\', "/");
            own_files.push(relative.trim_start_matches("./").to_string());
            match read_folder_file(root, name, MAX_FILE_BYTES) {
                Ok(text) => Some((relative, text)),
                Err(reason) => {
                    rejected.push(Rejected {
                        file: relative,
                        line: 0,
                        reason,
                    });
                    None
                }
            }
        };
        let dictionary = read(&config.vocabulary.dictionary, &mut rejected);
        let synonym_file = read(&config.vocabulary.synonyms, &mut rejected);
        let alias_file = read(&config.knowledge.aliases, &mut rejected);
        if let Some((path, text)) = dictionary {
            let before = words.len();
            let entries = add_dictionary(&mut words, &text, &path, &mut rejected);
            if entries > 0 {
                let accepted: Vec<String> = words[before..]
                    .iter()
                    .map(|w| format!("{} {:?} {:?}", w.word, w.freq, w.tag))
                    .collect();
                dictionary_key = Some(xxhash_rust::xxh3::xxh3_64(accepted.join("\n").as_bytes()));
            }
            loaded.dictionary = Some(LoadedFile { path, entries });
        }
        if let Some((path, text)) = synonym_file {
            let entries = add_synonyms(&mut words, &mut synonyms, &text, &path, &mut rejected);
            loaded.synonyms = Some(LoadedFile { path, entries });
        }
        let mut alias_rules = Vec::new();
        if let Some((path, text)) = alias_file {
            alias_rules = aliases::parse(&text, &path, &mut rejected);
            loaded.aliases = Some(LoadedFile {
                path,
                entries: alias_rules.len(),
            });
        }
        loaded.rejected.extend(rejected.into_list());
        Vocabulary {
            jieba: OnceLock::new(),
            words,
            synonyms,
            loaded,
            dictionary_key,
            alias_rules,
            aliases: OnceLock::new(),
            own_files,
        }
    }

    /// The segmenter with this vocabulary's words (built on first use).
    pub fn jieba(&self) -> Arc<Jieba> {
        let jieba = self.jieba.get_or_init(|| {
            let mut jieba = Jieba::new();
            for w in &self.words {
                if w.only_if_new && jieba.has_word(&w.word) {
                    continue;
                }
                let freq = w.freq.unwrap_or_else(|| jieba.suggest_freq(&w.word));
                jieba.add_word(&w.word, Some(freq), w.tag.as_deref());
            }
            Arc::new(jieba)
        });
        Arc::clone(jieba)
    }

    /// The other forms an unquoted `word` (normalized) also matches, if it has synonyms.
    pub fn alternatives(&self, word: &str) -> &[String] {
        self.synonyms.get(word).map_or(&[], Vec::as_slice)
    }

    /// The canonical names of people, places and organizations: the bundled aliases with the
    /// folder's own (built on first use).
    pub fn aliases(&self) -> Arc<Aliases> {
        if self.alias_rules.is_empty() {
            return Aliases::bundled();
        }
        Arc::clone(
            self.aliases
                .get_or_init(|| Arc::new(Aliases::with_rules(&self.alias_rules))),
        )
    }

    /// What was loaded, and what was rejected.
    pub fn loaded(&self) -> &Loaded {
        &self.loaded
    }

    /// What of this vocabulary decides extracted knowledge beyond the bundled data (which
    /// [`crate::knowledge::version`] covers): the folder's dictionary and aliases. Empty
    /// without either.
    pub fn extraction_key(&self) -> String {
        let dictionary = self
            .dictionary_key
            .map(|k| format!("folder dictionary {:08x}", k as u32));
        let aliases = (!self.alias_rules.is_empty()).then(|| {
            let lines: Vec<String> = self
                .alias_rules
                .iter()
                .map(|r| format!("{} = {}", r.canonical, r.names.join(", ")))
                .collect();
            let key = xxhash_rust::xxh3::xxh3_64(lines.join("\n").as_bytes());
            format!("folder aliases {:08x}", key as u32)
        });
        [dictionary, aliases]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The folder's vocabulary files (`zhsearch.toml` and what it names), relative to it:
    /// they are never indexed as reports.
    pub fn own_files(&self) -> &[String] {
        &self.own_files
    }
}

/// The vocabulary of one folder, held by whoever reads that folder (an opened corpus, an
/// indexer): loaded when first asked for — a query of quoted phrases never loads it — and read
/// again when one of its files changes, so an edit is picked up by the next query. Checking
/// costs a few `stat` calls.
#[derive(Debug, Default)]
pub struct FolderVocabulary {
    /// The folder; `None` for an index that records none (the bundled vocabulary then).
    root: Option<PathBuf>,
    current: Mutex<Option<(Stamp, Arc<Vocabulary>)>>,
}

impl FolderVocabulary {
    /// The vocabulary of `root`, not read yet.
    pub fn new(root: Option<PathBuf>) -> FolderVocabulary {
        FolderVocabulary {
            root,
            current: Mutex::new(None),
        }
    }

    /// The vocabulary as the folder's files are now.
    pub fn get(&self) -> Arc<Vocabulary> {
        let Some(root) = &self.root else {
            return Vocabulary::bundled();
        };
        let config_stamp = stamp_of(&root.join(CONFIG_FILE));
        if config_stamp.is_none() {
            return Vocabulary::bundled();
        }
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((stamp, vocabulary)) = current.as_ref() {
            if stamp.config == config_stamp && stamp.files == files_stamp(root, vocabulary) {
                return Arc::clone(vocabulary);
            }
        }
        let vocabulary = Arc::new(Vocabulary::load(root));
        let stamp = Stamp {
            config: config_stamp,
            files: files_stamp(root, &vocabulary),
        };
        *current = Some((stamp, Arc::clone(&vocabulary)));
        vocabulary
    }

    /// The aliases of the folder as its files are now: the bundled ones, without reading the
    /// bundled lexicon or synonyms, when the folder has no `zhsearch.toml`.
    pub fn aliases(&self) -> Arc<Aliases> {
        match &self.root {
            Some(root) if stamp_of(&root.join(CONFIG_FILE)).is_some() => self.get().aliases(),
            _ => Aliases::bundled(),
        }
    }

    /// [`Vocabulary::extraction_key`] of the folder's vocabulary as it is now, without loading
    /// anything when the folder has no `zhsearch.toml` (the key is then empty).
    pub fn extraction_key(&self) -> String {
        match &self.root {
            Some(root) if stamp_of(&root.join(CONFIG_FILE)).is_some() => {
                self.get().extraction_key()
            }
            _ => String::new(),
        }
    }
}

/// When a folder's vocabulary files last changed, as far as `stat` tells.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    config: Option<(SystemTime, u64)>,
    files: Vec<Option<(SystemTime, u64)>>,
}

fn stamp_of(path: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

fn files_stamp(root: &Path, vocabulary: &Vocabulary) -> Vec<Option<(SystemTime, u64)>> {
    vocabulary
        .own_files
        .iter()
        .skip(1)
        .map(|f| stamp_of(&root.join(f)))
        .collect()
}

#[derive(Debug, Default, Deserialize)]
struct Config {
    #[serde(default)]
    vocabulary: VocabularyConfig,
    #[serde(default)]
    knowledge: KnowledgeConfig,
}

#[derive(Debug, Default, Deserialize)]
struct KnowledgeConfig {
    aliases: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct VocabularyConfig {
    dictionary: Option<String>,
    synonyms: Option<String>,
}

/// The folder's `zhsearch.toml`, or what is wrong with it (and its line, 0 when unknown).
fn read_config(root: &Path) -> Result<Config, (String, usize)> {
    let text = read_folder_file(root, CONFIG_FILE, MAX_CONFIG_BYTES).map_err(|e| (e, 0))?;
    toml::from_str(&text).map_err(|e: toml::de::Error| {
        let line = e.span().map_or(0, |s| {
            let before = &text.as_bytes()[..s.start.min(text.len())];
            before.iter().filter(|&&b| b == b'\n').count() + 1
        });
        // The parser's message may quote the file; a few lines of it are enough.
        let message: String = e.message().chars().take(200).collect();
        (message, line)
    })
}

/// A text file of the folder named by a relative path (any encoding zhsearch reads), of at
/// most `limit` bytes. It is opened as a regular file, through no symbolic link at all (a link
/// to a file or a folder could lead out of the folder): see [`crate::ingest::open_under`].
fn read_folder_file(root: &Path, name: &str, limit: u64) -> Result<String, String> {
    let relative = Path::new(name);
    if relative.is_absolute()
        || relative
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Err("must be a path inside the folder".into());
    }
    let bytes = crate::ingest::open_under(root, &name.replace('\\', "/"), limit)
        .and_then(crate::ingest::RegularFile::read_all)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(String::new());
    }
    crate::ingest::decode::decode(&bytes)
        .map(|d| d.text)
        .map_err(|e| e.to_string())
}

/// A dictionary word or synonym as queries see it, or why it cannot be one.
fn term(raw: &str) -> Result<String, String> {
    let t = normalize(raw.trim()).trim().to_string();
    if t.is_empty() {
        return Err("empty term".into());
    }
    if !t.chars().any(is_word_char) {
        return Err(format!("`{}` has no letters or characters", quote(&t)));
    }
    if t.chars().count() > MAX_TERM_CHARS {
        return Err(format!(
            "`{}` is longer than {MAX_TERM_CHARS} characters",
            quote(&t)
        ));
    }
    if t.contains('"') {
        return Err(format!("`{}` contains a double quote", quote(&t)));
    }
    Ok(t)
}

/// A word added to jieba's dictionary.
#[derive(Debug, Clone)]
struct Word {
    word: String,
    /// `None`: what jieba needs to keep it whole.
    freq: Option<usize>,
    tag: Option<String>,
    /// A synonym: added only when jieba does not know it yet.
    only_if_new: bool,
}

/// Takes each `word [freq] [tag]` line of `text`; returns how many were taken.
fn add_dictionary(
    words: &mut Vec<Word>,
    text: &str,
    file: &str,
    rejected: &mut Rejections,
) -> usize {
    let mut added = 0;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if added == MAX_DICTIONARY_ENTRIES {
            rejected.push(Rejected {
                file: file.to_string(),
                line: i + 1,
                reason: format!(
                    "more than {MAX_DICTIONARY_ENTRIES} entries: this line and the rest of the file are left out"
                ),
            });
            break;
        }
        match long_line(line).and_then(|()| dictionary_entry(line)) {
            Ok((word, freq, tag)) => {
                words.push(Word {
                    word,
                    freq,
                    tag: tag.map(str::to_string),
                    only_if_new: false,
                });
                added += 1;
            }
            Err(reason) => rejected.push(Rejected {
                file: file.to_string(),
                line: i + 1,
                reason,
            }),
        }
    }
    added
}

/// A rule of more than [`MAX_RULE_FORMS`] forms is rejected whole, before its line is read.
fn rule_size(line: &str) -> Result<(), String> {
    let count = line.split([',', '，']).count() + usize::from(line.contains("=>"));
    if count > MAX_RULE_FORMS {
        return Err(format!(
            "a rule of {count} forms: at most {MAX_RULE_FORMS} forms in one rule"
        ));
    }
    Ok(())
}

/// A line longer than [`MAX_LINE_CHARS`] is not read at all (nor quoted).
fn long_line(line: &str) -> Result<(), String> {
    if line.len() > MAX_LINE_CHARS && line.chars().nth(MAX_LINE_CHARS).is_some() {
        Err(format!("a line longer than {MAX_LINE_CHARS} characters"))
    } else {
        Ok(())
    }
}

/// One dictionary line: the word (normalized), its frequency and its tag, if given.
fn dictionary_entry(line: &str) -> Result<(String, Option<usize>, Option<&str>), String> {
    let mut parts = line.split_whitespace();
    let word = term(parts.next().unwrap_or_default())?;
    if word.chars().any(char::is_whitespace) {
        return Err(format!("`{}` contains a space", quote(&word)));
    }
    let (mut freq, mut tag) = (None, None);
    for part in parts {
        if freq.is_none() && tag.is_none() && part.chars().all(|c| c.is_ascii_digit()) {
            match part.parse::<usize>() {
                Ok(f) if f > 0 => freq = Some(f),
                _ => {
                    return Err(format!(
                        "frequency `{}` is not a positive whole number",
                        quote(part)
                    ))
                }
            }
        } else if tag.is_none() && part.chars().all(|c| c.is_ascii_alphabetic()) {
            tag = Some(part);
        } else {
            return Err(format!(
                "`{}` is neither a frequency nor a part-of-speech tag (expected `word [freq] [tag]`)",
                quote(part)
            ));
        }
    }
    Ok((word, freq, tag))
}

/// Adds each Solr synonym rule of `text`; every synonym also becomes a jieba word, so that a
/// query keeps it whole. Returns the rules taken.
fn add_synonyms(
    words: &mut Vec<Word>,
    synonyms: &mut FxHashMap<String, Vec<String>>,
    text: &str,
    file: &str,
    rejected: &mut Rejections,
) -> usize {
    let mut rules = 0;
    let mut forms = 0;
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default();
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        let reject = |reason: String, rejected: &mut Rejections| {
            rejected.push(Rejected {
                file: file.to_string(),
                line: i + 1,
                reason,
            })
        };
        let (from, to) = match rule_size(line)
            .and_then(|()| long_line(line))
            .and_then(|()| synonym_rule(line))
        {
            Ok(rule) => rule,
            Err(reason) => {
                reject(reason, rejected);
                continue;
            }
        };
        // An equivalence's forms are both sides of it: counted once.
        forms += if from == to {
            from.len()
        } else {
            from.len() + to.len()
        };
        if forms > MAX_SYNONYM_FORMS {
            reject(
                format!("more than {MAX_SYNONYM_FORMS} forms in the file's rules: this rule and the rest of the file are left out"),
                rejected,
            );
            break;
        }
        for t in from.iter().chain(&to) {
            if t.chars().count() > 1 && !t.chars().any(char::is_whitespace) {
                words.push(Word {
                    word: t.clone(),
                    freq: None,
                    tag: None,
                    only_if_new: true,
                });
            }
        }
        // Each form takes the first alternatives it has room for and stops: a rule costs its
        // forms times MAX_ALTERNATIVES, never its forms squared.
        for f in &from {
            let alternatives = synonyms.entry(f.clone()).or_default();
            for t in &to {
                if alternatives.len() >= MAX_ALTERNATIVES {
                    break;
                }
                if t != f && !alternatives.contains(t) {
                    alternatives.push(t.clone());
                }
            }
        }
        rules += 1;
    }
    rules
}

/// A synonym rule: the words it applies to and the forms they also match. `a, b, c` makes
/// each match the others; `a, b => c, d` makes `a` and `b` match `c` and `d` as well.
fn synonym_rule(line: &str) -> Result<(Vec<String>, Vec<String>), String> {
    rule_size(line)?;
    // Each form once, in order: a repeated form adds nothing but work.
    let terms = |side: &str| -> Result<Vec<String>, String> {
        let mut seen = rustc_hash::FxHashSet::default();
        let mut forms = Vec::new();
        for t in side.split([',', '，']) {
            let t = term(t)?;
            if seen.insert(t.clone()) {
                forms.push(t);
            }
        }
        Ok(forms)
    };
    match line.split_once("=>") {
        Some((left, right)) => {
            if right.contains("=>") {
                return Err("more than one `=>`".into());
            }
            let (from, to) = (terms(left)?, terms(right)?);
            Ok((from, to))
        }
        None => {
            let all = terms(line)?;
            if all.len() < 2 {
                return Err("an equivalence needs two or more terms separated by commas".into());
            }
            Ok((all.clone(), all))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_data_loads_cleanly() {
        let v = Vocabulary::bundled();
        assert!(v.loaded().rejected.is_empty(), "{:?}", v.loaded().rejected);
        assert!(v.loaded().lexicon_terms > 0);
        assert!(v.loaded().bundled_synonym_rules > 0);
        assert_eq!(v.extraction_key(), "");
    }

    #[test]
    fn lexicon_terms_are_one_word() {
        let v = Vocabulary::bundled();
        let jieba = v.jieba();
        let mut split = Vec::new();
        for line in LEXICON.lines().filter(|l| !l.starts_with('#')) {
            let Some(word) = line.split_whitespace().next() else {
                continue;
            };
            let word = normalize(word);
            if !word.chars().all(is_word_char) {
                continue;
            }
            let words = crate::analysis::words(&jieba, &word);
            if words != [word.as_ref()] {
                split.push(format!("{word}: {words:?}"));
            }
        }
        assert!(split.is_empty(), "{}", split.join("\n"));
    }

    #[test]
    fn dictionary_lines_and_their_errors() {
        assert_eq!(
            dictionary_entry("小营盘镇 100 ns").unwrap(),
            ("小营盘镇".into(), Some(100), Some("ns"))
        );
        assert_eq!(
            dictionary_entry("驻村工作队").unwrap(),
            ("驻村工作队".into(), None, None)
        );
        assert_eq!(
            dictionary_entry("黨建 nz").unwrap(),
            ("党建".into(), None, Some("nz"))
        );
        assert!(dictionary_entry("词 0").unwrap_err().contains("positive"));
        assert!(dictionary_entry("词 12 nz extra").is_err());
        assert!(dictionary_entry("，。").unwrap_err().contains("no letters"));
    }

    #[test]
    fn synonym_rules_and_their_errors() {
        let (from, to) = synonym_rule("党建, 党的建设").unwrap();
        assert_eq!(from, to);
        assert_eq!(from, ["党建", "党的建设"]);
        let (from, to) = synonym_rule("十九大 => 党的十九大，中共十九大").unwrap();
        assert_eq!(from, ["十九大"]);
        assert_eq!(to, ["党的十九大", "中共十九大"]);
        assert!(synonym_rule("党建").is_err());
        assert!(synonym_rule("a => ").is_err());
        assert!(synonym_rule("a, , b").is_err());
        assert!(synonym_rule("a => b => c").is_err());
    }

    #[test]
    fn rules_are_bounded_and_quoted_short() {
        let load = |text: &str| {
            let (mut words, mut synonyms, mut rejected) =
                (Vec::new(), FxHashMap::default(), Rejections::default());
            let rules = add_synonyms(&mut words, &mut synonyms, text, "s.txt", &mut rejected);
            (rules, synonyms, rejected.into_list())
        };
        let forms = |n: usize, rule: usize| -> String {
            let forms: Vec<String> = (0..n).map(|i| format!("词{rule}形{i}")).collect();
            forms.join(", ")
        };
        // Too many forms in one rule; a form repeated; a line too long to read.
        let text = format!(
            "{}\n{}, 兵营\n{}\n",
            forms(MAX_RULE_FORMS + 1, 0),
            ["营盘"; 60].join(", "),
            "坏".repeat(MAX_LINE_CHARS + 1)
        );
        let (rules, synonyms, rejected) = load(&text);
        assert_eq!(rules, 1);
        assert_eq!(synonyms["营盘"], ["兵营"]);
        let reasons: Vec<String> = rejected.iter().map(ToString::to_string).collect();
        assert_eq!(
            reasons,
            [
                "s.txt:1: a rule of 65 forms: at most 64 forms in one rule",
                "s.txt:3: a line longer than 1000 characters"
            ]
        );
        // An equivalence's forms count once against the file's total.
        let rules_at_limit = MAX_SYNONYM_FORMS / MAX_RULE_FORMS;
        let text: Vec<String> = (0..=rules_at_limit)
            .map(|r| forms(MAX_RULE_FORMS, r))
            .collect();
        let (rules, _, rejected) = load(&text.join("\n"));
        assert_eq!(rules, rules_at_limit);
        assert_eq!(rejected.len(), 1, "{rejected:?}");
        assert!(rejected[0].reason.starts_with("more than 50000 forms"));
        // Long terms are quoted cut; past MAX_REJECTED lines, one more says how many.
        let text = format!("{}\n", "很长的词".repeat(100)).repeat(MAX_REJECTED + 5);
        let (_, _, rejected) = load(&text.replace('\n', ", 短\n"));
        assert_eq!(rejected.len(), MAX_REJECTED + 1);
        assert!(rejected[0].reason.chars().count() < 80, "{}", rejected[0]);
        assert_eq!(rejected[MAX_REJECTED].reason, "… and 5 more lines rejected");
    }

    #[test]
    fn a_folder_vocabulary_adds_words_synonyms_and_reports_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("vocab")).unwrap();
        std::fs::write(
            root.join(CONFIG_FILE),
            "[vocabulary]\ndictionary = \"vocab/dict.txt\"\nsynonyms = \"vocab/syn.txt\"\n",
        )
        .unwrap();
        std::fs::write(root.join("vocab/dict.txt"), "营盘党建 10 nz\nbad 0\n").unwrap();
        std::fs::write(root.join("vocab/syn.txt"), "# c\n营盘, 兵营\n孤词\n").unwrap();
        let folder = FolderVocabulary::new(Some(root.to_path_buf()));
        let v = folder.get();
        let loaded = v.loaded();
        assert_eq!(loaded.dictionary.as_ref().map(|f| f.entries), Some(1));
        assert_eq!(loaded.synonyms.as_ref().map(|f| f.entries), Some(1));
        let lines: Vec<String> = loaded.rejected.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].starts_with("vocab/dict.txt:2: "), "{lines:?}");
        assert!(lines[1].starts_with("vocab/syn.txt:3: "), "{lines:?}");
        assert_eq!(v.alternatives("营盘"), ["兵营"]);
        assert_eq!(crate::analysis::words(&v.jieba(), "营盘党建"), ["营盘党建"]);
        assert_ne!(v.extraction_key(), "");
        assert_eq!(
            v.own_files(),
            [CONFIG_FILE, "vocab/dict.txt", "vocab/syn.txt"]
        );
        // Cached until a file changes; an edit is picked up.
        assert!(Arc::ptr_eq(&v, &folder.get()));
        assert_eq!(folder.extraction_key(), v.extraction_key());
        std::fs::write(root.join("vocab/syn.txt"), "营盘, 兵营, 军营\n").unwrap();
        let edited = folder.get();
        assert_eq!(edited.alternatives("营盘"), ["兵营", "军营"]);
        // A broken configuration is reported, and the bundled vocabulary still works.
        std::fs::write(root.join(CONFIG_FILE), "[vocabulary\n").unwrap();
        let broken = folder.get();
        assert_eq!(broken.loaded().rejected.len(), 1);
        assert!(broken.loaded().rejected[0]
            .to_string()
            .starts_with("zhsearch.toml:1: "));
        assert_eq!(broken.extraction_key(), "");
        // Without a zhsearch.toml, the bundled vocabulary, and nothing is loaded for the key.
        std::fs::remove_file(root.join(CONFIG_FILE)).unwrap();
        assert!(Arc::ptr_eq(&folder.get(), &Vocabulary::bundled()));
        assert_eq!(folder.extraction_key(), "");
    }
}
