//! `.docx` (Word 2007 and later, WPS, LibreOffice, pandoc): `word/document.xml` streamed
//! into paragraphs in reading order.
//!
//! - Tables become one line per row, cells separated by a tab; a table inside a cell is
//!   flattened into that cell.
//! - Text boxes (`w:txbxContent`) become paragraphs of their own. Word stores a drawing twice,
//!   as DrawingML in `mc:Choice` and as VML in `mc:Fallback`; only the first is read.
//! - Field codes (`w:instrText`, and everything between a field's `begin` and `separate`) are
//!   left out, their results kept; deleted text (`w:delText`) is left out.
//! - `w:tab` is a tab, `w:br` and `w:cr` a line break.
//! - Footnotes and endnotes follow the body, after a blank line; their marks are numbered as
//!   Word shows them.
//! - Numbered paragraphs (headings and list items) get the number Word shows (`一、`, `1.1.`),
//!   counted from `word/numbering.xml` (see `numbering.rs`); bullets are left out.
//! - Headings are the paragraphs whose style (resolved through `word/styles.xml`, following
//!   `w:basedOn`) is `heading 1`–`3` / `标题 1`–`3`, or has outline level 1–3, or whose own
//!   properties give that outline level. The title is the `Title`-styled paragraph, else a
//!   heading that opens the document, else `dc:title` from `docProps/core.xml` when it is
//!   meaningful ([`package::meaningful_title`]), else the first line.

use std::collections::HashMap;

use super::numbering::Numbering;
use super::package::{self, attr, Node, Package};
use super::{Deadline, Format, FormattedText};
use crate::ingest::decode::Unreadable;

/// Word 2007+ documents.
pub struct Docx;

const NAME: &str = "docx";

/// Deepest heading level kept as a section heading.
const MAX_LEVEL: u8 = 3;

impl Format for Docx {
    fn format(&self) -> super::ReportFormat {
        super::ReportFormat::Docx
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["docx", "docm", "dotx"]
    }

    fn media_type(&self) -> &'static str {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    }

    fn read(&self, bytes: &[u8], deadline: &Deadline) -> Result<FormattedText, Unreadable> {
        let mut pkg = Package::open(bytes, NAME)?;
        let main = main_part(&mut pkg, deadline)?;
        let document = pkg.require(&main, deadline)?;
        let styles = match pkg.read("word/styles.xml", deadline)? {
            Some(xml) => Styles::parse(&xml, deadline)?,
            None => Styles::default(),
        };
        let numbering = match pkg.read("word/numbering.xml", deadline)? {
            Some(xml) => Numbering::parse(&xml, deadline)?,
            None => Numbering::default(),
        };
        let mut body = Walker::new(&styles, numbering);
        package::walk(&document, NAME, &main, deadline, |n| body.visit(n))?;
        drop(document);
        let mut notes = Walker::new(&styles, Numbering::default());
        for part in ["word/footnotes.xml", "word/endnotes.xml"] {
            if let Some(xml) = pkg.read(part, deadline)? {
                package::walk(&xml, NAME, part, deadline, |n| notes.visit(n))?;
            }
        }
        let core_title = match pkg.read("docProps/core.xml", deadline)? {
            Some(xml) => package::first_text(&xml, b"dc:title", NAME, "core.xml", deadline)?,
            None => None,
        };
        if body.too_long || notes.too_long {
            return Err(super::paragraph_too_long());
        }
        let read = assemble(body.finish(), notes.finish(), core_title);
        if read.text.trim().is_empty() {
            return Err(Unreadable::NoText);
        }
        Ok(read)
    }
}

