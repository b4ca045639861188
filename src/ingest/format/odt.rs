//! `.odt` (OpenDocument text, LibreOffice's own format): `content.xml` streamed into
//! paragraphs.
//!
//! `text:h` elements are the headings (outline levels 1–3); the title is a paragraph of the
//! `Title` style, else a heading that opens the document, else `dc:title` from `meta.xml` when
//! it is meaningful. Tables are one line per row with tab-separated cells, frames and text
//! boxes paragraphs of their own, notes follow the body; annotations and tracked deletions are
//! left out.

use std::collections::HashMap;

use super::package::{self, attr, Node, Package};
use super::{Deadline, Format, FormattedText};
use crate::ingest::decode::Unreadable;

/// OpenDocument text documents.
pub struct Odt;

const NAME: &str = "odt";

/// Deepest heading level kept as a section heading.
const MAX_LEVEL: u8 = 3;

impl Format for Odt {
    fn format(&self) -> super::ReportFormat {
        super::ReportFormat::Odt
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["odt"]
    }

    fn media_type(&self) -> &'static str {
        "application/vnd.oasis.opendocument.text"
    }

    fn read(&self, bytes: &[u8], deadline: &Deadline) -> Result<FormattedText, Unreadable> {
        let mut pkg = Package::open(bytes, NAME)?;
        if pkg.has("META-INF/manifest.xml") {
            let manifest = pkg.require("META-INF/manifest.xml", deadline)?;
            if String::from_utf8_lossy(&manifest).contains("encryption-data") {
                return Err(Unreadable::Encrypted);
            }
        }
        let content = pkg.require("content.xml", deadline)?;
        let mut walker = Walker::default();
        package::walk(&content, NAME, "content.xml", deadline, |n| walker.visit(n))?;
        let meta_title = match pkg.read("meta.xml", deadline)? {
            Some(xml) => package::first_text(&xml, b"dc:title", NAME, "meta.xml", deadline)?,
            None => None,
        };
        if walker.too_long {
            return Err(super::paragraph_too_long());
        }
        let read = walker.finish(meta_title);
        if read.text.trim().is_empty() {
            return Err(Unreadable::NoText);
        }
        Ok(read)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Title,
    Heading(u8),
    Body,
}

#[derive(Debug)]
struct OpenPara {
    text: String,
    role: Role,
}

#[derive(Debug, Default)]
struct OpenTable {
    depth: usize,
    rows: Vec<String>,
    cells: Vec<String>,
    cell: Vec<String>,
}

#[derive(Default)]
struct Walker {
    /// Automatic paragraph styles and the style each derives from.
    parents: HashMap<String, String>,
    style: Option<String>,
    body: Vec<(String, Role)>,
    notes: Vec<String>,
    paras: Vec<OpenPara>,
    tables: Vec<OpenTable>,
    /// Depth inside `text:note-body`: its paragraphs are notes.
    note: usize,
    skip: usize,
    /// Whether a paragraph grew past [`super::MAX_PARAGRAPH`].
    too_long: bool,
}

impl Walker {
    fn push_text(&mut self, text: &str) {
        if let Some(p) = self.paras.last_mut() {
            if p.text.len() + text.len() > super::MAX_PARAGRAPH {
                self.too_long = true;
                return;
            }
            p.text.push_str(text);
        }
    }

    fn role_of_style(&self, name: &str) -> Role {
        let mut name = name;
        for _ in 0..10 {
            if name == "Title" {
                return Role::Title;
            }
            match self.parents.get(name) {
                Some(parent) => name = parent,
                None => break,
            }
        }
        Role::Body
    }

    fn visit(&mut self, node: Node<'_>) {
        if self.skip > 0 {
            match node {
                Node::Open(_) => self.skip += 1,
                Node::Close(_) => self.skip -= 1,
                Node::Text(_) => {}
            }
            return;
        }
        match node {
            Node::Open(e) => match e.name().as_ref() {
                b"office:annotation"
                | b"text:tracked-changes"
                | b"svg:desc"
                | b"svg:title"
                | b"table:covered-table-cell" => self.skip = 1,
                b"style:style" => {
                    self.style = attr(e, b"style:name");
                    if let (Some(name), Some(parent)) =
                        (self.style.clone(), attr(e, b"style:parent-style-name"))
                    {
                        self.parents.insert(name, parent);
                    }
                }
                b"text:p" => {
                    let role =
                        attr(e, b"text:style-name").map_or(Role::Body, |s| self.role_of_style(&s));
                    self.paras.push(OpenPara {
                        text: String::new(),
                        role,
                    });
                }
                b"text:h" => {
                    let level = attr(e, b"text:outline-level")
                        .and_then(|l| l.parse().ok())
                        .unwrap_or(1);
                    self.paras.push(OpenPara {
                        text: String::new(),
                        role: Role::Heading(level),
                    });
                }
                b"text:s" => {
                    let n = attr(e, b"text:c")
                        .and_then(|c| c.parse::<usize>().ok())
                        .unwrap_or(1);
                    self.push_text(&" ".repeat(n.min(100)));
                }
                b"text:tab" => self.push_text("\t"),
                b"text:line-break" => self.push_text("\n"),
                b"text:note-body" => self.note += 1,
                b"table:table" => self.tables.push(OpenTable {
                    depth: self.paras.len(),
                    ..OpenTable::default()
                }),
                _ => {}
            },
            Node::Text(t) => self.push_text(t),
            Node::Close(name) => match name {
                b"text:p" | b"text:h" => self.end_paragraph(),
                b"text:note-body" => self.note = self.note.saturating_sub(1),
                b"table:table-cell" => {
                    if let Some(t) = self.tables.last_mut() {
                        let cell = std::mem::take(&mut t.cell).join(" ");
                        t.cells.push(cell);
                    }
                }
                b"table:table-row" => {
                    if let Some(t) = self.tables.last_mut() {
                        let cells = std::mem::take(&mut t.cells);
                        // Trailing empty cells (a repeated blank column) say nothing.
                        let used = cells.iter().rposition(|c| !c.trim().is_empty());
                        if let Some(last) = used {
                            t.rows.push(cells[..=last].join("\t"));
                        }
                    }
                }
                b"table:table" => self.end_table(),
                _ => {}
            },
        }
    }

