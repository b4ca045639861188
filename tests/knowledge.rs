//! The knowledge base on the real binary: `kind:`/`person:`/`place:`/`org:`/`keyword:`,
//! `--facets`, `entities`, `similar` and `export`, each checked against `export` itself — what
//! the index says a report names must be what the filters and counts find.
//!
//! Runs on the bundled corpus, plus 400 reports of ../shared/bench when it is present (skipped
//! with a notice otherwise).

mod support;

use std::collections::{BTreeMap, BTreeSet};

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::SeedableRng;
use serde_json::Value;
use support::{Workspace, ALIASED_REPORTS};

const FACETS: [&str; 5] = ["kind", "person", "place", "org", "keyword"];

/// The bundled corpus, and `bench` reports of ../shared/bench when there are any.
fn sandbox(bench: usize) -> Workspace {
    let sb = Workspace::bundled();
    if bench > 0 {
        support::copies::write_bench_slice(&sb.corpus().join("bench"), 0, bench);
    }
    sb
}

/// `zhsearch export EXTRA`: one record a line.
fn export(sb: &Workspace, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["export"];
    args.extend(extra);
    sb.stdout(&args)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The values of `facet` in an exported record, as the index counts them: people, places and
/// organizations under their canonical names (export's `"canonical"`), each once.
fn values(record: &Value, facet: &str) -> Vec<String> {
    let mut out: Vec<String> = written(record, facet)
        .into_iter()
        .map(|name| match record["canonical"][facet][&name].as_str() {
            Some(canonical) => canonical.to_string(),
            None => name,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The values of `facet` in an exported record as written in the report.
fn written(record: &Value, facet: &str) -> Vec<String> {
    let v = match facet {
        "kind" => return vec![record["kind"].as_str().unwrap().to_string()],
        "keyword" => &record["keywords"],
        entity => &record["entities"][entity],
    };
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// For each facet, each value and the paths of the records listing it.
fn inverted(records: &[Value]) -> BTreeMap<&'static str, BTreeMap<String, BTreeSet<String>>> {
    let mut out: BTreeMap<&str, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for r in records {
        for facet in FACETS {
            for v in values(r, facet) {
                out.entry(facet)
                    .or_default()
                    .entry(v)
                    .or_default()
                    .insert(r["path"].as_str().unwrap().to_string());
            }
        }
    }
    out
}

/// `zhsearch entities --json` lists every person, place and organization with the number of
/// reports the export says name it.
fn assert_entity_counts_match(
    sb: &Workspace,
    index: &BTreeMap<&'static str, BTreeMap<String, BTreeSet<String>>>,
    when: &str,
) {
    let out = sb.stdout(&["entities", "--json", "--top", "100000"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    for facet in ["person", "place", "org"] {
        let got: BTreeMap<String, u64> = v[facet]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_u64().unwrap()))
            .collect();
        let expected: BTreeMap<String, u64> = index
            .get(facet)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.len() as u64)).collect())
            .unwrap_or_default();
        assert_eq!(got, expected, "{when} {facet}");
    }
}

#[test]
fn export_has_the_documented_shape_in_path_order() {
    let sb = sandbox(0);
    sb.index_ok();
    let records = export(&sb, &[]);
    assert_eq!(records.len(), 5);
    let keys: BTreeSet<&str> = records[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let documented: BTreeSet<&str> = [
        "id",
        "path",
        "title",
        "date",
        "kind",
        "keywords",
        "entities",
        "canonical",
        "headings",
    ]
    .into();
    assert_eq!(keys, documented);
    let paths: Vec<&str> = records
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    for r in &records {
        let kind = r["kind"].as_str().unwrap();
        assert!(!kind.is_empty(), "{r}");
        let keywords = r["keywords"].as_array().unwrap();
        assert!((1..=8).contains(&keywords.len()), "{r}");
        let entities = r["entities"].as_object().unwrap();
        assert_eq!(entities.len(), 3, "{r}");
    }
    // The sample report names its town's party committee as one organization.
    let sample = records
        .iter()
        .find(|r| r["path"] == "000_44c36bc19d531045.txt")
        .unwrap();
    assert!(values(sample, "org").contains(&"博乐市小营盘镇党委".to_string()));
    assert!(values(sample, "place").contains(&"小营盘镇".to_string()));

    // --text adds the whole text, as stored.
    let with_text = export(&sb, &["--text"]);
    let original = std::fs::read_to_string(sb.corpus().join("2018_党建工作总结.txt")).unwrap();
    let record = with_text
        .iter()
        .find(|r| r["path"] == "2018_党建工作总结.txt")
        .unwrap();
    assert_eq!(
        record["text"].as_str().unwrap().trim(),
        original.trim_start_matches('\u{feff}').trim()
    );
}

#[test]
fn knowledge_filters_find_exactly_the_reports_export_lists() {
    let sb = sandbox(400);
    sb.index_ok();
    let records = export(&sb, &[]);
    let index = inverted(&records);
    let mut rng = StdRng::seed_from_u64(20261130);
    let mut checked = 0;
    for (facet, by_value) in &index {
        let all: Vec<(&String, &BTreeSet<String>)> = by_value.iter().collect();
        // Every kind; a sample of the rest, frequent values and rare ones alike.
        let sample: Vec<&(&String, &BTreeSet<String>)> = if *facet == "kind" {
            all.iter().collect()
        } else {
            all.choose_multiple(&mut rng, 40).collect()
        };
        for (value, paths) in sample {
            if value.contains('"') {
                continue;
            }
            let query = format!("{facet}:\"{value}\"");
            assert_eq!(&sb.paths(&query, &[]), *paths, "{query}");
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} values checked");
    // A name as written finds the reports of its entity, under whatever name they wrote it.
    let mut aliased = 0;
    for r in &records {
        for facet in ["person", "place", "org"] {
            let Some(map) = r["canonical"][facet].as_object() else {
                continue;
            };
            for (name, canonical) in map.iter().take(2) {
                let query = format!("{facet}:\"{name}\"");
                let expected = &index[facet][canonical.as_str().unwrap()];
                assert_eq!(&sb.paths(&query, &[]), expected, "{query}");
                aliased += 1;
            }
        }
        if aliased >= 20 {
            break;
        }
    }
    assert!(aliased > 0, "no report names anything under another name");
}

#[test]
fn knowledge_prefixes_combine_with_words_dates_and_not() {
    let sb = sandbox(400);
    sb.index_ok();
    let records = export(&sb, &[]);
    let index = inverted(&records);
    for (kind, with_kind) in &index["kind"] {
        let words = sb.paths("党建", &["--from", "2018"]);
        let both = sb.paths(&format!("kind:{kind} 党建"), &["--from", "2018"]);
        let expected: BTreeSet<String> = with_kind.intersection(&words).cloned().collect();
        assert_eq!(both, expected, "kind:{kind} 党建 --from 2018");
        let all: BTreeSet<String> = records
            .iter()
            .map(|r| r["path"].as_str().unwrap().to_string())
            .collect();
        let without = sb.paths(&format!("-kind:{kind}"), &[]);
        let expected: BTreeSet<String> = all.difference(with_kind).cloned().collect();
        assert_eq!(without, expected, "-kind:{kind}");
    }
    // An unknown kind is a one-line error naming the kinds there are.
    let out = sb.cmd().args(["search", "kind:述职"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("述职报告"), "{err}");
}

#[test]
fn facets_count_the_whole_matching_set() {
    let sb = sandbox(400);
    sb.index_ok();
    let records = export(&sb, &[]);
    // Some match a few reports, some nearly all: those are counted from the segments' totals
    // less the reports that do not match.
    for query in [
        "党建",
        "发展",
        "\"会议\"",
        "的",
        "-\"乡村振兴\"",
        "-的",
        "的 -\"会议\"",
    ] {
        let matching = sb.paths(query, &[]);
        let out = sb.stdout(&["search", "--facets", "--json", "-n", "1", "--", query]);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v["hits"].as_array().unwrap().len().min(1),
            1.min(matching.len())
        );
        for facet in ["kind", "person", "place", "org"] {
            let mut counts: BTreeMap<String, u64> = BTreeMap::new();
            for r in records
                .iter()
                .filter(|r| matching.contains(r["path"].as_str().unwrap()))
            {
                for value in values(r, facet) {
                    *counts.entry(value).or_default() += 1;
                }
            }
            let mut expected: Vec<(String, u64)> = counts.into_iter().collect();
            expected.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            expected.truncate(10);
            let got: Vec<(String, u64)> = v["facets"][facet]
                .as_array()
                .unwrap_or_else(|| panic!("{query}: no facets.{facet} in {v}"))
                .iter()
                .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_u64().unwrap()))
                .collect();
            assert_eq!(got, expected, "{query} {facet}");
        }
    }
    // The terminal form lists them under their names.
    let text = sb.stdout(&["search", "党建", "--facets", "--color", "never"]);
    for name in ["类型 kind:", "人物 person:", "地点 place:", "机构 org:"] {
        assert!(text.contains(name), "{text}");
    }
}

#[test]
fn entities_lists_the_counts_export_implies() {
    let sb = sandbox(400);
    sb.index_ok();
    let records = export(&sb, &[]);
    let index = inverted(&records);
    assert_entity_counts_match(&sb, &index, "");
    let top = sb.stdout(&["entities", "--type", "place", "--top", "2"]);
    assert!(top.lines().count() <= 2, "{top}");
    assert!(top.lines().all(|l| l.starts_with("place ")), "{top}");
    let out = sb
        .cmd()
        .args(["entities", "--type", "人"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8(out.stderr).unwrap().lines().count(), 1);
}

/// `text` with every `every`-th sentence replaced, and another title.
fn edited_copy(text: &str, every: usize) -> String {
    let mut lines = text.lines();
    let _title = lines.next();
    let body: String = lines.collect::<Vec<_>>().join("\n");
    let mut out = String::from("关于小营盘镇党建工作的情况报告（修改稿）\n");
    for (i, sentence) in body.split_inclusive('。').enumerate() {
        if i % every == every - 1 {
            out.push_str("这一句是在复制之后重新写过的内容，和原文没有关系。");
        } else {
            out.push_str(sentence);
        }
    }
    out
}

#[test]
fn similar_finds_an_edited_copy_and_only_it() {
    let sb = sandbox(0);
    let original = std::fs::read_to_string(sb.corpus().join("000_44c36bc19d531045.txt")).unwrap();
    std::fs::write(sb.corpus().join("copy.txt"), edited_copy(&original, 5)).unwrap();
    sb.index_ok();
    let out = sb.stdout(&["similar", "corpus/000_44c36bc19d531045.txt", "--json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let duplicates = v["duplicates"].as_array().unwrap();
    assert_eq!(duplicates.len(), 1, "{v}");
    assert_eq!(duplicates[0]["path"], "copy.txt");
    let overlap = duplicates[0]["overlap"].as_u64().unwrap();
    assert!((50..=95).contains(&overlap), "overlap {overlap}");
    // The report itself is never its own duplicate or relative.
    let related = v["related"].as_array().unwrap();
    assert!(related.len() <= 5);
    assert!(related
        .iter()
        .all(|r| r["path"] != "000_44c36bc19d531045.txt" && r["path"] != "copy.txt"));
    assert!(related
        .iter()
        .all(|r| !r["shared"].as_array().unwrap().is_empty()));

    // A file outside the folder is compared too: the original is found from the copy.
    let outside = sb.path().join("draft.txt");
    std::fs::write(&outside, edited_copy(&original, 4)).unwrap();
    let out = sb.stdout(&["similar", outside.to_str().unwrap(), "--json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let found: Vec<&str> = v["duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert!(found.contains(&"000_44c36bc19d531045.txt"), "{v}");
    assert!(found.contains(&"copy.txt"), "{v}");

    // Nothing alike: exit 1, and a clear error for a missing file.
    let lone = sb.path().join("lone.txt");
    std::fs::write(&lone, "完全无关的一行字").unwrap();
    sb.cmd()
        .args(["similar", lone.to_str().unwrap()])
        .assert()
        .code(1);
    let out = sb.cmd().args(["similar", "nope.txt"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("nope.txt"));
}

#[test]
fn counts_stay_consistent_after_adds_changes_and_deletes() {
    let sb = sandbox(120);
    sb.index_ok();
    let check = |when: &str| {
        let records = export(&sb, &[]);
        let index = inverted(&records);
        assert_entity_counts_match(&sb, &index, when);
        records
    };
    let before = check("after the first index");
    // Delete a third of the reports, change one, add a copy of another under a new name.
    let corpus = sb.corpus();
    let paths: Vec<String> = before
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_string())
        .collect();
    for p in paths.iter().step_by(3) {
        std::fs::remove_file(corpus.join(p)).unwrap();
    }
    std::fs::write(
        corpus.join(&paths[1]),
        "博乐市小营盘镇党委召开会议\n\n时间:2020-01-02\n\n镇党委书记张建国主持会议。",
    )
    .unwrap();
    std::fs::copy(corpus.join(&paths[2]), corpus.join("added.txt")).unwrap();
    sb.index_ok();
    let after = check("after deletes, a change and an add");
    assert_eq!(
        after.len(),
        before.len() - paths.iter().step_by(3).count() + 1
    );
    let changed = after
        .iter()
        .find(|r| r["path"] == paths[1].as_str())
        .unwrap();
    assert!(
        values(changed, "org").contains(&"博乐市小营盘镇党委".to_string()),
        "{changed}"
    );
}

fn set(paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|p| p.to_string()).collect()
}

/// `zhsearch entities --json --type TYPE`: name → reports.
fn entity_counts(sb: &Workspace, facet: &str) -> BTreeMap<String, u64> {
    let v = sb.json(&["entities", "--json", "--type", facet, "--top", "1000"]);
    v[facet]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_u64().unwrap()))
        .collect()
}

#[test]
fn filters_take_any_name_of_an_entity() {
    let sb = Workspace::with_reports(&ALIASED_REPORTS);
    sb.index_ok();
    let all = set(&["a.txt", "b.txt", "c.txt"]);
    for query in [
        "org:党中央",
        "org:中共中央",
        "org:中国共产党中央委员会",
        // Not written in any report, but a name of the same body.
        "org:中共中央委员会",
        // Traditional characters fold as the names do.
        "org:黨中央",
    ] {
        assert_eq!(sb.paths(query, &[]), all, "{query}");
    }
    for query in ["place:北京", "place:北京市"] {
        assert_eq!(sb.paths(query, &[]), set(&["b.txt", "c.txt"]), "{query}");
    }
    assert_eq!(
        sb.paths("-org:党中央", &[]),
        set(&["d.txt"]),
        "a name's negation leaves out every name of it"
    );
    assert_eq!(sb.paths("org:新华通讯社", &[]), set(&["d.txt"]));
    // A name of no entity still matches only itself.
    assert!(sb.paths("org:中央", &[]).is_empty());
}

#[test]
fn entities_and_facets_count_canonical_names() {
    let sb = Workspace::with_reports(&ALIASED_REPORTS);
    sb.index_ok();
    let orgs = entity_counts(&sb, "org");
    assert_eq!(orgs.get("中共中央"), Some(&3), "{orgs:?}");
    for name in ["党中央", "中国共产党中央委员会"] {
        assert!(!orgs.contains_key(name), "{name} counted apart: {orgs:?}");
    }
    let places = entity_counts(&sb, "place");
    assert_eq!(places.get("北京市"), Some(&2), "{places:?}");
    assert!(!places.contains_key("北京"), "{places:?}");
    // The facets beside results count the same way.
    let v = sb.json(&["search", "--facets", "--json", "org:党中央"]);
    assert_eq!(
        v["facets"]["org"][0],
        serde_json::json!(["中共中央", 3]),
        "{v}"
    );
}

#[test]
fn export_keeps_names_as_written_and_maps_the_others_to_their_canonical_name() {
    let sb = Workspace::with_reports(&ALIASED_REPORTS);
    sb.index_ok();
    let records = export(&sb, &[]);
    let by_path = |p: &str| records.iter().find(|r| r["path"] == p).unwrap().clone();
    let a = by_path("a.txt");
    assert_eq!(written(&a, "org"), ["中共中央"]);
    assert_eq!(a["canonical"], serde_json::json!({}));
    let b = by_path("b.txt");
    assert_eq!(written(&b, "org"), ["中国共产党中央委员会"]);
    assert_eq!(written(&b, "place"), ["北京"]);
    assert_eq!(
        b["canonical"],
        serde_json::json!({"org": {"中国共产党中央委员会": "中共中央"}, "place": {"北京": "北京市"}})
    );
    // Both names of one body, as written; only the one that differs is mapped.
    let c = by_path("c.txt");
    assert_eq!(written(&c, "org"), ["中共中央", "党中央"]);
    assert_eq!(
        c["canonical"],
        serde_json::json!({"org": {"党中央": "中共中央"}})
    );
    assert_eq!(by_path("d.txt")["canonical"], serde_json::json!({}));
}

#[test]
fn a_folder_adds_aliases_and_a_change_re_canonicalizes() {
    let sb = Workspace::with_reports(&ALIASED_REPORTS);
    sb.write(
        "zhsearch.toml",
        "[knowledge]\naliases = \"names/aliases.txt\"\n",
    );
    sb.write(
        "names/aliases.txt",
        "# our own names\n党中央 = 中共中央\n博乐 = 博乐市, 小营盘镇\n没有等号的一行\n",
    );
    sb.index_ok();
    // The folder's line wins over the bundled table; the bundled names of the body follow it.
    let orgs = entity_counts(&sb, "org");
    assert_eq!(orgs.get("党中央"), Some(&3), "{orgs:?}");
    assert!(!orgs.contains_key("中共中央"), "{orgs:?}");
    let places = entity_counts(&sb, "place");
    assert_eq!(places.get("博乐"), Some(&1), "{places:?}");
    assert_eq!(sb.paths("place:小营盘镇", &[]), set(&["d.txt"]));
    // Reported like the dictionary, with the line it could not use.
    let stats = sb.json(&["stats", "--json"]);
    let vocabulary = &stats["vocabulary"];
    assert_eq!(
        vocabulary["aliases"]["path"], "names/aliases.txt",
        "{stats}"
    );
    assert_eq!(vocabulary["aliases"]["entries"], 2, "{stats}");
    let rejected = vocabulary["rejected"].to_string();
    assert!(rejected.contains("\"line\":4"), "{rejected}");
    // The alias file is not a report.
    assert!(sb.paths("\"没有等号\"", &[]).is_empty());

    // Changed: every report is counted again under the new names.
    sb.write("names/aliases.txt", "中央委员会 = 中共中央\n");
    let out = sb.run(&["index"]);
    assert!(
        support::stderr(&out).contains("the folder's aliases changed"),
        "{}",
        support::stderr(&out)
    );
    let orgs = entity_counts(&sb, "org");
    assert_eq!(orgs.get("中央委员会"), Some(&3), "{orgs:?}");
    assert!(!orgs.contains_key("党中央"), "{orgs:?}");
    assert_eq!(entity_counts(&sb, "place").get("博乐市"), Some(&1));

    // A symbolic link is refused, and the bundled aliases are used.
    std::fs::remove_file(sb.path().join("corpus/names/aliases.txt")).unwrap();
    let target = sb.path().join("outside.txt");
    std::fs::write(&target, "党中央 = 中共中央\n").unwrap();
    std::os::unix::fs::symlink(&target, sb.path().join("corpus/names/aliases.txt")).unwrap();
    sb.index_ok();
    let orgs = entity_counts(&sb, "org");
    assert_eq!(orgs.get("中共中央"), Some(&3), "{orgs:?}");
    let stats = sb.json(&["stats", "--json"]);
    let rejected = stats["vocabulary"]["rejected"].to_string();
    assert!(rejected.contains("symbolic link"), "{rejected}");
}
