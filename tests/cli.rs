//! Integration tests on the real `zhsearch` binary, each in its own temporary folder.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use predicates::prelude::*;
use support::{Workspace, REPO};

#[test]
fn first_search_builds_index_from_corpus() {
    let sb = Workspace::bundled();
    sb.cmd()
        .args(["search", "党建"])
        .assert()
        .success()
        .stderr(predicate::str::contains("indexing corpus first"))
        .stdout(predicate::str::contains("000_44c36bc19d531045.txt"))
        .stdout(predicate::str::contains("博乐市小营盘镇党委"));
    assert!(sb.path().join("index/meta.json").is_file());
}

#[test]
fn an_index_from_another_analysis_is_rebuilt_before_searching() {
    let sb = Workspace::bundled();
    sb.index().success();
    let expected = sb.paths_in("index", "\"小营盘镇\"");
    assert_eq!(expected.len(), 1);
    // Pretend another version of zhsearch (another list of indexed bigrams, say) made it.
    let meta = sb.path().join("index/meta.json");
    let text = std::fs::read_to_string(&meta).unwrap();
    assert!(text.contains("analysis v"), "{text}");
    std::fs::write(&meta, text.replace("analysis v", "analysis old-v")).unwrap();
    sb.cmd()
        .args(["search", "-l", "\"小营盘镇\""])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "must be rebuilt (analysis configuration changed)",
        ));
    // Rebuilt once: the next search says nothing and finds the same.
    sb.cmd()
        .args(["search", "-l", "\"小营盘镇\""])
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
    assert_eq!(sb.paths_in("index", "\"小营盘镇\""), expected);
}

#[test]
fn an_index_of_an_earlier_layout_is_rebuilt_from_the_folder_it_recorded() {
    let sb = Workspace::bundled();
    // Its reports live elsewhere than ./corpus, which holds other reports.
    let archive = sb.path().join("archive");
    std::fs::create_dir_all(&archive).unwrap();
    std::fs::write(archive.join("a.txt"), "档案\n\n只在档案室里的一句话。").unwrap();
    // An index as an earlier zhsearch left it: another schema, its folder in the commit.
    let old = sb.path().join("old-index");
    std::fs::create_dir_all(&old).unwrap();
    let mut schema = tantivy::schema::Schema::builder();
    schema.add_text_field("body_word", tantivy::schema::TEXT);
    let index = tantivy::Index::create_in_dir(&old, schema.build()).unwrap();
    let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
    let payload = serde_json::json!({
        "format": 5,
        "segmenter": "jieba-rs 0.11.0",
        "root": std::fs::canonicalize(&archive).unwrap(),
        "updated": 0,
    });
    let mut commit = writer.prepare_commit().unwrap();
    commit.set_payload(&payload.to_string());
    commit.commit().unwrap();
    drop(writer);
    sb.cmd()
        .args(["--index", "old-index", "search", "-l", "\"只在档案室里\""])
        .assert()
        .success()
        .stdout("a.txt\n")
        .stderr(predicate::str::contains("index format changed"));
    let v = sb.json(&["--index", "old-index", "stats", "--json"]);
    assert_eq!(v["reports"], 1);
    assert!(v["folder"].as_str().unwrap().ends_with("archive"));
}

#[test]
fn phrase_finds_what_jieba_splits() {
    let sb = Workspace::bundled();
    sb.index().success();
    for q in ["\"小营盘镇\"", "\"营盘镇\"", "\"小营盘镇党委\"", "小营盘镇"] {
        let paths = sb.paths_in("index", q);
        assert!(paths.contains("000_44c36bc19d531045.txt"), "{q}: {paths:?}");
    }
    // Not across punctuation: the text has 党建统领 but never 统领打造 without the space.
    assert!(sb.paths_in("index", "\"统领打造\"").is_empty());
    assert_eq!(sb.paths_in("index", "\"党建统领 打造\"").len(), 1);
}

#[test]
fn exit_codes_follow_grep() {
    let sb = Workspace::bundled();
    sb.index().success();
    sb.cmd().args(["search", "党建"]).assert().code(0);
    sb.cmd()
        .args(["search", "\"不存在的短语组合\""])
        .assert()
        .code(1)
        .stdout("");
    sb.cmd()
        .args(["search", "-l", "\"不存在的短语组合\""])
        .assert()
        .code(1)
        .stdout("");
}

