//! The HTTP API and pages over a real server on an ephemeral port, with a real index built from
//! a temporary corpus.

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use predicates::prelude::*;
use serde_json::Value;
use support::{aliased_corpus, corpus, get, json, q, wait_until, zhsearch, TestServer};
use zhsearch::corpus::Corpus;

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
    let searcher = Corpus::open(&server.index).unwrap();
    for query in [
        "党建",
        "\"营盘镇\"",
        "述职 OR 纪要",
        "title:报告",
        "党 -党建",
    ] {
        let (status, v) = json(&server.url(&format!("/api/search?q={}&limit=100", q(query))));
        assert_eq!(status, 200);
        let expected = searcher
            .matching_paths(&zhsearch::search::SearchRequest::new(query))
            .unwrap();
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
    zhsearch(dir.path()).args(["index"]).assert().success();
    let url = server.url(&format!("/api/search?q={}", q("\"迟到的独特短语\"")));
    wait_until("commit not picked up", || json(&url).1["total"] == 1);
}

#[test]
fn watch_indexes_new_files_and_owns_the_index() {
    let dir = corpus();
    let server = TestServer::start(dir.path(), true);
    // A separate indexer fails fast, naming the server.
    zhsearch(dir.path())
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
    // Not a speed check: the latency is measured by scripts/reliability.py (load) and printed
    // below.
    wait_until("a new report was never indexed", || {
        json(&url).1["total"] == 1
    });
    eprintln!(
        "new report searchable {} ms after it was written",
        written.elapsed().as_millis()
    );

    // Deletes are followed too.
    std::fs::remove_file(dir.path().join("corpus/2024/new.txt")).unwrap();
    wait_until("delete not followed", || json(&url).1["total"] == 0);
    drop(server);
    // The server released the index and its owner note on shutdown.
    assert!(!dir
        .path()
        .join("index")
        .join(zhsearch::index::sync::OWNER_FILE)
        .exists());
    zhsearch(dir.path()).args(["index"]).assert().success();
}

/// [`corpus`] with three more reports of one kind naming the same places, person and
/// organization, so that facet counts and entity pages have more than one report to count.
fn knowledge_corpus() -> tempfile::TempDir {
    let dir = corpus();
    for i in 1..=3 {
        std::fs::write(
            dir.path().join(format!("corpus/extra_{i}.txt")),
            format!(
                "博乐市第{i}工作组2020年述职报告\n\n时间:202{i}-03-0{i}\n\n一年来，我在博乐市委的领导下，\
                 深入小营盘镇和哈木尔村调研，与张泉同志一起推进基层党建工作。第{i}项任务已经完成。\n"
            ),
        )
        .unwrap();
    }
    dir
}

/// `[[value, count], …]` of one facet in a JSON answer.
fn counts(v: &Value) -> Vec<(String, u64)> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list of counts: {v}"))
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().unwrap().to_string(),
                pair[1].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Undoes the escaping maud applies to attribute values.
fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn api_search_counts_facets_over_the_whole_matching_set() {
    let dir = knowledge_corpus();
    let server = TestServer::start(dir.path(), false);
    let total_of = |query: &str| -> u64 {
        let (status, v) = json(&server.url(&format!("/api/search?q={}&limit=1", q(query))));
        assert_eq!(status, 200, "{query}: {v}");
        v["total"].as_u64().unwrap()
    };
    for query in ["党", "党建", "工作"] {
        // One hit per page: the facets still count every matching report.
        let (status, v) = json(&server.url(&format!("/api/search?q={}&limit=1", q(query))));
        assert_eq!(status, 200);
        let total = v["total"].as_u64().unwrap();
        assert!(total > 1, "{query}");
        let kinds = counts(&v["facets"]["kind"]);
        // Every report has exactly one kind.
        assert_eq!(kinds.iter().map(|k| k.1).sum::<u64>(), total, "{query}");
        for facet in ["kind", "person", "place", "org"] {
            let values = counts(&v["facets"][facet]);
            assert!(values.len() <= 10, "{query} {facet}: {values:?}");
            assert!(
                values.windows(2).all(|w| w[0].1 >= w[1].1),
                "{query} {facet}: not most frequent first: {values:?}"
            );
            for (value, n) in values.iter().take(3) {
                // The count shown is the total of the search with that filter added.
                let filtered = format!("{query} {facet}:\"{value}\"");
                assert_eq!(total_of(&filtered), *n, "{filtered}");
            }
        }
    }
    let (_, v) = json(&server.url(&format!("/api/search?q={}", q("place:\"博乐市\""))));
    assert_eq!(v["total"], 3);
    assert!(counts(&v["facets"]["place"]).contains(&("博乐市".to_string(), 3)));
    assert_eq!(
        counts(&v["facets"]["kind"]),
        [("述职报告".to_string(), 3)],
        "{v}"
    );
    // No match: the facets are there, and empty.
    let (_, v) = json(&server.url(&format!("/api/search?q={}", q("\"没有这样的短语组合\""))));
    for facet in ["kind", "person", "place", "org"] {
        assert_eq!(v["facets"][facet], serde_json::json!([]), "{facet}");
    }
}

