//! File formats: how the decoded contents of a file become report text.
//!
//! A format is a small pluggable piece: it claims file extensions and turns decoded contents into
//! plain text (and, where the format marks them, section headings). Adding a format means one
//! implementation of [`Format`] and one entry in [`FORMATS`].

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// Plain text produced by a format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormattedText {
    /// The text a user reads.
    pub text: String,
    /// Section headings marked up by the format; `None` lets the text heuristics decide.
    pub headings: Option<Vec<String>>,
}

/// A file format that zhsearch indexes.
pub trait Format: Sync {
    /// Lowercase file extensions (without dot) this format reads.
    fn extensions(&self) -> &'static [&'static str];
    /// Turns decoded file contents into report text.
    fn to_text(&self, contents: String) -> FormattedText;
}

/// Plain text: the contents are the text.
pub struct PlainText;

impl Format for PlainText {
    fn extensions(&self) -> &'static [&'static str] {
        &["txt"]
    }

    fn to_text(&self, contents: String) -> FormattedText {
        FormattedText {
            text: contents,
            headings: None,
        }
    }
}

/// Markdown: rendered to plain text; `#` headings become section headings.
pub struct Markdown;

impl Format for Markdown {
    fn extensions(&self) -> &'static [&'static str] {
        &["md", "markdown"]
    }

    fn to_text(&self, contents: String) -> FormattedText {
        let mut text = String::with_capacity(contents.len());
        let mut headings = Vec::new();
        let mut heading: Option<String> = None;
        for event in Parser::new(&contents) {
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
        }
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
        let out = Markdown.to_text(md.to_string());
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
    fn formats_by_extension() {
        use std::path::Path;
        assert!(for_path(Path::new("a/b.TXT")).is_some());
        assert!(for_path(Path::new("a/b.md")).is_some());
        assert!(for_path(Path::new("a/b.docx")).is_none());
        assert!(for_path(Path::new("a/txt")).is_none());
    }
}
