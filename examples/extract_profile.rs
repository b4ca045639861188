//! Where the knowledge extractor spends its time: reads up to `--limit` reports of a folder and
//! prints the CPU time of each stage of [`zhsearch::knowledge::Extractor::extract`], measured on
//! this thread's CPU clock (so other work on the machine does not inflate it):
//!
//! ```text
//! cargo run --release --example extract_profile -- /tmp/b20k --limit 5000
//! ```

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use zhsearch::ingest::Report;
use zhsearch::knowledge::{kind, similar, EntityExtractor, Extractor, KeywordExtractor};

/// CPU time this thread has used.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn timed<T>(total: &mut Duration, f: impl FnOnce() -> T) -> T {
    let start = thread_cpu();
    let out = f();
    *total += thread_cpu() - start;
    out
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let folder = PathBuf::from(
        args.next()
            .context("usage: extract_profile FOLDER [--limit N]")?,
    );
    let limit = match (args.next().as_deref(), args.next()) {
        (Some("--limit"), Some(n)) => n.parse().context("--limit takes a number")?,
        _ => 5000,
    };
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(&folder)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    paths.sort();
    paths.truncate(limit);
    let mut reports = Vec::new();
    for path in &paths {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        if let Ok(r) = Report::from_bytes(&path.to_string_lossy(), &bytes) {
            reports.push(r);
        }
    }
    let bytes: usize = reports.iter().map(|r| r.title.len() + r.text.len()).sum();

    let jieba = zhsearch::vocabulary::Vocabulary::bundled().jieba();
    let extractor = Extractor::new(jieba.clone(), zhsearch::vocabulary::Aliases::bundled());
    let entities = EntityExtractor::new(jieba.clone());
    let keywords = KeywordExtractor::new(jieba.clone());
    let mut t = [Duration::ZERO; 8];
    for r in &reports {
        let full = format!("{}\n{}", r.title, r.text);
        timed(&mut t[0], || jieba.cut(&full, false).len());
        timed(&mut t[1], || jieba.cut(&full, true).len());
        let tags = timed(&mut t[2], || jieba.tag(&full, true));
        timed(&mut t[3], || kind::classify(&r.title, &r.text));
        timed(&mut t[4], || {
            keywords.keywords_from(&tags, r.title.len(), 8)
        });
        timed(&mut t[5], || entities.extract_words(&full, &tags));
        timed(&mut t[6], || similar::Fingerprint::of(&r.text).signature());
        timed(&mut t[7], || extractor.extract(&r.title, &r.text));
    }
    let names = [
        "jieba cut, no HMM",
        "jieba cut, HMM",
        "jieba tag, HMM",
        "kind",
        "keywords (from tags)",
        "entities (from tags)",
        "signature",
        "whole extract",
    ];
    println!("{} reports, {:.1} MB", reports.len(), bytes as f64 / 1e6);
    for (name, d) in names.iter().zip(t) {
        println!(
            "{name:24} {:8.3} s  {:6.1} MB/s",
            d.as_secs_f64(),
            bytes as f64 / 1e6 / d.as_secs_f64()
        );
    }
    Ok(())
}
