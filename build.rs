//! Records the jieba-rs version from Cargo.lock, so the index can tell when segmentation changed.

use std::fs;

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    let lock = fs::read_to_string("Cargo.lock").unwrap_or_default();
    // The package's checksum covers its embedded dictionary and HMM model.
    let mut version = "unknown".to_string();
    let mut checksum = "unknown".to_string();
    let mut in_jieba = false;
    for line in lock.lines() {
        if line.starts_with("name = ") {
            in_jieba = line == "name = \"jieba-rs\"";
        } else if in_jieba {
            if let Some(v) = value(line, "version") {
                version = v;
            } else if let Some(c) = value(line, "checksum") {
                checksum = c.chars().take(16).collect();
            }
        }
    }
    println!("cargo:rustc-env=ZHSEARCH_JIEBA_VERSION={version}");
    println!("cargo:rustc-env=ZHSEARCH_JIEBA_CHECKSUM={checksum}");
}

fn value(line: &str, key: &str) -> Option<String> {
    let rest = line.strip_prefix(key)?.strip_prefix(" = \"")?;
    Some(rest.trim_end_matches('"').to_string())
}
