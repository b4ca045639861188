//! The entities of every report of a folder, one JSON object a line in path order, read as
//! indexing reads them (folded to simplified characters, jieba run once over
//! `title + "\n" + text`): a change to the extractor that must not change its output is checked
//! by comparing two dumps byte for byte.
//!
//! ```text
//! cargo run --release --example dump_entities -- /tmp/zhb/corpus > before.jsonl
//! ```

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use rayon::prelude::*;
use zhsearch::analysis::fold::fold;
use zhsearch::ingest::Report;
use zhsearch::knowledge::EntityExtractor;

fn main() -> anyhow::Result<()> {
    let folder = PathBuf::from(
        std::env::args()
            .nth(1)
            .context("usage: dump_entities FOLDER")?,
    );
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(&folder)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    paths.sort();
    let jieba = zhsearch::vocabulary::Vocabulary::bundled().jieba();
    let entities = EntityExtractor::new(jieba.clone());
    let lines: Vec<String> = paths
        .par_iter()
        .map(|path| {
            let name = path.to_string_lossy();
            let Ok(bytes) = std::fs::read(path) else {
                return format!("{{\"path\":{name:?},\"error\":\"unreadable\"}}");
            };
            let Ok(report) = Report::from_bytes(&name, &bytes) else {
                return format!("{{\"path\":{name:?},\"error\":\"not a report\"}}");
            };
            let full = format!("{}\n{}", fold(&report.title), fold(&report.text));
            let tags = jieba.tag(&full, zhsearch::analysis::HMM);
            let found = entities.extract_words(&full, &tags);
            serde_json::json!({
                "path": name, "person": found.person, "place": found.place, "org": found.org,
            })
            .to_string()
        })
        .collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in lines {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}
