//! Latency of facet counts over large matching sets, in process (the index open before timing).
//!
//! ```text
//! cargo run --release --example facet_latency -- INDEX [--runs N]
//! ```
//!
//! For a few queries matching tens of thousands of reports, runs the same first-page search
//! with and without the four facets (kind, person, place, org) N times each (default 20) and
//! prints the matching count, p50 and p95 of both, and the difference; then the corpus
//! overview (the home page) and one entity page the same way.

use std::time::Instant;

use zhsearch::corpus::Corpus;
use zhsearch::knowledge::Facet;
use zhsearch::search::SearchRequest;

fn percentile(mut xs: Vec<f64>, p: f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[((xs.len() - 1) as f64 * p).round() as usize]
}

fn timed(runs: usize, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<(f64, f64)> {
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        f()?;
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok((percentile(ms.clone(), 0.5), percentile(ms, 0.95)))
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(index) = args.first() else {
        anyhow::bail!("usage: facet_latency INDEX [--runs N]");
    };
    let runs = match args.iter().position(|a| a == "--runs") {
        Some(i) => args.get(i + 1).and_then(|n| n.parse().ok()).unwrap_or(20),
        None => 20,
    };
    let searcher = Corpus::open(std::path::Path::new(index))?;
    println!("{} reports, {runs} runs each", searcher.stats()?.reports);
    println!(
        "| query | matching | p50 without | p95 without | p50 with facets | p95 with facets |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for query in ["的", "中国", "发展", "\"工作\"", "-\"乡村振兴\""] {
        let plain = SearchRequest::new(query);
        let faceted = SearchRequest::new(query).with_facets();
        let total = searcher.search(&faceted)?.total;
        let (p50, p95) = timed(runs, || Ok(searcher.search(&plain).map(drop)?))?;
        let (f50, f95) = timed(runs, || Ok(searcher.search(&faceted).map(drop)?))?;
        println!("| `{query}` | {total} | {p50:.1} ms | {p95:.1} ms | {f50:.1} ms | {f95:.1} ms |");
    }
    let (o50, o95) = timed(runs, || Ok(searcher.overview(10).map(drop)?))?;
    println!("overview (home page): p50 {o50:.1} ms, p95 {o95:.1} ms");
    let top = searcher.corpus_facets(&[Facet::Place], 1)?;
    if let Some((name, n)) = top.first().and_then(|(_, v)| v.first()) {
        let (e50, e95) = timed(runs, || {
            Ok(searcher.entity(Facet::Place, name, 20, 0).map(drop)?)
        })?;
        println!("entity page of place {name} ({n} reports): p50 {e50:.1} ms, p95 {e95:.1} ms");
    }
    Ok(())
}
