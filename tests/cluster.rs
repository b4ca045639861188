//! zhsearch against a real Quickwit cluster on loopback (`support::quickwit`): a pushed folder
//! answers every query through either node exactly as the local index does (the local index is
//! the oracle, on real reports and randomized phrases), later pushes send what changed, and a
//! push killed midway — by a node dying or by its own process being killed — is completed by
//! the next one. Skipped without a Quickwit binary, unless `ZHSEARCH_CLUSTER_TESTS=1`.

mod support;

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use support::quickwit;
use support::Workspace;

const INDEX_ID: &str = "reports";

/// Reports whose punctuation and spacing make Quickwit's own phrase match wrong: each holds
/// 小营盘镇 only across a comma or spaces, never as a phrase.
const TRAPS: [(&str, &str); 3] = [
    (
        "traps/comma.txt",
        "小营与盘镇的来往\n\n时间:2021-06-01\n\n从小营，盘镇的人都来了。党建工作有序推进。\n",
    ),
    (
        "traps/spaced.txt",
        "间隔的文字\n\n时间:2022-06-01\n\n小 营 盘 镇，这几个字被空格隔开。Party Building 2022。\n",
    ),
    (
        "traps/latin.txt",
        "英文与数字\n\n时间:2023-06-01\n\nGDP增长5.2%，G D P不是缩写。ABC公司，A.B.C.\n",
    ),
];

fn engine(url: &str) -> String {
    format!("{url}/{INDEX_ID}")
}

/// A workspace holding the bundled corpus, the traps and `bench` bench reports.
fn workspace(bench: usize) -> Workspace {
    let ws = Workspace::bundled();
    for (path, text) in TRAPS {
        ws.write(path, text);
    }
    support::copies::write_bench_slice(&ws.corpus().join("bench"), 0, bench);
    ws
}

fn push(ws: &Workspace, url: &str) -> std::process::Output {
    ws.run(&["push", "--to", url, "--index-id", INDEX_ID])
}

fn push_ok(ws: &Workspace, url: &str) -> String {
    let out = push(ws, url);
    let err = support::stderr(&out);
    assert_eq!(support::code(&out), Some(0), "push failed: {err}");
    err
}

/// `search -l` of `query`, locally or through `engine`: (exit code, paths).
fn paths(ws: &Workspace, query: &str, engine: Option<&str>) -> (Option<i32>, Vec<String>) {
    let mut args = vec!["search", "-l", "--", query];
    if let Some(e) = engine {
        args.splice(1..1, ["--engine", e]);
    }
    let out = ws.run(&args);
    assert!(
        matches!(support::code(&out), Some(0 | 1)),
        "{args:?}: {}",
        support::stderr(&out)
    );
    (
        support::code(&out),
        support::stdout(&out).lines().map(str::to_string).collect(),
    )
}

/// Asserts that `query` finds the same reports through `engine` as locally.
fn same_as_local(ws: &Workspace, query: &str, engine: &str) {
    let local = paths(ws, query, None);
    let remote = paths(ws, query, Some(engine));
    assert_eq!(remote, local, "{query} through {engine}");
}

/// Texts of the workspace's reports (plain text ones), for drawing phrases from.
fn texts(corpus: &Path) -> Vec<String> {
    walk(corpus)
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter(|t| t.chars().count() > 40)
        .collect()
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "txt") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// A random run of 2 to 8 characters of a random text, punctuation included.
fn random_phrase(rng: &mut StdRng, texts: &[String]) -> String {
    let text: Vec<char> = texts.choose(rng).unwrap().chars().collect();
    let len = rng.random_range(2..=8);
    let start = rng.random_range(0..text.len() - len);
    text[start..start + len]
        .iter()
        .collect::<String>()
        .replace(['"', '\n', '\r'], "")
}

