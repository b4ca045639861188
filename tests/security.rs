//! The server's defences, over a real server: the password of `serve --password-file` and its
//! limit on wrong guesses, and clients that hang up mid-request (the real binary, whose log must
//! stay free of errors).

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{corpus, TestServer};

/// Spaces and Chinese included: only the line ending is trimmed from the file.
const PASSWORD: &str = "s3cret pass 口令";
const CHALLENGE: &str = r#"Basic realm="zhsearch", charset="UTF-8""#;

fn password_file(dir: &Path) -> PathBuf {
    let path = dir.join("password");
    std::fs::write(&path, format!("{PASSWORD}\n")).unwrap();
    path
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default()
    }
}

/// A GET with optional Basic credentials (user, password).
fn get(url: &str, credentials: Option<(&str, &str)>) -> Answer {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut req = reqwest::Client::new().get(url);
        if let Some((user, password)) = credentials {
            req = req.basic_auth(user, Some(password));
        }
        let resp = req.send().await.unwrap();
        Answer {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            body: resp.text().await.unwrap(),
        }
    })
}

fn assert_unauthorized(answer: &Answer, what: &str) {
    assert_eq!(answer.status, 401, "{what}: {}", answer.body);
    assert_eq!(answer.header("www-authenticate"), CHALLENGE, "{what}");
    assert_eq!(answer.header("x-content-type-options"), "nosniff", "{what}");
    assert!(
        !answer.body.contains("党建"),
        "{what}: report text leaked: {}",
        answer.body
    );
}

#[test]
fn every_route_but_healthz_needs_the_password() {
    let dir = corpus();
    let server = TestServer::with_password_file(dir.path(), &password_file(dir.path()));
    let search = format!("/api/search?q={}", "%E5%85%9A%E5%BB%BA"); // 党建
    let page = format!("/?q={}", "%E5%85%9A%E5%BB%BA");
    for path in [
        "/",
        page.as_str(),
        search.as_str(),
        "/api/stats",
        "/api/doc/0",
        "/doc/0",
        "/duplicates",
        "/api/duplicates",
        "/no/such/page",
    ] {
        let answer = get(&server.url(path), None);
        assert_unauthorized(&answer, path);
        if path.starts_with("/api/") {
            let v: Value = serde_json::from_str(&answer.body).unwrap();
            assert!(v["error"].is_string(), "{path}: {}", answer.body);
        } else {
            assert!(
                answer.header("content-type").starts_with("text/html"),
                "{path}"
            );
            assert!(
                answer
                    .header("content-security-policy")
                    .contains("default-src 'none'"),
                "{path}"
            );
        }
    }
    // Wrong passwords: close, with the line ending, empty, and the password as the user name.
    for (user, password) in [
        ("user", "s3cret pass"),
        ("user", &format!("{PASSWORD}\n")),
        ("user", ""),
        (PASSWORD, "x"),
    ] {
        let answer = get(&server.url(&search), Some((user, password)));
        assert_unauthorized(&answer, &format!("{user:?}:{password:?}"));
    }
    // The right password, with any user name.
    for user in ["", "anyone", "张三"] {
        let answer = get(&server.url(&search), Some((user, PASSWORD)));
        assert_eq!(answer.status, 200, "{user}: {}", answer.body);
        let v: Value = serde_json::from_str(&answer.body).unwrap();
        assert!(v["total"].as_u64().unwrap() > 0, "{}", answer.body);
        let answer = get(&server.url(&page), Some((user, PASSWORD)));
        assert_eq!(answer.status, 200);
        assert!(answer.body.contains("<mark>"), "{}", answer.body);
        assert_eq!(
            get(&server.url("/api/stats"), Some((user, PASSWORD))).status,
            200
        );
    }
    let health = get(&server.url("/healthz"), None);
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
}

#[test]
fn repeated_wrong_passwords_get_429_with_retry_after_even_with_the_right_one() {
    let dir = corpus();
    let server = TestServer::with_password_file(dir.path(), &password_file(dir.path()));
    let url = server.url("/api/stats");
    for i in 0..10 {
        let answer = get(&url, Some(("user", &format!("guess {i}"))));
        assert_unauthorized(&answer, &format!("guess {i}"));
    }
    for credentials in [Some(("user", "guess 10")), Some(("user", PASSWORD)), None] {
        let answer = get(&url, credentials);
        assert_eq!(answer.status, 429, "{credentials:?}: {}", answer.body);
        let retry: u64 = answer
            .header("retry-after")
            .parse()
            .unwrap_or_else(|e| panic!("Retry-After: {e}: {:?}", answer.headers));
        assert!((1..=60).contains(&retry), "Retry-After: {retry}");
        let v: Value = serde_json::from_str(&answer.body).unwrap();
        assert!(v["error"].is_string(), "{}", answer.body);
    }
    let page = get(&server.url("/"), Some(("user", PASSWORD)));
    assert_eq!(page.status, 429);
    assert!(page.header("content-type").starts_with("text/html"));
    // The health check stays open for monitoring.
    assert_eq!(get(&server.url("/healthz"), None).status, 200);
}

#[test]
fn requests_without_credentials_are_not_counted_as_failures() {
    // A browser's first request never carries credentials; opening many tabs must not lock the
    // user out.
    let dir = corpus();
    let server = TestServer::with_password_file(dir.path(), &password_file(dir.path()));
    for _ in 0..25 {
        assert_eq!(get(&server.url("/"), None).status, 401);
    }
    assert_eq!(get(&server.url("/"), Some(("", PASSWORD))).status, 200);
}

