//! The search page in real headless Chromium, driven through WebDriver (chromedriver).
//!
//! Skipped with a notice when chromedriver is not installed, so `cargo test` passes on a fresh
//! machine; `ZHSEARCH_BROWSER_TESTS=1` (set by .ci/run, which installs Chromium) makes it
//! mandatory. The screenshot goes to target/browser/search.png, and to docs/screenshot.png
//! when `ZHSEARCH_UPDATE_SCREENSHOT=1` (scripts/screenshot.sh).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use serde_json::json;
use support::{corpus, TestServer, REPO};

fn find_program(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(name))
        .find(|p| p.is_file())
}

struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver(chromedriver: &Path) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver { child, port }
}

#[test]
fn search_box_results_document_and_escaping_in_chromium() {
    let required = std::env::var("ZHSEARCH_BROWSER_TESTS").is_ok_and(|v| v == "1");
    let (Some(chromedriver), Some(chromium)) = (
        find_program("chromedriver"),
        find_program("chromium").or_else(|| find_program("chromium-browser")),
    ) else {
        assert!(
            !required,
            "ZHSEARCH_BROWSER_TESTS=1 but chromium/chromedriver are not installed"
        );
        eprintln!("skipped: chromium and chromedriver are not installed (apt-get install chromium chromium-driver)");
        return;
    };
    let dir = corpus();
    let server = TestServer::start(dir.path(), false);
    let driver = start_driver(&chromedriver);
    let profile = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1100,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .expect("connecting to chromedriver");

        // Type a query into the box and submit it.
        client.goto(&server.url("/")).await.unwrap();
        let input = client.find(Locator::Css("input[name=q]")).await.unwrap();
        input.send_keys("党建").await.unwrap();
        client
            .find(Locator::Css("form.search button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        client
            .wait()
            .for_element(Locator::Css("ol.hits li"))
            .await
            .unwrap();
        let url = client.current_url().await.unwrap();
        assert!(
            url.query().unwrap_or("").contains("q="),
            "the query is in the URL: {url}"
        );
        let marks = client.find_all(Locator::Css("ol.hits mark")).await.unwrap();
        assert!(!marks.is_empty(), "no highlighted matches");
        for m in &marks {
            assert_eq!(m.text().await.unwrap(), "党建");
        }
        let status = client
            .find(Locator::Css("p.status"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(status.contains("共 3 篇"), "{status}");
        let shot = client.screenshot().await.unwrap();
        let out = Path::new(REPO).join("target/browser");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("search.png"), &shot).unwrap();
        if std::env::var("ZHSEARCH_UPDATE_SCREENSHOT").is_ok_and(|v| v == "1") {
            std::fs::create_dir_all(Path::new(REPO).join("docs")).unwrap();
            std::fs::write(Path::new(REPO).join("docs/screenshot.png"), &shot).unwrap();
        }

        // Open the first result: the document with its matches marked, the first one targeted.
        client
            .find(Locator::Css("ol.hits a.hit-title"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        client
            .wait()
            .for_element(Locator::Css("article"))
            .await
            .unwrap();
        assert!(client
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/doc/"));
        client.find(Locator::Css("mark#m0")).await.unwrap();
        assert!(
            client.find(Locator::Css("a[href^='/?q=']")).await.is_ok(),
            "no link back"
        );

        // A report containing <script> renders it as text and runs nothing.
        client
            .goto(&server.url("/?q=%E8%84%9A%E6%9C%AC"))
            .await
            .unwrap();
        client
            .find(Locator::Css("ol.hits a.hit-title"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        client
            .wait()
            .for_element(Locator::Css("article"))
            .await
            .unwrap();
        let h1 = client
            .find(Locator::Css("h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(h1.contains("<script>window.pwned=1</script>"), "{h1}");
        let body = client
            .find(Locator::Css("article"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(body.contains("<b>粗体</b>"), "{body}");
        let pwned = client
            .execute("return typeof window.pwned;", vec![])
            .await
            .unwrap();
        assert_eq!(pwned, json!("undefined"));

        // The year chart filters to a year when clicked.
        client.goto(&server.url("/?q=%E5%85%9A")).await.unwrap();
        let bar = client.find(Locator::Css("nav.years a")).await.unwrap();
        let title = bar.attr("title").await.unwrap().unwrap_or_default();
        bar.click().await.unwrap();
        client
            .wait()
            .for_element(Locator::Css("nav.years a.on"))
            .await
            .unwrap();
        let url = client.current_url().await.unwrap();
        let year = title.split(' ').next().unwrap_or_default().to_string();
        assert!(
            url.query()
                .unwrap_or("")
                .contains(&format!("from={year}&to={year}")),
            "{url} {title}"
        );
        client.close().await.unwrap();
    });
}
