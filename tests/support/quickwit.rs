//! A real Quickwit cluster on loopback for integration tests against a distributed engine.
//!
//! [`start`] runs one or two `quickwit` processes in a temporary folder of their own: node 0
//! owns the file-backed metastore and the indexes (`file://` URIs in that folder) and runs every
//! service; node 1 is a searcher seeded with node 0 that reaches its metastore over gRPC. Each
//! node listens on a free port P for REST (TCP) and gossip (UDP) and on P+1 for gRPC. The
//! processes are killed and the folder deleted when the [`Cluster`] is dropped.
//!
//! The binary is `$ZHSEARCH_QUICKWIT`, else `../shared/tools/quickwit/quickwit` beside the
//! repository. Without one the tests skip, unless `ZHSEARCH_CLUSTER_TESTS=1` (CI) makes them
//! fail. [`get`] and [`post`] are blocking HTTP/1.1 calls for the tests to talk to the nodes.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Longest wait for a node to answer `/health/readyz` and for the nodes to see one another.
pub const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Timeout of [`get`] and [`post`] (connecting, and each read or write).
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(120);

/// Ports are drawn at random from here (P+1 included), so that clusters of tests running in
/// parallel, in one process or several, rarely draw the same.
const PORTS: std::ops::Range<u16> = 20000..60000;

/// Lines of a node's log shown when it fails to start.
const LOG_TAIL: usize = 40;

const SKIP: &str = "skipped: no Quickwit binary (set ZHSEARCH_QUICKWIT or put it at \
    ../shared/tools/quickwit/quickwit)";

/// The Quickwit binary: `$ZHSEARCH_QUICKWIT` when set, else
/// `../shared/tools/quickwit/quickwit` beside the repository when it is an executable file.
pub fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ZHSEARCH_QUICKWIT").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = Path::new(super::REPO).join("../shared/tools/quickwit/quickwit");
    let meta = std::fs::metadata(&path).ok()?;
    (meta.is_file() && meta.permissions().mode() & 0o111 != 0).then_some(path)
}

/// Whether cluster tests must run (`ZHSEARCH_CLUSTER_TESTS=1`, as in CI) rather than skip.
fn required() -> bool {
    std::env::var("ZHSEARCH_CLUSTER_TESTS").is_ok_and(|v| v == "1")
}

