//! The server's defences, over a real server: clients that hang up mid-request (the real
//! binary, whose log must stay free of errors).

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use support::corpus;

const BIN: &str = env!("CARGO_BIN_EXE_zhsearch");

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
        let mut child = Command::new(BIN)
            .env_clear()
            .env("ZHSEARCH_LOG", log)
            .current_dir(dir)
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
        let deadline = Instant::now() + Duration::from_secs(120);
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
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if self.child.try_wait().unwrap().is_some() {
                break;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not stop within 30 s of SIGTERM");
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
