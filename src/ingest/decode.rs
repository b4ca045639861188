//! Bytes to text: BOM-marked UTF-8/UTF-16, plain UTF-8, and legacy encodings (GB18030/GBK above
//! all) by detection. Never assumes an encoding without evidence.

use encoding_rs::{Encoding, GB18030, GBK, UTF_8};

/// Why a file's bytes are not a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// Zero bytes or only whitespace.
    Empty,
    /// Looks like a binary file (NUL bytes without a UTF-16 byte-order mark).
    Binary,
    /// Not valid in any encoding we could detect.
    Undecodable(String),
    /// Encrypted or protected by a password.
    Encrypted,
    /// Unpacks to more than a reader allows (a zip or stream bomb, or simply too big).
    TooLarge,
    /// Damaged, truncated, or not what its name says.
    Corrupt {
        /// The format it was read as (`docx`, `pdf`…).
        format: &'static str,
        /// What is wrong, in a few words.
        why: String,
    },
    /// A document (`.docx`, `.odt`, `.doc`) that is well formed but holds no text.
    NoText,
    /// A PDF whose pages are images only.
    NoTextLayer,
    /// A web page without an article (a list of links, a navigation page).
    NoArticle,
    /// Reading took longer than the budget of one file.
    TimedOut(std::time::Duration),
    /// A kind of file zhsearch does not read (an RTF document named `.doc`, say).
    Unsupported(String),
    /// The reader failed on this file (a fault in it, contained).
    Failed(String),
}

impl Unreadable {
    /// A [`Unreadable::Corrupt`] reason.
    pub fn corrupt(format: &'static str, why: impl std::fmt::Display) -> Unreadable {
        Unreadable::Corrupt {
            format,
            why: why.to_string(),
        }
    }
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreadable::Empty => f.write_str("empty file"),
            Unreadable::Binary => f.write_str("binary file"),
            Unreadable::Undecodable(why) => write!(f, "cannot decode: {why}"),
            Unreadable::Encrypted => f.write_str("password-protected"),
            Unreadable::TooLarge => f.write_str("too large when unpacked"),
            Unreadable::Corrupt { format, why } => write!(f, "corrupt {format}: {why}"),
            Unreadable::NoText => f.write_str("no text in the document"),
            Unreadable::NoTextLayer => f.write_str("no text layer (scanned?)"),
            Unreadable::NoArticle => f.write_str("no article text (a page of links?)"),
            Unreadable::TimedOut(budget) => {
                write!(f, "took longer than {} s to read", budget.as_secs())
            }
            Unreadable::Unsupported(what) => write!(f, "not supported: {what}"),
            Unreadable::Failed(why) => write!(f, "could not be read: {why}"),
        }
    }
}

/// Decoded text and the name of the encoding it was in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, without byte-order mark.
    pub text: String,
    /// Encoding name as in the WHATWG Encoding Standard (`UTF-8`, `gb18030`, `UTF-16LE`, …).
    pub encoding: &'static str,
}

/// Largest share of replacement characters tolerated in a legacy-encoded file (a stray bad
/// byte in a long GBK report should not lose the report).
const MAX_REPLACEMENT_RATIO: f64 = 0.005;

/// Decodes a file's bytes.
///
/// ```
/// use zhsearch::ingest::decode::decode;
/// let text = "坚持党建引领，推动乡村振兴。";
/// let (gbk, _, _) = encoding_rs::GBK.encode(text);
/// let decoded = decode(&gbk).unwrap();
/// assert_eq!((decoded.text.as_str(), decoded.encoding), (text, "gb18030"));
/// ```
pub fn decode(bytes: &[u8]) -> Result<Decoded, Unreadable> {
    let decoded = if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(Unreadable::Undecodable(format!(
                "invalid {} after its byte-order mark",
                encoding.name()
            )));
        }
        Decoded {
            text: text.into_owned(),
            encoding: encoding.name(),
        }
    } else if looks_binary(bytes) {
        return Err(Unreadable::Binary);
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        Decoded {
            text: text.to_string(),
            encoding: UTF_8.name(),
        }
    } else {
        decode_legacy(bytes)?
    };
    if decoded.text.trim().is_empty() {
        return Err(Unreadable::Empty);
    }
    if decoded.text.chars().any(|c| c == '\0') {
        return Err(Unreadable::Binary);
    }
    Ok(decoded)
}

