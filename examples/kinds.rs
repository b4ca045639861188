//! Document types and keywords over real reports: the kind tally and keyword timing of the
//! benchmark shards, and both for the bundled corpus.
//!
//! ```sh
//! cargo run --release --example kinds -- ../shared/bench 3000 [SHOW]
//! ```
//!
//! Reads the first N reports of the gzip JSON-lines shards (`docs-*.jsonl.gz`, see the bench
//! README), laid out as `materialize.py` writes them (title, date line, paragraphs); prints the
//! number of reports of each kind, SHOW titles (default 50) with their kind spread over the set,
//! every title of a kind other than 新闻报道, and the keyword extraction time per report. Then the
//! same for `corpus/`.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;
use std::time::{Duration, Instant};

use zhsearch::analysis::HMM;
use zhsearch::knowledge::keywords::KeywordExtractor;
use zhsearch::knowledge::kind::{classify, Kind};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| "../shared/bench".into());
    let limit: usize = args.next().map_or(Ok(3000), |a| a.parse())?;
    let show: usize = args.next().map_or(Ok(50), |a| a.parse())?;

    let mut reports = Vec::new();
    let mut shards: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".jsonl.gz"))
        .collect();
    shards.sort();
    'shards: for shard in shards {
        let reader =
            std::io::BufReader::new(flate2::read::GzDecoder::new(std::fs::File::open(shard)?));
        for line in reader.lines() {
            let doc: serde_json::Value = serde_json::from_str(&line?)?;
            let field = |name: &str| doc[name].as_str().unwrap_or_default().to_string();
            let (title, date) = (field("title"), field("date"));
            let body = field("text").replace('\n', "\n\n");
            let text = format!("{title}\n\n时间:{date}浏览:0\n\n\n{body}");
            reports.push((title, text));
            if reports.len() == limit {
                break 'shards;
            }
        }
    }

    let mut tally: BTreeMap<Kind, usize> = BTreeMap::new();
    let mut not_news = Vec::new();
    for (title, text) in &reports {
        let kind = classify(title, text);
        *tally.entry(kind).or_default() += 1;
        if kind != Kind::News {
            not_news.push(format!("{kind}\t{title}"));
        }
    }
    println!("== kinds of {} bench reports", reports.len());
    for (kind, count) in &tally {
        println!("{count:6}  {kind}");
    }
    // The same reports by their titles alone: how the title rules read news headlines, which
    // the datelines hide above.
    let mut by_title: BTreeMap<Kind, Vec<&str>> = BTreeMap::new();
    for (title, _) in &reports {
        by_title.entry(classify(title, "")).or_default().push(title);
    }
    println!("== the same by title alone");
    for (kind, titles) in &by_title {
        println!("{:6}  {kind}", titles.len());
    }
    println!("== by title alone, {show} titles of kinds other than 新闻报道 and 其他, spread");
    let typed: Vec<(Kind, &str)> = by_title
        .iter()
        .filter(|(k, _)| !matches!(k, Kind::News | Kind::Other))
        .flat_map(|(k, titles)| titles.iter().map(move |t| (*k, *t)))
        .collect();
    for (kind, title) in typed
        .iter()
        .step_by((typed.len() / show.max(1)).max(1))
        .take(show)
    {
        println!("{kind}\t{title}");
    }
    println!("== {show} titles spread over the set");
    let step = (reports.len() / show.max(1)).max(1);
    for (title, text) in reports.iter().step_by(step).take(show) {
        println!("{}\t{title}", classify(title, text));
    }
    println!(
        "== every title not classified 新闻报道 ({})",
        not_news.len()
    );
    for line in &not_news {
        println!("{line}");
    }

    let extractor = KeywordExtractor::new(zhsearch::vocabulary::Vocabulary::bundled().jieba());
    let timed = &reports[..reports.len().min(2000)];
    // Warm up: page in jieba's dictionary and the tables.
    for (title, text) in timed.iter().take(200) {
        extractor.keywords(title, text, 8);
    }
    // Whole passes, alternated three times; the best of each counts (the machine may be busy).
    let jieba = zhsearch::vocabulary::Vocabulary::bundled().jieba();
    let (mut keywords_time, mut cut_time) = (Duration::MAX, Duration::MAX);
    let (mut total, mut tokens) = (0, 0);
    for _ in 0..3 {
        let start = Instant::now();
        total = timed
            .iter()
            .map(|(title, text)| extractor.keywords(title, text, 8).len())
            .sum();
        keywords_time = keywords_time.min(start.elapsed());
        let start = Instant::now();
        tokens = timed
            .iter()
            .map(|(title, text)| {
                let text = zhsearch::analysis::normalize(text);
                jieba.cut(title, HMM).len() + jieba.cut(&text, HMM).len()
            })
            .sum();
        cut_time = cut_time.min(start.elapsed());
    }
    let chars: usize = timed.iter().map(|(_, t)| t.chars().count()).sum();
    let per_report = |d: Duration| d.as_secs_f64() * 1e6 / timed.len().max(1) as f64;
    println!(
        "== keywords: {} reports ({chars} characters), {total} keywords, {:.0} µs per report",
        timed.len(),
        per_report(keywords_time)
    );
    println!(
        "   of which normalizing and jieba's cut: {tokens} tokens, {:.0} µs per report",
        per_report(cut_time)
    );
    for (title, text) in reports.iter().step_by(step).take(10) {
        println!(
            "{title}\n    {}",
            extractor.keywords(title, text, 8).join(" ")
        );
    }

    println!("== corpus/");
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut files: Vec<_> = std::fs::read_dir(&corpus)?.filter_map(|e| e.ok()).collect();
    files.sort_by_key(|e| e.file_name());
    for entry in files {
        let name = entry.file_name().to_string_lossy().into_owned();
        let bytes = std::fs::read(entry.path())?;
        match zhsearch::ingest::Report::from_bytes(&name, &bytes) {
            Ok(report) => println!(
                "{}\t{name}\t{}\n    {}",
                classify(&report.title, &report.text),
                report.title,
                extractor.keywords(&report.title, &report.text, 8).join(" ")
            ),
            Err(e) => println!("{name}: unreadable: {e}"),
        }
    }
    Ok(())
}
