//! A folder with planted copies for the copy audit (`zhsearch duplicates`, `/duplicates`):
//! reports of the bundled corpus copied with sentences changed, removed and appended, under
//! other dates, in other encodings and folders; and an oracle for the share of one text found
//! in others, written apart from the library's.

use std::collections::HashSet;
use std::io::BufRead;
use std::path::Path;

/// A planted group: its paths, oldest first.
pub struct Planted {
    pub paths: Vec<&'static str>,
}

/// The bundled sample profile and the copies made of it.
pub const PROFILE: &str = "000_44c36bc19d531045.txt";
/// A copy of [`PROFILE`] dated 2019, every fifth sentence rewritten.
pub const PROFILE_2019: &str = "copy_2019.txt";
/// A copy of [`PROFILE_2019`] dated 2020 (GBK), its last third cut and a paragraph appended.
pub const PROFILE_2020: &str = "sub/copy_2020.txt";
/// The bundled 述职报告 (GB18030).
pub const REVIEW: &str = "述职报告_gb18030.txt";
/// A copy of [`REVIEW`] a year on, one sentence changed and one appended.
pub const REVIEW_2021: &str = "述职报告_2021.txt";

/// Reads a bundled report, decoding GB18030 when it is not UTF-8.
pub fn bundled_text(name: &str) -> String {
    let bytes = std::fs::read(Path::new(super::REPO).join("corpus").join(name)).unwrap();
    match String::from_utf8(bytes.clone()) {
        Ok(text) => text,
        Err(_) => encoding_rs::GB18030.decode(&bytes).0.into_owned(),
    }
}

/// The text after the header: everything past the first line holding `时间`.
fn body(text: &str) -> &str {
    let at = text.find("时间").unwrap();
    let line_end = text[at..].find('\n').map_or(text.len(), |e| at + e);
    text[line_end..].trim_start()
}

/// Sentences, each with its `。`.
fn sentences(text: &str) -> Vec<&str> {
    text.split_inclusive('。').collect()
}

/// Writes the planted copies into `corpus` (the bundled reports must be there) and returns the
/// groups they make, oldest report first, newest group first.
pub fn plant(corpus: &Path) -> Vec<Planted> {
    let profile = bundled_text(PROFILE);
    let mut copy: String = String::from("博乐市小营盘镇党委2019年工作情况\n\n时间:2019-03-01\n\n");
    for (i, s) in sentences(body(&profile)).into_iter().enumerate() {
        if i % 5 == 4 {
            copy.push_str(&format!(
                "这是复制后改写的第{i}句，写的是另一个乡镇在另一年的另一件事情。"
            ));
        } else {
            copy.push_str(s);
        }
    }
    std::fs::write(corpus.join(PROFILE_2019), &copy).unwrap();

    let kept = sentences(body(&copy));
    let mut later = String::from("博乐市小营盘镇党委2020年上半年工作情况\n\n时间:2020-06-15\n\n");
    for s in &kept[..kept.len() * 2 / 3] {
        later.push_str(s);
    }
    later.push_str(
        "\n\n下半年，镇党委将继续围绕中心工作，抓好疫情防控和复工复产，推动各项任务落地见效。",
    );
    let gbk = encoding_rs::GBK.encode(&later).0;
    std::fs::create_dir_all(corpus.join("sub")).unwrap();
    std::fs::write(corpus.join(PROFILE_2020), &gbk).unwrap();

    let review = bundled_text(REVIEW);
    let mut next =
        String::from("乡镇党委书记2020年抓基层党建工作述职报告\n\n时间：2021年1月10日\n\n");
    for (i, s) in sentences(body(&review)).into_iter().enumerate() {
        if i == 2 {
            next.push_str("这一年里，本人把疫情防控和基层党建结合起来，统筹推进各项工作。");
        } else {
            next.push_str(s);
        }
    }
    next.push_str("新的一年，本人将继续履行好第一责任人职责。");
    std::fs::write(corpus.join(REVIEW_2021), &next).unwrap();

    vec![
        Planted {
            paths: vec![REVIEW, REVIEW_2021],
        },
        Planted {
            paths: vec![PROFILE, PROFILE_2019, PROFILE_2020],
        },
    ]
}

/// `count` news reports of ../shared/bench from the `skip`-th on, under `dir` (none, with a
/// notice, when the bench is absent). The slices the copy-audit tests take hold no copies of each
/// other.
pub fn write_bench_slice(dir: &Path, skip: usize, count: usize) {
    let shard = Path::new(super::REPO).join("../shared/bench/docs-000.jsonl.gz");
    let Ok(file) = std::fs::File::open(&shard) else {
        eprintln!("note: {} is absent; bench reports skipped", shard.display());
        return;
    };
    std::fs::create_dir_all(dir).unwrap();
    let lines = std::io::BufReader::new(flate2::read::GzDecoder::new(file)).lines();
    for (i, line) in lines.enumerate().skip(skip).take(count) {
        let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        let text = format!(
            "{}\n\n时间:{}\n\n{}",
            v["title"].as_str().unwrap(),
            v["date"].as_str().unwrap(),
            v["text"].as_str().unwrap()
        );
        std::fs::write(dir.join(format!("{i:04}.txt")), text).unwrap();
    }
}

/// The distinct runs of 5 letters, digits or Han characters (lower case) of `text`.
fn shingles(text: &str) -> HashSet<String> {
    let chars: Vec<char> = text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    chars.windows(5).map(|w| w.iter().collect()).collect()
}

/// The oracle: the share, in percent, of `text`'s distinct 5-character runs found in `earlier`.
pub fn share_found(text: &str, earlier: &[&str]) -> f64 {
    let mine = shingles(text);
    let theirs: HashSet<String> = earlier.iter().flat_map(|t| shingles(t)).collect();
    mine.iter().filter(|s| theirs.contains(*s)).count() as f64 * 100.0 / mine.len() as f64
}

/// The text of a report in `corpus`: GBK for [`PROFILE_2020`] and the bundled 述职报告.
pub fn text_of(corpus: &Path, path: &str) -> String {
    let bytes = std::fs::read(corpus.join(path)).unwrap();
    match String::from_utf8(bytes.clone()) {
        Ok(text) => text,
        Err(_) => encoding_rs::GB18030.decode(&bytes).0.into_owned(),
    }
}