#[test]
fn search_page_facet_links_add_a_filter_and_a_second_click_takes_it_out() {
    let dir = knowledge_corpus();
    let server = TestServer::start(dir.path(), false);
    let link = regex::Regex::new(
        r#"<a (class="on" )?href="([^"]+)" data-facet="([a-z]+)" data-value="([^"]*)""#,
    )
    .unwrap();
    let (status, html) = get(&server.url(&format!("/?q={}", q("党建"))));
    assert_eq!(status, 200);
    assert!(html.contains("<aside class=\"facets\""), "no facets");
    for label in ["类型", "人物", "地点", "机构"] {
        assert!(html.contains(&format!("<h2>{label}</h2>")), "{label}");
    }
    let place = link
        .captures_iter(&html)
        .find(|c| &c[3] == "place" && &c[4] == "博乐市")
        .expect("博乐市 among the places");
    assert!(place.get(1).is_none(), "marked before it is chosen");
    let href = unescape(&place[2]);
    assert!(href.starts_with("/?q="), "{href}");
    assert!(!href.contains(' ') && !href.contains('"'), "{href}");
    let (status, filtered) = get(&server.url(&href));
    assert_eq!(status, 200);
    assert!(
        filtered.contains("value=\"党建 place:&quot;博乐市&quot;\""),
        "the query box holds the filter"
    );
    assert!(filtered.contains("共 <strong>3</strong> 篇"));
    let active = link
        .captures_iter(&filtered)
        .find(|c| &c[3] == "place" && &c[4] == "博乐市")
        .expect("the chosen place is still listed");
    assert!(active.get(1).is_some(), "the chosen value is marked");
    let (_, back) = get(&server.url(&unescape(&active[2])));
    assert!(back.contains("value=\"党建\""), "the filter is taken out");
    // Other filters stay when one is taken out.
    let both = format!("/?q={}", q("党建 kind:\"述职报告\" place:\"博乐市\""));
    let (_, html) = get(&server.url(&both));
    let active = link
        .captures_iter(&html)
        .find(|c| &c[3] == "kind" && c.get(1).is_some())
        .expect("the kind is marked");
    let (_, html) = get(&server.url(&unescape(&active[2])));
    assert!(html.contains("value=\"党建 place:&quot;博乐市&quot;\""));
}

