//! The exact-matching guarantee, against a substring-scan oracle on real text.
//!
//! Random substrings (1–8 characters, on and off jieba word boundaries, some spanning
//! punctuation or line breaks) of the corpus are searched as quoted phrases and must return
//! exactly the documents whose normalized text contains them; as unquoted words they must
//! never miss one. Runs on the bundled corpus always, and on 3,000 reports of
//! ../shared/bench when it is present (skipped with a notice otherwise). Normalization folds
//! traditional characters to simplified, so the oracle compares folded text: every 6th bench
//! report is written in traditional characters, and a quarter of the queries are typed in them.

use std::collections::BTreeSet;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zhsearch::analysis::{is_word_char, normalize, HMM};
use zhsearch::index::{sync, SyncOptions};
use zhsearch::ingest::decode::decode;
use zhsearch::knowledge::Facet;
use zhsearch::search::verify::Candidate;
use zhsearch::search::SearchRequest;

struct Corpus {
    _dir: tempfile::TempDir,
    root: PathBuf,
    /// (relative path, normalized text)
    docs: Vec<(String, String)>,
}

fn load(root: &Path) -> Vec<(String, String)> {
    let (files, _) = zhsearch::ingest::scan(root).unwrap();
    files
        .into_iter()
        .filter(|f| f.path.ends_with(".txt"))
        .map(|f| {
            let bytes = std::fs::read(zhsearch::ingest::absolute(root, &f.path)).unwrap();
            (
                f.path,
                normalize(&decode(&bytes).unwrap().text).into_owned(),
            )
        })
        .collect()
}

fn bundled() -> Corpus {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    std::fs::create_dir_all(&root).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), root.join(entry.file_name())).unwrap();
    }
    let docs = load(&root);
    Corpus {
        _dir: dir,
        root,
        docs,
    }
}

/// `text` written in traditional characters: each character that has a traditional form in
/// the folding table becomes the first of them.
fn traditional(text: &str) -> String {
    let mut to_traditional = std::collections::HashMap::new();
    for (t, s) in zhsearch::analysis::fold::pairs() {
        to_traditional.entry(s).or_insert(t);
    }
    text.chars()
        .map(|c| to_traditional.get(&c).copied().unwrap_or(c))
        .collect()
}

/// Writes the first `limit` bench reports laid out like materialize.py does: every 10th in
/// GB18030, every 5th with full-width ASCII letters and digits; and every 6th in traditional
/// characters.
fn bench(limit: usize) -> Option<Corpus> {
    let shard = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/docs-000.jsonl.gz");
    let file = std::fs::File::open(&shard).ok()?;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("bench");
    std::fs::create_dir_all(&root).unwrap();
    let lines = std::io::BufReader::new(flate2::read::GzDecoder::new(file)).lines();
    for (i, line) in lines.take(limit).enumerate() {
        let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        let body = v["text"].as_str().unwrap().replace('\n', "\n\n");
        let mut text = format!(
            "{}\n\n时间:{}浏览:0\n\n\n{}",
            v["title"].as_str().unwrap(),
            v["date"].as_str().unwrap(),
            body
        );
        if i % 6 == 2 {
            text = traditional(&text);
        }
        if i % 5 == 1 {
            text = text
                .chars()
                .map(|c| match c {
                    '0'..='9' | 'A'..='Z' | 'a'..='z' => char::from_u32(c as u32 + 0xFEE0).unwrap(),
                    _ => c,
                })
                .collect();
        }
        let bytes = if i % 10 == 3 {
            encoding_rs::GB18030.encode(&text).0.into_owned()
        } else {
            text.into_bytes()
        };
        std::fs::write(
            root.join(format!("{:02}/{i:05}.txt", i % 7)).as_path(),
            &bytes,
        )
        .or_else(|_| {
            std::fs::create_dir_all(root.join(format!("{:02}", i % 7)))?;
            std::fs::write(root.join(format!("{:02}/{i:05}.txt", i % 7)), &bytes)
        })
        .unwrap();
    }
    let docs = load(&root);
    Some(Corpus {
        _dir: dir,
        root,
        docs,
    })
}

