//! In-process query latency, in the peers' output format so `score.py` can score it.
//!
//! usage: cargo bench --bench queries -- INDEX_DIR QUERIES.jsonl OUT.jsonl [--runs N]
//!
//! Each query of a `make_queries.py` file runs N times (default 5) as the peers run it, quoted
//! for phrases and as space-separated words for AND, returning every matching path (the peers
//! stop at 10,000). Writes
//! one `{"id", "hits", "ms"}` line per query, `ms` being the median of the runs, then a
//! `{"summary"}` line. Run by scripts/bench.py; without arguments it prints this help.

use std::io::{BufRead, Write};
use std::path::Path;
use std::time::Instant;

use serde_json::{json, Value};
use zhsearch::corpus::Corpus;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.len() < 3 {
        eprintln!(
            "usage: cargo bench --bench queries -- INDEX_DIR QUERIES.jsonl OUT.jsonl [--runs N]"
        );
        return Ok(());
    }
    let runs: usize = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let opened = Instant::now();
    let searcher = Corpus::open(Path::new(&args[0]))?;
    // Load the segmenter up front, as the Python peers load jieba before timing.
    zhsearch::analysis::words(&zhsearch::vocabulary::Vocabulary::bundled().jieba(), "预热");
    let open_ms = opened.elapsed().as_secs_f64() * 1000.0;
    let mut out = std::io::BufWriter::new(std::fs::File::create(&args[2])?);
    let mut all_ms = Vec::new();
    for line in std::io::BufReader::new(std::fs::File::open(&args[1])?).lines() {
        let q: Value = serde_json::from_str(&line?)?;
        let text = match q["kind"].as_str() {
            Some("phrase") => format!("\"{}\"", q["phrase"].as_str().unwrap_or_default()),
            _ => q["terms"]
                .as_array()
                .map(|t| {
                    t.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default(),
        };
        let mut times = Vec::with_capacity(runs);
        let mut hits = Vec::new();
        for _ in 0..runs.max(1) {
            let started = Instant::now();
            let paths = searcher.matching_paths(&zhsearch::search::SearchRequest::new(&text))?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            hits = paths;
        }
        let ms = median(times);
        all_ms.push(ms);
        writeln!(out, "{}", json!({"id": q["id"], "hits": hits, "ms": ms}))?;
    }
    writeln!(
        out,
        "{}",
        json!({"summary": {"peer": "zhsearch", "open_ms": open_ms, "queries": all_ms.len(),
                           "median_ms": if all_ms.is_empty() { 0.0 } else { median(all_ms.clone()) }}})
    )?;
    Ok(())
}