#[test]
fn api_entity_agrees_with_search_and_refuses_what_is_not_there() {
    let dir = knowledge_corpus();
    let server = TestServer::start(dir.path(), false);
    let (status, e) = json(&server.url(&format!("/api/entity/place/{}?limit=100", q("小营盘镇"))));
    assert_eq!(status, 200, "{e}");
    assert_eq!(e["type"], "place");
    assert_eq!(e["name"], "小营盘镇");
    let (_, s) = json(&server.url(&format!(
        "/api/search?q={}&limit=100",
        q("place:\"小营盘镇\"")
    )));
    let reports = e["reports"].as_u64().unwrap();
    assert_eq!(reports, s["total"].as_u64().unwrap());
    assert_eq!(reports, 4);
    let hits = e["hits"].as_array().unwrap();
    assert_eq!(hits.len() as u64, reports);
    let dates: Vec<&str> = hits.iter().filter_map(|h| h["date"].as_str()).collect();
    assert!(
        dates.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {dates:?}"
    );
    let years: i64 = e["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y[1].as_i64().unwrap())
        .sum();
    assert_eq!(years, dates.len() as i64, "every dated report in one year");
    assert_eq!(years as u64, reports, "every report here has a date");
    for facet in ["person", "place", "org"] {
        assert!(e["cooccurring"][facet].is_array(), "{facet}");
    }
    let places = counts(&e["cooccurring"]["place"]);
    assert!(places.iter().all(|(v, _)| v != "小营盘镇"), "{places:?}");
    assert!(places.contains(&("哈木尔村".to_string(), 4)), "{places:?}");
    // Each co-occurring count is the number of its reports that also name the entity.
    for facet in ["person", "org"] {
        for (value, n) in counts(&e["cooccurring"][facet]) {
            let both = format!("place:\"小营盘镇\" {facet}:\"{value}\"");
            let (_, s) = json(&server.url(&format!("/api/search?q={}", q(&both))));
            assert_eq!(s["total"].as_u64().unwrap(), n, "{both}");
        }
    }
    // A page of its reports.
    let (_, page) = json(&server.url(&format!(
        "/api/entity/place/{}?limit=1&page=2",
        q("小营盘镇")
    )));
    assert_eq!(page["hits"].as_array().unwrap().len(), 1);
    assert_eq!(page["hits"][0]["id"], hits[1]["id"]);
    assert_eq!(page["reports"], reports);
    // Kinds and keywords have pages too.
    let (status, kind) = json(&server.url(&format!("/api/entity/kind/{}", q("述职报告"))));
    assert_eq!(status, 200);
    assert_eq!(kind["reports"], 4);

    let too_long = q(&"镇".repeat(201));
    for (path, expected) in [
        ("/api/entity/city/x".to_string(), 400),
        (format!("/api/entity/place/{}", q("没有这个地方")), 404),
        (format!("/api/entity/kind/{}", q("不是一种类型")), 404),
        (format!("/api/entity/place/{too_long}"), 400),
        ("/api/entity/place/%FF%FE".to_string(), 400),
        (format!("/api/entity/place/{}?page=0", q("小营盘镇")), 400),
        (
            format!("/api/entity/place/{}?limit=101", q("小营盘镇")),
            400,
        ),
        ("/api/entity/place".to_string(), 404),
    ] {
        let (status, body) = raw_get(server.addr, &path);
        assert_eq!(status, expected, "{path}: {body}");
        let v: Value = serde_json::from_str(body.trim()).unwrap_or_else(|e| panic!("{path}: {e}"));
        let error = v["error"].as_str().unwrap_or_default();
        assert!(!error.is_empty() && !error.contains('\n'), "{path}: {body}");
    }
    let (_, v) = json(&server.url("/api/entity/city/x"));
    assert!(v["error"].as_str().unwrap().contains("person, place, org"));
}

#[test]
fn entity_pages_link_to_each_other_and_say_when_no_report_names_one() {
    let dir = knowledge_corpus();
    let server = TestServer::start(dir.path(), false);
    let (status, html) = get(&server.url(&format!("/entity/place/{}", q("小营盘镇"))));
    assert_eq!(status, 200);
    assert!(html.contains("<h1>小营盘镇<span class=\"kind-label\">地点</span></h1>"));
    assert!(html.contains("<strong>4</strong> 篇报告提到它"));
    assert!(html.contains("nav class=\"years\""), "no year chart");
    // Co-occurring entities link to their own pages, percent-encoded.
    let person = format!("href=\"/entity/person/{}\"", q("张泉"));
    assert!(html.contains(&person), "{person}");
    assert!(!html.contains(&format!("href=\"/entity/place/{}\"", q("小营盘镇"))));
    let (status, other) = get(&server.url(&format!("/entity/person/{}", q("张泉"))));
    assert_eq!(status, 200);
    assert!(other.contains("<h1>张泉"));
    // Its reports open their documents.
    assert_eq!(html.matches("class=\"hit-title\" href=\"/doc/").count(), 4);

    let (status, html) = get(&server.url(&format!("/entity/place/{}", q("没有这个地方"))));
    assert_eq!(status, 404);
    assert!(html.contains("没有报告提到地点「没有这个地方」"), "{html}");
    let (status, html) = get(&server.url("/entity/city/x"));
    assert_eq!(status, 400);
    assert!(html.contains("unknown type"));
}

#[test]
fn an_entity_page_answers_to_any_of_its_names_and_lists_them_with_counts() {
    let dir = aliased_corpus();
    let server = TestServer::start(dir.path(), false);
    let expected_names = vec![
        ("中共中央".to_string(), 2),
        ("中国共产党中央委员会".to_string(), 1),
        ("党中央".to_string(), 1),
    ];
    for name in ["党中央", "中共中央", "中国共产党中央委员会"] {
        let (status, v) = json(&server.url(&format!("/api/entity/org/{}", q(name))));
        assert_eq!(status, 200, "{name}: {v}");
        assert_eq!(v["name"], "中共中央", "{name}: {v}");
        assert_eq!(v["reports"], 3, "{name}: {v}");
        assert_eq!(counts(&v["names"]), expected_names, "{name}: {v}");
        // Itself is not among the organizations named with it, under any name.
        let with: Vec<String> = counts(&v["cooccurring"]["org"])
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert!(
            with.iter()
                .all(|n| !["党中央", "中共中央", "中国共产党中央委员会"].contains(&n.as_str())),
            "{v}"
        );
    }
    let (status, v) = json(&server.url(&format!("/api/entity/place/{}", q("北京"))));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["name"], "北京市");
    assert_eq!(
        counts(&v["names"]),
        [("北京".to_string(), 1), ("北京市".to_string(), 1)]
    );
    // An entity known by one name lists just it.
    let (_, v) = json(&server.url(&format!("/api/entity/org/{}", q("新华社"))));
    assert_eq!(counts(&v["names"]), [("新华社".to_string(), 1)], "{v}");

    // The page shows the canonical name, every name with its count, and links under the
    // canonical name only.
    let (status, html) = get(&server.url(&format!("/entity/org/{}", q("党中央"))));
    assert_eq!(status, 200);
    assert!(
        html.contains("<h1>中共中央<span class=\"kind-label\">机构</span></h1>"),
        "{html}"
    );
    let names = html
        .split("section class=\"names\"")
        .nth(1)
        .expect("a list of names");
    let names = &names[..names.find("</section>").unwrap()];
    for (name, n) in &expected_names {
        assert!(
            names.contains(&format!("<span class=\"v\">{name}</span>")),
            "{names}"
        );
        assert!(names.contains(&format!(">{n}</span>")), "{names}");
    }
    let (_, home) = get(&server.url("/"));
    assert!(
        home.contains(&format!("href=\"/entity/org/{}\"", q("中共中央"))),
        "{home}"
    );
    assert!(!home.contains(&format!("href=\"/entity/org/{}\"", q("党中央"))));
    // An entity known by one name shows no list.
    let (_, html) = get(&server.url(&format!("/entity/org/{}", q("新华社"))));
    assert!(!html.contains("section class=\"names\""));
}

