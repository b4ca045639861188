//! The HTTP API and pages over a real server on an ephemeral port, with a real index built from
//! a temporary corpus.

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use support::{corpus, get, json, q, TestServer};
use zhsearch::search::ReportSearcher;

/// A GET over a plain socket, for requests an HTTP client library refuses to build.
fn raw_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    // The server may answer and close before reading a huge request: ignore write errors.
    let _ = stream.write_all(request.as_bytes());
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn api_search_matches_the_library_and_has_the_cli_shape() {
    let dir = corpus();
    let server = TestServer::start(dir.path(), false);
    let searcher = ReportSearcher::open(&server.index).unwrap();
    for query in [
        "党建",
        "\"营盘镇\"",
        "述职 OR 纪要",
        "title:报告",
        "党 -党建",
    ] {
        let (status, v) = json(&server.url(&format!("/api/search?q={}&limit=100", q(query))));
        assert_eq!(status, 200);
        let expected = searcher.matching_paths(query, None, None).unwrap();
        assert_eq!(
            v["total"].as_u64().unwrap() as usize,
            expected.len(),
            "{query}"
        );
        let got: BTreeSet<String> = v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["path"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            got,
            expected.into_iter().collect::<BTreeSet<_>>(),
            "{query}"
        );
        assert_eq!(v["query"], query);
        assert!(v["took_ms"].as_f64().unwrap() >= 0.0);
        for hit in v["hits"].as_array().unwrap() {
            for key in [
                "id",
                "path",
                "title",
                "date",
                "score",
                "snippet",
                "highlights",
            ] {
                assert!(hit.get(key).is_some(), "{key} missing");
            }
        }
    }
    let (_, v) = json(&server.url(&format!("/api/search?q={}", q("党"))));
    let years: Vec<(i64, i64)> = v["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| (y[0].as_i64().unwrap(), y[1].as_i64().unwrap()))
        .collect();
    assert!(
        years.contains(&(2018, 1)) && years.contains(&(2019, 1)),
        "{years:?}"
    );
    assert_eq!(
        years.iter().map(|y| y.1).sum::<i64>(),
        v["total"].as_i64().unwrap()
    );
}

#[test]
fn api_paging_dates_and_sort() {
    let dir = corpus();
    let server = TestServer::start(dir.path(), false);
    let (_, all) = json(&server.url(&format!("/api/search?q={}&limit=100&sort=date", q("党"))));
    let dates: Vec<&str> = all["hits"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["date"].as_str())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    let (_, page) = json(&server.url(&format!(
        "/api/search?q={}&limit=1&offset=1&sort=date",
        q("党")
    )));
    assert_eq!(page["hits"][0]["path"], all["hits"][1]["path"]);
    let (_, y) = json(&server.url(&format!("/api/search?q={}&from=2018&to=2018", q("党"))));
    assert_eq!(y["total"], 1);
}

#[test]
fn api_doc_stats_and_health() {
    let dir = corpus();
    let server = TestServer::start(dir.path(), false);
    let (_, v) = json(&server.url(&format!("/api/search?q={}", q("\"营盘镇\""))));
    let id = v["hits"][0]["id"].as_str().unwrap().to_string();
    let (status, doc) = json(&server.url(&format!("/api/doc/{id}")));
    assert_eq!(status, 200);
    assert_eq!(doc["title"], "博乐市小营盘镇党委");
    assert_eq!(doc["date"], "2017-11-09");
    assert!(doc["headings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h == "突出党建统领 打造坚强堡垒"));
    assert!(doc["text"].as_str().unwrap().contains("北疆明星镇"));
    let (status, stats) = json(&server.url("/api/stats"));
    assert_eq!(status, 200);
    assert_eq!(stats["reports"], 6);
    assert!(stats["analysis"]
        .as_str()
        .is_some_and(|a| a.contains("frequent characters")));
    assert_eq!(get(&server.url("/healthz")), (200, "ok".to_string()));
}

#[test]
fn bad_requests_get_4xx_json_and_the_server_stays_healthy() {
    let dir = corpus();
    let server = TestServer::start(dir.path(), false);
    let long = "党".repeat(200_000);
    let cases: Vec<(String, u16)> = vec![
        ("/api/search?q=%22%E5%85%9A".into(), 400), // unbalanced quote
        ("/api/search?q=(((".into(), 400),          // unbalanced parenthesis
        ("/api/search?q=OR".into(), 400),           // dangling operator
        ("/api/search".into(), 400),                // no query
        ("/api/search?q=%20%20".into(), 400),       // empty query
        ("/api/search?q=title:".into(), 400),
        ("/api/search?q=x&limit=abc".into(), 400),
        ("/api/search?q=x&limit=101".into(), 400),
        ("/api/search?q=x&offset=-1".into(), 400),
        ("/api/search?q=x&offset=9999&limit=10".into(), 400),
        ("/api/search?q=x&from=2019-13".into(), 400),
        ("/api/search?q=x&from=2020&to=2019".into(), 400),
        ("/api/search?q=x&sort=random".into(), 400),
        ("/api/search?q=%FF%FE%FD".into(), 400), // invalid UTF-8
        ("/api/search?q=%01%02%03".into(), 400), // control characters only
        (format!("/api/search?q={}", "a".repeat(1001)), 414),
        (format!("/api/search?q={}", q(&long)), 431), // 1.8 MB of URI: hyper refuses it
        (format!("/api/search?q={}", "a".repeat(200_000)), 414),
        ("/api/doc/..%2F..%2Fetc%2Fpasswd".into(), 404),
        ("/api/doc/0123456789abcdef".into(), 404),
        ("/doc/..%2F..%2FCargo.toml".into(), 404),
        ("/api/nothing".into(), 404),
        ("/static/../../etc/passwd".into(), 404),
    ];
    for (path, expected) in &cases {
        let (status, body) = raw_get(server.addr, path);
        let shown: String = path.chars().take(60).collect();
        assert!((400..500).contains(&status), "{shown}: {status} {body}");
        assert_eq!(status, *expected, "{shown}: {body}");
        let body = body.trim();
        // hyper answers the largest requests itself, without a body.
        if path.starts_with("/api/") && !body.is_empty() {
            let v: Value =
                serde_json::from_str(body).unwrap_or_else(|e| panic!("{shown}: {e} {body}"));
            assert!(
                v["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{shown}: {body}"
            );
            assert!(
                !body.contains("panicked") && !body.contains("src/"),
                "{body}"
            );
        }
        assert_eq!(get(&server.url("/healthz")).0, 200, "after {shown}");
    }
    // Control characters inside a query are spaces, not errors.
    assert_eq!(
        json(&server.url("/api/search?q=%E5%85%9A%00%E5%BB%BA")).0,
        200
    );
}

#[test]
fn pages_render_results_marks_and_escape_markup() {
    let dir = corpus();
    let server = TestServer::start(dir.path(), false);
    let (status, html) = get(&server.url(&format!("/?q={}", q("党建"))));
    assert_eq!(status, 200);
    assert!(html.contains("<mark"), "no highlight");
    assert!(html.contains("name=\"q\"") && html.contains("value=\"党建\""));
    assert!(html.contains("共 <strong>"));
    // Malformed query: the parser's message in the page, with a 400.
    let (status, html) = get(&server.url("/?q=%22%E5%85%9A"));
    assert_eq!(status, 400);
    assert!(html.contains("unbalanced quote"));
    // No results: a clear message.
    let (_, html) = get(&server.url(&format!("/?q={}", q("\"没有这样的短语组合\""))));
    assert!(html.contains("没有找到匹配的报告"));
    // A report containing <script> shows it as text.
    let (_, v) = json(&server.url(&format!("/api/search?q={}", q("脚本"))));
    let id = v["hits"][0]["id"].as_str().unwrap();
    let (status, html) = get(&server.url(&format!("/doc/{id}?q={}", q("脚本"))));
    assert_eq!(status, 200);
    assert!(html.contains("&lt;script&gt;"), "script not escaped");
    assert!(!html.contains("<script>window.pwned") && !html.contains("<b>粗体"));
    assert!(html.contains("id=\"m0\""));
    let (_, results) = get(&server.url(&format!("/?q={}", q("脚本"))));
    assert!(!results.contains("<script>window.pwned"));
}

#[test]
fn reader_follows_commits_made_by_another_process() {
    let dir = corpus();
    let server = TestServer::start(dir.path(), false);
    std::fs::write(
        dir.path().join("corpus/late.txt"),
        "后来的报告\n\n迟到的独特短语出现在这里。",
    )
    .unwrap();
    Command::cargo_bin("zhsearch")
        .unwrap()
        .current_dir(dir.path())
        .args(["index"])
        .assert()
        .success();
    let url = server.url(&format!("/api/search?q={}", q("\"迟到的独特短语\"")));
    let started = Instant::now();
    while json(&url).1["total"] != 1 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "commit not picked up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn watch_indexes_new_files_within_two_seconds_and_owns_the_index() {
    let dir = corpus();
    let server = TestServer::start(dir.path(), true);
    // A separate indexer fails fast, naming the server.
    Command::cargo_bin("zhsearch")
        .unwrap()
        .current_dir(dir.path())
        .args(["index"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("owned by a running server"));

    let url = server.url(&format!("/api/search?q={}", q("\"监视目录新增的报告\"")));
    assert_eq!(json(&url).1["total"], 0);
    let written = Instant::now();
    std::fs::create_dir_all(dir.path().join("corpus/2024")).unwrap();
    std::fs::write(
        dir.path().join("corpus/2024/new.txt"),
        "新报告\n\n时间:2024-03-01\n\n这是监视目录新增的报告。",
    )
    .unwrap();
    loop {
        if json(&url).1["total"] == 1 {
            break;
        }
        assert!(
            written.elapsed() < Duration::from_secs(2),
            "not searchable within 2 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!(
        "new report searchable {} ms after it was written",
        written.elapsed().as_millis()
    );

    // Deletes are followed too.
    std::fs::remove_file(dir.path().join("corpus/2024/new.txt")).unwrap();
    let deleted = Instant::now();
    while json(&url).1["total"] != 0 {
        assert!(
            deleted.elapsed() < Duration::from_secs(5),
            "delete not followed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(server);
    // The server released the index and its owner note on shutdown.
    assert!(!dir
        .path()
        .join("index")
        .join(zhsearch::index::sync::OWNER_FILE)
        .exists());
    Command::cargo_bin("zhsearch")
        .unwrap()
        .current_dir(dir.path())
        .args(["index"])
        .assert()
        .success();
}