fn looks_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(8192)].contains(&0)
}

/// Bytes shown to the encoding detector first in a long file: a thousand characters of text
/// tell GBK from Big5 or Shift_JIS, and detection costs more per byte than everything else
/// done to a report. The whole file is shown instead when the prefix holds too little non-ASCII text
/// to judge by, or when decoding with the prefix's guess fails.
const DETECT_PREFIX: usize = 4096;
/// Non-ASCII bytes the prefix must hold for its guess to count.
const DETECT_MIN_NON_ASCII: usize = 1024;

/// Han characters a clean GB18030 reading must yield to be judged without the detector.
const MIN_HAN: usize = 16;

/// The 800 Han characters that carry most of jieba's dictionary
/// (`scripts/frequent_chars.py --top 800 --out src/ingest/common_han.txt`). Decoding's own
/// copy: the index's list of frequent characters may be retuned without changing how files
/// are decoded.
const COMMON_HAN: &str = include_str!("common_han.txt");

/// Whether each character of the CJK Unified Ideographs block is in [`COMMON_HAN`].
static IS_COMMON_HAN: std::sync::LazyLock<Vec<bool>> = std::sync::LazyLock::new(|| {
    let mut table = vec![false; 0x9fff - 0x4e00 + 1];
    for c in COMMON_HAN.chars() {
        if let Some(slot) = (c as usize)
            .checked_sub(0x4e00)
            .and_then(|i| table.get_mut(i))
        {
            *slot = true;
        }
    }
    table
});

/// The text, if `bytes` are valid GB18030 whose Han characters are mostly common ones (see
/// [`COMMON_HAN`]), as in any real Chinese report: the usual case for a
/// legacy-encoded file here, and the one cheap enough to check before asking the detector.
/// Bytes of another double-byte encoding (Big5, Shift_JIS, EUC-KR) read as GB18030 give rare
/// characters in no particular order, far below that share.
fn common_chinese_gb18030(bytes: &[u8]) -> Option<Decoded> {
    let text = GB18030.decode_without_bom_handling_and_without_replacement(bytes)?;
    let (mut han, mut common) = (0usize, 0usize);
    for c in text.chars() {
        if ('\u{4e00}'..='\u{9fff}').contains(&c) {
            han += 1;
            common += usize::from(IS_COMMON_HAN[c as usize - 0x4e00]);
        }
    }
    (han >= MIN_HAN && common * 2 >= han).then(|| Decoded {
        text: text.into_owned(),
        encoding: GB18030.name(),
    })
}

fn decode_legacy(bytes: &[u8]) -> Result<Decoded, Unreadable> {
    if let Some(decoded) = common_chinese_gb18030(bytes) {
        return Ok(decoded);
    }
    if bytes.len() > DETECT_PREFIX {
        let prefix = &bytes[..DETECT_PREFIX];
        if prefix.iter().filter(|b| !b.is_ascii()).count() >= DETECT_MIN_NON_ASCII {
            if let Ok(decoded) = decode_as(bytes, guess_encoding(prefix, false)) {
                return Ok(decoded);
            }
        }
    }
    decode_as(bytes, guess_encoding(bytes, true))
}

fn guess_encoding(bytes: &[u8], whole: bool) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, whole);
    let guess = detector.guess(None, true);
    // GBK is a subset of GB18030; decode the superset so four-byte sequences survive too.
    if guess == GBK || guess == UTF_8 {
        GB18030
    } else {
        guess
    }
}