fn oracle(docs: &[(String, String)], needle: &str) -> BTreeSet<String> {
    docs.iter()
        .filter(|(_, t)| t.contains(needle))
        .map(|(p, _)| p.clone())
        .collect()
}

/// A random substring of 1–8 characters: from a random offset, or starting on a jieba word.
fn sample(rng: &mut StdRng, docs: &[(String, String)]) -> String {
    loop {
        let text = &docs[rng.random_range(0..docs.len())].1;
        let chars: Vec<char> = text.chars().collect();
        if chars.len() < 10 {
            continue;
        }
        let len = rng.random_range(1..=8);
        let start = if rng.random_bool(0.5) {
            rng.random_range(0..chars.len() - len)
        } else {
            let words = zhsearch::vocabulary::Vocabulary::bundled()
                .jieba()
                .cut(text, HMM);
            let w = &words[rng.random_range(0..words.len())];
            w.start.min(chars.len() - len)
        };
        let s: String = chars[start..start + len].iter().collect();
        let trimmed = s.trim();
        // Quotes end a phrase in the query language; phrases are trimmed.
        if trimmed.is_empty() || trimmed.contains('"') || trimmed != s {
            continue;
        }
        return s;
    }
}

/// A report as the export gives it, normalized as the index reads it: its names under their
/// canonical names (export's `canonical`), as the index counts and filters them.
struct Stored {
    path: String,
    title: String,
    text: String,
    kind: String,
    places: Vec<String>,
    orgs: Vec<String>,
    facets: std::collections::HashSet<(Facet, String)>,
}

impl From<zhsearch::search::ExportRecord> for Stored {
    fn from(r: zhsearch::search::ExportRecord) -> Stored {
        let mut facets = std::collections::HashSet::new();
        facets.insert((Facet::Kind, r.kind.clone()));
        for (facet, values) in [
            (Facet::Person, &r.entities.person),
            (Facet::Place, &r.entities.place),
            (Facet::Org, &r.entities.org),
            (Facet::Keyword, &r.keywords),
        ] {
            for v in values {
                facets.insert((facet, r.canonical.get(facet, v).to_string()));
            }
        }
        Stored {
            title: normalize(&r.report.title).into_owned(),
            text: normalize(r.text.as_deref().unwrap_or("")).into_owned(),
            path: r.report.path,
            kind: r.kind,
            places: r.entities.place,
            orgs: r.entities.org,
            facets,
        }
    }
}

impl Candidate for Stored {
    fn title(&self) -> &str {
        &self.title
    }
    fn text(&self) -> &str {
        &self.text
    }
    fn has(&self, facet: Facet, value: &str) -> bool {
        self.facets.contains(&(facet, value.to_string()))
    }
}

