//! Prints how an index's bytes split between fields and components.
//!
//! usage: cargo run --release --example space_usage -- INDEX_DIR

use std::collections::BTreeMap;
use std::path::PathBuf;

use zhsearch::index::ReportIndex;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: space_usage INDEX_DIR")?,
    );
    let tantivy_searcher = ReportIndex::open(&dir)?.index.reader()?.searcher();
    let usage = tantivy_searcher.space_usage()?;
    let mut rows: BTreeMap<(String, &str), u64> = BTreeMap::new();
    let mut store = 0u64;
    for seg in usage.segments() {
        for (component, per_field) in [
            ("termdict", seg.termdict()),
            ("postings", seg.postings()),
            ("positions", seg.positions()),
            ("fast", seg.fast_fields()),
            ("fieldnorms", seg.fieldnorms()),
        ] {
            for f in per_field.fields() {
                *rows
                    .entry((f.field_name().to_string(), component))
                    .or_default() += f.total().get_bytes();
            }
        }
        store += seg.store().total().get_bytes();
    }
    for ((field, component), bytes) in &rows {
        println!("{field:12} {component:10} {:>12}", bytes);
    }
    println!("{:12} {:10} {:>12}", "(docstore)", "", store);
    println!("{:12} {:10} {:>12}", "total", "", usage.total().get_bytes());
    Ok(())
}
