//! Shared test fixtures: temporary corpora, the real binary in a folder of its own
//! ([`workspace`]), a real server on an ephemeral port and a real Quickwit cluster on loopback
//! ([`quickwit`]).
// Each test crate uses a part of this module: the rest would warn as unused there.
#![allow(dead_code, unused_imports)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use zhsearch::http::{ServeConfig, Server};

pub mod copies;
pub mod quickwit;
pub mod workspace;

pub use workspace::{code, command, run, stderr, stdout, zhsearch, Workspace};

pub const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// A report whose text is markup: it must show as text, never run.
pub const SCRIPT_REPORT: &str = "含有脚本的报告<script>window.pwned=1</script>\n\n时间:2020-05-01\n\n\
    正文里有<script>document.title='pwned';window.pwned=2</script>和<b>粗体</b>标记，必须原样显示。";

/// Reports naming 中共中央 under three names (one writes two of them) and 北京 with and
/// without its suffix, and one naming other bodies.
pub const ALIASED_REPORTS: [(&str, &str); 4] = [
    (
        "a.txt",
        "学习中共中央文件的通知\n\n时间:2021-03-01\n\n各支部：中共中央印发了《意见》，请认真学习。\n",
    ),
    (
        "b.txt",
        "中国共产党中央委员会公报\n\n时间:2022-03-01\n\n中国共产党中央委员会全体会议在北京举行。\n",
    ),
    (
        "c.txt",
        "贯彻党中央部署的报告\n\n时间:2023-03-01\n\n我们坚决贯彻党中央的决策部署。中共中央的文件已传达到北京市各单位。\n",
    ),
    (
        "d.txt",
        "博乐市小营盘镇工作简报\n\n时间:2020-03-01\n\n小营盘镇党委组织学习，新华社报道了博乐市的经验。\n",
    ),
];

/// A temporary folder with `corpus/` holding [`ALIASED_REPORTS`].
pub fn aliased_corpus() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    for (name, text) in ALIASED_REPORTS {
        std::fs::write(corpus.join(name), text).unwrap();
    }
    dir
}

/// A temporary folder with `corpus/` holding the bundled corpus and [`SCRIPT_REPORT`].
pub fn corpus() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    workspace::copy_bundled_corpus(&corpus);
    std::fs::write(corpus.join("script.txt"), SCRIPT_REPORT).unwrap();
    dir
}

/// Longest wait for something that must happen (an index picked up, a file indexed). A guard
/// that fails a test which would otherwise wait for ever, not a speed check: the machine may be
/// loaded.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// Waits until `done` holds, checking every 50 ms; fails the test, naming `what`, after
/// [`PATIENCE`].
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < PATIENCE,
            "{what}: still not after {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// GET a URL: the status and the body.
pub fn get(url: &str) -> (u16, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let resp = reqwest::get(url).await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap())
    })
}

/// GET a URL whose answer is JSON.
pub fn json(url: &str) -> (u16, serde_json::Value) {
    let (status, body) = get(url);
    let v = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{url}: {e}: {body}"));
    (status, v)
}

/// Percent-encodes a query parameter.
pub fn q(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A running server; stopped when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    pub index: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    pub fn start(dir: &Path, watch: bool) -> TestServer {
        TestServer::with(dir, |c| c.watch = watch)
    }

    /// A server that asks for the password in `password_file` (`serve --password-file`).
    pub fn with_password_file(dir: &Path, password_file: &Path) -> TestServer {
        TestServer::with(dir, |c| c.password_file = Some(password_file.to_path_buf()))
    }

    /// A server with the default configuration as `configure` changes it.
    pub fn with(dir: &Path, configure: impl FnOnce(&mut ServeConfig)) -> TestServer {
        // As the binary does: untrusted formats are read in worker processes of zhsearch.
        zhsearch::ingest::worker::isolate_readers(env!("CARGO_BIN_EXE_zhsearch"));
        let index = dir.join("index");
        let mut config = ServeConfig {
            corpus: dir.join("corpus"),
            index: index.clone(),
            addr: "127.0.0.1:0".parse().unwrap(),
            watch: false,
            password_file: None,
            budget: zhsearch::http::QUERY_BUDGET,
            engine: None,
            push: None,
        };
        configure(&mut config);
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let server = Server::bind(config).await.unwrap();
                addr_tx.send(server.addr()).unwrap();
                server
                    .run(async {
                        let _ = stop_rx.await;
                    })
                    .await;
            });
        });
        let addr = addr_rx.recv().unwrap();
        TestServer {
            addr,
            index,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A PDF of numbered objects (1-based, the first the catalog) with a correct cross-reference
/// table.
pub fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (n, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", n + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A PDF stream object: `dict` entries, the length, and `data`.
pub fn pdf_stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut s = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    s.extend_from_slice(data);
    s.extend_from_slice(b"\nendstream");
    s
}

/// A .docx whose first paragraph is `title`, followed by `paragraphs` numbered paragraphs of
/// party-building text (第0段 … 第{n-1}段), made with the zip crate.
pub fn docx_of_paragraphs(title: &str, paragraphs: usize) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(
        br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#,
    )
    .unwrap();
    zip.start_file("word/document.xml", options).unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#).unwrap();
    zip.write_all(format!("<w:p><w:r><w:t>{title}</w:t></w:r></w:p>").as_bytes())
        .unwrap();
    for i in 0..paragraphs {
        zip.write_all(
            format!("<w:p><w:r><w:t>第{i}段：坚持党建引领，推动乡村振兴，持续深化基层治理。</w:t></w:r></w:p>")
                .as_bytes(),
        )
        .unwrap();
    }
    zip.write_all(b"</w:body></w:document>").unwrap();
    zip.finish().unwrap().into_inner()
}
