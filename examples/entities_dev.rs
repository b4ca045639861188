//! Runs the entity extractor over the annotated development reports and prints predictions
//! in the scorer's format, one JSON object a line:
//!
//! ```text
//! cargo run --release --example entities_dev > pred.jsonl
//! python3 ../shared/entities/score.py pred.jsonl ../shared/entities/dev_gold.jsonl
//! ```
//!
//! The time per report (extraction only, after loading) goes to stderr.

use std::io::{BufRead, BufReader, Write};
use std::time::{Duration, Instant};

use anyhow::Context;
use zhsearch::knowledge::entities::EntityExtractor;

#[derive(serde::Deserialize)]
struct Doc {
    id: String,
    title: String,
    text: String,
}

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/entities/dev_docs.jsonl".to_string());
    let file = std::fs::File::open(&path).with_context(|| format!("opening {path}"))?;
    let mut docs = Vec::new();
    for line in BufReader::new(file).lines() {
        let line = line.with_context(|| format!("reading {path}"))?;
        docs.push(serde_json::from_str::<Doc>(&line).with_context(|| format!("parsing {path}"))?);
    }
    let loading = Instant::now();
    let extractor = EntityExtractor::new(zhsearch::vocabulary::Vocabulary::bundled().jieba());
    let loaded = loading.elapsed();
    let mut out = std::io::stdout().lock();
    let (mut spent, mut bytes) = (Duration::ZERO, 0);
    for doc in &docs {
        let started = Instant::now();
        let found = extractor.extract(&doc.title, &doc.text);
        spent += started.elapsed();
        bytes += doc.title.len() + 1 + doc.text.len();
        let line = serde_json::json!({
            "id": doc.id, "person": found.person, "place": found.place, "org": found.org,
        });
        writeln!(out, "{line}")?;
    }
    let reports = docs.len().max(1) as f64;
    eprintln!(
        "{} reports, {:.1} KB each: {:.3} ms a report, {:.3} ms a KB (loading {:.0} ms)",
        docs.len(),
        bytes as f64 / 1024.0 / reports,
        spent.as_secs_f64() * 1000.0 / reports,
        spent.as_secs_f64() * 1000.0 / (bytes as f64 / 1024.0).max(1e-9),
        loaded.as_secs_f64() * 1000.0,
    );
    Ok(())
}