#[test]
fn home_page_shows_the_corpus_at_a_glance() {
    let dir = knowledge_corpus();
    let server = TestServer::start(dir.path(), false);
    let (status, html) = get(&server.url("/"));
    assert_eq!(status, 200);
    let (_, stats) = json(&server.url("/api/stats"));
    assert!(html.contains(&format!(
        "索引中共有 <strong>{}</strong> 篇报告",
        stats["reports"]
    )));
    let kind_search = format!("href=\"/?q={}\"", q("kind:\"述职报告\""));
    assert!(html.contains(&kind_search), "{kind_search}");
    assert!(html.contains(&format!(
        "<a href=\"/entity/place/{}\">哈木尔村</a>",
        q("哈木尔村")
    )));
    assert!(html.contains(&format!(
        "<a href=\"/entity/person/{}\">张泉</a>",
        q("张泉")
    )));
    assert!(html.contains(&format!(
        "<a href=\"/entity/org/{}\">博乐市委</a>",
        q("博乐市委")
    )));
    // The kind link searches for that kind.
    let (_, v) = json(&server.url(&format!("/api/search?q={}", q("kind:\"述职报告\""))));
    assert!(html.contains(&format!(
        ">述职报告</a><span class=\"n\">{}</span>",
        v["total"]
    )));
}

