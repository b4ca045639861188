//! Regression tests for hostile input — reports, file names, queries and disks that crashed,
//! froze or leaked — on the real binary and the real server, each in its own temporary folder.

mod support;

use std::path::Path;
use std::process::Output;

use serde_json::Value;
use support::{run, stderr, TestServer, Workspace};

/// Characters whose normalized form is longer, shorter or different, in a title and a body.
const EXPANDING: &str = "含有½ ¼ ¾ ﷺ ℡ ℻ ㏾ ㍍ ㌢ ㈱ ⑴ ㋉的报告\n\n\
    正文1月3日 t l (x) ½ ﷺﷺ ㋉ 结束。第二段：Ａ１ ﬁ ㍻ 和 ⒜。\r\n";

/// Queries that used to panic the terminal output, drop page connections or overlap highlights.
const EXPANDING_QUERIES: &[&str] = &[
    "½",
    "ﷺ",
    "1 月",
    "3 日",
    "t l",
    "\"(\" \")\"",
    "title:½",
    "㋉",
    "10月",
    "1",
    "fi",
    "平成",
];

/// Highlights must be sorted, disjoint, non-empty and inside their text.
fn assert_well_formed(text: &str, highlights: &Value) {
    let len = text.chars().count();
    let mut at = 0;
    for h in highlights.as_array().unwrap() {
        let (s, e) = (
            h[0].as_u64().unwrap() as usize,
            h[1].as_u64().unwrap() as usize,
        );
        assert!(
            at <= s && s < e && e <= len,
            "{highlights} in {text:?} ({len} characters)"
        );
        at = e;
    }
}

fn is_one_error_line(out: &Output) -> bool {
    let err = stderr(out);
    out.status.code() == Some(2)
        && err.lines().count() == 1
        && err.starts_with("zhsearch: ")
        && !err.contains("panicked")
}

