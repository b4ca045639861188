//! The search page in real headless Chromium, driven through WebDriver (chromedriver).
//!
//! Skipped with a notice when chromedriver is not installed, so `cargo test` passes on a fresh
//! machine; `ZHSEARCH_BROWSER_TESTS=1` (set by .ci/run, which installs Chromium) makes it
//! mandatory. The screenshots go to target/browser/ (search, entity, entity-names, overview and
//! duplicates .png), and to the docs/screenshot*.png of the same names when
//! `ZHSEARCH_UPDATE_SCREENSHOT=1` (scripts/screenshot.sh).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use support::{aliased_corpus, corpus, TestServer, REPO};

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

/// Writes a screenshot to target/browser/`name`, and to docs/`docs_name` when the screenshots
/// are being retaken.
fn save_screenshot(shot: &[u8], name: &str, docs_name: &str) {
    let out = Path::new(REPO).join("target/browser");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join(name), shot).unwrap();
    if std::env::var("ZHSEARCH_UPDATE_SCREENSHOT").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(Path::new(REPO).join("docs")).unwrap();
        std::fs::write(Path::new(REPO).join("docs").join(docs_name), shot).unwrap();
    }
}

/// Clicks a link and waits until the browser is at its target.
async fn follow(client: &Client, link: Element) {
    let href = link.attr("href").await.unwrap().expect("a link");
    let target = client.current_url().await.unwrap().join(&href).unwrap();
    link.click().await.unwrap();
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_url(&target)
        .await
        .unwrap();
}

