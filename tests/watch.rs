//! `serve --watch` on the real binary: the watcher rests when nothing changes, follows its
//! folder when it is deleted and made again (or moved away and back), and does not read a file
//! it could not index again until that file changes.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::PATIENCE;

/// `zhsearch serve --watch` on an ephemeral loopback port, its log collected; killed when
/// dropped.
struct Served {
    child: Child,
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl Served {
    fn start(dir: &Path) -> Served {
        let mut child = support::command(dir)
            .arg("--index")
            .arg(dir.join("index"))
            .arg("serve")
            .arg("--corpus")
            .arg(dir.join("corpus"))
            .args(["--addr", "127.0.0.1:0", "--watch"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let lines = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.split("listening on http://").nth(1) {
                    let port = addr.trim().rsplit(':').next().and_then(|p| p.parse().ok());
                    let _ = port_tx.send(port);
                }
                lines.lock().unwrap().push(line);
            }
        });
        let port: Option<u16> = port_rx
            .recv_timeout(Duration::from_secs(600))
            .ok()
            .flatten();
        let served = Served {
            child,
            port: port.unwrap_or(0),
            log,
        };
        assert!(
            served.port != 0,
            "the server did not start:\n{}",
            served.log()
        );
        served
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Log lines containing `needle`.
    fn said(&self, needle: &str) -> usize {
        let log = self.log.lock().unwrap();
        log.iter().filter(|l| l.contains(needle)).count()
    }

    /// Hits of a quoted phrase.
    fn total(&self, phrase: &str) -> u64 {
        let q = support::q(&format!("\"{phrase}\""));
        let (status, v) =
            support::json(&format!("http://127.0.0.1:{}/api/search?q={q}", self.port));
        assert_eq!(status, 200, "{v}");
        v["total"].as_u64().unwrap_or(0)
    }

    /// Waits until `phrase` has `want` hits, failing with the log after [`PATIENCE`].
    fn wait_for(&self, phrase: &str, want: u64, what: &str) {
        let started = Instant::now();
        while self.total(phrase) != want {
            assert!(
                started.elapsed() < PATIENCE,
                "{what}: {phrase} has not {want} hits after {PATIENCE:?}; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// CPU time (user + system) the server has used so far, in clock ticks.
    fn cpu_ticks(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        // Fields after the command name (which may hold spaces): utime and stime are the 12th
        // and 13th.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A short report whose body holds `phrase`.
fn report(phrase: &str) -> String {
    format!("关于{phrase}的报告\n\n时间:2021-03-04\n\n本报告记录了{phrase}的情况，请各单位知悉。")
}

/// A phrase of its own for report `n` (digits spelled in Chinese, so each is a distinct run of
/// characters).
fn phrase(n: usize) -> String {
    const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let digits: String = format!("{n:05}")
        .chars()
        .map(|c| DIGITS[c.to_digit(10).unwrap_or(0) as usize])
        .collect();
    format!("编号{digits}号事项")
}

fn temp_corpus() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    (dir, corpus)
}

#[test]
#[cfg(target_os = "linux")]
fn an_idle_watcher_rests() {
    // 3,000 reports in 60 folders: every sync opens each folder, which the old watcher took
    // for a change, syncing again ~150 ms later for ever.
    let (dir, corpus) = temp_corpus();
    for n in 0..3000 {
        let folder = corpus.join(format!("d{:02}", n % 60));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join(format!("r{n}.txt")), report(&phrase(n))).unwrap();
    }
    let served = Served::start(dir.path());
    served.wait_for(&phrase(2999), 1, "the folder was not indexed");
    // Let the watcher settle (the old one never did), then measure 10 idle seconds.
    std::thread::sleep(Duration::from_secs(3));
    let ticks = served.cpu_ticks();
    std::thread::sleep(Duration::from_secs(10));
    let used = served.cpu_ticks() - ticks;
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    let seconds = used as f64 / per_second as f64;
    eprintln!("idle watcher over 3,000 reports: {seconds:.2} s of CPU in 10 s");
    // A resource bound, not a speed: 3% of a core while nothing changes.
    assert!(
        seconds < 0.3,
        "the idle watcher used {seconds:.2} s of CPU in 10 s; log:\n{}",
        served.log()
    );
    // And it still indexes.
    std::fs::write(corpus.join("d00").join("new.txt"), report(&phrase(3000))).unwrap();
    served.wait_for(&phrase(3000), 1, "a report written after the idle time");
}

#[test]
fn a_deleted_and_recreated_folder_is_watched_again() {
    let (dir, corpus) = temp_corpus();
    std::fs::write(corpus.join("a.txt"), report(&phrase(1))).unwrap();
    std::fs::write(corpus.join("b.txt"), report(&phrase(2))).unwrap();
    let served = Served::start(dir.path());
    served.wait_for(&phrase(1), 1, "the first report");

    std::fs::remove_dir_all(&corpus).unwrap();
    let started = Instant::now();
    while served.said("is gone") == 0 {
        assert!(
            started.elapsed() < PATIENCE,
            "the watcher did not notice its folder was gone; log:\n{}",
            served.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // While the folder is gone the index stays as it was.
    assert_eq!(served.total(&phrase(1)), 1);

    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::write(corpus.join("b.txt"), report(&phrase(2))).unwrap();
    std::fs::write(corpus.join("c.txt"), report(&phrase(3))).unwrap();
    served.wait_for(&phrase(3), 1, "a report in the recreated folder");
    // The sync that found the new folder removed what did not come back.
    served.wait_for(&phrase(1), 0, "a report deleted with the folder");
    assert_eq!(served.total(&phrase(2)), 1);
    // And the new folder is watched: a later report is found too.
    std::fs::write(corpus.join("d.txt"), report(&phrase(4))).unwrap();
    served.wait_for(&phrase(4), 1, "a later report in the recreated folder");
    assert_eq!(served.said("is gone"), 1, "{}", served.log());
    // One line said it: the watch library's own chatter about the folders that went is not
    // shown.
    assert_eq!(served.said("notify"), 0, "{}", served.log());
}

#[test]
fn a_folder_replaced_at_once_or_moved_away_and_back_is_watched_again() {
    let (dir, corpus) = temp_corpus();
    std::fs::write(corpus.join("a.txt"), report(&phrase(1))).unwrap();
    let served = Served::start(dir.path());
    served.wait_for(&phrase(1), 1, "the first report");

    // Replaced at once by another folder (written elsewhere, renamed into place).
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("b.txt"), report(&phrase(2))).unwrap();
    let old = dir.path().join("old");
    std::fs::rename(&corpus, &old).unwrap();
    std::fs::rename(&other, &corpus).unwrap();
    served.wait_for(&phrase(2), 1, "a report of the folder put in place");
    served.wait_for(&phrase(1), 0, "a report of the folder moved away");
    std::fs::write(corpus.join("c.txt"), report(&phrase(3))).unwrap();
    served.wait_for(
        &phrase(3),
        1,
        "a report written into the folder put in place",
    );

    // Moved away and back.
    std::fs::rename(&corpus, &other).unwrap();
    let started = Instant::now();
    while served.said("is gone") == 0 {
        assert!(
            started.elapsed() < PATIENCE,
            "the watcher did not notice its folder was moved away; log:\n{}",
            served.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::rename(&other, &corpus).unwrap();
    std::fs::write(corpus.join("d.txt"), report(&phrase(4))).unwrap();
    served.wait_for(&phrase(4), 1, "a report written into the folder moved back");
}

#[test]
#[cfg(target_os = "linux")]
fn a_skipped_file_is_not_read_again_until_it_changes() {
    use notify::event::{AccessKind, EventKind};
    use notify::Watcher as _;

    let (dir, corpus) = temp_corpus();
    std::fs::write(corpus.join("a.txt"), report(&phrase(1))).unwrap();
    let bad = corpus.join("bad.pdf");
    std::fs::write(&bad, b"this is not a PDF at all").unwrap();
    // Every open of bad.pdf, by anyone, counted through the kernel's own notifications.
    let opens = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&opens);
    let mut spy = notify::recommended_watcher(move |e: notify::Result<notify::Event>| {
        if let Ok(e) = e {
            if matches!(e.kind, EventKind::Access(AccessKind::Open(_)))
                && e.paths.iter().any(|p| p.ends_with("bad.pdf"))
            {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        }
    })
    .unwrap();
    spy.watch(&corpus, notify::RecursiveMode::NonRecursive)
        .unwrap();

    let served = Served::start(dir.path());
    served.wait_for(&phrase(1), 1, "the first report");
    assert_eq!(served.said("skipped bad.pdf"), 1, "{}", served.log());
    // Three more syncs, each made visible by a new report.
    for n in 2..=4 {
        std::fs::write(corpus.join(format!("r{n}.txt")), report(&phrase(n))).unwrap();
        served.wait_for(&phrase(n), 1, "a new report");
    }
    // The read for the first sync may be reported late: a fourth sync makes sure it was seen.
    std::fs::write(corpus.join("r5.txt"), report(&phrase(5))).unwrap();
    served.wait_for(&phrase(5), 1, "a new report");
    let before = opens.load(Ordering::SeqCst);
    assert_eq!(
        before,
        1,
        "bad.pdf was opened {before} times over five syncs; log:\n{}",
        served.log()
    );
    assert_eq!(
        served.said("skipped bad.pdf"),
        1,
        "a skipped file named again without a change:\n{}",
        served.log()
    );

    // Changed, it is read again (this write is one open, the server's read another).
    std::fs::write(&bad, b"still not a PDF, but longer now").unwrap();
    let started = Instant::now();
    while opens.load(Ordering::SeqCst) < before + 2 {
        assert!(
            started.elapsed() < PATIENCE,
            "the changed bad.pdf was not read again; log:\n{}",
            served.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_skipped_file_stays_named_in_every_summary() {
    use zhsearch::index::{Indexer, SyncOptions};

    let (dir, corpus) = temp_corpus();
    std::fs::write(corpus.join("a.txt"), report(&phrase(1))).unwrap();
    std::fs::write(corpus.join("bad.pdf"), b"this is not a PDF at all").unwrap();
    // The same indexer (as the watcher holds it): read once, then named from memory.
    let opts = SyncOptions {
        root: Some(corpus.clone()),
        rebuild: false,
    };
    let mut indexer = Indexer::open(&dir.path().join("index"), &opts).unwrap();
    let first = indexer.sync(&mut |_| {}).unwrap();
    assert_eq!((first.read, first.skipped_unchanged), (2, 0));
    assert_eq!(first.skipped_read, ["bad.pdf"]);
    let second = indexer.sync(&mut |_| {}).unwrap();
    assert_eq!((second.read, second.skipped_unchanged), (0, 1));
    assert!(second.skipped_read.is_empty());
    assert_eq!(second.skipped.len(), 1);
    assert_eq!(second.skipped[0].path, "bad.pdf");
    assert_eq!(second.skipped[0].reason, first.skipped[0].reason);
    // Changed, it is read again.
    std::fs::write(corpus.join("bad.pdf"), b"still not a PDF, but longer now").unwrap();
    let third = indexer.sync(&mut |_| {}).unwrap();
    assert_eq!((third.read, third.skipped_unchanged), (1, 0));
    assert_eq!(third.skipped_read, ["bad.pdf"]);
    indexer.finish().unwrap();

    // `zhsearch index`, a new process each time, names it every time (and exits 1).
    for _ in 0..2 {
        let out = support::command(dir.path())
            .arg("--index")
            .arg(dir.path().join("index"))
            .arg("index")
            .arg(&corpus)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("skipped bad.pdf"), "{stderr}");
    }
}
