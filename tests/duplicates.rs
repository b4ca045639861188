//! The copy audit on the real binary and the real server: planted copies with edits (other
//! dates, encodings, folders; sentences changed, cut and appended) are found as their groups,
//! oldest first, with the share of each report's text found in the earlier ones as an
//! independent oracle measures it; a folder without copies lists nothing.

mod support;

use std::collections::BTreeSet;

use serde_json::Value;
use support::copies::{self, Planted};
use support::{json, q, TestServer, Workspace};

/// The bundled corpus, the planted copies and 150 distinct bench reports (when the bench is
/// there): the planted groups, newest first.
fn planted() -> (Workspace, Vec<Planted>) {
    let ws = Workspace::bundled();
    let groups = copies::plant(&ws.corpus());
    copies::write_bench_slice(&ws.corpus().join("bench"), 100, 150);
    (ws, groups)
}

/// The paths of each listed group, in the order listed.
fn listed(v: &Value) -> Vec<Vec<String>> {
    v["groups"]
        .as_array()
        .unwrap_or_else(|| panic!("no groups in {v}"))
        .iter()
        .map(|g| {
            g["reports"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["path"].as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

fn expected(groups: &[Planted]) -> Vec<Vec<String>> {
    groups
        .iter()
        .map(|g| g.paths.iter().map(|p| p.to_string()).collect())
        .collect()
}

/// Every listed group has the documented shape, its reports by date, the first at 0% and the
/// others at the share the oracle measures on the files (within rounding).
fn assert_groups_measured(v: &Value, corpus: &std::path::Path) {
    let top: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(top, BTreeSet::from(["groups"]));
    for group in v["groups"].as_array().unwrap() {
        let keys: BTreeSet<&str> = group
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, BTreeSet::from(["reports"]));
        let reports = group["reports"].as_array().unwrap();
        assert!(reports.len() >= 2, "{group}");
        let dates: Vec<&str> = reports
            .iter()
            .map(|r| r["date"].as_str().unwrap())
            .collect();
        let mut sorted = dates.clone();
        sorted.sort();
        assert_eq!(dates, sorted, "{group}");
        let texts: Vec<String> = reports
            .iter()
            .map(|r| copies::text_of(corpus, r["path"].as_str().unwrap()))
            .collect();
        for (i, r) in reports.iter().enumerate() {
            let keys: BTreeSet<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(
                keys,
                BTreeSet::from(["id", "path", "title", "date", "kind", "overlap"])
            );
            let overlap = r["overlap"].as_u64().unwrap() as f64;
            if i == 0 {
                assert_eq!(overlap, 0.0, "{r}");
                continue;
            }
            let earlier: Vec<&str> = texts[..i].iter().map(String::as_str).collect();
            let oracle = copies::share_found(&texts[i], &earlier);
            assert!(
                (overlap - oracle).abs() <= 1.0,
                "{}: overlap {overlap}, the oracle says {oracle:.1}",
                r["path"]
            );
        }
    }
}

#[test]
fn planted_copies_are_grouped_oldest_first_with_the_share_copied() {
    let (ws, groups) = planted();
    ws.index_ok();
    let v = ws.json(&["duplicates", "--json"]);
    assert_eq!(listed(&v), expected(&groups), "{v}");
    assert_groups_measured(&v, &ws.corpus());
    // Plausible: the edited copies hold most of the earlier text, not all of it.
    let overlaps: Vec<Vec<u64>> = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            g["reports"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["overlap"].as_u64().unwrap())
                .collect()
        })
        .collect();
    for copy in overlaps.iter().flat_map(|g| &g[1..]) {
        assert!((55..=98).contains(copy), "{overlaps:?}");
    }
    let kinds: Vec<&str> = v["groups"][0]["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["述职报告", "述职报告"]);

    // Filters keep a group when one of its reports matches, and list the whole group.
    let by_kind = ws.json(&["duplicates", "--json", "--kind", "述职报告"]);
    assert_eq!(listed(&by_kind), expected(&groups[..1]));
    let in_2020 = ws.json(&[
        "duplicates",
        "--json",
        "--from",
        "2020-06",
        "--to",
        "2020-12",
    ]);
    assert_eq!(listed(&in_2020), expected(&groups[1..]));
    let both = ws.run(&[
        "duplicates",
        "--kind",
        "述职报告",
        "--from",
        "2020-06",
        "--to",
        "2020-12",
    ]);
    assert_eq!(both.status.code(), Some(1), "{both:?}");

    // No copy holds all of another: nothing at 99%, exit code 1.
    let strict = ws.run(&["duplicates", "--json", "--min", "99"]);
    assert_eq!(strict.status.code(), Some(1));
    assert_eq!(
        listed(&serde_json::from_slice(&strict.stdout).unwrap()),
        Vec::<Vec<String>>::new()
    );

    // The terminal form: each group, its original marked first, the copies with their share.
    let out = ws.run(&["duplicates"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(
            "group 1 (2 reports):\n  first  2019-01-15  述职报告  述职报告_gb18030.txt"
        ),
        "{text}"
    );
    assert!(text.contains("group 2 (3 reports):"), "{text}");
    assert!(
        text.contains(&format!("  2020-06-15  其他  {}", copies::PROFILE_2020)),
        "{text}"
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("2 groups of reports sharing at least 50% of their text (5 reports)"),
        "{err}"
    );
}

#[test]
fn a_folder_without_copies_lists_nothing() {
    let ws = Workspace::bundled();
    copies::write_bench_slice(&ws.corpus().join("bench"), 100, 150);
    ws.index_ok();
    let out = ws.run(&["duplicates", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v, serde_json::json!({"groups": []}));
}

#[test]
fn bad_options_are_one_line_errors() {
    let (ws, _) = planted();
    ws.index_ok();
    for args in [
        &["duplicates", "--min", "10"][..],
        &["duplicates", "--min", "101"],
        &["duplicates", "--kind", "述职"],
        &["duplicates", "--from", "2021", "--to", "2020"],
        &["duplicates", "--from", "yesterday"],
    ] {
        let out = ws.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
    // A missing index is named, not built.
    let empty = Workspace::empty();
    let out = empty.run(&["duplicates"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("no index"));
}

#[test]
fn api_and_page_list_the_planted_groups() {
    let (ws, groups) = planted();
    let server = TestServer::start(ws.path(), false);
    let (status, v) = json(&server.url("/api/duplicates"));
    assert_eq!(status, 200, "{v}");
    assert_eq!(listed(&v), expected(&groups), "{v}");
    assert_groups_measured(&v, &ws.corpus());
    // The same answer as the command line's.
    let cli = ws.json(&["duplicates", "--json"]);
    assert_eq!(v, cli);

    let (_, by_kind) = json(&server.url(&format!("/api/duplicates?kind={}", q("述职报告"))));
    assert_eq!(listed(&by_kind), expected(&groups[..1]));
    let (_, dated) = json(&server.url("/api/duplicates?from=2020-06&to=2020-12&min="));
    assert_eq!(listed(&dated), expected(&groups[1..]));
    let (_, strict) = json(&server.url("/api/duplicates?min=99"));
    assert_eq!(listed(&strict), Vec::<Vec<String>>::new());
    for bad in [
        "min=10",
        "min=abc",
        "kind=%E8%BF%B0%E8%81%8C",
        "from=2021&to=2020",
        "page=0",
    ] {
        let (status, v) = json(&server.url(&format!("/api/duplicates?{bad}")));
        assert_eq!(status, 400, "{bad}: {v}");
        assert!(
            v["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{bad}: {v}"
        );
    }

    // The page: each report links to its document page, the original marked as such.
    let (status, html) = support::get(&server.url("/duplicates"));
    assert_eq!(status, 200);
    for group in v["groups"].as_array().unwrap() {
        for r in group["reports"].as_array().unwrap() {
            let link = format!("href=\"/doc/{}\"", r["id"].as_str().unwrap());
            assert!(html.contains(&link), "{link} missing");
        }
    }
    assert_eq!(html.matches("<section class=\"group\">").count(), 2);
    assert_eq!(html.matches(">原文<").count(), 2);
    assert!(
        html.contains("共 <strong>2</strong> 组、5 篇报告"),
        "{html}"
    );
    let (status, html) = support::get(&server.url("/duplicates?min=10"));
    assert_eq!(status, 400);
    assert!(
        html.contains("无法查重") && html.contains("30 to 100"),
        "{html}"
    );
    let (status, html) = support::get(&server.url("/duplicates?min=99"));
    assert_eq!(status, 200);
    assert!(html.contains("没有找到近似重复的报告"), "{html}");

    // A copy indexed while the server runs joins its group at the next request (the audit the
    // server remembers is of the index as it was).
    let review = copies::text_of(&ws.corpus(), copies::REVIEW_2021);
    ws.write(
        "2022/述职报告.txt",
        review.replace("时间：2021年1月10日", "时间：2022年1月12日"),
    );
    ws.index_ok();
    support::wait_until("the new copy is audited", || {
        let (_, v) = json(&server.url("/api/duplicates"));
        listed(&v).first().is_some_and(|g| g.len() == 3)
    });
    let (_, v) = json(&server.url("/api/duplicates"));
    assert_eq!(listed(&v)[0][2], "2022/述职报告.txt");
    assert_groups_measured(&v, &ws.corpus());
    // All of it but its date line was there before.
    let latest = v["groups"][0]["reports"][2]["overlap"].as_u64().unwrap();
    assert!((90..100).contains(&latest), "{v}");
}

/// A sentence of 15 to 39 Han characters drawn from the whole common block, so that unrelated
/// texts share next to no 5-character run.
fn sentence(rng: &mut rand::rngs::StdRng) -> String {
    use rand::Rng;
    let n = rng.random_range(15..40);
    let mut s: String = (0..n)
        .map(|_| char::from_u32(rng.random_range(0x4e00..0x9fa5)).unwrap())
        .collect();
    s.push('。');
    s
}

#[test]
fn groups_are_the_components_of_the_pairs_an_all_pairs_oracle_finds() {
    use rand::{Rng, SeedableRng};
    for seed in [1u64, 2, 3] {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let ws = Workspace::empty();
        std::fs::create_dir_all(ws.corpus()).unwrap();
        // (path, body sentences); every report gets a date of its own.
        let mut reports: Vec<(String, Vec<String>)> = Vec::new();
        for i in 0..40 {
            let body: Vec<String> = (0..rng.random_range(20..40))
                .map(|_| sentence(&mut rng))
                .collect();
            reports.push((format!("r{i:02}.txt"), body));
        }
        // Copies of originals, one to several of each: a few sentences rewritten, one dropped
        // or added. (Copies of copies drift towards the threshold, where the test could not
        // tell a miss from a pair just under it.)
        for c in 0..30 {
            let (_, source) = reports[rng.random_range(0..40)].clone();
            let mut body: Vec<String> = source
                .iter()
                .map(|s| {
                    if rng.random_bool(0.1) {
                        sentence(&mut rng)
                    } else {
                        s.clone()
                    }
                })
                .collect();
            if rng.random_bool(0.5) && body.len() > 8 {
                body.remove(rng.random_range(0..body.len()));
            } else {
                body.push(sentence(&mut rng));
            }
            reports.push((format!("copies/c{c:02}.txt"), body));
        }
        let mut days: Vec<u32> = (0..3650).collect();
        let mut texts = Vec::new();
        for (path, body) in &reports {
            let day = days.swap_remove(rng.random_range(0..days.len()));
            let date = chrono_like(day);
            let text = format!("{}\n\n时间:{date}\n\n{}", body[0], body.join("\n"));
            ws.write(path, &text);
            texts.push((path.clone(), date, text));
        }

        // The oracle: every pair, measured both ways; components of the pairs at 50% or more.
        let n = texts.len();
        let mut parent: Vec<usize> = (0..n).collect();
        fn root(p: &mut [usize], mut x: usize) -> usize {
            while p[x] != x {
                x = p[x];
            }
            x
        }
        for a in 0..n {
            for b in a + 1..n {
                let ab = copies::share_found(&texts[a].2, &[texts[b].2.as_str()]);
                let ba = copies::share_found(&texts[b].2, &[texts[a].2.as_str()]);
                let share = ab.max(ba);
                // No pair lies within 5 points of the threshold: the test decides nothing at its
                // edge, where bands find a pair with a probability below one.
                assert!(!(45.0..55.0).contains(&share), "seed {seed}: {share}");
                if share >= 50.0 {
                    let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                    parent[ra] = rb;
                }
            }
        }
        let mut components: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
        for i in 0..n {
            let r = root(&mut parent, i);
            components.entry(r).or_default().push(i);
        }
        let mut oracle: Vec<(String, Vec<String>)> = components
            .into_values()
            .filter(|c| c.len() > 1)
            .map(|mut c| {
                c.sort_by(|&x, &y| texts[x].1.cmp(&texts[y].1));
                let newest = texts[*c.last().unwrap()].1.clone();
                (newest, c.iter().map(|&i| texts[i].0.clone()).collect())
            })
            .collect();
        oracle.sort_by(|a, b| b.0.cmp(&a.0));
        let oracle: Vec<Vec<String>> = oracle.into_iter().map(|(_, g)| g).collect();
        assert!(
            oracle.len() >= 5,
            "seed {seed}: only {} groups",
            oracle.len()
        );

        ws.index_ok();
        let v = ws.json(&["duplicates", "--json"]);
        assert_eq!(listed(&v), oracle, "seed {seed}");
        assert_groups_measured(&v, &ws.corpus());
    }
}

/// Day `day` from 2015-01-01 as `YYYY-MM-DD` (months of 28 days: every date is valid).
fn chrono_like(day: u32) -> String {
    format!(
        "{}-{:02}-{:02}",
        2015 + day / 336,
        day % 336 / 28 + 1,
        day % 28 + 1
    )
}