fn check(corpus: &Corpus, queries: usize, seed: u64) {
    let index_dir = corpus._dir.path().join("index");
    let opts = SyncOptions {
        root: Some(corpus.root.clone()),
        rebuild: false,
    };
    let summary = sync(&index_dir, &opts, &mut |_| {}).unwrap();
    assert_eq!(
        summary.docs as usize,
        corpus.docs.len() + count_md(&corpus.root)
    );
    let searcher = zhsearch::corpus::Corpus::open(&index_dir).unwrap();
    let txt_only = |paths: Vec<String>| -> BTreeSet<String> {
        paths.into_iter().filter(|p| p.ends_with(".txt")).collect()
    };
    // Every report as stored, for the request-level check every engine can apply.
    let stored: Vec<Stored> = searcher
        .export(true)
        .unwrap()
        .into_iter()
        .map(Stored::from)
        .collect();
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut with_punct, mut across_lines, mut ranked_checks, mut typed_traditional) = (0, 0, 0, 0);
    for q in 0..queries {
        let sampled = sample(&mut rng, &corpus.docs);
        // What the user types: the sampled text, or the same in traditional characters, which
        // normalization folds back.
        let needle = if rng.random_bool(0.25) {
            let t = traditional(&sampled);
            typed_traditional += usize::from(t != sampled);
            t
        } else {
            sampled.clone()
        };
        if !needle.chars().all(is_word_char) {
            with_punct += 1;
        }
        let truth = oracle(&corpus.docs, &sampled);
        let got = txt_only(
            searcher
                .matching_paths(&SearchRequest::new(format!("\"{needle}\"")))
                .unwrap(),
        );
        assert_eq!(
            got, truth,
            "seed {seed}, query {q}: phrase {needle:?} differs from the substring scan"
        );
        // The same characters with the line break between them removed must not match across it.
        if let Some(i) = needle.find('\n') {
            across_lines += 1;
            let joined = needle.replace('\n', "");
            let got = txt_only(
                searcher
                    .matching_paths(&SearchRequest::new(format!("\"{joined}\"")))
                    .unwrap(),
            );
            assert_eq!(
                got,
                oracle(&corpus.docs, &sampled.replace('\n', "")),
                "seed {seed}: {joined:?} (break at {i})"
            );
        }
        // Unquoted: never misses a document containing it.
        if unquoted(&needle).chars().any(is_word_char) {
            let words = txt_only(
                searcher
                    .matching_paths(&SearchRequest::new(unquoted(&needle)))
                    .unwrap(),
            );
            assert!(
                truth.is_subset(&words),
                "seed {seed}, query {q}: unquoted {needle:?} missed {:?}",
                truth.difference(&words).collect::<Vec<_>>()
            );
        }
        // Ranked search (scored and boosted clauses) counts exactly the reports `-l` lists,
        // with exclusions and alternatives too.
        if q % 8 == 0 {
            let words = unquoted(&needle);
            let other = sample(&mut rng, &corpus.docs);
            let mut queries = vec![format!("\"{needle}\" -\"{other}\"")];
            if words.chars().any(is_word_char) {
                queries.push(words.clone());
                queries.push(format!("{words} -\"{other}\""));
                queries.push(format!("({words}) OR \"{other}\""));
                queries.push(format!("title:({words}) OR \"{other}\""));
            }
            // A knowledge filter beside text: a place some report names, as written (its
            // other names find it too), and an organization.
            let named = &stored[rng.random_range(0..stored.len())];
            if let Some(place) = named.places.first() {
                queries.push(format!("place:{place} OR \"{needle}\""));
                queries.push(format!("kind:{} -\"{other}\"", named.kind));
            }
            if let Some(org) = named.orgs.iter().find(|o| !o.contains('"')) {
                queries.push(format!("org:\"{org}\" -\"{other}\""));
            }
            for query in queries {
                let listed = searcher
                    .matching_paths(&zhsearch::search::SearchRequest::new(&query))
                    .unwrap();
                let ranked = searcher
                    .search(&SearchRequest::new(query.as_str()))
                    .unwrap();
                assert_eq!(
                    ranked.total,
                    listed.len(),
                    "seed {seed}, query {q}: ranked and listed disagree on {query:?}"
                );
                // The request decided on each stored report (what an engine without positions
                // would check its candidates with) gives the same reports.
                let check = SearchRequest::new(query.as_str())
                    .text_check(searcher.vocabulary())
                    .unwrap();
                let decided: Vec<String> = stored
                    .iter()
                    .filter(|r| check.matches(*r))
                    .map(|r| r.path.clone())
                    .collect();
                assert_eq!(
                    decided, listed,
                    "seed {seed}, query {q}: the request's own check and the index disagree on {query:?}"
                );
                ranked_checks += 1;
            }
        }
    }
    eprintln!(
        "{queries} phrase queries on {} reports matched the substring scan exactly ({with_punct} with punctuation or spaces, {across_lines} across line breaks, {typed_traditional} typed in traditional characters); {ranked_checks} ranked searches counted what -l lists",
        corpus.docs.len()
    );
}