/// Starts a cluster of `nodes` (1 or 2) and waits until every node is ready and, with two,
/// until node 0 lists both as ready. `None` (after one line on stderr) when there is no
/// binary; a panic instead when `ZHSEARCH_CLUSTER_TESTS=1`.
pub fn start(nodes: usize) -> Option<Cluster> {
    assert!(
        (1..=2).contains(&nodes),
        "a test cluster has 1 or 2 nodes, not {nodes}"
    );
    let Some(binary) = binary() else {
        assert!(!required(), "ZHSEARCH_CLUSTER_TESTS=1 but {SKIP}");
        eprintln!("{SKIP}");
        return None;
    };
    let dir = tempfile::Builder::new()
        .prefix("zhsearch-quickwit-")
        .tempdir()
        .unwrap();
    std::fs::create_dir_all(dir.path().join("indexes")).unwrap();
    let cluster_id = format!(
        "zhsearch-test-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    );
    let mut cluster = Cluster {
        binary,
        cluster_id,
        nodes: Vec::new(),
        dir,
    };
    for n in 0..nodes {
        cluster.add_node(n);
    }
    cluster.wait_gossip();
    Some(cluster)
}

/// One node: its REST/gossip port (gRPC on the next one), its configuration file, its log and
/// its process while it runs.
struct Node {
    name: String,
    port: u16,
    config: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

/// A running Quickwit cluster on 127.0.0.1; its processes are killed (SIGKILL: a graceful
/// shutdown takes about 17 s) and its folder deleted when dropped.
pub struct Cluster {
    binary: PathBuf,
    cluster_id: String,
    nodes: Vec<Node>,
    // Dropped after the processes are killed in `drop`.
    dir: tempfile::TempDir,
}

impl Cluster {
    /// The REST address of node `n` (0-based): `http://127.0.0.1:P`.
    pub fn url(&self, n: usize) -> String {
        format!("http://127.0.0.1:{}", self.nodes[n].port)
    }

    /// The folder holding the nodes' configurations, data, logs and the indexes.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Kills node `n` with SIGKILL and waits for it to end.
    pub fn kill(&mut self, n: usize) {
        let node = &mut self.nodes[n];
        if let Some(mut child) = node.child.take() {
            let _ = child.kill();
            child.wait().unwrap();
        }
    }

    /// Starts node `n` again (killing it first if it runs) with the same configuration and
    /// ports, and waits until it is ready and the running nodes see one another as ready.
    pub fn restart(&mut self, n: usize) {
        self.kill(n);
        let mut log = OpenOptions::new()
            .append(true)
            .open(&self.nodes[n].log)
            .unwrap();
        writeln!(log, "\n==== restarted by the test harness ====\n").unwrap();
        let child = self.spawn(&self.nodes[n]);
        self.nodes[n].child = Some(child);
        if let Err(why) = self.wait_ready(n) {
            panic!("{why}\n{}", self.log_tail(n));
        }
        self.wait_gossip();
    }

    /// Everything node `n` has logged (across restarts).
    pub fn log(&self, n: usize) -> String {
        let bytes = std::fs::read(&self.nodes[n].log).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    fn log_tail(&self, n: usize) -> String {
        let log = self.log(n);
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(LOG_TAIL)..].join("\n");
        format!(
            "---- last lines of {} ({}):\n{tail}",
            self.nodes[n].name,
            self.nodes[n].log.display()
        )
    }

    /// Configures and starts node `n` (node 0 the metastore owner, the others searchers
    /// seeded with it) on free ports and waits until it is ready. A port taken by someone else
    /// between the check and Quickwit's bind is drawn again.
    fn add_node(&mut self, n: usize) {
        let name = format!("node{}", n + 1);
        let data = self.path().join(&name);
        std::fs::create_dir_all(&data).unwrap();
        let log = self.path().join(format!("{name}.log"));
        let config = self.path().join(format!("{name}.yaml"));
        for attempt in 1.. {
            let port = free_port();
            let seed = if n == 0 { port } else { self.nodes[0].port };
            let indexes = format!("file://{}", self.path().join("indexes").display());
            let mut yaml = format!(
                "version: 0.8\n\
                 cluster_id: {}\n\
                 node_id: {name}\n\
                 listen_address: 127.0.0.1\n\
                 rest:\n  listen_port: {port}\n\
                 peer_seeds:\n  - 127.0.0.1:{seed}\n\
                 data_dir: {}\n\
                 metastore_uri: {indexes}\n\
                 default_index_root_uri: {indexes}\n",
                self.cluster_id,
                data.display(),
            );
            if n > 0 {
                yaml.push_str("enabled_services:\n  - searcher\n");
            }
            std::fs::write(&config, yaml).unwrap();
            File::create(&log).unwrap();
            let node = Node {
                name: name.clone(),
                port,
                config: config.clone(),
                log: log.clone(),
                child: None,
            };
            let child = self.spawn(&node);
            self.nodes.push(node);
            self.nodes[n].child = Some(child);
            match self.wait_ready(n) {
                Ok(()) => return,
                Err(_) if attempt < 5 && self.log(n).contains("Address already in use") => {
                    self.kill(n);
                    self.nodes.pop();
                }
                Err(why) => panic!("{why}\n{}", self.log_tail(n)),
            }
        }
    }

    fn spawn(&self, node: &Node) -> Child {
        let log = OpenOptions::new().append(true).open(&node.log).unwrap();
        let mut cmd = Command::new(&self.binary);
        cmd.arg("run")
            .arg("--config")
            .arg(&node.config)
            .current_dir(self.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        // The caller's Quickwit settings and log filter would change the nodes; no telemetry
        // from tests.
        for (var, _) in std::env::vars_os() {
            if var.to_str().is_some_and(|v| v.starts_with("QW_")) {
                cmd.env_remove(&var);
            }
        }
        cmd.env_remove("RUST_LOG")
            .env("QW_DISABLE_TELEMETRY", "1")
            .env("NO_COLOR", "1");
        cmd.spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.binary.display()))
    }

    /// Waits until node `n` answers `/health/readyz` with 200; an error when it exits or after
    /// [`READY_TIMEOUT`].
    fn wait_ready(&mut self, n: usize) -> Result<(), String> {
        let url = format!("{}/health/readyz", self.url(n));
        let started = Instant::now();
        loop {
            let child = self.nodes[n].child.as_mut().expect("node not running");
            if let Some(status) = child.try_wait().unwrap() {
                self.nodes[n].child = None;
                return Err(format!(
                    "{} exited before ready: {status}",
                    self.nodes[n].name
                ));
            }
            if let Ok((200, _)) = request("GET", &url, None, Duration::from_secs(5)) {
                return Ok(());
            }
            if started.elapsed() > READY_TIMEOUT {
                return Err(format!(
                    "{} not ready after {READY_TIMEOUT:?} ({url})",
                    self.nodes[n].name
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until every running node lists every running node, in its current generation,
    /// among its `ready_nodes` (a killed node's old generation stays listed as ready for a
    /// while, so the node ids alone would not do).
    fn wait_gossip(&self) {
        let running: Vec<usize> = (0..self.nodes.len())
            .filter(|&n| self.nodes[n].child.is_some())
            .collect();
        if running.len() < 2 {
            return;
        }
        let started = Instant::now();
        let mut last = String::new();
        loop {
            let views: Vec<Option<serde_json::Value>> =
                running.iter().map(|&n| self.cluster_view(n)).collect();
            if views.iter().all(Option::is_some) {
                let views: Vec<serde_json::Value> = views.into_iter().flatten().collect();
                // Each node's own generation, from its own view.
                let own: BTreeMap<String, u64> = views
                    .iter()
                    .filter_map(|v| {
                        let me = v["self_node_id"].as_str()?;
                        let generation = ["ready_nodes", "live_nodes"]
                            .iter()
                            .flat_map(|k| v[k].as_array().into_iter().flatten())
                            .find(|node| node["node_id"] == me)?["generation_id"]
                            .as_u64()?;
                        Some((me.to_string(), generation))
                    })
                    .collect();
                let wanted: BTreeSet<(String, u64)> = own.into_iter().collect();
                let all_see_all = wanted.len() == running.len()
                    && views.iter().all(|v| {
                        let ready: BTreeSet<(String, u64)> = v["ready_nodes"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|node| {
                                Some((
                                    node["node_id"].as_str()?.to_string(),
                                    node["generation_id"].as_u64()?,
                                ))
                            })
                            .collect();
                        wanted.is_subset(&ready)
                    });
                if all_see_all {
                    return;
                }
                last = views
                    .iter()
                    .map(|v| format!("{}: ready {}", v["self_node_id"], v["ready_nodes"]))
                    .collect::<Vec<_>>()
                    .join("\n");
            }
            if started.elapsed() > READY_TIMEOUT {
                let tails: Vec<String> = running.iter().map(|&n| self.log_tail(n)).collect();
                panic!(
                    "the nodes do not all see one another as ready after {READY_TIMEOUT:?}:\n\
                     {last}\n{}",
                    tails.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Node `n`'s `/api/v1/cluster`, when it answers.
    fn cluster_view(&self, n: usize) -> Option<serde_json::Value> {
        let url = format!("{}/api/v1/cluster", self.url(n));
        match request("GET", &url, None, Duration::from_secs(5)) {
            Ok((200, body)) => serde_json::from_str(&body).ok(),
            _ => None,
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for n in 0..self.nodes.len() {
            self.kill(n);
        }
    }
}

/// A port P with TCP P, TCP P+1 and UDP P all free on 127.0.0.1 right now, drawn at random
/// from [`PORTS`] so that tests in parallel (in this process or others) rarely draw the same.
fn free_port() -> u16 {
    for _ in 0..1000 {
        let port = rand::random_range(PORTS);
        // All three held at once, then released for Quickwit to bind.
        let rest = TcpListener::bind(("127.0.0.1", port));
        let grpc = TcpListener::bind(("127.0.0.1", port + 1));
        let gossip = UdpSocket::bind(("127.0.0.1", port));
        if rest.is_ok() && grpc.is_ok() && gossip.is_ok() {
            return port;
        }
    }
    panic!("no free port in {PORTS:?} after 1000 draws");
}

/// GET `url`: the status and the body (lossily as text). Panics when the server cannot be
/// reached or does not answer within [`HTTP_TIMEOUT`].
pub fn get(url: &str) -> (u16, String) {
    request("GET", url, None, HTTP_TIMEOUT).unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// POST `body` as `content_type` to `url`: the status and the body (lossily as text). Panics
/// as [`get`] does.
pub fn post(url: &str, content_type: &str, body: &str) -> (u16, String) {
    request("POST", url, Some((content_type, body)), HTTP_TIMEOUT)
        .unwrap_or_else(|e| panic!("POST {url}: {e}"))
}

/// One HTTP/1.1 request on a connection of its own (`Connection: close`) to a plain `http://`
/// URL; the answer's body by its Content-Length, chunked, or up to the end of the connection.
fn request(
    method: &str,
    url: &str,
    body: Option<(&str, &str)>,
    timeout: Duration,
) -> io::Result<(u16, String)> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| invalid("only http:// URLs"))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let addr = host
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| invalid("no address"))?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nAccept: */*\r\n");
    if let Some((content_type, body)) = body {
        head.push_str(&format!(
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if let Some((_, body)) = body {
        stream.write_all(body.as_bytes())?;
    }
    stream.flush()?;

    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| invalid("no end of headers"))?;
    let head = String::from_utf8_lossy(&answer[..end]);
    let raw = &answer[end + 4..];
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid("no status line"))?;
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| invalid("Content-Length"))?,
            );
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        }
    }
    let body = if chunked {
        dechunk(raw).ok_or_else(|| invalid("bad chunked body"))?
    } else if let Some(length) = length {
        raw.get(..length)
            .ok_or_else(|| invalid("body shorter than its Content-Length"))?
            .to_vec()
    } else {
        raw.to_vec()
    };
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// The body of a chunked transfer: chunks of hexadecimal size (extensions ignored) up to the
/// empty one; `None` when cut short.
fn dechunk(mut raw: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let eol = raw.windows(2).position(|w| w == b"\r\n")?;
        let line = std::str::from_utf8(&raw[..eol]).ok()?;
        let size = usize::from_str_radix(line.split(';').next()?.trim(), 16).ok()?;
        raw = &raw[eol + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(raw.get(..size)?);
        raw = raw.get(size + 2..)?;
    }
}
