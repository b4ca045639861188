//! File formats: how the bytes of a file become report text.
//!
//! A format is a small pluggable piece: it claims file extensions and turns a file's bytes into
//! plain text (and, where the format records them, section headings and a title), or says why
//! it cannot. Adding a format means one implementation of [`Format`] and one entry in
//! [`FORMATS`]; text formats share [`decode`](super::decode) for their encoding, office formats
//! [`package`] for their zip container.
//!
//! | module | reads |
//! |---|---|
//! | [`text`] | `.txt`, `.md` |
//! | [`docx`] | `.docx` (Word 2007+, WPS, LibreOffice, pandoc), with `numbering.rs` for its list numbers |
//! | [`doc`] | `.doc`, `.wps` (Word 97–2003 and WPS binary documents) |
//! | [`odt`] | `.odt` |
//! | [`pdf`] | `.pdf` with a text layer |
//! | [`html`] | `.html`, `.htm` (the article of a saved web page) |
//!
//! Files are untrusted input: every reader bounds what it unpacks, checks a [`Deadline`] where
//! it loops, and returns an [`Unreadable`] reason instead of failing otherwise. The caller
//! ([`crate::ingest::Report::from_bytes`]) also runs [`Format::guarded`] readers in a worker
//! process ([`crate::ingest::worker`]; on a thread where readers are not isolated), so that a
//! fault in a reader or a parser it uses — even a stack overflow or an allocation failure —
//! skips one file, never the run.

pub mod doc;
pub mod docx;
pub mod html;
mod numbering;
pub mod odt;
pub mod package;
pub mod pdf;
mod pdf_limits;
pub mod text;

use std::time::{Duration, Instant};

use super::decode::Unreadable;
pub use text::{Markdown, PlainText};

/// Most bytes of text a reader takes from one file: 32 MiB is some ten million Chinese
/// characters, far beyond any report, while a crafted file can unpack to gigabytes of text. A
/// file holding more is skipped as too large when unpacked.
pub const MAX_TEXT: usize = 32 << 20;

/// Most bytes of one paragraph of a document (some 350,000 Chinese characters without a
/// break): text is segmented paragraph by paragraph, and a crafted paragraph of millions of
/// characters would cost gigabytes there.
pub const MAX_PARAGRAPH: usize = 1 << 20;

/// The reason to skip a document with a paragraph longer than [`MAX_PARAGRAPH`].
pub(crate) fn paragraph_too_long() -> Unreadable {
    Unreadable::Unsupported(format!(
        "a paragraph longer than {} MiB",
        MAX_PARAGRAPH >> 20
    ))
}

/// `read` when its text is within [`MAX_TEXT`] and [`MAX_PARAGRAPH`] and not empty, else the
/// reason to skip the document.
pub(crate) fn bounded_text(read: FormattedText) -> Result<FormattedText, Unreadable> {
    if read.text.len() > MAX_TEXT {
        return Err(Unreadable::TooLarge);
    }
    if read.text.lines().any(|l| l.len() > MAX_PARAGRAPH) {
        return Err(paragraph_too_long());
    }
    if read.text.trim().is_empty() {
        return Err(Unreadable::NoText);
    }
    Ok(read)
}

/// What a format read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormattedText {
    /// The text a user reads.
    pub text: String,
    /// Section headings marked up by the format; `None` lets the text heuristics decide.
    pub headings: Option<Vec<String>>,
    /// The title the file records about itself, if any; `None` takes the first line.
    pub title: Option<String>,
    /// How the text was stored: an encoding name for text formats (`UTF-8`, `gb18030`…),
    /// empty where the format fixes it.
    pub encoding: &'static str,
}

/// The formats zhsearch reads, as a report records it.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    /// Plain text in any encoding zhsearch reads (`.txt`).
    #[default]
    Text,
    /// Markdown (`.md`).
    Markdown,
    /// Word 2007+ (`.docx`).
    Docx,
    /// Word 97–2003 and WPS binary documents (`.doc`, `.wps`).
    Doc,
    /// OpenDocument text (`.odt`).
    Odt,
    /// PDF with a text layer.
    Pdf,
    /// A saved web page (`.html`, `.htm`).
    Html,
}

impl ReportFormat {
    /// Every format.
    pub const ALL: [ReportFormat; 7] = [
        ReportFormat::Text,
        ReportFormat::Markdown,
        ReportFormat::Docx,
        ReportFormat::Doc,
        ReportFormat::Odt,
        ReportFormat::Pdf,
        ReportFormat::Html,
    ];

