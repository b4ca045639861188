//! The reader workers as a library user sees them: in this test process of its own, so that
//! the worker processes it finds are the ones this test started.

mod support;

use std::time::Duration;

use zhsearch::ingest::{worker, Readers, Report, Unreadable, READ_BUDGET};

/// Reader workers among this process's children, by their command line.
fn my_workers() -> Vec<u32> {
    let me = std::process::id();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if ppid == Some(me) && String::from_utf8_lossy(&cmdline).contains(worker::WORKER_ARG) {
            found.push(pid);
        }
    }
    found
}

#[test]
fn a_reader_past_its_budget_is_stopped_not_abandoned_and_the_next_file_is_read() {
    assert!(worker::isolate_readers(env!("CARGO_BIN_EXE_zhsearch")));
    assert!(worker::readers_isolated());
    let big = support::docx_of_paragraphs("大型报告", 400_000);
    // The workers of one reading party (as an indexer has).
    let readers = Readers::new();
    let late = Report::from_bytes_with("big.docx", &big, Duration::from_millis(50), &readers);
    assert_eq!(
        late.unwrap_err(),
        Unreadable::TimedOut(Duration::from_millis(50))
    );
    // The worker that was reading it is gone, not spinning on in the background.
    assert_eq!(my_workers(), Vec::<u32>::new());
    // A new worker reads the next file, and stays for the one after.
    let small = Report::from_bytes_with(
        "small.docx",
        &support::docx_of_paragraphs("小报告", 3),
        READ_BUDGET,
        &readers,
    )
    .unwrap();
    assert!(small.text.contains("第2段"), "{}", small.text);
    assert_eq!(my_workers().len(), 1);
    let again =
        Report::from_bytes_with("big.docx", &big, Duration::from_secs(60), &readers).unwrap();
    assert!(again.text.contains("第399999段"));
    assert_eq!(my_workers().len(), 1, "one worker read both files");
    // Its workers end with the readers.
    drop(readers);
    assert_eq!(my_workers(), Vec::<u32>::new());
}