#[test]
fn documents_show_their_knowledge_and_related_reports() {
    let dir = knowledge_corpus();
    let server = TestServer::start(dir.path(), false);
    let (_, v) = json(&server.url(&format!("/api/search?q={}", q("\"第1项任务\""))));
    let id = v["hits"][0]["id"].as_str().unwrap().to_string();
    let (status, doc) = json(&server.url(&format!("/api/doc/{id}")));
    assert_eq!(status, 200);
    assert_eq!(doc["kind"], "述职报告");
    assert!(doc["keywords"].as_array().is_some_and(|k| !k.is_empty()));
    assert!(doc["entities"]["place"]
        .as_array()
        .unwrap()
        .contains(&Value::from("小营盘镇")));
    let related = doc["related"].as_array().unwrap();
    assert!(!related.is_empty() && related.len() <= 5, "{related:?}");
    for r in related {
        assert_ne!(r["id"], doc["id"]);
        assert!(r["shared"].as_array().is_some_and(|s| !s.is_empty()), "{r}");
        assert!(r.get("overlap").is_none());
    }
    assert!(doc["duplicates"].is_array());
    let (status, html) = get(&server.url(&format!("/doc/{id}")));
    assert_eq!(status, 200);
    assert!(html.contains(&format!("href=\"/?q={}\"", q("kind:\"述职报告\""))));
    assert!(html.contains(&format!("href=\"/entity/place/{}\"", q("小营盘镇"))));
    assert!(html.contains("keyword%3A%22"), "keyword searches");
    assert!(html.contains("相关报告") && html.contains("共同："));
}

/// A sentence of `n` characters drawn from the CJK block: two such texts share no run of five.
fn random_sentence(rng: &mut impl rand::Rng, n: usize) -> String {
    let mut s: String = (0..n)
        .map(|_| char::from_u32(rng.random_range(0x4E00..0x9FA5)).unwrap())
        .collect();
    s.push('。');
    s
}

#[test]
fn an_edited_copy_is_a_near_duplicate_and_unrelated_reports_are_not() {
    use rand::SeedableRng;
    let dir = corpus();
    let mut rng = rand::rngs::StdRng::seed_from_u64(10);
    let original: Vec<String> = (0..25).map(|_| random_sentence(&mut rng, 30)).collect();
    let mut edited = original.clone();
    // A fifth of the sentences rewritten, and a new title.
    for i in [2, 7, 12, 17, 22] {
        edited[i] = random_sentence(&mut rng, 30);
    }
    let corpus = dir.path().join("corpus");
    let report = |title: &str, sentences: &[String]| {
        format!("{title}\n\n时间:2022-05-01\n\n{}\n", sentences.join("\n"))
    };
    std::fs::write(
        corpus.join("original.txt"),
        report("原始的工作报告", &original),
    )
    .unwrap();
    std::fs::write(
        corpus.join("copy.txt"),
        report("改了标题的另一份报告", &edited),
    )
    .unwrap();
    for i in 0..3 {
        let other: Vec<String> = (0..25).map(|_| random_sentence(&mut rng, 30)).collect();
        std::fs::write(
            corpus.join(format!("unrelated_{i}.txt")),
            report("无关的报告", &other),
        )
        .unwrap();
    }
    let server = TestServer::start(dir.path(), false);
    let id_of = |path: &str| zhsearch::index::schema::report_id(path);
    let duplicates = |id: &str| -> Vec<(String, u64)> {
        let (status, doc) = json(&server.url(&format!("/api/doc/{id}")));
        assert_eq!(status, 200);
        assert!(doc["related"].is_array());
        doc["duplicates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["path"].as_str().unwrap().to_string(),
                    d["overlap"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let found = duplicates(&id_of("original.txt"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "copy.txt");
    assert!((50..=95).contains(&found[0].1), "overlap {}", found[0].1);
    let back = duplicates(&id_of("copy.txt"));
    assert_eq!(back.len(), 1, "{back:?}");
    assert_eq!(back[0].0, "original.txt");
    assert!((50..=95).contains(&back[0].1), "overlap {}", back[0].1);
    for i in 0..3 {
        assert_eq!(duplicates(&id_of(&format!("unrelated_{i}.txt"))), []);
    }
    let (_, html) = get(&server.url(&format!("/doc/{}", id_of("original.txt"))));
    assert!(html.contains("近似重复"));
    assert!(html.contains("改了标题的另一份报告"));
    assert!(html.contains(&format!("重合 <strong>{}%</strong>", found[0].1)));
}