    /// Its name, as the index stores it and reports show it (`text`, `docx`…).
    pub fn name(self) -> &'static str {
        match self {
            ReportFormat::Text => "text",
            ReportFormat::Markdown => "markdown",
            ReportFormat::Docx => "docx",
            ReportFormat::Doc => "doc",
            ReportFormat::Odt => "odt",
            ReportFormat::Pdf => "pdf",
            ReportFormat::Html => "html",
        }
    }

    /// The format a report records by `name`; a report indexed by a build that recorded none
    /// was read as text.
    pub fn recorded(name: &str) -> ReportFormat {
        ReportFormat::from_name(name).unwrap_or(ReportFormat::Text)
    }

    /// The format called `name` ([`ReportFormat::name`]).
    pub fn from_name(name: &str) -> Option<ReportFormat> {
        ReportFormat::ALL.into_iter().find(|f| f.name() == name)
    }

    /// What users call it, in Chinese.
    pub fn label(self) -> &'static str {
        match self {
            ReportFormat::Text => "文本",
            ReportFormat::Markdown => "Markdown",
            ReportFormat::Docx => "Word 文档",
            ReportFormat::Doc => "Word 97–2003 / WPS 文档",
            ReportFormat::Odt => "ODF 文本文档",
            ReportFormat::Pdf => "PDF",
            ReportFormat::Html => "网页",
        }
    }

    /// Its reader.
    pub fn reader(self) -> &'static dyn Format {
        match self {
            ReportFormat::Text => &PlainText,
            ReportFormat::Markdown => &Markdown,
            ReportFormat::Docx => &docx::Docx,
            ReportFormat::Doc => &doc::Doc,
            ReportFormat::Odt => &odt::Odt,
            ReportFormat::Pdf => &pdf::Pdf,
            ReportFormat::Html => &html::Html,
        }
    }

    /// The media type of its files, with the charset of a text file stored in `encoding`.
    pub fn media_type(self, encoding: &str) -> String {
        let media_type = self.reader().media_type();
        if media_type.starts_with("text/") && !encoding.is_empty() {
            format!("{media_type}; charset={encoding}")
        } else {
            media_type.to_string()
        }
    }
}

impl std::fmt::Display for ReportFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A file format that zhsearch indexes.
pub trait Format: Sync {
    /// Which format it reads.
    fn format(&self) -> ReportFormat;
    /// Its name, as reports show it (`text`, `markdown`, `docx`, `pdf`…).
    fn name(&self) -> &'static str {
        self.format().name()
    }
    /// Lowercase file extensions (without dot) this format reads.
    fn extensions(&self) -> &'static [&'static str];
    /// The media type of its files, for serving an original.
    fn media_type(&self) -> &'static str;
    /// Whether reading parses a structure a crafted file can abuse (containers, compressed
    /// streams, a document tree): such formats are read in a worker process under the time
    /// budget ([`crate::ingest::worker`]). Plain decoding, linear in the file, is not.
    fn guarded(&self) -> bool {
        true
    }
    /// Reads a file's bytes into report text, or says why it cannot. `deadline` is checked
    /// where the reader loops; once it has passed the reader gives up with
    /// [`Unreadable::TimedOut`].
    fn read(&self, bytes: &[u8], deadline: &Deadline) -> Result<FormattedText, Unreadable>;
}

/// When a reader must give up on a file.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    until: Option<Instant>,
    budget: Duration,
}

impl Deadline {
    /// A deadline `budget` from now.
    pub fn after(budget: Duration) -> Deadline {
        Deadline {
            until: Instant::now().checked_add(budget),
            budget,
        }
    }

    /// No deadline.
    pub fn none() -> Deadline {
        Deadline {
            until: None,
            budget: Duration::MAX,
        }
    }

    /// `Err(TimedOut)` once the deadline has passed.
    pub fn check(&self) -> Result<(), Unreadable> {
        match self.until {
            Some(until) if Instant::now() >= until => Err(Unreadable::TimedOut(self.budget)),
            _ => Ok(()),
        }
    }
}

/// Every format zhsearch reads.
pub static FORMATS: &[&dyn Format] = &[
    &PlainText,
    &Markdown,
    &docx::Docx,
    &doc::Doc,
    &odt::Odt,
    &pdf::Pdf,
    &html::Html,
];

/// The format for a file name, by its extension (case-insensitive).
pub fn for_path(path: &std::path::Path) -> Option<&'static dyn Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    FORMATS
        .iter()
        .copied()
        .find(|f| f.extensions().contains(&ext.as_str()))
}

/// The format by its name ([`Format::name`]).
pub fn by_name(name: &str) -> Option<&'static dyn Format> {
    ReportFormat::from_name(name).map(ReportFormat::reader)
}

