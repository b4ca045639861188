//! The reader workers as a library user sees them: in this test process of its own, so that
//! the worker processes it finds are the ones this test started.

use std::time::Duration;

use zhsearch::ingest::{worker, Report, Unreadable};

/// A .docx of `paragraphs` paragraphs of text, made with the zip crate.
fn docx(paragraphs: usize) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("word/document.xml", options).unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#).unwrap();
    for i in 0..paragraphs {
        zip.write_all(
            format!("<w:p><w:r><w:t>第{i}段：坚持党建引领，推动乡村振兴。</w:t></w:r></w:p>")
                .as_bytes(),
        )
        .unwrap();
    }
    zip.write_all(b"</w:body></w:document>").unwrap();
    zip.finish().unwrap().into_inner()
}

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
    let big = docx(400_000);
    let late = Report::from_bytes_within("big.docx", &big, Duration::from_millis(50));
    assert_eq!(
        late.unwrap_err(),
        Unreadable::TimedOut(Duration::from_millis(50))
    );
    // The worker that was reading it is gone, not spinning on in the background.
    assert_eq!(my_workers(), Vec::<u32>::new());
    // A new worker reads the next file, and stays for the one after.
    let small = Report::from_bytes("small.docx", &docx(3)).unwrap();
    assert!(small.text.contains("第2段"), "{}", small.text);
    assert_eq!(my_workers().len(), 1);
    let again = Report::from_bytes_within("big.docx", &big, Duration::from_secs(60)).unwrap();
    assert!(again.text.contains("第399999段"));
    assert_eq!(my_workers().len(), 1, "one worker read both files");
}
