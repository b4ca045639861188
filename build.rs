//! Records the jieba-rs version from Cargo.lock, so the index can tell when segmentation changed.

use std::fs;

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    let lock = fs::read_to_string("Cargo.lock").unwrap_or_default();
    let mut version = "unknown".to_string();
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"jieba-rs\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                version = v.trim_end_matches('"').to_string();
            }
            break;
        }
    }
    println!("cargo:rustc-env=ZHSEARCH_JIEBA_VERSION={version}");
}
