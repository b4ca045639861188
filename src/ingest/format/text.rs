//! Plain text and Markdown: decoded through [`decode`], Markdown rendered to plain text.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use super::{Deadline, Format, FormattedText};
use crate::ingest::decode::{self, Unreadable};

/// Plain text: the decoded contents are the text.
pub struct PlainText;

impl Format for PlainText {
    fn format(&self) -> super::ReportFormat {
        super::ReportFormat::Text
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["txt"]
    }

    fn media_type(&self) -> &'static str {
        "text/plain"
    }

    fn guarded(&self) -> bool {
        false
    }

    fn read(&self, bytes: &[u8], _: &Deadline) -> Result<FormattedText, Unreadable> {
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
    fn format(&self) -> super::ReportFormat {
        super::ReportFormat::Markdown
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["md", "markdown"]
    }

    fn media_type(&self) -> &'static str {
        "text/markdown"
    }

    fn guarded(&self) -> bool {
        false
    }

    fn read(&self, bytes: &[u8], _: &Deadline) -> Result<FormattedText, Unreadable> {
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
    let title = crate::ingest::extract::title_line(&text);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_text_with_headings() {
        let md =
            "# 党建工作总结\n\n## 一、加强组织建设\n\n全面**从严**治党，\n持续推进。\n\n- 第一条\n";
        let out = Markdown.read(md.as_bytes(), &Deadline::none()).unwrap();
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
        let out = PlainText.read(&gbk, &Deadline::none()).unwrap();
        assert_eq!(out.text, "党建工作总结\n\n全面从严治党。");
        assert_eq!(out.encoding, "gb18030");
        assert!(Markdown
            .read(&[0, 159, 146, 150, 0, 0, 7], &Deadline::none())
            .is_err());
    }
}
