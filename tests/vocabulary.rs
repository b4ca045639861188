//! A folder's vocabulary end to end: `zhsearch.toml` with a dictionary and synonyms, on the
//! real binary (index, search, stats), the API and the search page, and `serve --watch`
//! picking up edits; traditional and simplified characters finding each other.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use support::{aliased_corpus, get, json, q, wait_until, TestServer, Workspace};

/// Reports written so that segmentation and synonyms decide what an unquoted query finds.
const REPORTS: &[(&str, &str)] = &[
    (
        "a.txt",
        "小营盘镇党委召开专题会议\n\n2023年3月1日\n\n小营盘镇党委召开会议，小营盘镇党委书记讲话，部署加强党的建设工作。",
    ),
    (
        "b.txt",
        "营盘村小学开学\n\n2023年3月2日\n\n营盘村的小学迎来新学期，镇党委领导到场祝贺。",
    ),
    (
        "c.txt",
        "兵营开放日活动\n\n2023年3月3日\n\n驻地兵营举办开放日，群众参观。",
    ),
    (
        "d.txt",
        "街道党建工作要点\n\n2023年3月4日\n\n街道党工委推进党建引领基层治理。",
    ),
    (
        "e.txt",
        "鄉村振興工作會議召開\n\n2023年3月5日\n\n會議強調，要以黨建引領鄉村振興，小營盤鎮黨委作交流發言。",
    ),
];

const CONFIG: &str =
    "[vocabulary]\ndictionary = \"vocab/dict.txt\"\nsynonyms = \"vocab/synonyms.txt\"\n";
const DICTIONARY: &str = "# 本单位词表\n小营盘镇党委 100 nt\n坏行 0\n";
const SYNONYMS: &str = "# 单向：营盘也找兵营\n营盘 => 兵营\n孤零零\n";

/// A folder with `corpus/` holding [`REPORTS`] and an empty `corpus/vocab/`.
fn folder() -> Workspace {
    let folder = Workspace::with_reports(REPORTS);
    std::fs::create_dir_all(folder.corpus().join("vocab")).unwrap();
    folder
}

/// `folder` given [`CONFIG`], [`DICTIONARY`] and [`SYNONYMS`].
fn with_vocabulary(folder: Workspace) -> Workspace {
    folder.write("zhsearch.toml", CONFIG);
    folder.write("vocab/dict.txt", DICTIONARY);
    folder.write("vocab/synonyms.txt", SYNONYMS);
    folder
}

/// The paths `zhsearch search -l -- QUERY` lists.
fn paths(folder: &Workspace, query: &str) -> BTreeSet<String> {
    folder.paths(query, &[])
}

fn set(paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|p| p.to_string()).collect()
}