#[test]
fn an_empty_or_missing_password_file_stops_the_server_at_once() {
    let dir = corpus();
    let empty = dir.path().join("empty-password");
    std::fs::write(&empty, "\n").unwrap();
    let missing = dir.path().join("no-such-file");
    for (file, why) in [(&empty, "empty"), (&missing, "No such file")] {
        let out = support::command(dir.path())
            .env_clear()
            .args(["serve", "--addr", "127.0.0.1:0", "--password-file"])
            .arg(file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&file.display().to_string()), "{stderr}");
        assert!(stderr.contains(why), "{stderr}");
        // Checked before the index is built: no waiting to learn of a typo.
        assert!(!dir.path().join("index").exists());
    }
}

/// `zhsearch serve` as a child process, its stderr read line by line.
struct ServeProcess {
    child: Child,
    addr: SocketAddr,
    lines: mpsc::Receiver<String>,
    /// Lines up to and including "serving on …".
    startup: Vec<String>,
}

impl ServeProcess {
    fn start(dir: &Path, log: &str, args: &[&str]) -> ServeProcess {
        let mut child = support::command(dir)
            .env_clear()
            .env("ZHSEARCH_LOG", log)
            .arg("serve")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut startup = Vec::new();
        let deadline = Instant::now() + support::PATIENCE;
        let addr = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = lines
                .recv_timeout(left)
                .unwrap_or_else(|e| panic!("no `serving on` line ({e}): {startup:#?}"));
            startup.push(line.clone());
            if let Some(rest) = line.split_once("serving on http://").map(|(_, r)| r) {
                let addr = rest.split_whitespace().next().unwrap();
                break addr.parse().unwrap();
            }
        };
        ServeProcess {
            child,
            addr,
            lines,
            startup,
        }
    }

    /// Stops the server with SIGTERM, as a service manager would, and returns the rest of its
    /// log once it has exited.
    fn stop(mut self) -> Vec<String> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        // A guard against waiting for ever, not a speed check.
        let deadline = Instant::now() + support::PATIENCE;
        loop {
            if self.child.try_wait().unwrap().is_some() {
                break;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "the server did not stop within {:?} of SIGTERM",
                    support::PATIENCE
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // The reader thread ends at EOF, which closes the channel.
        self.lines.iter().collect()
    }
}

impl Drop for ServeProcess {
    /// A failed test must not leave a server running.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A GET over a plain socket; the status code.
fn raw_status(addr: SocketAddr, path: &str) -> u16 {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[test]
fn clients_that_hang_up_mid_request_are_not_logged_as_errors() {
    let dir = corpus();
    // Info everywhere, as a user runs it, and debug for the accept loop, to see that the
    // aborted connections were noticed (and logged at debug).
    let server = ServeProcess::start(
        dir.path(),
        "info,zhsearch::http::serve=debug",
        &["--addr", "127.0.0.1:0"],
    );
    let addr = server.addr;
    for i in 0..20 {
        let mut stream = TcpStream::connect(addr).unwrap();
        // Write errors are fine: the point is to hang up early.
        let _ = match i % 4 {
            // Half a request head.
            0 => stream.write_all(b"GET /api/search?q=%E5%85%9A HTTP/1.1\r\nHost: loc"),
            // The whole head of a request with a body, and half the body.
            1 => stream.write_all(
                b"POST /api/search HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\nq=",
            ),
            // A whole request, but gone before the answer.
            2 => stream.write_all(b"GET /?q=%E5%85%9A HTTP/1.1\r\nHost: localhost\r\n\r\n"),
            // Nothing at all.
            _ => Ok(()),
        };
        drop(stream);
    }
    // The server still answers, and has had time to notice every hang-up.
    assert_eq!(raw_status(addr, "/healthz"), 200);
    assert_eq!(raw_status(addr, "/api/search?q=%E5%85%9A"), 200);
    std::thread::sleep(Duration::from_millis(500));
    let startup = server.startup.clone();
    let log = server.stop();
    assert!(
        log.iter().any(|l| l.contains("stopped")),
        "the log was not read to the end: {startup:#?} {log:#?}"
    );
    assert!(
        log.iter()
            .any(|l| l.contains("DEBUG") && l.contains("ended")),
        "no hang-up was noticed: {log:#?}"
    );
    let bad: Vec<&String> = log
        .iter()
        .filter(|l| l.contains("ERROR") || l.contains("WARN") || l.contains("connection error"))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}\nin {log:#?}");
}

#[test]
fn listening_beyond_loopback_without_a_password_warns_at_startup() {
    let dir = corpus();
    let open = ServeProcess::start(dir.path(), "info", &["--addr", "0.0.0.0:0"]);
    let warned = |lines: &[String]| {
        lines
            .iter()
            .any(|l| l.contains("WARN") && l.contains("--password-file"))
    };
    assert!(warned(&open.startup), "{:#?}", open.startup);
    open.stop();

    let file = password_file(dir.path());
    let guarded = ServeProcess::start(
        dir.path(),
        "info",
        &[
            "--addr",
            "0.0.0.0:0",
            "--password-file",
            file.to_str().unwrap(),
        ],
    );
    assert!(!warned(&guarded.startup), "{:#?}", guarded.startup);
    guarded.stop();
}
