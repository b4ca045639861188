//! Prints what zhsearch reads from files: `cargo run --example dump_report -- FILE…`.
fn main() {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).expect("readable file");
        match zhsearch::ingest::Report::from_bytes(&path, &bytes) {
            Ok(r) => println!(
                "== {path}\nformat: {}\ntitle: {}\ndate: {:?}\nheadings: {:?}\n--\n{}\n",
                r.format,
                r.title,
                r.date.map(|d| d.to_string()),
                r.headings,
                r.text
            ),
            Err(e) => println!("== {path}\nskipped: {e}\n"),
        }
    }
}
