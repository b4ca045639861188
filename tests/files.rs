//! Files that are not what they were: a report replaced by a named pipe, a folder, a symbolic
//! link or a huge file, vocabulary files that are links out of the folder or cost without
//! bound, and `similar` on a device or a pipe — on the real binary and the real server.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use support::{zhsearch, TestServer, Workspace};

const REPORTS: &[(&str, &str)] = &[
    (
        "a.txt",
        "第一份报告\n\n2023年3月1日\n\n街道党工委推进党建引领基层治理。",
    ),
    (
        "b.txt",
        "第二份报告\n\n2023年3月2日\n\n社区召开居民代表会议。",
    ),
    (
        "c.txt",
        "第三份报告\n\n2023年3月3日\n\n镇党委部署乡村振兴工作。",
    ),
    (
        "d.txt",
        "第四份报告\n\n2023年3月4日\n\n村委会完成换届选举。",
    ),
];

fn id(path: &str) -> String {
    zhsearch::index::schema::report_id(path)
}

/// A client that gives up after 10 s, so that a server that never answers fails the test
/// instead of hanging it.
fn client() -> (tokio::runtime::Runtime, reqwest::Client) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    (rt, client)
}

/// GET: the status and the body, or `None` when no answer came in time.
fn get(rt: &tokio::runtime::Runtime, client: &reqwest::Client, url: &str) -> Option<(u16, String)> {
    rt.block_on(async {
        let resp = client.get(url).send().await.ok()?;
        let status = resp.status().as_u16();
        Some((status, resp.text().await.ok()?))
    })
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Opens a named pipe for writing and closes it at once when dropped, which releases anyone
/// blocked opening it for reading (so a server that did block can still be stopped).
struct PipeRelease(PathBuf);

impl Drop for PipeRelease {
    fn drop(&mut self) {
        use std::os::unix::fs::OpenOptionsExt;
        for _ in 0..4 {
            let _ = std::fs::OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(&self.0);
        }
    }
}

#[test]
fn a_named_pipe_in_place_of_a_report_is_404_and_blocks_nothing() {
    let dir = Workspace::with_reports(REPORTS);
    let corpus = dir.path().join("corpus");
    let server = TestServer::start(dir.path(), false);
    std::fs::remove_file(corpus.join("a.txt")).unwrap();
    mkfifo(&corpus.join("a.txt"));
    // Dropped before the server: releases a server that blocked on the pipe.
    let _release = PipeRelease(corpus.join("a.txt"));
    let (rt, client) = client();
    let url = server.url(&format!("/file/{}", id("a.txt")));
    for _ in 0..3 {
        let (status, body) = get(&rt, &client, &url).expect("no answer to /file of a pipe");
        assert_eq!(status, 404, "{body}");
        assert!(body.contains("named pipe"), "{body}");
    }
    for path in [
        "/api/search?q=%E5%85%9A%E5%BB%BA".to_string(),
        "/?q=%E5%85%9A%E5%BB%BA".to_string(),
        format!("/doc/{}", id("b.txt")),
        format!("/file/{}", id("b.txt")),
        "/healthz".to_string(),
    ] {
        let (status, body) =
            get(&rt, &client, &server.url(&path)).unwrap_or_else(|| panic!("no answer to {path}"));
        assert_eq!(status, 200, "{path}: {body}");
    }
}

#[test]
fn a_report_replaced_by_a_folder_a_link_or_a_huge_file_is_404_not_500() {
    let dir = Workspace::with_reports(REPORTS);
    let corpus = dir.path().join("corpus");
    let outside = dir.path().join("secret.txt");
    std::fs::write(&outside, "SECRET-OUTSIDE-THE-FOLDER").unwrap();
    let server = TestServer::start(dir.path(), false);
    // a.txt → a folder; b.txt → a link out of the folder; c.txt → a link to another report;
    // d.txt → past the 64 MiB limit (sparse: no disk used).
    std::fs::remove_file(corpus.join("a.txt")).unwrap();
    std::fs::create_dir(corpus.join("a.txt")).unwrap();
    std::fs::remove_file(corpus.join("b.txt")).unwrap();
    std::os::unix::fs::symlink(&outside, corpus.join("b.txt")).unwrap();
    std::fs::remove_file(corpus.join("c.txt")).unwrap();
    std::os::unix::fs::symlink(corpus.join("d.txt"), corpus.join("c.txt")).unwrap();
    std::fs::File::options()
        .write(true)
        .open(corpus.join("d.txt"))
        .unwrap()
        .set_len((64 << 20) + 1)
        .unwrap();
    let (rt, client) = client();
    for (name, says) in [
        ("a.txt", "folder"),
        ("b.txt", "symbolic link"),
        ("c.txt", "symbolic link"),
        ("d.txt", "larger than 64 MiB"),
    ] {
        let (status, body) = get(&rt, &client, &server.url(&format!("/file/{}", id(name))))
            .unwrap_or_else(|| panic!("no answer for {name}"));
        assert_eq!(status, 404, "{name}: {body}");
        assert!(body.contains(says), "{name}: {body}");
        assert!(!body.contains("SECRET-OUTSIDE"), "{name}: {body}");
    }
}

/// A port free at the time of asking.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `zhsearch serve` as its own process (its memory is then its own); killed when dropped.
struct Served {
    child: Child,
    port: u16,
}

impl Served {
    fn start(dir: &Path) -> Served {
        let port = free_port();
        let child = support::command(dir)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let served = Served { child, port };
        support::wait_until("server did not start", || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        served
    }

    /// Its resident memory now, in bytes.
    fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kb << 10
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends a GET and reads the answer's head (and whatever came with it).
fn request(port: u16, path: &str) -> (TcpStream, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "connection closed before the head");
        head.extend_from_slice(&buf[..n]);
    }
    (stream, String::from_utf8_lossy(&head).into_owned())
}

#[test]
fn a_download_streams_and_slow_clients_do_not_hold_the_file_in_memory() {
    const SIZE: u64 = 60 << 20;
    const CLIENTS: u64 = 6;
    let dir = Workspace::with_reports(REPORTS);
    let served = Served::start(dir.path());
    // Grown after indexing (no watcher): the server sees it only when asked for the file.
    std::fs::File::options()
        .write(true)
        .open(dir.path().join("corpus/a.txt"))
        .unwrap()
        .set_len(SIZE)
        .unwrap();
    let path = format!("/file/{}", id("a.txt"));
    let before = served.rss();
    // Clients that read the head and then nothing.
    let stalled: Vec<(TcpStream, String)> =
        (0..CLIENTS).map(|_| request(served.port, &path)).collect();
    for (_, head) in &stalled {
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains(&format!("content-length: {SIZE}")),
            "{head}"
        );
    }
    std::thread::sleep(Duration::from_millis(500));
    let during = served.rss();
    // Whole-file replies would hold CLIENTS × 60 MB; streaming holds a chunk each.
    let grown = during.saturating_sub(before);
    assert!(
        grown < SIZE,
        "{CLIENTS} stalled downloads of {} MiB grew the server by {} MiB",
        SIZE >> 20,
        grown >> 20
    );
    // One client reading to the end gets every byte.
    let (mut stream, head) = request(served.port, &path);
    let body_start = head.find("\r\n\r\n").unwrap() + 4;
    let mut received = (head.len() - body_start) as u64;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = stream.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        received += n as u64;
    }
    assert_eq!(received, SIZE);
    drop(stalled);
}