/// The main document part: the target of the package's `officeDocument` relationship
/// (`word/document.xml` for every producer seen so far).
fn main_part(pkg: &mut Package<'_>, deadline: &Deadline) -> Result<String, Unreadable> {
    const DEFAULT: &str = "word/document.xml";
    let Some(rels) = pkg.read("_rels/.rels", deadline)? else {
        return Ok(DEFAULT.into());
    };
    let mut target = None;
    package::walk(&rels, NAME, "_rels/.rels", deadline, |n| {
        if let Node::Open(e) = n {
            let is_main = attr(e, b"Type").is_some_and(|t| t.ends_with("/officeDocument"));
            if is_main && target.is_none() {
                target = attr(e, b"Target");
            }
        }
    })?;
    let target = target
        .map(|t| t.trim_start_matches('/').to_string())
        .filter(|t| pkg.has(t));
    if target.is_none() && !pkg.has(DEFAULT) {
        // A zip, but not a Word document (a spreadsheet renamed, say).
        return Err(Unreadable::corrupt(
            NAME,
            "no word/document.xml in the archive",
        ));
    }
    Ok(target.unwrap_or_else(|| DEFAULT.into()))
}

/// What a paragraph style says about structure.
#[derive(Debug, Clone, Default)]
struct Style {
    name: String,
    based_on: Option<String>,
    outline: Option<u8>,
    /// The list its paragraphs are numbered in (`w:numId`), and at which level.
    num_id: Option<String>,
    ilvl: Option<usize>,
}

/// Paragraph styles by id.
#[derive(Debug, Default)]
struct Styles {
    by_id: HashMap<String, Style>,
}

/// What a paragraph is, by its style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Title,
    Heading(u8),
    Body,
}

impl Styles {
    fn parse(xml: &[u8], deadline: &Deadline) -> Result<Styles, Unreadable> {
        let mut styles = Styles::default();
        let mut current: Option<(String, Style)> = None;
        package::walk(xml, NAME, "word/styles.xml", deadline, |n| match n {
            Node::Open(e) => match e.name().as_ref() {
                b"w:style" => {
                    current = (attr(e, b"w:type").as_deref() == Some("paragraph"))
                        .then(|| attr(e, b"w:styleId"))
                        .flatten()
                        .map(|id| (id, Style::default()));
                }
                b"w:name" => {
                    if let (Some((_, s)), Some(v)) = (current.as_mut(), attr(e, b"w:val")) {
                        s.name = v;
                    }
                }
                b"w:basedOn" => {
                    if let Some((_, s)) = current.as_mut() {
                        s.based_on = attr(e, b"w:val");
                    }
                }
                b"w:outlineLvl" => {
                    if let Some((_, s)) = current.as_mut() {
                        s.outline = attr(e, b"w:val").and_then(|v| v.parse().ok());
                    }
                }
                b"w:numId" => {
                    if let Some((_, s)) = current.as_mut() {
                        s.num_id = attr(e, b"w:val");
                    }
                }
                b"w:ilvl" => {
                    if let Some((_, s)) = current.as_mut() {
                        s.ilvl = attr(e, b"w:val").and_then(|v| v.parse().ok());
                    }
                }
                _ => {}
            },
            Node::Close(b"w:style") => {
                if let Some((id, style)) = current.take() {
                    styles.by_id.insert(id, style);
                }
            }
            _ => {}
        })?;
        Ok(styles)
    }

    /// The role of a paragraph of style `id` (following `basedOn`, a few steps at most).
    fn role(&self, id: &str) -> Role {
        let mut next = Some(id);
        let mut outline = None;
        for _ in 0..10 {
            let Some(id) = next else { break };
            let Some(style) = self.by_id.get(id) else {
                // No styles part, or a style it does not define: the id may still say it.
                return role_by_name(id).unwrap_or(Role::Body);
            };
            if let Some(role) = role_by_name(&style.name) {
                return role;
            }
            outline = outline.or(style.outline);
            next = style.based_on.as_deref();
        }
        outline.map_or(Role::Body, outline_role)
    }
}

impl Styles {
    /// The list a paragraph of style `id` is numbered in, and at which level (following
    /// `basedOn`).
    fn numbering(&self, id: &str) -> Option<(String, usize)> {
        let mut next = Some(id);
        for _ in 0..10 {
            let style = self.by_id.get(next?)?;
            if let Some(num) = &style.num_id {
                return Some((num.clone(), style.ilvl.unwrap_or(0)));
            }
            next = style.based_on.as_deref();
        }
        None
    }
}

/// `w:outlineLvl` is 0-based; 9 means body text.
fn outline_role(level: u8) -> Role {
    if level < 9 {
        Role::Heading(level + 1)
    } else {
        Role::Body
    }
}