/// The text of the query box.
async fn query_box(client: &Client) -> String {
    client
        .find(Locator::Css("input[name=q]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// The text of the first element matching `css`.
async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// chromedriver and Chromium, or `None` (with a notice) when they are not installed and the
/// browser tests are not required.
fn chromium() -> Option<(PathBuf, PathBuf)> {
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
        return None;
    };
    Some((chromedriver, chromium))
}

/// A headless Chromium session through `driver`, with its profile in `profile`.
async fn connect(driver: &Driver, chromium: &Path, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1100,900",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("connecting to chromedriver")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn an_entity_page_lists_every_name_it_was_found_under_in_chromium() {
    let Some((chromedriver, chromium)) = chromium() else {
        return;
    };
    let dir = aliased_corpus();
    let server = TestServer::start(dir.path(), false);
    let driver = start_driver(&chromedriver);
    let profile = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let client = connect(&driver, &chromium, profile.path()).await;
        // A report written with 党中央 links to the canonical page.
        client
            .goto(&server.url("/?q=%E8%B4%AF%E5%BD%BB%E5%85%9A%E4%B8%AD%E5%A4%AE"))
            .await
            .unwrap();
        let first = client
            .find(Locator::Css("ol.hits a.hit-title"))
            .await
            .unwrap();
        follow(&client, first).await;
        let entity = client
            .find(Locator::Css("section.knowledge a[href^='/entity/org/']"))
            .await
            .unwrap();
        assert_eq!(entity.text().await.unwrap(), "中共中央");
        follow(&client, entity).await;
        let h1 = text_of(&client, "h1").await;
        assert!(h1.starts_with("中共中央"), "{h1}");
        assert!(text_of(&client, "p.status")
            .await
            .contains("3 篇报告提到它"));
        let mut listed = Vec::new();
        for item in client
            .find_all(Locator::Css("section.names li"))
            .await
            .unwrap()
        {
            listed.push(
                item.text()
                    .await
                    .unwrap()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        assert_eq!(listed, ["中共中央 2", "中国共产党中央委员会 1", "党中央 1"]);
        let shot = client.screenshot().await.unwrap();
        save_screenshot(&shot, "entity-names.png", "screenshot-entity-names.png");
        client.close().await.unwrap();
    });
}

#[test]
fn search_box_results_document_and_escaping_in_chromium() {
    let Some((chromedriver, chromium)) = chromium() else {
        return;
    };
    let dir = corpus();
    let server = TestServer::start(dir.path(), false);
    let driver = start_driver(&chromedriver);
    let profile = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let client = connect(&driver, &chromium, profile.path()).await;

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
        // The facets beside the results are in the screenshot.
        client.find(Locator::Css("aside.facets a")).await.unwrap();
        let shot = client.screenshot().await.unwrap();
        save_screenshot(&shot, "search.png", "screenshot.png");

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

        // A facet value filters the results; a second click on it takes the filter out.
        client.goto(&server.url("/?q=%E5%85%9A")).await.unwrap();
        let before = text_of(&client, "p.status").await;
        assert!(before.contains("共 4 篇"), "{before}");
        let place = client
            .find(Locator::Css("aside.facets a[data-facet=place]"))
            .await
            .unwrap();
        let value = place.attr("data-value").await.unwrap().unwrap_or_default();
        follow(&client, place).await;
        let filter = format!("place:\"{value}\"");
        assert_eq!(query_box(&client).await, format!("党 {filter}"));
        let after = text_of(&client, "p.status").await;
        assert!(after.contains("共 1 篇"), "{after}");
        let active = client
            .find(Locator::Css("aside.facets a.on"))
            .await
            .unwrap();
        assert_eq!(
            active.attr("data-value").await.unwrap().as_deref(),
            Some(value.as_str())
        );
        follow(&client, active).await;
        assert_eq!(query_box(&client).await, "党");
        assert!(text_of(&client, "p.status").await.contains("共 4 篇"));
        assert!(client
            .find_all(Locator::Css("aside.facets a.on"))
            .await
            .unwrap()
            .is_empty());

        // A report's entities link to their pages.
        client
            .goto(&server.url("/?q=%22%E5%B0%8F%E8%90%A5%E7%9B%98%E9%95%87%22"))
            .await
            .unwrap();
        let first = client
            .find(Locator::Css("ol.hits a.hit-title"))
            .await
            .unwrap();
        follow(&client, first).await;
        let entity = client
            .find(Locator::Css("section.knowledge a[href^='/entity/place/']"))
            .await
            .unwrap();
        let name = entity.text().await.unwrap();
        follow(&client, entity).await;
        let h1 = text_of(&client, "h1").await;
        assert!(h1.starts_with(&name) && h1.ends_with("地点"), "{h1} {name}");
        assert!(text_of(&client, "p.status").await.contains("篇报告提到它"));
        client
            .find(Locator::Css(
                "aside.facets section.cooccurring a[href^='/entity/']",
            ))
            .await
            .unwrap();
        let shot = client.screenshot().await.unwrap();
        save_screenshot(&shot, "entity.png", "screenshot-entity.png");

        // The copy audit of a folder with planted copies (and, with the bench, news reports
        // that copy each other): groups oldest first, each report a link to its page, the
        // kind filter chosen in the form.
        let audited = support::Workspace::bundled();
        support::copies::plant(&audited.corpus());
        support::copies::write_bench_slice(&audited.corpus().join("bench"), 240, 60);
        let audit = TestServer::start(audited.path(), false);
        client.goto(&audit.url("/")).await.unwrap();
        // The home page is the archive at a glance: its kinds and the most frequent people,
        // places and organizations, each a link to its page.
        let glance = text_of(&client, "section.glance").await;
        assert!(glance.contains("篇报告"), "{glance}");
        let cards = client
            .find_all(Locator::Css("section.glance .cards section"))
            .await
            .unwrap();
        assert!(cards.len() >= 3, "{glance}");
        let entity_links = client
            .find_all(Locator::Css("section.glance a[href^='/entity/']"))
            .await
            .unwrap();
        assert!(!entity_links.is_empty(), "{glance}");
        let shot = client.screenshot().await.unwrap();
        save_screenshot(&shot, "overview.png", "screenshot-overview.png");
        let link = client
            .find(Locator::Css("a[href='/duplicates']"))
            .await
            .unwrap();
        follow(&client, link).await;
        assert_eq!(text_of(&client, "h1").await, "近似重复报告");
        let groups = client
            .find_all(Locator::Css("section.group"))
            .await
            .unwrap();
        assert!(groups.len() >= 2, "{} groups", groups.len());
        let status = text_of(&client, "p.status").await;
        assert!(
            status.contains(&format!("共 {} 组", groups.len())),
            "{status}"
        );
        let originals = client
            .find_all(Locator::Css("section.group li.original .share"))
            .await
            .unwrap();
        assert_eq!(originals.len(), groups.len());
        for share in &originals {
            assert_eq!(share.text().await.unwrap(), "原文");
        }
        let shot = client.screenshot().await.unwrap();
        save_screenshot(&shot, "duplicates.png", "screenshot-duplicates.png");
        // Only the 述职报告: the planted pair, the copy's share shown beside it.
        client
            .find(Locator::Css(
                "form.audit select[name=kind] option[value='述职报告']",
            ))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        client
            .find(Locator::Css("form.audit button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let started = Instant::now();
        while !client
            .current_url()
            .await
            .unwrap()
            .query()
            .is_some_and(|q| q.contains("kind=%E8%BF%B0%E8%81%8C%E6%8A%A5%E5%91%8A"))
        {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the form was not sent"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        client
            .wait()
            .for_element(Locator::Css("p.status"))
            .await
            .unwrap();
        let groups = client
            .find_all(Locator::Css("section.group"))
            .await
            .unwrap();
        assert_eq!(groups.len(), 1);
        let shares = client
            .find_all(Locator::Css("section.group .share"))
            .await
            .unwrap();
        assert_eq!(shares.len(), 2);
        let copied = shares[1].text().await.unwrap();
        let percent: u32 = copied.trim_end_matches('%').parse().unwrap_or(0);
        assert!((55..=98).contains(&percent), "{copied}");
        // A copy opens its own document page.
        let copy = client
            .find(Locator::Css(
                "section.group li:not(.original) a[href^='/doc/']",
            ))
            .await
            .unwrap();
        let title = copy.text().await.unwrap();
        follow(&client, copy).await;
        assert_eq!(text_of(&client, "h1").await, title);
        client.close().await.unwrap();
    });
}