#[test]
fn highlighting_characters_that_normalization_expands_never_crashes() {
    let dir = Workspace::with_reports(&[("a.txt", EXPANDING.as_bytes())]);
    assert!(run(dir.path(), &["index", "corpus"]).status.success());
    for q in EXPANDING_QUERIES {
        for color in ["always", "never"] {
            let out = run(dir.path(), &["search", "--color", color, "--", q]);
            assert_eq!(out.status.code(), Some(0), "{q}: {}", stderr(&out));
            assert!(!stderr(&out).contains("panicked"), "{q}: {}", stderr(&out));
        }
        let out = run(dir.path(), &["search", "--json", "--", q]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let hit = &v["hits"][0];
        assert_well_formed(hit["snippet"].as_str().unwrap(), &hit["highlights"]);
        assert!(
            !hit["highlights"].as_array().unwrap().is_empty() || q.starts_with("title:"),
            "{q}: nothing highlighted in {hit}"
        );
    }
}

#[test]
fn pages_with_expanding_characters_render_with_marks() {
    let dir = Workspace::with_reports(&[("a.txt", EXPANDING.as_bytes())]);
    let server = TestServer::start(dir.path(), false);
    for q in EXPANDING_QUERIES {
        let (status, body) = support::get(&server.url(&format!("/?q={}", support::q(q))));
        assert_eq!(status, 200, "{q}: {body}");
        assert!(body.contains("<mark"), "{q}");
        let (_, v) = support::json(&server.url(&format!("/api/search?q={}", support::q(q))));
        let hit = &v["hits"][0];
        assert_well_formed(hit["snippet"].as_str().unwrap(), &hit["highlights"]);
        let id = hit["id"].as_str().unwrap();
        let (status, body) = support::get(&server.url(&format!("/doc/{id}?q={}", support::q(q))));
        assert_eq!(status, 200, "{q}: {body}");
        assert!(body.contains("<mark id=\"m0\">"), "{q}");
    }
}

#[test]
fn a_query_that_normalization_multiplies_is_refused_at_once() {
    let dir = Workspace::with_reports(&[("a.txt", "ﷺﷺ\n\n正文".as_bytes())]);
    assert!(run(dir.path(), &["index", "corpus"]).status.success());
    let long = "ﷺ".repeat(990);
    let out = run(dir.path(), &["search", &long]);
    assert!(is_one_error_line(&out), "{}", stderr(&out));
    assert!(stderr(&out).contains("once normalized"), "{}", stderr(&out));
    let server = TestServer::start(dir.path(), false);
    let (status, v) = support::json(&server.url(&format!("/api/search?q={}", support::q(&long))));
    assert_eq!(status, 400, "{v}");
    assert!(v["error"].as_str().unwrap().contains("once normalized"));
}

#[test]
fn a_search_past_its_budget_stops_and_says_so() {
    let dir = support::corpus();
    assert!(run(dir.path(), &["index", "corpus"]).status.success());
    let searcher = zhsearch::corpus::Corpus::open(&dir.path().join("index")).unwrap();
    // Positions (a phrase), bigrams only, and stored-text verification (a phrase with a space).
    for q in ["\"小营盘镇党委\"", "党建", "\"党建统领 打造\""] {
        let mut req = zhsearch::search::SearchRequest::new(q);
        assert!(searcher.search(&req).unwrap().total > 0, "{q}");
        req.budget = Some(std::time::Duration::ZERO);
        match searcher.search(&req) {
            Err(zhsearch::Error::Timeout(_)) => {}
            other => panic!("{q}: {other:?}"),
        }
    }
}

#[test]
fn the_server_answers_a_search_past_its_budget_with_503_and_retry_after() {
    let dir = support::corpus();
    let server = TestServer::with(dir.path(), |c| c.budget = std::time::Duration::ZERO);
    for path in [
        "/api/search?q=%22%E5%B0%8F%E8%90%A5%E7%9B%98%E9%95%87%22",
        "/?q=%E5%85%9A%E5%BB%BA",
    ] {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (status, retry) = rt.block_on(async {
            let resp = reqwest::get(server.url(path)).await.unwrap();
            let retry = resp
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            (resp.status().as_u16(), retry)
        });
        assert_eq!((status, retry.as_deref()), (503, Some("5")), "{path}");
    }
    // A malformed query is still a 400, and said at once.
    let (status, _) = support::get(&server.url("/api/search?q=%22open"));
    assert_eq!(status, 400);
    let (status, body) = support::get(&server.url("/healthz"));
    assert_eq!((status, body.as_str()), (200, "ok"));
}

#[test]
fn a_report_of_200000_short_lines_is_shown_in_bounded_parts() {
    let mut huge = String::from("超长报告\n");
    for i in 1..=200_000 {
        huge.push_str(&format!("第{i}条 加强党建工作\n"));
    }
    let one_line = format!("一行写成的报告{}", "正文内容，".repeat(400));
    let dir = Workspace::with_reports(&[
        ("huge.txt", huge.as_bytes()),
        ("one.txt", one_line.as_bytes()),
    ]);
    let server = TestServer::start(dir.path(), false);
    let id_of = |q: &str| {
        let (_, v) = support::json(&server.url(&format!("/api/search?q={}", support::q(q))));
        v["hits"][0]["id"].as_str().unwrap().to_string()
    };
    let id = id_of("\"第199999条\"");
    let (status, first) = support::get(&server.url(&format!("/doc/{id}")));
    assert_eq!(status, 200);
    assert!(first.len() < 1 << 20, "{} bytes", first.len());
    assert!(first.contains("第1条 加强党建工作") && !first.contains("第199999条"));
    let parts: usize = first
        .split("第 1 / ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no part navigation"));
    assert!(parts > 1);
    let (status, last) = support::get(&server.url(&format!("/doc/{id}?part={parts}")));
    assert_eq!(status, 200);
    assert!(last.contains("第200000条 加强党建工作"));
    assert!(last.len() < 1 << 20, "{} bytes", last.len());
    // The table of contents is bounded too.
    assert!(first.matches("href=\"/doc/").count() < 1000);
    // A report written as one line shows its text, not only its title.
    let id = id_of("一行写成的报告");
    let (status, page) = support::get(&server.url(&format!("/doc/{id}")));
    assert_eq!(status, 200);
    assert!(
        page.matches("正文内容").count() >= 400,
        "the body is missing"
    );
}

