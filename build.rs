//! Checksums of the bundled data that decides indexed terms and extracted knowledge, computed
//! once at build time: every CLI search checks the index against them, and hashing megabytes
//! of tables at each start would be on that search's clock.
//!
//! Writes `$OUT_DIR/checksums.rs`, included by `src/checksums.rs`.

use std::fs;
use std::path::{Path, PathBuf};

/// The checksum of some files' bytes, each followed by a NUL so that moving a line from the
/// end of one file to the start of the next changes it.
fn checksum(files: &[PathBuf]) -> u64 {
    let mut all = Vec::new();
    for file in files {
        println!("cargo:rerun-if-changed={}", file.display());
        match fs::read(file) {
            Ok(bytes) => all.extend_from_slice(&bytes),
            Err(e) => panic!("cannot read {}: {e}", file.display()),
        }
        all.push(0);
    }
    xxhash_rust::xxh3::xxh3_64(&all)
}

/// The data files of a folder (every file but its README and scripts), in name order.
fn data_files(dir: &Path) -> Vec<PathBuf> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !(name.eq_ignore_ascii_case("README.md") || name.ends_with(".py"))
        })
        .collect();
    files.sort();
    files
}

fn main() {
    let src = Path::new("src");
    let consts = [
        (
            "LEXICON",
            "the bundled lexicon (src/vocabulary/data/lexicon.txt)",
            vec![src.join("vocabulary/data/lexicon.txt")],
        ),
        (
            "FREQUENT_CHARS",
            "the list of characters whose bigrams are indexed",
            vec![src.join("analysis/frequent_chars.txt")],
        ),
        (
            "FOLD_TABLE",
            "the traditional-to-simplified table (OpenCC's TSCharacters)",
            vec![src.join("analysis/TSCharacters.txt")],
        ),
        (
            "KNOWLEDGE_DATA",
            "every data file of the knowledge extractor (src/knowledge/data)",
            data_files(&src.join("knowledge/data")),
        ),
    ];
    let mut out = String::new();
    for (name, what, files) in consts {
        out.push_str(&format!(
            "/// Checksum of {what}.\npub const {name}: u32 = {:#010x};\n",
            checksum(&files) as u32
        ));
    }
    let dir = std::env::var_os("OUT_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    if let Err(e) = fs::write(dir.join("checksums.rs"), out) {
        panic!("cannot write checksums.rs: {e}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