/// The role a style name (or id) says: `heading 1`, `Heading1`, `标题 1`, `Title`, `标题`.
fn role_by_name(name: &str) -> Option<Role> {
    let squeezed: String = name
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    if squeezed == "title" || squeezed == "标题" {
        return Some(Role::Title);
    }
    let level = squeezed
        .strip_prefix("heading")
        .or_else(|| squeezed.strip_prefix("标题"))?;
    level
        .parse::<u8>()
        .ok()
        .filter(|l| (1..=9).contains(l))
        .map(Role::Heading)
}

/// A paragraph as read.
#[derive(Debug, Clone)]
struct Para {
    text: String,
    role: Role,
}

#[derive(Debug, Default)]
struct OpenPara {
    text: String,
    style: Option<String>,
    outline: Option<u8>,
    num_id: Option<String>,
    ilvl: Option<usize>,
}

#[derive(Debug, Default)]
struct OpenTable {
    /// Paragraphs open when the table started: paragraphs at that depth are the cells'.
    depth: usize,
    rows: Vec<String>,
    cells: Vec<String>,
    cell: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Instruction,
    Result,
}

/// The state of a walk through a WordprocessingML part.
struct Walker<'s> {
    styles: &'s Styles,
    numbering: Numbering,
    out: Vec<Para>,
    paras: Vec<OpenPara>,
    tables: Vec<OpenTable>,
    fields: Vec<Field>,
    /// Depth inside a subtree that is left out (`mc:Fallback`, a separator footnote).
    skip: usize,
    runs: usize,
    in_text: bool,
    /// Footnote and endnote marks so far: Word numbers them 1, 2, 3… and i, ii, iii….
    footnotes: u32,
    endnotes: u32,
    /// Whether a paragraph grew past [`super::MAX_PARAGRAPH`].
    too_long: bool,
}

impl<'s> Walker<'s> {
    fn new(styles: &'s Styles, numbering: Numbering) -> Self {
        Walker {
            styles,
            numbering,
            out: Vec::new(),
            paras: Vec::new(),
            tables: Vec::new(),
            fields: Vec::new(),
            skip: 0,
            runs: 0,
            in_text: false,
            footnotes: 0,
            endnotes: 0,
            too_long: false,
        }
    }