#[test]
fn malformed_queries_get_one_line_and_exit_2() {
    let sb = Workspace::bundled();
    sb.index().success();
    for q in [
        "\"党建",
        "(党建",
        "党建)",
        "OR 党建",
        "党建 OR",
        "NOT",
        "title:",
        "   ",
        "()",
    ] {
        let out = sb.cmd().args(["search", "--", q]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{q}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "{q}: {err}");
        assert!(err.contains("column"), "{q}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("backtrace"),
            "{err}"
        );
    }
    let out = sb
        .cmd()
        .args(["search", "党建", "--from", "2017-13"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("YYYY-MM"));
}

#[test]
fn pasted_titles_and_chinese_punctuation_are_text() {
    let sb = Workspace::bundled();
    sb.index().success();
    let v = sb.json(&["search", "--json", "区政府新闻发布会：前三季度经济运行情况"]);
    assert_eq!(v["hits"][0]["path"], "新闻发布_全角.txt");
    let v = sb.json(&["search", "--json", "“两学一做”"]);
    assert_eq!(v["total"], 1);
    // Full-width letters in the text match half-width queries and the reverse.
    assert_eq!(
        sb.paths_in("index", "\"gdp\""),
        sb.paths_in("index", "\"ＧＤＰ\"")
    );
    assert_eq!(sb.paths_in("index", "\"gdp\"").len(), 1);
}

#[test]
fn json_hits_have_the_documented_shape() {
    let sb = Workspace::bundled();
    sb.index().success();
    let v = sb.json(&["search", "--json", "党建"]);
    let total = v["total"].as_u64().unwrap();
    assert_eq!(total as usize, sb.paths_in("index", "党建").len());
    let hits = v["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    for hit in hits {
        for key in ["path", "title", "date", "score", "snippet", "highlights"] {
            assert!(hit.get(key).is_some(), "{key} missing in {hit}");
        }
        let snippet: Vec<char> = hit["snippet"].as_str().unwrap().chars().collect();
        let highlights = hit["highlights"].as_array().unwrap();
        assert!(!highlights.is_empty());
        for h in highlights {
            let (s, e) = (
                h[0].as_u64().unwrap() as usize,
                h[1].as_u64().unwrap() as usize,
            );
            assert_eq!(snippet[s..e].iter().collect::<String>(), "党建");
        }
    }
    let scores: Vec<f64> = hits.iter().map(|h| h["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
}

#[test]
fn boolean_operators_and_fields() {
    let sb = Workspace::bundled();
    sb.index().success();
    let a = sb.paths_in("index", "党建");
    let b = sb.paths_in("index", "述职");
    let or: BTreeSet<_> = a.union(&b).cloned().collect();
    let and: BTreeSet<_> = a.intersection(&b).cloned().collect();
    let not: BTreeSet<_> = a.difference(&b).cloned().collect();
    assert_eq!(sb.paths_in("index", "党建 OR 述职"), or);
    assert_eq!(sb.paths_in("index", "党建 述职"), and);
    assert_eq!(sb.paths_in("index", "党建 AND 述职"), and);
    assert_eq!(sb.paths_in("index", "党建 -述职"), not);
    assert_eq!(sb.paths_in("index", "党建 NOT 述职"), not);
    assert_eq!(sb.paths_in("index", "(党建 OR 述职) -述职"), not);
    assert_eq!(
        sb.paths_in("index", "title:纪要"),
        BTreeSet::from(["会议纪要_党委会.md".to_string()])
    );
    assert!(sb
        .paths_in("index", "title:\"营盘镇\"")
        .contains("000_44c36bc19d531045.txt"));
    assert!(sb.paths_in("index", "title:党建").len() < a.len());
}

#[test]
fn date_filters_and_sort() {
    let sb = Workspace::bundled();
    sb.index().success();
    let v = sb.json(&["search", "--json", "党", "--sort", "date", "--limit", "100"]);
    let dates: Vec<String> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["date"].as_str().unwrap_or("").to_string())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
    let in_2018 = sb
        .cmd()
        .args(["search", "-l", "党", "--from", "2018", "--to", "2018"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(in_2018.stdout).unwrap(),
        "2018_党建工作总结.txt\n"
    );
    let range = sb.json(&[
        "search",
        "--json",
        "党",
        "--from",
        "2019-01",
        "--to",
        "2021-06-18",
    ]);
    assert_eq!(range["total"], 2);
    sb.cmd()
        .args(["search", "党", "--from", "2022", "--to", "2021"])
        .assert()
        .code(2);
}

#[test]
fn paging_with_limit_and_offset() {
    let sb = Workspace::bundled();
    sb.index().success();
    let all = sb.json(&["search", "--json", "党", "--limit", "100"]);
    let page = sb.json(&["search", "--json", "党", "--limit", "2", "--offset", "1"]);
    assert_eq!(page["hits"].as_array().unwrap().len(), 2);
    assert_eq!(page["hits"][0]["path"], all["hits"][1]["path"]);
    assert_eq!(page["hits"][1]["path"], all["hits"][2]["path"]);
}

#[test]
fn unreadable_files_are_named_and_skipped() {
    let sb = Workspace::bundled();
    sb.write("bad/binary.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0");
    sb.write("bad/empty.txt", b"");
    sb.write("bad/blank.md", b"  \n\n");
    sb.write("sub/ok.txt", "子目录里的报告\n\n内容：独一无二的测试短语。");
    sb.index()
        .code(1)
        .stderr(predicate::str::contains("bad/binary.txt: binary file"))
        .stderr(predicate::str::contains("bad/empty.txt: empty file"))
        .stderr(predicate::str::contains("bad/blank.md: empty file"))
        .stderr(predicate::str::contains("6 added"));
    assert_eq!(
        sb.paths_in("index", "\"独一无二的测试短语\""),
        BTreeSet::from(["sub/ok.txt".to_string()])
    );
}

#[test]
fn color_only_when_asked_or_on_a_terminal() {
    let sb = Workspace::bundled();
    sb.index().success();
    let plain = sb.cmd().args(["search", "党建"]).output().unwrap();
    assert!(!plain.stdout.contains(&0x1b));
    let colored = sb
        .cmd()
        .args(["search", "党建", "--color", "always"])
        .output()
        .unwrap();
    assert!(colored.stdout.contains(&0x1b));
}

#[test]
fn reports_with_more_occurrences_rank_higher() {
    let sb = Workspace::empty();
    // Same length, the same title; b holds each word three times, a once.
    let filler = "今天天气很好。".repeat(40);
    sb.write("a.txt", format!("报告\n\n乡村振兴{filler}天气很好天气很好"));
    sb.write("b.txt", format!("报告\n\n乡村振兴{filler}乡村振兴乡村振兴"));
    sb.index().success();
    // A bigram of frequent characters, a pair with a rarer one, and a jieba word.
    for q in ["乡村", "振兴", "乡村振兴"] {
        let v = sb.json(&["search", "--json", q]);
        let paths: Vec<&str> = v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["path"].as_str().unwrap())
            .collect();
        assert_eq!(paths, ["b.txt", "a.txt"], "{q}");
        let scores: Vec<f64> = v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["score"].as_f64().unwrap())
            .collect();
        assert!(scores[0] > scores[1], "{q}: {scores:?}");
    }
}

#[test]
fn stats_reports_the_index() {
    let sb = Workspace::bundled();
    sb.index().success();
    let v = sb.json(&["stats", "--json"]);
    assert_eq!(v["reports"], 5);
    assert!(v["folder"].as_str().unwrap().ends_with("corpus"));
    assert!(v["analysis"]
        .as_str()
        .unwrap()
        .contains("frequent characters"));
    assert_eq!(v["analysis_current"], true);
    assert!(v["index_bytes"].as_u64().unwrap() > 0);
    sb.cmd()
        .arg("stats")
        .assert()
        .success()
        .stdout(predicate::str::contains("reports:      5"));
}

#[test]
fn help_for_every_command() {
    let sb = Workspace::empty();
    for cmd in [
        &["--help"][..],
        &["index", "--help"],
        &["search", "--help"],
        &["stats", "--help"],
    ] {
        sb.cmd()
            .args(cmd)
            .assert()
            .success()
            .stdout(predicate::str::contains("Usage"));
    }
}

#[test]
fn missing_index_or_folder_is_a_clear_error() {
    let sb = Workspace::empty();
    sb.cmd()
        .args(["search", "党建"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no index"));
    sb.cmd()
        .args(["index", "nowhere"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nowhere"));
}

/// Every query's matching set, for comparing two indexes.
fn fingerprint(sb: &Workspace, index: &str) -> Vec<BTreeSet<String>> {
    let queries = [
        "党建",
        "\"党建引领\"",
        "述职 OR 纪要",
        "\"营盘镇\"",
        "乡村振兴",
        "title:报告",
        "改名",
        "新增报告",
        "修改后",
        "-党建",
        "gdp",
        "\"党委\"",
    ];
    queries.iter().map(|q| sb.paths_in(index, q)).collect()
}

#[test]
fn incremental_equals_rebuild_after_changes() {
    let sb = Workspace::bundled();
    sb.index()
        .success()
        .stderr(predicate::str::contains("5 added"));
    // Unchanged folder: nothing read, nothing committed.
    sb.index().success().stderr(predicate::str::contains(
        "0 added, 0 updated, 0 removed, 0 renamed, 5 unchanged",
    ));
    // Add, modify, delete, rename.
    sb.write(
        "new/新增报告.txt",
        "新增报告\n\n时间:2022-01-01\n\n乡村振兴新增报告正文。",
    );
    sb.write(
        "2018_党建工作总结.txt",
        "修改后的总结\n\n时间:2018-03-06\n\n修改后正文，不再提到那个词。",
    );
    std::fs::remove_file(sb.corpus().join("会议纪要_党委会.md")).unwrap();
    std::fs::rename(
        sb.corpus().join("述职报告_gb18030.txt"),
        sb.corpus().join("改名后的述职报告.txt"),
    )
    .unwrap();
    sb.cmd()
        .arg("index") // no DIR: the index remembers its folder
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "1 added, 1 updated, 1 removed, 1 renamed, 2 unchanged",
        ));
    let incremental = fingerprint(&sb, "index");
    sb.cmd()
        .args(["--index", "fresh", "index", "corpus"])
        .assert()
        .success();
    assert_eq!(incremental, fingerprint(&sb, "fresh"));
    assert!(incremental[0].contains("改名后的述职报告.txt"));
    assert!(!incremental[0].contains("述职报告_gb18030.txt"));
    // Touching a file without changing it changes nothing visible.
    let f = std::fs::File::options()
        .append(true)
        .open(sb.corpus().join("改名后的述职报告.txt"))
        .unwrap();
    f.set_modified(std::time::SystemTime::now() + Duration::from_secs(5))
        .unwrap();
    sb.index().success().stderr(predicate::str::contains(
        "0 added, 0 updated, 0 removed, 0 renamed",
    ));
    assert_eq!(incremental, fingerprint(&sb, "index"));
    // --rebuild gives the same answers again.
    sb.cmd()
        .args(["index", "--rebuild"])
        .assert()
        .success()
        .stderr(predicate::str::contains("rebuilt"));
    assert_eq!(incremental, fingerprint(&sb, "index"));
}

#[test]
fn second_writer_fails_at_once_naming_the_lock() {
    let sb = Workspace::bundled();
    sb.index().success();
    let index = zhsearch::index::ReportIndex::open(&sb.path().join("index")).unwrap();
    let _writer: tantivy::IndexWriter = index.index.writer(50_000_000).unwrap();
    sb.write("x.txt", "另一份报告\n\n内容");
    sb.index()
        .code(2)
        .stderr(predicate::str::contains(".tantivy-writer.lock"))
        .stderr(predicate::str::contains("another process"));
    // Searching is not blocked by a writer.
    sb.cmd().args(["search", "党建"]).assert().success();
}

/// Writes `n` synthetic reports derived from the bundled sample.
fn many_reports(sb: &Workspace, n: usize) {
    let sample =
        std::fs::read_to_string(Path::new(REPO).join("corpus/000_44c36bc19d531045.txt")).unwrap();
    for i in 0..n {
        sb.write(
            &format!("bulk/{:02}/{i:05}.txt", i % 20),
            format!(
                "第{i}号报告\n\n时间:2019-01-{:02}\n\n编号{i}号。{sample}",
                i % 28 + 1
            ),
        );
    }
}

#[test]
fn killing_the_indexer_never_corrupts_the_index() {
    let sb = Workspace::bundled();
    sb.index().success();
    many_reports(&sb, 2500);
    for delay_ms in [30, 150, 400, 900] {
        let mut child = sb
            .command()
            .args(["index", "corpus", "--quiet"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // The last commit stays searchable.
        let out = sb.cmd().args(["search", "-l", "党建"]).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "after kill at {delay_ms} ms: {out:?}"
        );
    }
    sb.index().success();
    let v = sb.json(&["stats", "--json"]);
    assert_eq!(v["reports"], 2505);
    assert_eq!(
        sb.paths_in("index", "\"第2499号报告\""),
        BTreeSet::from(["corpus/bulk/19/02499.txt".replace("corpus/", "")])
    );
}

#[test]
fn without_an_index_or_a_corpus_every_reading_command_says_how_to_make_one() {
    // An empty folder: no ./corpus to build from, no index.
    let sb = Workspace::empty();
    for args in [
        &["search", "党建"][..],
        &["entities"],
        &["export"],
        &["stats"],
        &["--index", "elsewhere", "search", "-l", "\"党建\""],
    ] {
        sb.cmd()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("no index at "))
            .stderr(predicate::str::contains(
                "run `zhsearch index DIR` to index a folder of reports",
            ))
            .stderr(predicate::str::contains("panicked").not());
    }
    // Nothing was created on the way.
    assert!(!sb.path().join("index").exists());
    assert!(!sb.path().join("elsewhere").exists());
}
