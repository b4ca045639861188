//! Office documents, PDFs and web pages: the fixtures made by the real producers
//! (`tests/fixtures/formats/`, described in its README and `expected.json`) read as expected,
//! and a folder mixing every format indexes, searches and serves like a folder of text files.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::zhsearch;
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
                _ if want.contains("no text in") => said == "no text in the document",
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

/// A temporary folder whose `corpus/` holds every fixture (bad files in `bad/`) and a text
/// and a Markdown report.
fn mixed_corpus() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(corpus.join("bad")).unwrap();
    for e in expectations() {
        let path = e["path"].as_str().unwrap();
        std::fs::copy(fixtures().join(path), corpus.join(path)).unwrap();
    }
    std::fs::write(
        corpus.join("plain.txt"),
        "纯文本报告\n\n时间：2020-01-02\n\n纯文本里的一句独特的话。",
    )
    .unwrap();
    std::fs::write(
        corpus.join("notes.md"),
        "# 标记文本报告\n\n标记文本里的一句独特的话。",
    )
    .unwrap();
    dir
}

fn search_json(dir: &Path, query: &str) -> Value {
    let out = zhsearch(dir)
        .args(["search", "--json", "--limit", "100", "--", query])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{query}: {e}"))
}

#[test]
fn a_folder_mixing_every_format_is_indexed_and_searched() {
    let dir = mixed_corpus();
    let out = zhsearch(dir.path())
        .args(["index", "corpus"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Some files are skipped: exit code 1, each named with its reason.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for (path, reason) in [
        ("bad/corrupt.docx", "corrupt docx: "),
        ("bad/truncated.docx", "corrupt docx: "),
        ("bad/password_word.docx", "password-protected"),
        ("bad/password_word_rc4.doc", "password-protected"),
        ("bad/password_lo.doc", "password-protected"),
        ("bad/zipbomb.docx", "too large when unpacked"),
        ("bad/broken_xref.pdf", "corrupt pdf: "),
        ("bad/truncated.pdf", "corrupt pdf: "),
        ("bad/empty.docx", "no text in the document"),
        ("bad/empty.pdf", "empty file"),
        ("bad/nav_only.html", "no article text"),
        ("bad/scanned_no_text.pdf", "no text layer (scanned?)"),
    ] {
        let line = format!("skipped {path}: {reason}");
        assert!(stderr.contains(&line), "{line}\n{stderr}");
    }
    let all = expectations();
    let indexed: Vec<&Value> = all.iter().filter(|e| e["expect"] == "index").collect();
    assert!(
        stderr.contains(&format!("{} added", indexed.len() + 2)),
        "{stderr}"
    );
    // A phrase from inside a paragraph of each file finds it, with its title and date.
    for e in indexed {
        let path = e["path"].as_str().unwrap();
        let phrase = strings(e, "contains").remove(0);
        let found = search_json(dir.path(), &format!("\"{phrase}\""));
        let hit = found["hits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["path"] == path)
            .unwrap_or_else(|| panic!("{path}: \"{phrase}\" does not find it: {found}"));
        if let Some(title) = e["title"].as_str() {
            assert_eq!(hit["title"], title, "{path}");
        }
        assert_eq!(hit["date"], e["date"], "{path}");
    }
    for (query, path) in [
        ("\"纯文本里的一句独特的话\"", "plain.txt"),
        ("\"标记文本里的一句独特的话\"", "notes.md"),
    ] {
        assert_eq!(search_json(dir.path(), query)["hits"][0]["path"], path);
    }
    // Page furniture of PDFs and web pages is not searchable.
    for furniture in ["\"京ICP备05012345号\"", "\"党建工作材料\"", "\"分享到\""] {
        assert_eq!(
            search_json(dir.path(), furniture)["total"],
            0,
            "{furniture}"
        );
    }
    // Nothing changed: nothing is read again.
    zhsearch(dir.path())
        .args(["index"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("0 added, 0 updated"));
}

#[test]
fn a_changed_docx_is_read_again_and_a_renamed_pdf_recognized() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::copy(fixtures().join("pandoc_lankao.docx"), corpus.join("a.docx")).unwrap();
    std::fs::copy(fixtures().join("lo_xiaoyingpan.pdf"), corpus.join("b.pdf")).unwrap();
    zhsearch(dir.path())
        .args(["index", "corpus"])
        .assert()
        .success();
    std::fs::copy(
        fixtures().join("pandoc_minutes.docx"),
        corpus.join("a.docx"),
    )
    .unwrap();
    std::fs::rename(corpus.join("b.pdf"), corpus.join("c.pdf")).unwrap();
    zhsearch(dir.path())
        .args(["index"])
        .assert()
        .success()
        .stderr(predicates::str::contains("1 updated"))
        .stderr(predicates::str::contains("1 renamed"));
    let found = search_json(dir.path(), "\"镇纪委副书记1人\"");
    assert_eq!(found["hits"][0]["path"], "a.docx");
    assert_eq!(
        search_json(dir.path(), "\"从33个村支书中脱颖而出\"")["total"],
        0
    );
    let found = search_json(dir.path(), "\"日产鲜蛋60余吨\"");
    assert_eq!(found["hits"][0]["path"], "c.pdf");
}

#[test]
fn the_server_says_the_format_and_serves_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    let name = "红旗街道 总结.docx";
    std::fs::copy(fixtures().join("lo_work_summary.docx"), corpus.join(name)).unwrap();
    std::fs::copy(
        fixtures().join("lo_poverty_notitle.pdf"),
        corpus.join("p.pdf"),
    )
    .unwrap();
    std::fs::write(
        corpus.join("t.txt"),
        encoding_rs::GBK.encode("文本报告\n正文内容。").0,
    )
    .unwrap();
    let server = support::TestServer::start(dir.path(), false);
    let base = format!("http://{}", server.addr);
    let (_, found) = support::json(&format!(
        "{base}/api/search?q={}",
        support::q("\"辖区128名党员参加轮训\"")
    ));
    let id = found["hits"][0]["id"].as_str().unwrap().to_string();
    let (status, doc) = support::json(&format!("{base}/api/doc/{id}"));
    assert_eq!(status, 200);
    assert_eq!(doc["format"], "docx");
    assert_eq!(doc["title"], "红旗街道党工委2017年度党建工作总结");
    let (status, page) = support::get(&format!("{base}/doc/{id}"));
    assert_eq!(status, 200);
    assert!(page.contains(&format!("href=\"/file/{id}\"")), "{page}");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let get = |url: String| {
        rt.block_on(async {
            let resp = reqwest::get(url).await.unwrap();
            let headers = resp.headers().clone();
            (
                resp.status().as_u16(),
                headers,
                resp.bytes().await.unwrap().to_vec(),
            )
        })
    };
    let (status, headers, body) = get(format!("{base}/file/{id}"));
    assert_eq!(status, 200);
    assert_eq!(body, std::fs::read(corpus.join(name)).unwrap());
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment; "), "{disposition}");
    assert!(
        disposition.contains(
            "filename*=UTF-8''%E7%BA%A2%E6%97%97%E8%A1%97%E9%81%93%20%E6%80%BB%E7%BB%93%2Edocx"
        ),
        "{disposition}"
    );
    let text_id = zhsearch::index::schema::report_id("t.txt");
    let (status, headers, _) = get(format!("{base}/file/{text_id}"));
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/plain; charset=gb18030");
    let (_, doc) = support::json(&format!("{base}/api/doc/{text_id}"));
    assert_eq!(doc["format"], "text");
    // Only indexed reports: a made-up id, a path, or a report whose file is gone.
    for bad in [
        "0123456789abcdef".to_string(),
        "..%2F..%2Fetc%2Fpasswd".to_string(),
        "p.pdf".to_string(),
    ] {
        let (status, _, _) = get(format!("{base}/file/{bad}"));
        assert_eq!(status, 404, "{bad}");
    }
    let pdf_id = zhsearch::index::schema::report_id("p.pdf");
    std::fs::remove_file(corpus.join("p.pdf")).unwrap();
    let (status, _, _) = get(format!("{base}/file/{pdf_id}"));
    assert_eq!(status, 404);
}

/// Damaged copies of every fixture: truncated at several lengths, and with bytes
/// overwritten at random places (seeded). Each is read or skipped with a reason, in time, and
/// no reader faults (`could not be read: … reader fault`): the PDF extractor does panic on
/// some of them (in its CMap parser, on a short operator), and the PDF reader leaves the page
/// out and reads on.
#[test]
fn damaged_files_are_skipped_with_a_reason_never_a_fault() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut faults = Vec::new();
    for e in expectations().iter().filter(|e| e["expect"] == "index") {
        let path = e["path"].as_str().unwrap();
        let bytes = std::fs::read(fixtures().join(path)).unwrap();
        let mut damaged: Vec<Vec<u8>> = [1, 2, 3, 5, 8]
            .iter()
            .map(|k| bytes[..bytes.len() * k / 10].to_vec())
            .collect();
        for _ in 0..40 {
            let mut copy = bytes.clone();
            for _ in 0..rng.random_range(1..20) {
                let at = rng.random_range(0..copy.len());
                copy[at] = rng.random();
            }
            damaged.push(copy);
        }
        for copy in damaged {
            // Read or refused within the reader's own budget: never abandoned past it, never a
            // fault.
            match Report::from_bytes(path, &copy) {
                Err(zhsearch::ingest::Unreadable::Failed(why)) => {
                    faults.push(format!("{path}: {why}"))
                }
                Err(zhsearch::ingest::Unreadable::TimedOut(_)) => {
                    faults.push(format!("{path}: past its budget"))
                }
                _ => {}
            }
        }
    }
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}

#[test]
fn watch_indexes_office_files_dropped_into_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::write(corpus.join("t.txt"), "文本报告\n\n正文内容。").unwrap();
    let server = support::TestServer::start(dir.path(), true);
    let base = format!("http://{}", server.addr);
    let total = |phrase: &str| {
        let (_, v) = support::json(&format!("{base}/api/search?q={}", support::q(phrase)));
        v["total"].as_u64().unwrap_or(0)
    };
    assert_eq!(total("\"辖区128名党员参加轮训\""), 0);
    std::fs::copy(
        fixtures().join("lo_work_summary.docx"),
        corpus.join("new.docx"),
    )
    .unwrap();
    std::fs::copy(
        fixtures().join("lo_poverty_notitle.pdf"),
        corpus.join("new.pdf"),
    )
    .unwrap();
    support::wait_until("the new .docx and .pdf were not indexed", || {
        total("\"辖区128名党员参加轮训\"") > 0 && total("\"目前全国还有829个贫困县\"") > 0
    });
    // A changed .docx is read again: its old text goes, the new one comes.
    std::fs::copy(
        fixtures().join("pandoc_minutes.docx"),
        corpus.join("new.docx"),
    )
    .unwrap();
    support::wait_until("the changed .docx was not read again", || {
        total("\"辖区128名党员参加轮训\"") == 0
    });
}