    fn push_text(&mut self, text: &str) {
        if self.fields.contains(&Field::Instruction) {
            return;
        }
        if let Some(p) = self.paras.last_mut() {
            if p.text.len() + text.len() > super::MAX_PARAGRAPH {
                self.too_long = true;
                return;
            }
            p.text.push_str(text);
        }
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
                b"mc:Fallback" => self.skip = 1,
                b"w:footnote" | b"w:endnote"
                    if attr(e, b"w:type").is_some_and(|t| t != "normal") =>
                {
                    self.skip = 1
                }
                b"w:p" => self.paras.push(OpenPara::default()),
                b"w:pStyle" => {
                    if let Some(p) = self.paras.last_mut() {
                        p.style = attr(e, b"w:val");
                    }
                }
                b"w:outlineLvl" => {
                    if let Some(p) = self.paras.last_mut() {
                        p.outline = attr(e, b"w:val").and_then(|v| v.parse().ok());
                    }
                }
                b"w:numId" => {
                    if let Some(p) = self.paras.last_mut() {
                        p.num_id = attr(e, b"w:val");
                    }
                }
                b"w:ilvl" => {
                    if let Some(p) = self.paras.last_mut() {
                        p.ilvl = attr(e, b"w:val").and_then(|v| v.parse().ok());
                    }
                }
                b"w:r" => self.runs += 1,
                b"w:t" => self.in_text = true,
                b"w:tab" | b"w:ptab" if self.runs > 0 => self.push_text("\t"),
                b"w:br" | b"w:cr" if self.runs > 0 => self.push_text("\n"),
                b"w:noBreakHyphen" => self.push_text("-"),
                // A note's mark, where the reference is in the text and at the note itself;
                // a custom mark is in the text that follows.
                b"w:footnoteReference" | b"w:footnoteRef"
                    if !attr(e, b"w:customMarkFollows")
                        .is_some_and(|v| v == "1" || v == "true") =>
                {
                    self.footnotes += 1;
                    let mark = self.footnotes.to_string();
                    self.push_text(&mark);
                }
                b"w:endnoteReference" | b"w:endnoteRef"
                    if !attr(e, b"w:customMarkFollows")
                        .is_some_and(|v| v == "1" || v == "true") =>
                {
                    self.endnotes += 1;
                    let mark = super::numbering::roman(self.endnotes);
                    self.push_text(&mark);
                }
                b"w:fldChar" => match attr(e, b"w:fldCharType").as_deref() {
                    Some("begin") => self.fields.push(Field::Instruction),
                    Some("separate") => {
                        if let Some(f) = self.fields.last_mut() {
                            *f = Field::Result;
                        }
                    }
                    Some("end") => {
                        self.fields.pop();
                    }
                    _ => {}
                },
                b"w:tbl" => self.tables.push(OpenTable {
                    depth: self.paras.len(),
                    ..OpenTable::default()
                }),
                _ => {}
            },
            Node::Text(t) => {
                if self.in_text {
                    self.push_text(t);
                }
            }
            Node::Close(name) => match name {
                b"w:t" => self.in_text = false,
                b"w:r" => self.runs = self.runs.saturating_sub(1),
                b"w:p" => self.end_paragraph(),
                b"w:tc" => {
                    if let Some(t) = self.tables.last_mut() {
                        let cell = std::mem::take(&mut t.cell).join(" ");
                        t.cells.push(cell);
                    }
                }
                b"w:tr" => {
                    if let Some(t) = self.tables.last_mut() {
                        let cells = std::mem::take(&mut t.cells);
                        if cells.iter().any(|c| !c.trim().is_empty()) {
                            t.rows.push(cells.join("\t"));
                        }
                    }
                }
                b"w:tbl" => self.end_table(),
                _ => {}
            },
        }
    }

    /// The number Word shows before a paragraph of a numbered list or heading, if any.
    fn number_of(&mut self, p: &OpenPara) -> Option<String> {
        let by_style = p.style.as_deref().and_then(|s| self.styles.numbering(s));
        let (num_id, ilvl) = match (&p.num_id, by_style) {
            (Some(id), style) => (id.clone(), p.ilvl.or(style.map(|s| s.1)).unwrap_or(0)),
            (None, Some((id, level))) => (id, p.ilvl.unwrap_or(level)),
            (None, None) => return None,
        };
        if num_id == "0" {
            return None;
        }
        self.numbering.next(&num_id, ilvl)
    }

    fn end_paragraph(&mut self) {
        let Some(p) = self.paras.pop() else { return };
        let number = self.number_of(&p);
        let mut text = p.text.trim().to_string();
        if let (Some(n), false) = (number, text.is_empty()) {
            text.insert_str(0, &n);
        }
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
        let by_style = p
            .style
            .as_deref()
            .map_or(Role::Body, |s| self.styles.role(s));
        let role = match (by_style, p.outline) {
            (Role::Title, _) => Role::Title,
            (_, Some(level)) => outline_role(level),
            (role, None) => role,
        };
        self.out.push(Para { text, role });
    }

    fn end_table(&mut self) {
        let Some(table) = self.tables.pop() else {
            return;
        };
        let nested_in = self
            .tables
            .last_mut()
            .filter(|outer| outer.depth == self.paras.len());
        match nested_in {
            Some(outer) => outer
                .cell
                .extend(table.rows.iter().map(|r| r.replace('\t', " "))),
            None => self.out.extend(table.rows.into_iter().map(|text| Para {
                text,
                role: Role::Body,
            })),
        }
    }

    fn finish(mut self) -> Vec<Para> {
        // An unclosed table or paragraph (a truncated part) still gives its text.
        while !self.paras.is_empty() || !self.tables.is_empty() {
            if self.paras.len() > self.tables.last().map_or(0, |t| t.depth) {
                self.end_paragraph();
            } else {
                self.end_table();
            }
        }
        self.out
    }
}

