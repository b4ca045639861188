//! File formats: how the bytes of a file become report text.
//!
//! A format is a small pluggable piece: it claims file extensions and turns a file's bytes into
//! plain text (and, where the format records them, section headings and a title), or says why
//! it cannot. Adding a format means one implementation of [`Format`] and one entry in
//! [`FORMATS`]; text formats share [`decode`] for their encoding.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use super::decode::{self, Unreadable};

/// What a format read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormattedText {
    /// The text a user reads.
    pub text: String,
    /// Section headings marked up by the format; `None` lets the text heuristics decide.
    pub headings: Option<Vec<String>>,
    /// The title the file records about itself, if any; `None` takes the first line.
    pub title: Option<String>,
    /// How the text was stored: an encoding name for text formats (`UTF-8`, `gb18030`…).
    pub encoding: &'static str,
}

/// A file format that zhsearch indexes.
pub trait Format: Sync {
    /// Its name, as reports show it (`text`, `markdown`).
    fn name(&self) -> &'static str;
    /// Lowercase file extensions (without dot) this format reads.
    fn extensions(&self) -> &'static [&'static str];
    /// Reads a file's bytes into report text, or says why it cannot.
    fn read(&self, bytes: &[u8]) -> Result<FormattedText, Unreadable>;
}

/// Plain text: the decoded contents are the text.
pub struct PlainText;

impl Format for PlainText {
    fn name(&self) -> &'static str {
        "text"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["txt"]
    }

    fn read(&self, bytes: &[u8]) -> Result<FormattedText, Unreadable> {
        let decoded = decode::decode(bytes)?;
        Ok(FormattedText {
            text: decoded.text,
            headings: None,
            title: None,
            encoding: decoded.encoding,
        })
    }
}

/// Markdown: rendered to plain text; `#` headings become section headings.
pub struct Markdown;

impl Format for Markdown {
    fn name(&self) -> &'static str {
        "markdown"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["md", "markdown"]
    }

    fn read(&self, bytes: &[u8]) -> Result<FormattedText, Unreadable> {
        let decoded = decode::decode(bytes)?;
        Ok(markdown_to_text(&decoded.text, decoded.encoding))
    }
}

/// Markdown rendered to plain text, with its headings.
fn markdown_to_text(contents: &str, encoding: &'static str) -> FormattedText {
    let mut text = String::with_capacity(contents.len());
    let mut headings = Vec::new();
    let mut heading: Option<String> = None;
    for event in Parser::new(contents) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => {
                if let Some(h) = heading.take() {
                    let h = h.trim().to_string();
                    if !h.is_empty() {
                        headings.push(h);
                    }
                }
                text.push_str("\n\n");
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
                text.push_str(&t);
            }
            Event::HardBreak => text.push('\n'),
            // A soft break inside a Chinese paragraph is not a space.
            Event::SoftBreak => {}
            Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::CodeBlock | TagEnd::BlockQuote(_),
            ) => text.push_str("\n\n"),
            _ => {}
        }
    }
    // The first heading is normally the title, not a section.
    let title = super::extract::title_line(&text);
    if headings.first().map(String::as_str) == title {
        headings.remove(0);
    }
    FormattedText {
        text: text.trim_end().to_string(),
        headings: Some(headings),
        title: None,
        encoding,
    }
}

/// Every format zhsearch reads.
pub static FORMATS: &[&dyn Format] = &[&PlainText, &Markdown];

/// The format for a file name, by its extension (case-insensitive).
pub fn for_path(path: &std::path::Path) -> Option<&'static dyn Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    FORMATS
        .iter()
        .copied()
        .find(|f| f.extensions().contains(&ext.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_text_with_headings() {
        let md =
            "# 党建工作总结\n\n## 一、加强组织建设\n\n全面**从严**治党，\n持续推进。\n\n- 第一条\n";
        let out = Markdown.read(md.as_bytes()).unwrap();
        assert_eq!(out.headings, Some(vec!["一、加强组织建设".to_string()]));
        assert!(out.text.starts_with("党建工作总结\n\n一、加强组织建设"));
        assert!(
            out.text.contains("全面从严治党，持续推进。"),
            "{}",
            out.text
        );
        assert!(!out.text.contains('#') && !out.text.contains('*'));
    }

    #[test]
    fn text_formats_decode_their_bytes_and_refuse_binary() {
        let gbk = encoding_rs::GBK.encode("党建工作总结\n\n全面从严治党。").0;
        let out = PlainText.read(&gbk).unwrap();
        assert_eq!(out.text, "党建工作总结\n\n全面从严治党。");
        assert_eq!(out.encoding, "gb18030");
        assert!(Markdown.read(&[0, 159, 146, 150, 0, 0, 7]).is_err());
    }

    #[test]
    fn formats_by_extension() {
        use std::path::Path;
        assert!(for_path(Path::new("a/b.TXT")).is_some());
        assert!(for_path(Path::new("a/b.md")).is_some());
        assert!(for_path(Path::new("a/b.docx")).is_none());
        assert!(for_path(Path::new("a/txt")).is_none());
    }
}