    fn end_paragraph(&mut self) {
        let Some(p) = self.paras.pop() else { return };
        let text = p.text.trim().to_string();
        if let Some(t) = self
            .tables
            .last_mut()
            .filter(|t| t.depth == self.paras.len())
        {
            if !text.is_empty() {
                t.cell.push(text.replace('\n', " "));
            }
            return;
        }
        if text.is_empty() {
            return;
        }
        if self.note > 0 {
            self.notes.push(text);
        } else {
            self.body.push((text, p.role));
        }
    }

    fn end_table(&mut self) {
        let Some(table) = self.tables.pop() else {
            return;
        };
        match self
            .tables
            .last_mut()
            .filter(|outer| outer.depth == self.paras.len())
        {
            Some(outer) => outer
                .cell
                .extend(table.rows.iter().map(|r| r.replace('\t', " "))),
            None => self
                .body
                .extend(table.rows.into_iter().map(|r| (r, Role::Body))),
        }
    }

    fn finish(mut self, meta_title: Option<String>) -> FormattedText {
        while !self.paras.is_empty() || !self.tables.is_empty() {
            if self.paras.len() > self.tables.last().map_or(0, |t| t.depth) {
                self.end_paragraph();
            } else {
                self.end_table();
            }
        }
        let is_heading = |r: Role| matches!(r, Role::Heading(l) if l <= MAX_LEVEL);
        let title_at = self
            .body
            .iter()
            .position(|(_, r)| *r == Role::Title)
            .or_else(|| self.body.first().filter(|(_, r)| is_heading(*r)).map(|_| 0));
        let mut text = String::new();
        let mut headings = Vec::new();
        for (i, (para, role)) in self.body.iter().enumerate() {
            if Some(i) == title_at || is_heading(*role) {
                let line = super::one_line(para);
                if Some(i) != title_at && headings.len() < crate::ingest::extract::MAX_HEADINGS {
                    headings.push(line.clone());
                }
                text.push_str(&line);
            } else {
                text.push_str(para);
            }
            text.push('\n');
        }
        if !self.notes.is_empty() {
            text.push('\n');
            for note in &self.notes {
                text.push_str(note);
                text.push('\n');
            }
        }
        let title = title_at
            .map(|i| super::one_line(&self.body[i].0))
            .or_else(|| meta_title.filter(|t| package::meaningful_title(t, &text)));
        FormattedText {
            text: text.trim_end().to_string(),
            headings: (!headings.is_empty()).then_some(headings),
            title,
            encoding: "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::format::package::tests::zip;

    pub(crate) fn odt(body: &str) -> Vec<u8> {
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="t" xmlns:table="tb" xmlns:style="s" xmlns:draw="d"><office:automatic-styles><style:style style:name="P1" style:family="paragraph" style:parent-style-name="Title"/></office:automatic-styles><office:body><office:text>{body}</office:text></office:body></office:document-content>"#
        );
        zip(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", content.as_bytes()),
        ])
    }

    #[test]
    fn headings_title_tables_notes_and_spaces() {
        let body = r#"<text:p text:style-name="P1">关于做好2022年党建工作的通知</text:p>
            <text:h text:outline-level="1">一、总体要求</text:h>
            <text:p>坚持<text:span>党建引领</text:span>，Party<text:s/>building<text:s text:c="2"/>x<text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>注释文字</text:p></text:note-body></text:note>。</text:p>
            <table:table><table:table-row><table:table-cell><text:p>单位</text:p></table:table-cell><table:table-cell><text:p>人数</text:p></table:table-cell><table:table-cell/></table:table-row></table:table>
            <text:h text:outline-level="2">（一）目标</text:h><text:p>行一<text:line-break/>行二<text:tab/>尾</text:p>
            <text:p><office:annotation><text:p>批注</text:p></office:annotation>正文</text:p>"#;
        let out = Odt.read(&odt(body), &Deadline::none()).unwrap();
        assert_eq!(out.title.as_deref(), Some("关于做好2022年党建工作的通知"));
        assert_eq!(
            out.headings,
            Some(vec!["一、总体要求".to_string(), "（一）目标".to_string()])
        );
        assert_eq!(
            out.text,
            "关于做好2022年党建工作的通知\n一、总体要求\n坚持党建引领，Party building  x1。\n单位\t人数\n（一）目标\n行一\n行二\t尾\n正文\n\n注释文字"
        );
    }

    #[test]
    fn broken_and_encrypted() {
        let err = |b: &[u8]| Odt.read(b, &Deadline::none()).unwrap_err();
        assert!(matches!(
            err(&zip(&[("mimetype", b"x")])),
            Unreadable::Corrupt { .. }
        ));
        let encrypted = zip(&[
            ("META-INF/manifest.xml", b"<manifest:encryption-data/>"),
            ("content.xml", b"garbage"),
        ]);
        assert_eq!(err(&encrypted), Unreadable::Encrypted);
    }
}