/// Joins what was read into the report text, its headings and title.
fn assemble(body: Vec<Para>, notes: Vec<Para>, core_title: Option<String>) -> FormattedText {
    let heading_text = |p: &Para| super::one_line(&p.text);
    let title_at = body
        .iter()
        .position(|p| p.role == Role::Title)
        .or_else(|| body.first().filter(|p| is_heading(p.role)).map(|_| 0));
    let headings: Vec<String> = body
        .iter()
        .enumerate()
        .filter(|&(i, p)| Some(i) != title_at && is_heading(p.role))
        .map(|(_, p)| heading_text(p))
        .take(crate::ingest::extract::MAX_HEADINGS)
        .collect();
    let mut text = String::new();
    for (i, p) in body.iter().enumerate() {
        // Headings and the title are one line each, so the page can find them.
        if Some(i) == title_at || is_heading(p.role) {
            text.push_str(&heading_text(p));
        } else {
            text.push_str(&p.text);
        }
        text.push('\n');
    }
    if !notes.is_empty() {
        text.push('\n');
        for p in &notes {
            text.push_str(&p.text);
            text.push('\n');
        }
    }
    let title = title_at
        .map(|i| heading_text(&body[i]))
        .or_else(|| core_title.filter(|t| package::meaningful_title(t, &text)));
    FormattedText {
        text: text.trim_end().to_string(),
        headings: (!headings.is_empty()).then_some(headings),
        title,
        encoding: "",
    }
}