/// Start of every OLE compound file (`.doc`, `.wps`, and encrypted OOXML).
pub const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
/// Start of a zip archive's first local file header (`.docx`, `.odt`).
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// The format for a file, by its extension corrected by its content: office files are often
/// renamed (a `.doc` that is really a `.docx`, a Word "web page" saved as `.doc`), so a word
/// processor's file is read by what its first bytes say it is.
pub fn for_file(path: &std::path::Path, bytes: &[u8]) -> Option<&'static dyn Format> {
    let by_extension = for_path(path)?;
    if !matches!(
        by_extension.format(),
        ReportFormat::Docx | ReportFormat::Doc | ReportFormat::Odt
    ) {
        return Some(by_extension);
    }
    let sniffed: &'static dyn Format = if bytes.starts_with(OLE_MAGIC) {
        &doc::Doc
    } else if bytes.starts_with(ZIP_MAGIC) {
        // ODF puts an uncompressed `mimetype` entry first, its contents right after the
        // 30-byte local header and the 8-byte name.
        if bytes
            .get(30..)
            .is_some_and(|b| b.starts_with(b"mimetypeapplication/vnd.oasis.opendocument"))
        {
            &odt::Odt
        } else {
            &docx::Docx
        }
    } else if html::looks_like_html(bytes) {
        &html::Html
    } else {
        by_extension
    };
    Some(sniffed)
}

/// Whether `c` is written without spaces around it: Han characters, kana, CJK punctuation
/// and full-width forms.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{303F}'   // radicals, CJK symbols and punctuation
        | '\u{3040}'..='\u{30FF}' // kana
        | '\u{3100}'..='\u{31FF}' // bopomofo, strokes
        | '\u{3400}'..='\u{4DBF}' // extension A
        | '\u{4E00}'..='\u{9FFF}' // unified ideographs
        | '\u{F900}'..='\u{FAFF}' // compatibility ideographs
        | '\u{FE30}'..='\u{FE4F}' // compatibility forms
        | '\u{FF00}'..='\u{FFEF}' // full-width forms
        | '\u{20000}'..='\u{3134F}' // extensions B–G
        | '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}' | '\u{2026}' | '\u{2014}' | '\u{00B7}')
}

/// Appends `next`, a continuation of the same paragraph, to `out`: directly when the
/// characters that meet are Chinese on either side (`2022` + `年`), with one space between
/// two Latin words.
pub(crate) fn join_continued(out: &mut String, next: &str) {
    let next = next.trim_start();
    let needs_space = match (out.chars().next_back(), next.chars().next()) {
        // A number broken at a line's end (`6.` / `8%`, `61` / `55344`) is one number.
        (Some(a), Some(b))
            if (a.is_ascii_digit() || a == '.') && (b.is_ascii_digit() || b == '%') =>
        {
            false
        }
        (Some(a), Some(b)) => !a.is_whitespace() && !is_cjk(a) && !is_cjk(b) && a != '-',
        _ => false,
    };
    if needs_space {
        out.push(' ');
    }
    out.push_str(next);
}

/// The lines of `text` as one line, joined as [`join_continued`] does.
pub(crate) fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = line.trim_end();
        if !line.trim().is_empty() {
            join_continued(&mut out, line);
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn numbers_broken_at_a_line_end_are_joined_whole() {
        assert_eq!(
            one_line("增速达到6.\n8%，病例61\n55344例"),
            "增速达到6.8%，病例6155344例"
        );
        assert_eq!(one_line("in\n2016, the\nyear"), "in 2016, the year");
        assert_eq!(one_line("2022\n年完成"), "2022年完成");
    }

    #[test]
    fn formats_by_extension() {
        assert_eq!(for_path(Path::new("a/b.TXT")).unwrap().name(), "text");
        assert_eq!(for_path(Path::new("a/b.md")).unwrap().name(), "markdown");
        assert_eq!(for_path(Path::new("a/b.Docx")).unwrap().name(), "docx");
        assert_eq!(for_path(Path::new("a/b.wps")).unwrap().name(), "doc");
        assert_eq!(for_path(Path::new("a/b.htm")).unwrap().name(), "html");
        assert!(for_path(Path::new("a/b.xlsx")).is_none());
        assert!(for_path(Path::new("a/txt")).is_none());
    }

    #[test]
    fn office_files_are_read_by_their_content() {
        let name = |path: &str, bytes: &[u8]| for_file(Path::new(path), bytes).unwrap().name();
        let ole = [OLE_MAGIC, &[0; 8]].concat();
        assert_eq!(name("a.docx", &ole), "doc");
        assert_eq!(name("a.doc", b"PK\x03\x04rest"), "docx");
        let mut odt = b"PK\x03\x04".to_vec();
        odt.resize(30, 0);
        odt.extend_from_slice(b"mimetypeapplication/vnd.oasis.opendocument.text");
        assert_eq!(name("a.doc", &odt), "odt");
        assert_eq!(name("a.doc", b"<html><body>x</body></html>"), "html");
        assert_eq!(name("a.doc", b"garbage"), "doc");
        // Other formats keep their extension's reader.
        assert_eq!(name("a.txt", &ole), "text");
    }

    #[test]
    fn lines_join_without_spaces_in_chinese() {
        assert_eq!(
            one_line("坚持党建引领，\n2022\n年完成"),
            "坚持党建引领，2022年完成"
        );
        assert_eq!(one_line("Party\nbuilding 2022\n"), "Party building 2022");
        assert_eq!(one_line("GDP\n增长"), "GDP增长");
    }
}
