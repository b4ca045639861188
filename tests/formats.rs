//! Office documents, PDFs and web pages: the fixtures made by the real producers
//! (`tests/fixtures/formats/`, described in its README and `expected.json`) read as expected,
//! and a folder mixing every format indexes, searches and serves like a folder of text files.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use zhsearch::ingest::Report;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats")
}

fn expectations() -> Vec<Value> {
    let json = std::fs::read_to_string(fixtures().join("expected.json")).unwrap();
    serde_json::from_str::<Vec<Value>>(&json).unwrap()
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// What is wrong with one fixture's report, if anything.
fn check(expected: &Value) -> Vec<String> {
    let path = expected["path"].as_str().unwrap();
    let bytes = std::fs::read(fixtures().join(path)).unwrap();
    let read = Report::from_bytes(path, &bytes);
    let mut problems = Vec::new();
    match (expected["expect"].as_str().unwrap(), read) {
        ("skip", Ok(r)) => problems.push(format!("indexed, expected a skip: {:?}", r.title)),
        ("skip", Err(reason)) => {
            let want = expected["reason"].as_str().unwrap_or("");
            let said = reason.to_string();
            let fits = match () {
                _ if want.contains("encrypted") => said == "password-protected",
                _ if want.contains("too large") => said == "too large when unpacked",
                _ if want.contains("no text layer") => said == "no text layer (scanned?)",
                _ if want.starts_with("empty") => said == "empty file",
                _ if want.contains("no article") => said == "no article text (a page of links?)",
                _ if want.contains("PDF") => said.starts_with("corrupt pdf: "),
                _ => said.starts_with("corrupt docx: "),
            };
            if !fits {
                problems.push(format!("skipped with {said:?}, expected {want:?}"));
            }
        }
        (_, Err(reason)) => problems.push(format!("skipped: {reason}")),
        (_, Ok(r)) => {
            if let Some(title) = expected["title"].as_str() {
                if r.title != title {
                    problems.push(format!("title {:?}, expected {title:?}", r.title));
                }
            }
            let date = r.date.map(|d| d.to_string());
            if date.as_deref() != expected["date"].as_str() {
                problems.push(format!("date {date:?}, expected {}", expected["date"]));
            }
            for s in strings(expected, "contains") {
                if !r.text.contains(&s) {
                    problems.push(format!("text lacks {s:?}"));
                }
            }
            for s in strings(expected, "contains_once") {
                let n = r.text.matches(&s).count();
                if n != 1 {
                    problems.push(format!("text holds {s:?} {n} times"));
                }
            }
            for s in strings(expected, "absent") {
                if r.text.contains(&s) {
                    problems.push(format!("text holds {s:?}"));
                }
            }
            let headings = strings(expected, "headings");
            if !headings.is_empty() && r.headings != headings {
                problems.push(format!("headings {:?}, expected {headings:?}", r.headings));
            }
        }
    }
    problems
        .into_iter()
        .map(|p| format!("{path}: {p}"))
        .collect()
}

#[test]
fn every_fixture_reads_as_its_readme_says() {
    let problems: Vec<String> = expectations().iter().flat_map(check).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