#[test]
fn a_pushed_folder_answers_as_the_local_index_through_both_nodes() {
    let Some(cluster) = quickwit::start(2) else {
        return;
    };
    let ws = workspace(300);
    let err = push_ok(&ws, &cluster.url(0));
    assert!(err.contains("(all of them)"), "{err}");
    let nodes = [engine(&cluster.url(0)), engine(&cluster.url(1))];

    // The traps: the cluster's own phrase match would return them; zhsearch must not.
    let (_, found) = paths(&ws, "\"小营盘镇\"", Some(&nodes[0]));
    assert!(found.iter().all(|p| !p.starts_with("traps/")), "{found:?}");
    let fixed = [
        "\"小营盘镇\"",
        "小营盘镇",
        "党建",
        "\"GDP\"",
        "\"G D P\"",
        "\"Party Building\"",
        "\"小营盘镇\" OR \"党建统领\"",
        "党建 -\"小营盘镇\"",
        "NOT 党建",
        "kind:述职报告",
        "title:党建",
        "body:\"党建\" -title:党建",
        "org:中共中央",
        "\"，\"",
        "\"5.2%\"",
    ];
    for query in fixed {
        for node in &nodes {
            same_as_local(&ws, query, node);
        }
    }
    // Dates and sorting through the engine: same set as locally.
    for args in [
        ["--from", "2018", "--to", "2019-06"],
        ["--from", "2022", "--to", "2026"],
    ] {
        let local = ws.stdout(&["search", "-l", args[0], args[1], args[2], args[3], "党"]);
        let remote = ws.stdout(&[
            "search", "-l", "--engine", &nodes[1], args[0], args[1], args[2], args[3], "党",
        ]);
        assert_eq!(remote, local, "{args:?}");
    }

    // Randomized phrases and word pairs drawn from the reports themselves.
    let texts = texts(&ws.corpus());
    let seed = rand::rng().random();
    eprintln!("phrases seeded with {seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    for i in 0..60 {
        let query = if i % 4 == 3 {
            // Unquoted words: without the query language's own characters.
            let words = format!(
                "{} {}",
                random_phrase(&mut rng, &texts),
                random_phrase(&mut rng, &texts)
            );
            words.replace(|c: char| c.is_ascii_punctuation(), " ")
        } else {
            format!("\"{}\"", random_phrase(&mut rng, &texts))
        };
        same_as_local(&ws, &query, &nodes[i % 2]);
    }

    // Totals and facets of a ranked page, and the hits' paths as a set.
    for query in ["党建", "\"小营盘镇\"", "经济 发展"] {
        let local = ws.json(&["search", "--json", "--facets", "-n", "50", query]);
        let remote = ws.json(&[
            "search", "--json", "--facets", "-n", "50", "--engine", &nodes[0], query,
        ]);
        assert_eq!(remote["total"], local["total"], "{query}");
        assert_eq!(remote["facets"], local["facets"], "{query}");
        let set = |v: &serde_json::Value| -> HashSet<String> {
            v["hits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["path"].as_str().unwrap().to_string())
                .collect()
        };
        if local["total"].as_u64().unwrap() <= 50 {
            assert_eq!(set(&remote), set(&local), "{query}");
        }
    }

    // Changes: one report edited, one removed, one added, one renamed.
    let corpus = ws.corpus();
    ws.write(
        "traps/comma.txt",
        "小营与盘镇的来往\n\n时间:2021-06-01\n\n改写后的报告提到了独特短语甲。\n",
    );
    std::fs::remove_file(corpus.join("traps/spaced.txt")).unwrap();
    ws.write(
        "new/added.txt",
        "新增的报告\n\n时间:2024-02-02\n\n这里有独特短语乙和小营盘镇。\n",
    );
    std::fs::rename(corpus.join("traps/latin.txt"), corpus.join("moved.txt")).unwrap();
    let err = push_ok(&ws, &cluster.url(0));
    assert!(
        err.contains("pushed 3 reports and 2 removals"),
        "edited, added and renamed sent; removed and renamed-from removed: {err}"
    );
    for query in [
        "\"独特短语甲\"",
        "\"独特短语乙\"",
        "\"这几个字被空格隔开\"",
        "\"G D P不是缩写\"",
        "\"从小营，盘镇\"",
        "\"小营盘镇\"",
        "小营",
    ] {
        for node in &nodes {
            same_as_local(&ws, query, node);
        }
    }
    // A third push has nothing to send.
    let err = push_ok(&ws, &cluster.url(0));
    assert!(err.contains("it was up to date"), "{err}");

    // Removed and written again between two pushes (each change indexed on its own): a
    // report, not a removal.
    let added = std::fs::read(corpus.join("new/added.txt")).unwrap();
    std::fs::remove_file(corpus.join("new/added.txt")).unwrap();
    ws.index_ok();
    std::fs::write(corpus.join("new/added.txt"), &added).unwrap();
    ws.index_ok();
    let err = push_ok(&ws, &cluster.url(0));
    assert!(err.contains("pushed 1 reports and 0 removals"), "{err}");
    for node in &nodes {
        same_as_local(&ws, "\"独特短语乙\"", node);
    }

    // Another knowledge base pushed into the same cluster index makes it again: this one's
    // next push sends everything, not what changed since its own last push.
    let other = Workspace::with_reports(&[("other.txt", "别处的报告\n\n别处的独特短语戊。\n")]);
    push_ok(&other, &cluster.url(0));
    let err = push_ok(&ws, &cluster.url(0));
    assert!(err.contains("(all of them)"), "{err}");
    for query in ["\"独特短语乙\"", "\"别处的独特短语戊\"", "党建"] {
        same_as_local(&ws, query, &nodes[0]);
    }

    // The document and entity pages of the server, answered by the cluster.
    let server = support::TestServer::with(ws.path(), |c| {
        c.engine = Some(zhsearch::cluster::Target::parse_engine(&nodes[1]).unwrap());
    });
    let (status, body) =
        support::json(&server.url(&format!("/api/search?q={}", support::q("\"独特短语乙\""))));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 1, "{body}");
    let id = body["hits"][0]["id"].as_str().unwrap().to_string();
    let (status, doc) = support::json(&server.url(&format!("/api/doc/{id}")));
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["path"], "new/added.txt", "{doc}");
    let (status, page) = support::get(&server.url("/"));
    assert_eq!(status, 200, "{page}");
    // The copy audit needs the local index: said plainly, not a server error.
    let (status, audit) = support::json(&server.url("/api/duplicates"));
    assert_eq!(status, 400, "{audit}");
    drop(server);

    // `serve --watch --push`: a report dropped into the folder is found on the cluster.
    let watcher = support::TestServer::with(ws.path(), |c| {
        c.watch = true;
        c.push = Some(zhsearch::cluster::Target::parse_engine(&nodes[0]).unwrap());
    });
    ws.write(
        "dropped.txt",
        "放进来的报告\n\n时间:2025-01-01\n\n放进文件夹的独特短语丁。\n",
    );
    support::wait_until("the dropped report on the cluster", || {
        paths(&ws, "\"独特短语丁\"", Some(&nodes[1])).1 == ["dropped.txt"]
    });
    drop(watcher);

    // An index zhsearch did not make is never replaced.
    let (status, body) = quickwit::post(
        &format!("{}/api/v1/indexes", cluster.url(0)),
        "application/json",
        r#"{"version": "0.9", "index_id": "foreign", "doc_mapping": {"field_mappings": [{"name": "body", "type": "text"}]}}"#,
    );
    assert_eq!(status, 200, "{body}");
    let out = ws.run(&["push", "--to", &cluster.url(0), "--index-id", "foreign"]);
    assert_eq!(support::code(&out), Some(2));
    let err = support::stderr(&out);
    assert!(err.contains("not made by zhsearch"), "{err}");
}