fn is_heading(role: Role) -> bool {
    matches!(role, Role::Heading(l) if l <= MAX_LEVEL)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ingest::format::package::tests::zip;

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;

    /// A minimal `.docx` with this body (inside `w:body`) and optional styles.
    pub(crate) fn docx(body: &str, styles: Option<&str>, core_title: Option<&str>) -> Vec<u8> {
        let document = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{body}</w:body></w:document>"#
        );
        let rels = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
        let mut entries: Vec<(String, Vec<u8>)> = vec![
            ("_rels/.rels".into(), rels.as_bytes().to_vec()),
            ("word/document.xml".into(), document.into_bytes()),
        ];
        if let Some(s) = styles {
            entries.push((
                "word/styles.xml".into(),
                format!(r#"<w:styles {W}>{s}</w:styles>"#).into_bytes(),
            ));
        }
        if let Some(t) = core_title {
            entries.push((
                "docProps/core.xml".into(),
                format!(r#"<cp:coreProperties xmlns:cp="x" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{t}</dc:title></cp:coreProperties>"#).into_bytes(),
            ));
        }
        let refs: Vec<(&str, &[u8])> = entries
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        zip(&refs)
    }

    pub(crate) fn p(style: &str, text: &str) -> String {
        let ppr = if style.is_empty() {
            String::new()
        } else {
            format!(r#"<w:pPr><w:pStyle w:val="{style}"/></w:pPr>"#)
        };
        format!(r#"<w:p>{ppr}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>"#)
    }

    fn read(bytes: &[u8]) -> FormattedText {
        Docx.read(bytes, &Deadline::none()).unwrap()
    }

    const STYLES: &str = r#"<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/></w:style>
        <w:style w:type="paragraph" w:styleId="a3"><w:name w:val="Title"/></w:style>
        <w:style w:type="paragraph" w:styleId="my"><w:name w:val="我的标题"/><w:basedOn w:val="1"/></w:style>
        <w:style w:type="paragraph" w:styleId="ol"><w:name w:val="大纲"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>"#;

    #[test]
    fn paragraphs_headings_and_title_by_style() {
        let body = [
            p("a3", "关于加强基层党建工作的报告"),
            p("", "时间：2022年3月5日"),
            p("1", "一、主要做法"),
            p("", "坚持党建引领，2022年完成目标。"),
            p("my", "二、存在问题"),
            p("ol", "（一）制度建设"),
            p("", "下一步工作。"),
        ]
        .concat();
        let out = read(&docx(&body, Some(STYLES), None));
        assert_eq!(out.title.as_deref(), Some("关于加强基层党建工作的报告"));
        assert_eq!(
            out.headings,
            Some(vec![
                "一、主要做法".to_string(),
                "二、存在问题".to_string(),
                "（一）制度建设".to_string()
            ])
        );
        assert!(out
            .text
            .starts_with("关于加强基层党建工作的报告\n时间：2022年3月5日\n一、主要做法\n"));
        assert!(out.text.contains("坚持党建引领，2022年完成目标。"));
    }

    #[test]
    fn style_ids_without_a_styles_part_and_a_leading_heading_as_title() {
        let body = [
            p("Heading1", "工作总结"),
            p("Heading2", "一、成绩"),
            p("", "正文。"),
        ]
        .concat();
        let out = read(&docx(&body, None, None));
        assert_eq!(out.title.as_deref(), Some("工作总结"));
        assert_eq!(out.headings, Some(vec!["一、成绩".to_string()]));
    }

    #[test]
    fn core_title_only_when_meaningful() {
        let body = [p("", "附件1"), p("", "某某镇工作总结"), p("", "正文。")].concat();
        let out = read(&docx(&body, None, Some("某某镇工作总结")));
        assert_eq!(out.title.as_deref(), Some("某某镇工作总结"));
        let out = read(&docx(&body, None, Some("Microsoft Word - 1.docx")));
        assert_eq!(out.title, None);
        assert_eq!(out.headings, None);
    }

    #[test]
    fn tables_tabs_breaks_fields_and_deleted_text() {
        let body = r#"<w:p><w:r><w:t>甲</w:t><w:tab/><w:t>乙</w:t><w:br/><w:t>丙</w:t></w:r></w:p>
            <w:tbl><w:tblGrid/><w:tr><w:tc><w:p><w:r><w:t>姓名</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>职务</w:t></w:r></w:p></w:tc></w:tr>
            <w:tr><w:tc><w:p><w:r><w:t>张三</w:t></w:r></w:p><w:p><w:r><w:t>李四</w:t></w:r></w:p></w:tc><w:tc><w:tbl><w:tr><w:tc><w:p><w:r><w:t>书记</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:tc></w:tr></w:tbl>
            <w:p><w:r><w:t>页码</w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE \* MERGEFORMAT </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>3</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>
            <w:del><w:r><w:delText>删掉的</w:delText></w:r></w:del><w:fldSimple w:instr="DATE"><w:r><w:t>2022</w:t></w:r></w:fldSimple></w:p>"#;
        let out = read(&docx(body, None, None));
        assert_eq!(
            out.text,
            "甲\t乙\n丙\n姓名\t职务\n张三 李四\t书记\n页码32022"
        );
    }

    #[test]
    fn text_boxes_once_and_footnotes_at_the_end() {
        let body = r#"<w:p><w:r><w:t>正文开头</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx xmlns:wps="x"><w:txbxContent><w:p><w:r><w:t>文本框内容</w:t></w:r></w:p></w:txbxContent></wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:textbox xmlns:v="v"><w:txbxContent><w:p><w:r><w:t>文本框内容</w:t></w:r></w:p></w:txbxContent></v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>结尾</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r></w:p>"#;
        let mut bytes = docx(body, None, None);
        // Add a footnotes part.
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
        for i in 0..archive.len() {
            let mut f = archive.by_index(i).unwrap();
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut v).unwrap();
            entries.push((f.name().to_string(), v));
        }
        entries.push(("word/footnotes.xml".into(), format!(r#"<w:footnotes {W}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/><w:t>SEP</w:t></w:r></w:p></w:footnote><w:footnote w:id="1"><w:p><w:r><w:t>脚注说明文字</w:t></w:r></w:p></w:footnote></w:footnotes>"#).into_bytes()));
        let refs: Vec<(&str, &[u8])> = entries
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        bytes = zip(&refs);
        let out = read(&bytes);
        assert_eq!(out.text, "文本框内容\n正文开头结尾1\n\n脚注说明文字");
    }

    #[test]
    fn broken_documents_have_reasons() {
        let err = |b: &[u8]| Docx.read(b, &Deadline::none()).unwrap_err().to_string();
        assert!(
            err(b"PK\x03\x04\x14\x00").starts_with("corrupt docx: "),
            "{}",
            err(b"PK")
        );
        let other = zip(&[("xl/workbook.xml", b"<x/>")]);
        assert_eq!(
            err(&other),
            "corrupt docx: no word/document.xml in the archive"
        );
        let bad_xml = zip(&[("word/document.xml", b"<w:document><w:body><w:p></w:body>")]);
        assert!(
            err(&bad_xml).starts_with("corrupt docx: word/document.xml"),
            "{}",
            err(&bad_xml)
        );
        let mut truncated = docx(&p("", "正文内容"), None, None);
        truncated.truncate(truncated.len() / 2);
        assert!(
            err(&truncated).starts_with("corrupt docx"),
            "{}",
            err(&truncated)
        );
    }

    #[test]
    fn numbered_headings_and_lists_get_their_numbers() {
        let numbering = r#"<w:numbering xmlns:w="w"><w:abstractNum w:abstractNumId="5"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl></w:abstractNum><w:num w:numId="7"><w:abstractNumId w:val="5"/></w:num></w:numbering>"#;
        let styles = r#"<w:style w:type="paragraph" w:styleId="2"><w:name w:val="heading 2"/><w:pPr><w:numPr><w:numId w:val="7"/></w:numPr></w:pPr></w:style>"#;
        let item = |t: &str| {
            format!(
                r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="7"/></w:numPr></w:pPr><w:r><w:t>{t}</w:t></w:r></w:p>"#
            )
        };
        let body = [
            p("", "标题"),
            p("2", "主要做法"),
            item("第一条"),
            item("第二条"),
            p("2", "存在问题"),
        ]
        .concat();
        let mut bytes = docx(&body, Some(styles), None);
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
        for i in 0..archive.len() {
            let mut f = archive.by_index(i).unwrap();
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut v).unwrap();
            entries.push((f.name().to_string(), v));
        }
        entries.push(("word/numbering.xml".into(), numbering.as_bytes().to_vec()));
        let refs: Vec<(&str, &[u8])> = entries
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        bytes = zip(&refs);
        let out = read(&bytes);
        assert_eq!(
            out.text,
            "标题\n一、主要做法\n1. 第一条\n2. 第二条\n二、存在问题"
        );
        assert_eq!(
            out.headings,
            Some(vec!["一、主要做法".to_string(), "二、存在问题".to_string()])
        );
    }

    #[test]
    fn an_empty_document_says_it_has_no_text() {
        let err = Docx
            .read(&docx("<w:p/><w:sectPr/>", None, None), &Deadline::none())
            .unwrap_err();
        assert_eq!(err.to_string(), "no text in the document");
    }

    #[test]
    fn a_paragraph_of_millions_of_characters_is_refused() {
        // One run, and the same text in many runs of one paragraph.
        let run = "党".repeat(super::super::MAX_PARAGRAPH / 3 + 1);
        let one = docx(&p("", &run), None, None);
        let many = docx(
            &format!(
                "<w:p>{}</w:p>",
                "<w:r><w:t>党党党党</w:t></w:r>".repeat(90_000)
            ),
            None,
            None,
        );
        for bytes in [one, many] {
            let err = Docx.read(&bytes, &Deadline::none()).unwrap_err();
            assert_eq!(
                err.to_string(),
                "not supported: a paragraph longer than 1 MiB"
            );
        }
    }

    #[test]
    fn more_text_than_a_report_holds_is_too_large() {
        let paragraph = p("", &"党".repeat(300_000));
        let body = paragraph.repeat(super::super::MAX_TEXT / (3 * 300_000) + 1);
        let err = Docx
            .read(&docx(&body, None, None), &Deadline::none())
            .unwrap_err();
        assert_eq!(err, Unreadable::TooLarge);
    }

    #[test]
    fn an_expired_deadline_stops_the_read() {
        let body = p("", "正文").repeat(5000);
        let bytes = docx(&body, None, None);
        let past = Deadline::after(std::time::Duration::ZERO);
        assert!(matches!(
            Docx.read(&bytes, &past),
            Err(Unreadable::TimedOut(_))
        ));
    }
}