#[test]
fn a_folder_dictionary_keeps_its_words_whole_and_re_extracts() {
    let folder = folder();
    folder.index_ok();
    // Without the dictionary jieba cuts 小营盘镇党委 into 小/营盘/镇党委, found anywhere.
    assert_eq!(
        paths(&folder, "小营盘镇党委"),
        set(&["a.txt", "b.txt", "e.txt"])
    );
    let before = folder.stdout(&["export"]);

    let folder = with_vocabulary(folder);
    let stderr = folder.index_ok();
    assert!(
        stderr.contains("rebuilt the index (the folder's dictionary changed)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("vocabulary: rejected vocab/dict.txt:3: frequency `0`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("vocabulary: rejected vocab/synonyms.txt:3: "),
        "{stderr}"
    );
    // Now it is one word: the unquoted query finds what the quoted phrase finds.
    assert_eq!(
        paths(&folder, "小营盘镇党委"),
        paths(&folder, "\"小营盘镇党委\"")
    );
    assert_eq!(paths(&folder, "小营盘镇党委"), set(&["a.txt", "e.txt"]));
    // The vocabulary files are not reports.
    let export = folder.stdout(&["export"]);
    assert!(!export.contains("vocab/"), "{export}");
    assert_eq!(export.lines().count(), REPORTS.len());
    // The extractor read the reports with the new word.
    assert_ne!(before, export);
    let a: serde_json::Value = serde_json::from_str(export.lines().next().unwrap()).unwrap();
    let keywords: Vec<&str> = a["keywords"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k.as_str())
        .collect();
    assert!(keywords.contains(&"小营盘镇党委"), "{keywords:?}");
    // A second run has nothing to do.
    let again = folder.index_ok();
    assert!(!again.contains("rebuilt"), "{again}");

    let stats = folder.stdout(&["stats"]);
    assert!(
        stats.contains(
            "dictionary vocab/dict.txt (1 entries); synonyms vocab/synonyms.txt (1 entries)"
        ),
        "{stats}"
    );
    assert!(stats.contains("rejected vocab/dict.txt:3: "), "{stats}");
}

#[test]
fn synonyms_widen_unquoted_words_only() {
    let folder = with_vocabulary(folder());
    folder.index_ok();
    // Bundled, one way: 党建 also finds 党的建设 (and 黨建, folded), not the reverse.
    assert_eq!(paths(&folder, "\"党建\""), set(&["d.txt", "e.txt"]));
    assert_eq!(paths(&folder, "党建"), set(&["a.txt", "d.txt", "e.txt"]));
    assert_eq!(paths(&folder, "党的建设"), set(&["a.txt"]));
    // The folder's one-way rule: 营盘 also finds 兵营, 兵营 does not find 营盘.
    assert_eq!(
        paths(&folder, "营盘"),
        set(&["a.txt", "b.txt", "c.txt", "e.txt"])
    );
    assert_eq!(paths(&folder, "兵营"), set(&["c.txt"]));
    assert_eq!(
        paths(&folder, "\"营盘\""),
        set(&["a.txt", "b.txt", "e.txt"])
    );
    // Excluding a word excludes its synonyms too.
    assert_eq!(paths(&folder, "开放日 -营盘"), set(&[]));
}

#[test]
fn traditional_and_simplified_find_each_other() {
    let folder = folder();
    folder.index_ok();
    assert_eq!(paths(&folder, "\"乡村振兴\""), set(&["e.txt"]));
    assert_eq!(paths(&folder, "\"黨建引領\""), set(&["d.txt", "e.txt"]));
    assert_eq!(
        paths(&folder, "place:博樂市"),
        paths(&folder, "place:博乐市")
    );
    // Knowledge is extracted in simplified characters.
    let export = folder.stdout(&["export"]);
    let e = export.lines().find(|l| l.contains("\"e.txt\"")).unwrap();
    assert!(e.contains("小营盘镇党委"), "{e}");
    // Snippets show the characters the report was written in.
    let out = folder.stdout(&["search", "--json", "--", "\"党建引领\""]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let snippets = v.to_string();
    assert!(snippets.contains("黨建引領"), "{snippets}");
}

fn api_paths(server: &TestServer, query: &str) -> BTreeSet<String> {
    let (status, v) = json(&server.url(&format!("/api/search?q={}&limit=50", q(query))));
    assert_eq!(status, 200, "{v}");
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_server_shows_the_vocabulary_and_watch_picks_up_edits() {
    let folder = with_vocabulary(folder());
    let server = TestServer::start(folder.path(), true);

    let (status, stats) = json(&server.url("/api/stats"));
    assert_eq!(status, 200);
    let vocabulary = &stats["vocabulary"];
    assert_eq!(vocabulary["dictionary"]["path"], "vocab/dict.txt");
    assert_eq!(vocabulary["synonyms"]["entries"], 1);
    let rejected = vocabulary["rejected"].as_array().unwrap();
    assert!(
        rejected
            .iter()
            .any(|r| r["file"] == "vocab/dict.txt" && r["line"] == 3),
        "{rejected:?}"
    );

    // The API and the page: a synonym matches and is highlighted.
    assert_eq!(
        api_paths(&server, "营盘"),
        set(&["a.txt", "b.txt", "c.txt", "e.txt"])
    );
    let (status, page) = get(&server.url(&format!("/?q={}", q("营盘"))));
    assert_eq!(status, 200);
    assert!(page.contains("<mark>兵营</mark>"), "{page}");

    // An edited synonym file applies to the next query, without a restart.
    folder.write("vocab/synonyms.txt", "营盘 => 兵营, 学期\n");
    wait_until("the edited synonyms", || {
        api_paths(&server, "营盘").contains("b.txt") && api_paths(&server, "营盘").len() == 4
    });
    // An edited dictionary re-extracts the reports: 营盘村 becomes a word of b.txt.
    folder.write("vocab/dict.txt", "小营盘镇党委 100 nt\n营盘村小学 100 nt\n");
    wait_until("the re-extracted knowledge", || {
        let (_, v) = json(&server.url(&format!("/api/search?q={}", q("keyword:营盘村小学"))));
        v["total"] == 1
    });
    let (_, stats) = json(&server.url("/api/stats"));
    assert_eq!(stats["vocabulary"]["dictionary"]["entries"], 2);
    assert_eq!(stats["knowledge_current"], true);
}

#[test]
fn watch_picks_up_a_folder_s_aliases_added_and_edited() {
    let dir = aliased_corpus();
    let server = TestServer::start(dir.path(), true);
    let entity = |name: &str| {
        let (status, v) = json(&server.url(&format!("/api/entity/org/{}", q(name))));
        (status, v)
    };
    assert_eq!(entity("党中央").1["name"], "中共中央");
    // Added: the folder's aliases apply to what the server counts, links and filters.
    let corpus = dir.path().join("corpus");
    std::fs::write(corpus.join("aliases.txt"), "党中央 = 中共中央\n").unwrap();
    std::fs::write(
        corpus.join("zhsearch.toml"),
        "[knowledge]\naliases = \"aliases.txt\"\n",
    )
    .unwrap();
    wait_until("the folder's aliases", || {
        let (status, v) = entity("中国共产党中央委员会");
        status == 200 && v["name"] == "党中央" && v["reports"] == 3
    });
    let (_, stats) = json(&server.url("/api/stats"));
    assert_eq!(
        stats["vocabulary"]["aliases"]["path"], "aliases.txt",
        "{stats}"
    );
    assert_eq!(stats["vocabulary"]["aliases"]["entries"], 1, "{stats}");
    // Edited: counted again under the new canonical name.
    std::fs::write(corpus.join("aliases.txt"), "中央委员会 = 中共中央\n").unwrap();
    wait_until("the edited aliases", || {
        let (status, v) = entity("党中央");
        status == 200 && v["name"] == "中央委员会" && v["reports"] == 3
    });
    let (_, stats) = json(&server.url("/api/stats"));
    assert_eq!(stats["knowledge_current"], true);
}

#[test]
fn a_broken_configuration_is_reported_and_loses_nothing() {
    let folder = folder();
    folder.write("zhsearch.toml", "[vocabulary\ndictionary = 3\n");
    let stderr = folder.index_ok();
    assert!(
        stderr.contains("vocabulary: rejected zhsearch.toml:1: "),
        "{stderr}"
    );
    assert_eq!(folder.stdout(&["export"]).lines().count(), REPORTS.len());
    // Paths outside the folder are refused.
    folder.write(
        "zhsearch.toml",
        "[vocabulary]\ndictionary = \"../outside.txt\"\n",
    );
    let stderr = folder.index_ok();
    assert!(
        stderr.contains("rejected ../outside.txt: must be a path inside the folder"),
        "{stderr}"
    );
    assert!(Path::new(&folder.corpus()).join("a.txt").exists());
}

#[test]
fn similar_reads_a_file_with_the_folder_dictionary_as_indexing_did() {
    // 红色管家 is one word only in the folder's dictionary (jieba cuts it 红色/管家).
    let folder = folder();
    folder.write(
        "zhsearch.toml",
        "[vocabulary]\ndictionary = \"vocab/dict.txt\"\n",
    );
    folder.write("vocab/dict.txt", "红色管家 100 nz\n");
    let probe = "社区推行红色管家服务\n\n2023年3月1日\n\n社区推行红色管家服务，红色管家走访群众，\
                 红色管家队伍不断壮大，红色管家成为品牌。";
    folder.write("f.txt", probe);
    folder.write(
        "g.txt",
        "红色管家经验交流会\n\n2023年3月5日\n\n各街道交流红色管家做法，红色管家覆盖全区，红色管家受到欢迎。",
    );
    folder.index_ok();
    let export = folder.stdout(&["export"]);
    for line in export
        .lines()
        .filter(|l| l.contains("\"f.txt\"") || l.contains("\"g.txt\""))
    {
        assert!(
            line.contains("\"红色管家\""),
            "indexing read the word: {line}"
        );
    }
    // The same report as a file outside the folder: `similar` extracts its knowledge itself,
    // and must read it as indexing did, so g.txt shares the folder's word with it.
    std::fs::write(folder.path().join("probe.txt"), probe).unwrap();
    let out = folder.stdout(&["similar", "probe.txt", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let g = v["related"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "g.txt")
        .unwrap_or_else(|| panic!("g.txt is related: {out}"));
    assert!(
        g["shared"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "红色管家"),
        "{out}"
    );
}