/// A folder whose `zhsearch.toml` names these vocabulary files; `stats` afterwards.
fn index_and_stats(dir: &Path) -> (String, String) {
    let out = zhsearch(dir).args(["index", "corpus"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index_err = String::from_utf8_lossy(&out.stderr).into_owned();
    let out = zhsearch(dir).arg("stats").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (index_err, String::from_utf8_lossy(&out.stdout).into_owned())
}

const CONFIG: &str = "[vocabulary]\ndictionary = \"vocab/d.txt\"\nsynonyms = \"vocab/s.txt\"\n";

#[test]
fn vocabulary_links_out_of_the_folder_are_refused_and_never_shown() {
    let secret = "root:x:0:0:SECRET-PASSWORD-LINE:/root:/bin/bash\n营盘党建\n";
    // A linked file, and a linked folder.
    for linked_folder in [false, true] {
        let dir = Workspace::with_reports(REPORTS);
        let corpus = dir.path().join("corpus");
        let outside = dir.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("d.txt"), secret).unwrap();
        std::fs::write(outside.join("s.txt"), secret).unwrap();
        std::fs::write(corpus.join("zhsearch.toml"), CONFIG).unwrap();
        if linked_folder {
            std::os::unix::fs::symlink(&outside, corpus.join("vocab")).unwrap();
        } else {
            std::fs::create_dir(corpus.join("vocab")).unwrap();
            std::os::unix::fs::symlink(outside.join("d.txt"), corpus.join("vocab/d.txt")).unwrap();
            std::os::unix::fs::symlink(outside.join("s.txt"), corpus.join("vocab/s.txt")).unwrap();
        }
        let (index_err, stats) = index_and_stats(dir.path());
        for text in [&index_err, &stats] {
            // Normalization lowercases what it quotes.
            assert!(!text.to_lowercase().contains("secret-password"), "{text}");
            assert!(text.contains("vocab/d.txt: cannot read: "), "{text}");
            assert!(text.contains("symbolic link"), "{text}");
        }
        let server = TestServer::start(dir.path(), false);
        let (status, body) = support::get(&server.url("/api/stats"));
        assert_eq!(status, 200);
        assert!(!body.to_lowercase().contains("secret-password"), "{body}");
        assert!(body.contains("symbolic link"), "{body}");
    }
}

#[test]
fn a_zhsearch_toml_that_is_a_link_is_refused() {
    let dir = Workspace::with_reports(REPORTS);
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(corpus.join("vocab")).unwrap();
    std::fs::write(corpus.join("vocab/d.txt"), "营盘党建 10 nz\n").unwrap();
    let outside = dir.path().join("config.toml");
    std::fs::write(&outside, CONFIG).unwrap();
    std::os::unix::fs::symlink(&outside, corpus.join("zhsearch.toml")).unwrap();
    let (_, stats) = index_and_stats(dir.path());
    assert!(
        stats.contains("rejected zhsearch.toml: cannot read: a symbolic link"),
        "{stats}"
    );
    assert!(!stats.contains("vocab/d.txt (1 entries)"), "{stats}");
}

#[test]
fn a_synonym_rule_of_20000_forms_is_rejected_for_its_size() {
    let dir = Workspace::with_reports(REPORTS);
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(corpus.join("vocab")).unwrap();
    std::fs::write(corpus.join("zhsearch.toml"), CONFIG).unwrap();
    std::fs::write(corpus.join("vocab/d.txt"), "营盘党建 10 nz\n").unwrap();
    let rule: Vec<String> = (0..20_000).map(|i| format!("词{i}")).collect();
    std::fs::write(
        corpus.join("vocab/s.txt"),
        format!("营盘, 兵营\n{}\n党建, 党的建设\n", rule.join(", ")),
    )
    .unwrap();
    let (index_err, stats) = index_and_stats(dir.path());
    for text in [&index_err, &stats] {
        assert!(
            text.contains("vocab/s.txt:2: a rule of 20000 forms: at most 64 forms in one rule"),
            "{text}"
        );
    }
    // The rules beside it still load.
    assert!(stats.contains("vocab/s.txt (2 entries)"), "{stats}");
}

#[test]
fn bad_dictionary_lines_of_a_million_characters_are_quoted_short_and_counted() {
    let dir = Workspace::with_reports(REPORTS);
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(corpus.join("vocab")).unwrap();
    std::fs::write(corpus.join("zhsearch.toml"), CONFIG).unwrap();
    std::fs::write(corpus.join("vocab/s.txt"), "营盘, 兵营\n").unwrap();
    // 5 million characters (under the dictionary's size limit): one long word, then a long
    // "frequency" after a good word; and many short bad lines.
    let mut text = String::from("营盘党建 10 nz\n");
    text.push_str(&"坏".repeat(1_000_000));
    text.push('\n');
    text.push_str("好词 ");
    text.push_str(&"x".repeat(1_000_000));
    text.push('\n');
    for _ in 0..1000 {
        text.push_str("词 0\n");
    }
    std::fs::write(corpus.join("vocab/d.txt"), &text).unwrap();
    let (index_err, stats) = index_and_stats(dir.path());
    for text in [&index_err, &stats] {
        assert!(
            text.len() < 8_000,
            "{} bytes: {}",
            text.len(),
            &text[..2000]
        );
        assert!(
            text.contains("vocab/d.txt:2: a line longer than 1000 characters"),
            "{text}"
        );
        assert!(text.contains("… and 982 more lines rejected"), "{text}");
    }
    assert!(stats.contains("vocab/d.txt (1 entries)"), "{stats}");
    let server = TestServer::start(dir.path(), false);
    let (status, body) = support::get(&server.url("/api/stats"));
    assert_eq!(status, 200);
    assert!(body.len() < 16_000, "{} bytes", body.len());
}

#[test]
fn similar_on_a_device_or_a_named_pipe_is_one_line_and_exit_2() {
    let dir = Workspace::with_reports(REPORTS);
    let out = zhsearch(dir.path())
        .args(["index", "corpus"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let fifo = dir.path().join("pipe.txt");
    mkfifo(&fifo);
    let _release = PipeRelease(fifo.clone());
    let big = dir.path().join("big.txt");
    std::fs::File::create(&big)
        .unwrap()
        .set_len((64 << 20) + 1)
        .unwrap();
    for (file, says) in [
        (PathBuf::from("/dev/zero"), "a device"),
        (fifo.clone(), "a named pipe"),
        (big, "larger than 64 MiB"),
    ] {
        let out = zhsearch(dir.path())
            .arg("similar")
            .arg(&file)
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", file.display());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(says), "{err}");
    }
}