fn decode_as(bytes: &[u8], encoding: &'static Encoding) -> Result<Decoded, Unreadable> {
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    if had_errors {
        let total = text.chars().count().max(1);
        let bad = text.chars().filter(|&c| c == '\u{fffd}').count();
        if bad as f64 / total as f64 > MAX_REPLACEMENT_RATIO {
            return Err(Unreadable::Undecodable(format!(
                "not UTF-8, and {bad} of {total} characters are invalid as {}",
                encoding.name()
            )));
        }
    }
    Ok(Decoded {
        text: text.into_owned(),
        encoding: encoding.name(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "博乐市小营盘镇党委\n\n时间:2017-11-09\n\n坚持“党建为龙头”，推动发展。";

    #[test]
    fn utf8_plain_and_with_bom() {
        assert_eq!(decode(TEXT.as_bytes()).unwrap().text, TEXT);
        let mut bom = vec![0xef, 0xbb, 0xbf];
        bom.extend_from_slice(TEXT.as_bytes());
        let d = decode(&bom).unwrap();
        assert_eq!(d.text, TEXT);
        assert_eq!(d.encoding, "UTF-8");
    }

    #[test]
    fn utf16_with_bom_both_orders() {
        let units: Vec<u16> = TEXT.encode_utf16().collect();
        let mut le = vec![0xff, 0xfe];
        let mut be = vec![0xfe, 0xff];
        for u in &units {
            le.extend_from_slice(&u.to_le_bytes());
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(decode(&le).unwrap().text, TEXT);
        assert_eq!(decode(&le).unwrap().encoding, "UTF-16LE");
        assert_eq!(decode(&be).unwrap().text, TEXT);
        assert_eq!(decode(&be).unwrap().encoding, "UTF-16BE");
    }

    #[test]
    fn gb18030_and_gbk_are_detected() {
        let (bytes, _, _) = GB18030.encode(TEXT);
        let d = decode(&bytes).unwrap();
        assert_eq!(d.text, TEXT);
        assert_eq!(d.encoding, "gb18030");
        // A character outside GBK needs GB18030's four-byte form.
        let rare = format!("{TEXT}㐀䶵");
        let (bytes, _, _) = GB18030.encode(&rare);
        assert_eq!(decode(&bytes).unwrap().text, rare);
    }

    #[test]
    fn only_common_chinese_skips_the_detector() {
        let simplified = "坚持党建引领，推动乡村振兴，加强基层组织建设，服务人民群众。";
        let (gbk, _, _) = GBK.encode(simplified);
        assert_eq!(common_chinese_gb18030(&gbk).unwrap().text, simplified);
        let traditional = "臺灣的學校與圖書館，整理了歷年的會議紀錄與工作報告。";
        for encoding in [
            encoding_rs::BIG5,
            encoding_rs::SHIFT_JIS,
            encoding_rs::EUC_KR,
        ] {
            let (bytes, _, _) = encoding.encode(traditional);
            assert!(
                common_chinese_gb18030(&bytes).is_none(),
                "{}",
                encoding.name()
            );
        }
        // Too little text to judge by.
        let (short, _, _) = GBK.encode("党建引领");
        assert!(common_chinese_gb18030(&short).is_none());
    }

    #[test]
    fn long_files_are_judged_by_enough_text() {
        let chinese = "臺灣的學校與圖書館，整理了歷年的會議紀錄與工作報告。".repeat(120);
        for prefix in ["", &"Annual report, section 1. ".repeat(200)] {
            let text = format!("{prefix}{chinese}");
            for encoding in [encoding_rs::BIG5, GB18030] {
                let (bytes, _, _) = encoding.encode(&text);
                assert!(bytes.len() > DETECT_PREFIX);
                let d = decode(&bytes).unwrap();
                assert_eq!(
                    (d.text.as_str(), d.encoding),
                    (text.as_str(), encoding.name())
                );
            }
        }
    }

    #[test]
    fn binary_empty_and_garbage_are_rejected() {
        assert_eq!(decode(b""), Err(Unreadable::Empty));
        assert_eq!(decode(b" \n\t\r\n"), Err(Unreadable::Empty));
        assert_eq!(
            decode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Err(Unreadable::Binary)
        );
    }

    #[test]
    fn invalid_utf16_after_bom_is_undecodable() {
        // An unpaired high surrogate.
        let bytes = [0xff, 0xfe, 0x00, 0xd8, 0x41, 0x00];
        assert!(matches!(decode(&bytes), Err(Unreadable::Undecodable(_))));
    }
}