/// The needle typed without quotes, with query syntax characters turned into spaces.
fn unquoted(needle: &str) -> String {
    let spaced: String = needle
        .chars()
        .map(|c| {
            if matches!(c, '"' | '(' | ')' | ':') {
                ' '
            } else {
                c
            }
        })
        .collect();
    spaced
        .split_whitespace()
        .map(|w| w.trim_start_matches('-'))
        .filter(|w| !w.is_empty() && !matches!(*w, "OR" | "AND" | "NOT"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn count_md(root: &Path) -> usize {
    zhsearch::ingest::scan(root)
        .unwrap()
        .0
        .iter()
        .filter(|f| f.path.ends_with(".md"))
        .count()
}

fn seed() -> u64 {
    std::env::var("ZHSEARCH_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random())
}

#[test]
fn phrases_match_substring_scan_on_bundled_corpus() {
    let seed = seed();
    eprintln!("seed {seed} (rerun with ZHSEARCH_TEST_SEED={seed})");
    check(&bundled(), 400, seed);
}

#[test]
fn phrases_match_substring_scan_on_bench_reports() {
    let Some(corpus) = bench(3000) else {
        eprintln!("skipped: ../shared/bench is not present");
        return;
    };
    let seed = seed();
    eprintln!("seed {seed} (rerun with ZHSEARCH_TEST_SEED={seed})");
    check(&corpus, 600, seed);
    check_lexicon(&corpus);
}

/// Every bundled lexicon term that occurs in the corpus, typed without quotes, finds exactly
/// the reports the quoted phrase finds — but for terms with punctuation inside (the query
/// splits there) or with synonyms (which widen it), printed with the reason.
fn check_lexicon(corpus: &Corpus) {
    let index_dir = corpus._dir.path().join("index");
    let searcher = zhsearch::corpus::Corpus::open(&index_dir).unwrap();
    let vocabulary = searcher.vocabulary().get();
    let (mut occurring, mut same, mut exceptions) = (0, 0, Vec::new());
    for term in zhsearch::vocabulary::lexicon_terms() {
        let truth = oracle(&corpus.docs, &term);
        if truth.is_empty() {
            continue;
        }
        occurring += 1;
        let phrase: BTreeSet<String> = searcher
            .matching_paths(&SearchRequest::new(format!("\"{term}\"")))
            .unwrap()
            .into_iter()
            .filter(|p| p.ends_with(".txt"))
            .collect();
        assert_eq!(phrase, truth, "{term}");
        let words: BTreeSet<String> = searcher
            .matching_paths(&zhsearch::search::SearchRequest::new(&term))
            .unwrap()
            .into_iter()
            .filter(|p| p.ends_with(".txt"))
            .collect();
        if words == phrase {
            same += 1;
            continue;
        }
        let reason = if !term.chars().all(is_word_char) {
            "has punctuation inside"
        } else if !vocabulary.alternatives(&term).is_empty() {
            "has synonyms"
        } else {
            panic!(
                "unquoted {term:?} finds {} reports, quoted {}: jieba cuts it as {:?}",
                words.len(),
                phrase.len(),
                zhsearch::analysis::words(&vocabulary.jieba(), &term)
            )
        };
        exceptions.push(format!(
            "{term} ({reason}: {} vs {})",
            words.len(),
            phrase.len()
        ));
    }
    eprintln!(
        "{occurring} lexicon terms occur in {} reports; unquoted = quoted for {same}; exceptions: {}",
        corpus.docs.len(),
        exceptions.join(", ")
    );
    assert!(occurring > 0);
}