#[test]
fn api_and_cli_bounds_agree_and_fail_with_one_line() {
    let dir = Workspace::with_reports(&[("a.txt", "党建\n\n正文党建".as_bytes())]);
    for args in [
        &["-n", "1000000000000000"][..],
        &["-n", "18446744073709551615"],
        &["-n", "0"],
        &["-n", "10001"],
        &["--offset", "9999", "-n", "2"],
        &["--offset", "18446744073709551615"],
        &["--from", "2020", "--to", "2019"],
    ] {
        let out = run(dir.path(), &[&["search", "党建"][..], args].concat());
        assert!(is_one_error_line(&out), "{args:?}: {}", stderr(&out));
    }
    let out = run(dir.path(), &["search", "-n", "10000", "党建"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let server = TestServer::start(dir.path(), false);
    for bad in [
        "limit=0",
        "limit=101",
        "offset=9991",
        "limit=18446744073709551616",
    ] {
        let (status, v) = support::json(&server.url(&format!("/api/search?q=x&{bad}")));
        assert_eq!(status, 400, "{bad}: {v}");
    }
}

#[test]
fn terminal_escapes_in_reports_are_shown_not_obeyed() {
    let report = "标题\u{1b}[31m红\u{1b}]0;pwned\u{7}\n\n正文\u{1b}[2J党建\u{9b}31m和\u{202e}反向";
    let dir = Workspace::with_reports(&[("esc.txt", report.as_bytes())]);
    for color in ["always", "never"] {
        let out = run(dir.path(), &["search", "--color", color, "党建"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let stdout = String::from_utf8(out.stdout).unwrap();
        let without_styles = regex_lite_strip(&stdout);
        assert!(
            !without_styles.chars().any(|c| c.is_control() && c != '\n'),
            "{stdout:?}"
        );
        assert!(
            without_styles.contains("标题␛[31m红␛]0;pwned␇"),
            "{stdout:?}"
        );
    }
    // JSON stays exact.
    let out = run(dir.path(), &["search", "--json", "党建"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["hits"][0]["title"].as_str().unwrap().contains('\u{1b}'));
}

/// Removes the SGR sequences (`ESC [ digits;… m`) that `--color always` writes itself.
fn regex_lite_strip(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\u{1b}[") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 2..];
        let end = tail
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(tail.len());
        if tail[end..].starts_with('m') {
            rest = &tail[end + 1..];
        } else {
            out.push_str("\u{1b}[");
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_folder_are_neither_indexed_nor_served() {
    let dir = Workspace::with_reports(&[("a.txt", "报告\n\n党建正文".as_bytes())]);
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "机密\n\n机密文件内容").unwrap();
    let corpus = dir.path().join("corpus");
    std::os::unix::fs::symlink(outside.join("secret.txt"), corpus.join("p.txt")).unwrap();
    std::os::unix::fs::symlink(&outside, corpus.join("dir")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", corpus.join("passwd.txt")).unwrap();
    let out = run(dir.path(), &["index", "corpus"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for q in ["机密", "root"] {
        let out = run(dir.path(), &["search", "-l", q]);
        assert_eq!(out.status.code(), Some(1), "{q} found: {out:?}");
    }
    let out = run(dir.path(), &["search", "-l", "党建"]);
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "a.txt\n");
}

#[cfg(unix)]
#[test]
fn file_names_with_newlines_and_invalid_utf8_are_handled() {
    use std::os::unix::ffi::OsStrExt;
    let dir = Workspace::with_reports(&[
        ("a\nb.txt", "换行\n\n党建正文".as_bytes()),
        ("esc\u{1b}[2J.txt", b"\0binary"),
    ]);
    let bad = std::ffi::OsStr::from_bytes(b"\xff\xfe.txt");
    std::fs::write(dir.path().join("corpus").join(bad), "乱码名\n\n党建").unwrap();
    let out = run(dir.path(), &["index", "corpus"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("not valid UTF-8"), "{}", stderr(&out));
    // A skipped file's name reaches the terminal with its escape made visible.
    assert!(stderr(&out).contains("esc␛[2J.txt"), "{}", stderr(&out));
    assert!(!stderr(&out).contains('\u{1b}'));
    let out = run(dir.path(), &["search", "-l", "-0", "党建"]);
    assert_eq!(out.stdout, b"a\nb.txt\0");
    let out = run(dir.path(), &["search", "-0", "党建"]);
    assert_eq!(out.status.code(), Some(2), "--null needs -l");
}

/// A tmpfs of `mb` MiB at `path`, unmounted when dropped; `None` where mounting is not allowed.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(path: &Path, mb: u32) -> Option<Tmpfs> {
        std::fs::create_dir_all(path).ok()?;
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"])
            .arg(path)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(path.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

fn du(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

#[test]
fn a_full_disk_loses_nothing_and_the_next_run_recovers() {
    let dir = Workspace::empty();
    let Some(disk) = Tmpfs::mount(&dir.path().join("disk"), 3) else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    };
    let index = disk.0.join("index");
    let index = index.to_str().unwrap();
    let corpus = dir.path().join("corpus");
    // Text that compresses badly, so that a few MiB of reports overflow 3 MiB of disk.
    let mut seed = 7u64;
    let mut report = |n: usize| {
        let mut s = String::from("报告\n\n");
        for _ in 0..n {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            s.push(char::from_u32(0x4e00 + ((seed >> 33) % 20_000) as u32).unwrap());
        }
        s
    };
    for i in 0..20 {
        std::fs::create_dir_all(&corpus).unwrap();
        std::fs::write(corpus.join(format!("{i}.txt")), report(2000)).unwrap();
    }
    assert!(run(dir.path(), &["--index", index, "index", "corpus"])
        .status
        .success());
    let before = du(Path::new(index));
    let found = run(dir.path(), &["--index", index, "search", "-l", "报告"]).stdout;
    std::fs::create_dir_all(corpus.join("more")).unwrap();
    for i in 0..400 {
        std::fs::write(corpus.join(format!("more/{i}.txt")), report(5000)).unwrap();
    }
    let out = run(dir.path(), &["--index", index, "index", "corpus"]);
    assert!(is_one_error_line(&out), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the disk is full"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out).matches("os error 28").count(), 0);
    // The failed run removed what it wrote; the last commit answers as before.
    assert!(
        du(Path::new(index)) <= before + (64 << 10),
        "{} > {before}",
        du(Path::new(index))
    );
    let again = run(dir.path(), &["--index", index, "search", "-l", "报告"]);
    assert_eq!(again.stdout, found);
    // Space freed: the next run succeeds.
    std::fs::remove_dir_all(corpus.join("more")).unwrap();
    let out = run(dir.path(), &["--index", index, "index", "corpus"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(
        dir.path(),
        &["--index", index, "index", "corpus", "--rebuild"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn entity_urls_with_markup_traversal_and_odd_bytes_are_4xx_and_shown_as_text() {
    let dir = Workspace::with_reports(&[("a.txt", EXPANDING.as_bytes())]);
    let server = TestServer::start(dir.path(), false);
    for (path, expected) in [
        ("/entity/place/%3Cscript%3Ealert(1)%3C%2Fscript%3E", 404),
        ("/entity/place/..%2F..%2Fetc%2Fpasswd", 404),
        ("/entity/place/%00%01%1B%5B31m", 400),
        ("/api/entity/person/%E5%BC%A0%1B%5B31m", 400),
        (
            "/entity/place/%E5%8D%9A%E4%B9%90%E5%B8%82%22%20OR%20%22",
            404,
        ),
        ("/entity/kind/%22%20OR%20x", 404),
        ("/entity/%3Cb%3E/x", 400),
        ("/entity/place/%20%20", 400),
        ("/entity/place/%C0%AF", 400),
        ("/api/entity/place/..%2F..%2Fetc%2Fpasswd", 404),
        ("/api/entity/keyword/%3Cscript%3E", 404),
    ] {
        let (status, body) = support::get(&server.url(path));
        assert_eq!(status, expected, "{path}: {body}");
        // Pages escape the name; the API says it in a JSON string (served as JSON, not sniffed).
        if !path.starts_with("/api/") {
            assert!(
                !body.contains("<script>") && !body.contains("<b>"),
                "{path}"
            );
        }
        assert!(!body.contains('\u{1b}'), "{path}");
    }
    // A query with the filter links of its facets stays one query however it is quoted.
    let (status, _) = support::get(&server.url(&format!(
        "/?q={}",
        support::q("报告 place:\"a\" kind:\"其他\" (org:x OR person:\"y z\")")
    )));
    assert_eq!(status, 200);
}

/// An 800-byte PDF whose Form XObject draws itself: its reader recursed until the stack
/// overflowed, which aborted the whole indexer (and the server, at every start).
fn self_drawing_pdf() -> Vec<u8> {
    let resources = "/Resources << /Font << /F1 5 0 R >> /XObject << /Fx 4 0 R >> >>";
    support::pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] {resources} /Contents 6 0 R >>"
        )
        .into_bytes(),
        support::pdf_stream(
            &format!("/Type /XObject /Subtype /Form /BBox [0 0 612 792] {resources}"),
            b"BT /F1 12 Tf 72 712 Td (Hello) Tj ET /Fx Do",
        ),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
        support::pdf_stream("", b"/Fx Do"),
    ])
}

const GOOD_REPORT: &str = "关于基层党建工作的总结\n\n时间:2020-05-01\n\n小营盘镇党委坚持党建引领。";

#[test]
fn a_pdf_that_draws_itself_is_skipped_and_the_rest_indexed() {
    let dir = Workspace::with_reports(&[
        ("good.txt", GOOD_REPORT.as_bytes()),
        ("loop.pdf", &self_drawing_pdf()),
    ]);
    let out = run(dir.path(), &["index", "corpus"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("loop.pdf"), "the file is named: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("overflow"),
        "{err}"
    );
    let found = run(dir.path(), &["search", "-l", "\"小营盘镇党委\""]);
    assert_eq!(String::from_utf8_lossy(&found.stdout).trim(), "good.txt");
    // Every later run says the same, instead of aborting at every start.
    let again = run(dir.path(), &["index", "corpus"]);
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    // `similar` on it is one line, exit 2.
    let similar = run(dir.path(), &["similar", "corpus/loop.pdf"]);
    assert_eq!(similar.status.code(), Some(2), "{}", stderr(&similar));
    assert!(is_one_error_line(&similar), "{}", stderr(&similar));
}

/// The reader workers among the children of `parent`.
fn reader_workers(parent: u32) -> Vec<i32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // The parent's pid is the second field after the parenthesized command name.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(parent) && String::from_utf8_lossy(&cmdline).contains("__read-worker") {
            found.push(pid);
        }
    }
    found
}

#[test]
fn a_reader_worker_killed_mid_file_skips_that_file_only() {
    let dir = Workspace::with_reports(&[
        ("good.txt", GOOD_REPORT.as_bytes()),
        (
            "big.docx",
            &support::docx_of_paragraphs("大型报告的标题", 100_000),
        ),
    ]);
    let child = dir
        .command()
        .args(["index", "corpus"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The only guarded file is big.docx: the first worker that appears is reading it.
    let mut killed = false;
    for _ in 0..2000 {
        if let Some(&pid) = reader_workers(child.id()).first() {
            // SAFETY: sends a signal to a process id; no memory is involved.
            assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
            killed = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert!(killed, "no reader worker was seen: {err}");
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.lines()
            .any(|l| l.contains("big.docx") && l.contains("killed")),
        "the file is named with the reason: {err}"
    );
    let found = run(dir.path(), &["search", "-l", "\"小营盘镇党委\""]);
    assert_eq!(String::from_utf8_lossy(&found.stdout).trim(), "good.txt");
    // The next run reads it in a new worker.
    let again = run(dir.path(), &["index", "corpus"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let found = run(dir.path(), &["search", "-l", "\"大型报告的标题\""]);
    assert_eq!(String::from_utf8_lossy(&found.stdout).trim(), "big.docx");
}

#[test]
fn commands_that_read_an_index_never_build_one_they_were_not_asked_for() {
    let dir = Workspace::with_reports(&[("good.txt", GOOD_REPORT.as_bytes())]);
    std::fs::write(dir.path().join("probe.txt"), GOOD_REPORT).unwrap();
    for args in [
        &["export", "--index", "mistyped"][..],
        &["entities", "--index", "mistyped"],
        &["similar", "probe.txt", "--index", "mistyped"],
        &["stats", "--index", "mistyped"],
    ] {
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(is_one_error_line(&out), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("mistyped"), "{}", stderr(&out));
        assert!(
            !dir.path().join("mistyped").exists(),
            "{args:?} built an index"
        );
    }
}

#[test]
fn export_into_a_closed_pipe_ends_quietly() {
    let reports: Vec<(String, Vec<u8>)> = (0..400)
        .map(|i| {
            (
                format!("r{i}.txt"),
                format!("{GOOD_REPORT}\n第{i}份。").repeat(20).into_bytes(),
            )
        })
        .collect();
    let borrowed: Vec<(&str, &[u8])> = reports
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_slice()))
        .collect();
    let dir = Workspace::with_reports(&borrowed);
    assert_eq!(run(dir.path(), &["index", "corpus"]).status.code(), Some(0));
    let mut child = dir
        .command()
        .args(["export", "--text"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, as `head -1` does, then hang up.
    let mut first = [0u8; 64];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn an_unknown_entity_type_suggests_only_types_that_work() {
    let dir = Workspace::with_reports(&[("good.txt", GOOD_REPORT.as_bytes())]);
    assert_eq!(run(dir.path(), &["index", "corpus"]).status.code(), Some(0));
    let out = run(dir.path(), &["entities", "--type", "bogus"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("person, place, org or kind"), "{err}");
    assert!(
        !err.contains("keyword"),
        "keyword is refused by entities: {err}"
    );
}

#[test]
fn a_watching_server_outlives_a_pdf_that_draws_itself() {
    let dir = Workspace::with_reports(&[("good.txt", GOOD_REPORT.as_bytes())]);
    let server = TestServer::start(dir.path(), true);
    let corpus = dir.path().join("corpus");
    std::fs::write(corpus.join("loop.pdf"), self_drawing_pdf()).unwrap();
    std::fs::write(
        corpus.join("late.txt"),
        "迟到的报告\n\n编号甲乙丙丁的正文。",
    )
    .unwrap();
    let url = server.url(&format!("/api/search?q={}", support::q("\"编号甲乙丙丁\"")));
    support::wait_until("the report written after the PDF was not indexed", || {
        support::json(&url).1["total"] == 1
    });
    assert_eq!(support::get(&server.url("/healthz")).0, 200);
    let found =
        support::json(&server.url(&format!("/api/search?q={}", support::q("小营盘镇党委"))));
    assert_eq!(found.1["total"], 1, "{}", found.1);
}

#[test]
fn the_pdf_parsers_own_log_lines_stay_out_of_the_output() {
    let fixtures = Path::new(support::REPO).join("tests/fixtures/formats/bad");
    let broken = std::fs::read(fixtures.join("broken_xref.pdf")).unwrap();
    let truncated = std::fs::read(fixtures.join("truncated.pdf")).unwrap();
    let dir = Workspace::with_reports(&[
        ("good.txt", GOOD_REPORT.as_bytes()),
        ("broken.pdf", &broken),
        ("truncated.pdf", &truncated),
    ]);
    let out = run(dir.path(), &["index", "corpus"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    // One line per skipped file and the summary: nothing from the parsers underneath.
    assert_eq!(err.lines().count(), 3, "{err}");
    assert!(!err.contains("lopdf") && !err.contains("ERROR"), "{err}");
}