#[test]
fn a_push_killed_midway_is_completed_by_the_next() {
    let Some(mut cluster) = quickwit::start(1) else {
        return;
    };
    let ws = workspace(1500);
    let url = cluster.url(0);
    let node = engine(&url);

    // The node dies while the first push runs.
    let child = ws
        .command()
        .args(["push", "--to", &url, "--index-id", INDEX_ID])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    cluster.kill(0);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    if out.status.code() == Some(2) {
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(err.contains(&url), "names the cluster: {err}");
    }
    // Nothing was lost locally.
    assert!(!paths(&ws, "\"小营盘镇\"", None).1.is_empty());
    cluster.restart(0);
    push_ok(&ws, &url);

    // The push process itself is killed midway, after a change.
    ws.write(
        "late.txt",
        "后来的报告\n\n时间:2024-03-03\n\n后来加入的独特短语丙。\n",
    );
    std::fs::remove_file(ws.corpus().join("bench/0007.txt")).ok();
    let mut child = ws
        .command()
        .args(["push", "--to", &url, "--index-id", INDEX_ID])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    child.kill().ok();
    child.wait().unwrap();
    push_ok(&ws, &url);

    let texts = texts(&ws.corpus());
    let mut rng = StdRng::seed_from_u64(7);
    let mut queries: Vec<String> = (0..20)
        .map(|_| format!("\"{}\"", random_phrase(&mut rng, &texts)))
        .collect();
    queries.extend(
        [
            "\"独特短语丙\"",
            "\"的\"",
            "党建 -\"小营盘镇\"",
            "kind:通知",
        ]
        .map(String::from),
    );
    for query in &queries {
        same_as_local(&ws, query, &node);
    }
}

#[test]
fn an_unreachable_cluster_is_one_line_and_exit_2() {
    let ws = Workspace::bundled();
    ws.index_ok();
    // Bound and dropped: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    for args in [
        vec!["push", "--to", url.as_str()],
        vec!["search", "--engine", url.as_str(), "党建"],
    ] {
        let out = ws.run(&args);
        let err = support::stderr(&out);
        assert_eq!(support::code(&out), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(&url), "{args:?}: {err}");
    }
    for bad in ["https://qw:7280", "qw:7280", "http://qw:7280/a b"] {
        let out = ws.run(&["push", "--to", bad]);
        assert_eq!(support::code(&out), Some(2), "{bad}");
        assert!(support::stderr(&out).contains("http://"), "{bad}");
    }
    // The local index is as it was.
    assert!(ws
        .stdout(&["search", "-l", "\"小营盘镇\""])
        .contains(".txt"));
}
