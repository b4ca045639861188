//! `.pdf` with a text layer: positioned characters from `pdf-extract`, rebuilt into lines
//! and paragraphs.
//!
//! - **Lines**: characters on one baseline, in order; a space only where two Latin words
//!   meet with a visible gap (never inside Chinese, nor between Chinese and digits: `2022年`).
//!   A character drawn twice on itself (fake bold) is kept once.
//! - **Page furniture**: lines repeated at the top or bottom of most pages (digits aside) are
//!   running headers and footers; page numbers there (`3`, `- 3 -`, `第 3 页`, `3/10`,
//!   `Page 3 of 10`) go too.
//! - **Paragraphs**: the lines of a paragraph are joined back, across pages too. A paragraph
//!   ends after a line that stops short of the page's usual right edge (a sentence's end, a
//!   heading, a table row), before an indented line or a change of font size, and at a blank
//!   gap. Consecutive large-type lines opening the first page are one title.
//! - **Title**: the document's Title metadata when it is meaningful
//!   ([`package::meaningful_title`]: not a file name nor `Microsoft Word - …`), else the
//!   large-type lines among the first three of the first page (under a running header in
//!   small type), else the first paragraph.
//!
//! A PDF with no text at all is skipped as `no text layer (scanned?)`; when pages of it could
//! not be read it is skipped as corrupt instead (it is no scan). A page the extractor cannot
//! read (or faults on) is left out and the rest kept. Before the extractor sees a document,
//! `pdf_limits` measures what it would cost (streams inflated, forms
//! followed, drawing operations) and refuses it past its limits, and the text it collects
//! stops at [`MAX_TEXT`](super::MAX_TEXT).

use std::panic::AssertUnwindSafe;
use std::sync::LazyLock;

use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};
use regex::Regex;

use super::{is_cjk, join_continued, Deadline, Format, FormattedText};
use super::{package, pdf_limits};
use crate::ingest::decode::Unreadable;

/// PDF documents.
pub struct Pdf;

const NAME: &str = "pdf";

impl Format for Pdf {
    fn format(&self) -> super::ReportFormat {
        super::ReportFormat::Pdf
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["pdf"]
    }

    fn media_type(&self) -> &'static str {
        "application/pdf"
    }

    fn read(&self, bytes: &[u8], deadline: &Deadline) -> Result<FormattedText, Unreadable> {
        let head = &bytes[..bytes.len().min(1024)];
        if !head.windows(5).any(|w| w == b"%PDF-") {
            return Err(Unreadable::corrupt(NAME, "not a PDF (no %PDF header)"));
        }
        let mut doc = pdf_limits::load(bytes)?;
        if doc.is_encrypted() {
            return Err(Unreadable::Encrypted);
        }
        deadline.check()?;
        let pages = doc.get_pages();
        if pages.is_empty() {
            return Err(Unreadable::corrupt(NAME, "no pages"));
        }
        pdf_limits::check(&mut doc, &pages, deadline)?;
        let mut collector = Collector::new(*deadline);
        // The whole document in one pass (the extractor lists the pages once per call); after
        // a page it cannot read (or faults on), the rest page by page, that page left out.
        let whole = std::panic::catch_unwind(AssertUnwindSafe(|| {
            pdf_extract::output_doc(&doc, &mut collector)
        }));
        collector.stopped(deadline)?;
        // Pages the extractor could not read, and why the first could not.
        let mut unread = 0usize;
        let mut fault = None;
        if let Err(why) = read_outcome(whole) {
            unread += 1;
            fault.get_or_insert(why);
            let failed = collector.page;
            collector.discard_page();
            for &number in pages.keys().filter(|&&n| n > failed) {
                deadline.check()?;
                let read = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    pdf_extract::output_doc_page(&doc, &mut collector, number)
                }));
                collector.stopped(deadline)?;
                if let Err(why) = read_outcome(read) {
                    unread += 1;
                    fault.get_or_insert(why);
                    collector.discard_page();
                }
            }
        }
        let title = info_title(&doc);
        drop(doc);
        let (text, large_title) = layout(collector.pages);
        if text.trim().is_empty() {
            // No text where pages could not be read is a document the extractor cannot
            // read, not a scan.
            return Err(match fault {
                Some(why) => Unreadable::corrupt(
                    NAME,
                    format!("the content of {unread} page(s) could not be read ({why})"),
                ),
                None => Unreadable::NoTextLayer,
            });
        }
        let title = title
            .filter(|t| package::meaningful_title(t, &text))
            .or(large_title);
        Ok(FormattedText {
            text,
            headings: None,
            title,
            encoding: "",
        })
    }
}

/// What went wrong in one run of the extractor, if anything.
fn read_outcome(
    run: std::thread::Result<Result<(), pdf_extract::OutputError>>,
) -> Result<(), String> {
    match run {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(cut(&e.to_string())),
        // The extractor's own assertions say nothing a user can act on.
        Err(_) => Err("the extractor failed on it".to_string()),
    }
}

/// A message cut to a few dozen characters, on one line.
fn cut(message: &str) -> String {
    let line = message.lines().next().unwrap_or("").trim();
    match line.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_string(),
    }
}

/// The budget behind a deadline, for its reason.
fn deadline_budget(deadline: &Deadline) -> std::time::Duration {
    match deadline.check() {
        Err(Unreadable::TimedOut(budget)) => budget,
        _ => crate::ingest::READ_BUDGET,
    }
}

/// The document's Title metadata, if any.
fn info_title(doc: &pdf_extract::Document) -> Option<String> {
    let info = doc.trailer.get(b"Info").ok()?;
    let (_, info) = doc.dereference(info).ok()?;
    let title = info.as_dict().ok()?.get(b"Title").ok()?;
    let (_, title) = doc.dereference(title).ok()?;
    let title = pdf_extract::decode_text_string(title).ok()?;
    let title = title.trim().to_string();
    (!title.is_empty()).then_some(title)
}

/// One character as drawn: top-left origin, in points.
#[derive(Debug, Clone, Copy)]
struct Glyph<'t> {
    x: f64,
    y: f64,
    end: f64,
    size: f64,
    text: &'t str,
}

/// A line of text on a page.
#[derive(Debug, Clone)]
struct Line {
    text: String,
    x0: f64,
    x1: f64,
    y: f64,
    size: f64,
}

#[derive(Debug, Default)]
struct Page {
    lines: Vec<Line>,
}

/// Characters per deadline check.
const CHECK_EVERY: usize = 2048;

/// Collects the positioned characters of each page.
struct Collector {
    deadline: Deadline,
    timed_out: bool,
    /// Whether the text grew past [`super::MAX_TEXT`].
    too_much: bool,
    /// Bytes of text collected.
    collected: usize,
    /// The number of the page being read.
    page: u32,
    height: f64,
    lines: LineBuilder,
    pages: Vec<Page>,
    since_check: usize,
}

impl Collector {
    fn new(deadline: Deadline) -> Self {
        Collector {
            deadline,
            timed_out: false,
            too_much: false,
            collected: 0,
            page: 0,
            height: 0.0,
            lines: LineBuilder::default(),
            pages: Vec::new(),
            since_check: 0,
        }
    }

    fn discard_page(&mut self) {
        self.lines = LineBuilder::default();
    }

    fn stop(&mut self) -> Result<(), OutputError> {
        self.timed_out = true;
        Err(OutputError::FormatError(std::fmt::Error))
    }

    /// Why the collector stopped the extractor, if it did: its deadline passed, or the text
    /// grew past [`super::MAX_TEXT`].
    fn stopped(&self, deadline: &Deadline) -> Result<(), Unreadable> {
        if self.too_much {
            return Err(Unreadable::TooLarge);
        }
        if self.timed_out {
            return Err(Unreadable::TimedOut(deadline_budget(deadline)));
        }
        Ok(())
    }
}

impl OutputDev for Collector {
    fn begin_page(
        &mut self,
        page: u32,
        media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        if self.deadline.check().is_err() {
            return self.stop();
        }
        self.page = page;
        self.height = media_box.ury - media_box.lly;
        self.lines = LineBuilder::default();
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        let lines = std::mem::take(&mut self.lines);
        self.pages.push(Page {
            lines: lines.finish(),
        });
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        text: &str,
    ) -> Result<(), OutputError> {
        self.collected += text.len();
        if self.collected > super::MAX_TEXT {
            self.too_much = true;
            return Err(OutputError::FormatError(std::fmt::Error));
        }
        self.since_check += 1;
        if self.since_check >= CHECK_EVERY {
            self.since_check = 0;
            if self.deadline.check().is_err() {
                return self.stop();
            }
        }
        // The font size through the text matrix: the side of a square of the same area.
        let sx = font_size * (trm.m11 + trm.m21);
        let sy = font_size * (trm.m12 + trm.m22);
        let size = (sx * sy).abs().sqrt();
        let (x, y) = (trm.m31, self.height - trm.m32);
        if !(x.is_finite() && y.is_finite() && size.is_finite()) || text.is_empty() {
            return Ok(());
        }
        self.lines.push(Glyph {
            x,
            y,
            end: x + width * size,
            size: if size > 0.0 { size } else { 1.0 },
            text,
        });
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

/// The lines of a page, built character by character in drawing order.
#[derive(Debug, Default)]
struct LineBuilder {
    lines: Vec<Line>,
    /// Where the last character was drawn, and what it was.
    last: Option<(f64, f64, f64)>,
    last_text: String,
}

impl LineBuilder {
    fn push(&mut self, g: Glyph<'_>) {
        if g.text.chars().all(char::is_whitespace) {
            if let Some(line) = self.lines.last_mut() {
                if self
                    .last
                    .is_some_and(|(_, y, _)| (y - g.y).abs() < 0.5 * g.size)
                    && !line.text.ends_with(' ')
                {
                    line.text.push(' ');
                }
            }
            return;
        }
        // Fake bold: the same character drawn again almost on itself.
        if self.last.is_some_and(|(x, y, _)| {
            self.last_text == g.text
                && (x - g.x).abs() < 0.15 * g.size
                && (y - g.y).abs() < 0.15 * g.size
        }) {
            return;
        }
        let same_line = self.lines.last().is_some_and(|line| {
            (line.y - g.y).abs() < 0.5 * g.size.max(line.size) && g.x > line.x1 - 2.0 * g.size
        });
        match self.lines.last_mut() {
            Some(line) if same_line => {
                let gap = g.x - line.x1;
                let before = line.text.chars().next_back().unwrap_or(' ');
                let after = g.text.chars().next().unwrap_or(' ');
                let latin_gap = gap > 0.2 * g.size && !is_cjk(before) && !is_cjk(after);
                // Columns or table cells far apart stay apart, whatever the script.
                if (latin_gap || gap > 2.0 * g.size) && before != ' ' {
                    line.text.push(' ');
                }
                line.text.push_str(g.text);
                line.x1 = line.x1.max(g.end);
                line.size = line.size.max(g.size);
            }
            _ => self.lines.push(Line {
                text: g.text.to_string(),
                x0: g.x,
                x1: g.end,
                y: g.y,
                size: g.size,
            }),
        }
        self.last = Some((g.x, g.y, g.size));
        self.last_text.clear();
        self.last_text.push_str(g.text);
    }

    /// The page's lines, top to bottom.
    fn finish(self) -> Vec<Line> {
        let mut lines = self.lines;
        for line in &mut lines {
            line.text = line.text.trim().to_string();
        }
        lines.retain(|l| !l.text.is_empty());
        // Top to bottom; pieces of one baseline (table cells drawn column by column) left to right
        // and joined.
        lines.sort_by(|a, b| a.y.total_cmp(&b.y));
        let mut merged: Vec<Line> = Vec::with_capacity(lines.len());
        let mut i = 0;
        while i < lines.len() {
            let mut j = i + 1;
            while j < lines.len() && (lines[j].y - lines[i].y).abs() < 0.3 * lines[i].size {
                j += 1;
            }
            let mut row: Vec<Line> = lines[i..j].to_vec();
            row.sort_by(|a, b| a.x0.total_cmp(&b.x0));
            let mut line = row[0].clone();
            for piece in &row[1..] {
                line.text.push(' ');
                line.text.push_str(&piece.text);
                line.x0 = line.x0.min(piece.x0);
                line.x1 = line.x1.max(piece.x1);
                line.size = line.size.max(piece.size);
            }
            merged.push(line);
            i = j;
        }
        merged
    }
}

static PAGE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)^(?:
            [-－—–~\s]*[0-9０-９]{1,4}[-－—–~\s]*
          | 第\s*[0-9０-９]{1,4}\s*页(?:\s*[,，/]?\s*共\s*[0-9０-９]{1,4}\s*页)?
          | [0-9０-９]{1,4}\s*[/／]\s*[0-9０-９]{1,4}
          | page\s*[0-9]{1,4}(?:\s*(?:of|/)\s*[0-9]{1,4})?
        )$",
    )
    .expect("valid regex")
});

/// Lines at each end of a page looked at for headers, footers and page numbers.
const EDGE_LINES: usize = 2;

/// A line as compared across pages: digits (page numbers, dates) and spaces aside.
fn furniture_key(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| {
            if c.is_ascii_digit() || ('０'..='９').contains(&c) {
                '#'
            } else {
                c
            }
        })
        .collect()
}

/// Removes running headers and footers and page numbers from the edges of the pages.
fn remove_furniture(pages: &mut [Page]) {
    let edges = |lines: &[Line]| -> Vec<usize> {
        let n = lines.len();
        let mut at: Vec<usize> = (0..n.min(EDGE_LINES)).collect();
        at.extend(n.saturating_sub(EDGE_LINES).max(EDGE_LINES.min(n))..n);
        at
    };
    let with_text = pages.iter().filter(|p| !p.lines.is_empty()).count();
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    if with_text >= 2 {
        for page in pages.iter() {
            let mut seen = std::collections::HashSet::new();
            for i in edges(&page.lines) {
                let key = furniture_key(&page.lines[i].text);
                if seen.insert(key.clone()) {
                    *counts.entry(key).or_default() += 1;
                }
            }
        }
    }
    let needed = with_text.div_ceil(2).max(2);
    for page in pages.iter_mut() {
        let drop: Vec<usize> = edges(&page.lines)
            .into_iter()
            .filter(|&i| {
                let text = page.lines[i].text.trim();
                counts.get(&furniture_key(text)).copied().unwrap_or(0) >= needed
                    || PAGE_NUMBER.is_match(text)
            })
            .collect();
        for i in drop.into_iter().rev() {
            page.lines.remove(i);
        }
    }
}

/// The median of some values (0 for none).
fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Where a page's lines usually start and end, and their usual spacing.
struct Measure {
    left: f64,
    right: f64,
    spacing: f64,
}

fn measure(page: &Page) -> Measure {
    let long: Vec<&Line> = page
        .lines
        .iter()
        .filter(|l| l.text.chars().count() >= 8)
        .collect();
    let basis: Vec<&Line> = if long.is_empty() {
        page.lines.iter().collect()
    } else {
        long
    };
    let mut rights: Vec<f64> = basis.iter().map(|l| l.x1).collect();
    rights.sort_by(f64::total_cmp);
    // The usual right edge: most full lines reach it, a few wide ones pass it.
    let right = rights
        .get((rights.len() * 8 / 10).min(rights.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0.0);
    let left = basis.iter().map(|l| l.x0).fold(f64::INFINITY, f64::min);
    let gaps: Vec<f64> = page
        .lines
        .windows(2)
        .map(|w| w[1].y - w[0].y)
        .filter(|&g| g > 0.0 && g < 3.0 * page.lines[0].size.max(1.0))
        .collect();
    Measure {
        left: if left.is_finite() { left } else { 0.0 },
        right,
        spacing: median(gaps),
    }
}

/// Whether a line ends a sentence.
fn ends_sentence(text: &str) -> bool {
    text.ends_with(['。', '！', '？', '：', '；', '!', '?', ':', ';', '.'])
}

/// The report text of the pages: furniture removed, paragraphs joined.
/// Characters that open a list item.
const BULLETS: &[char] = &[
    '•', '●', '○', '■', '□', '▪', '◆', '◇', '·', '-', '–', '*', '★', '☆', '√',
];

/// The title drawn in large type at the top of the first page with text: its consecutive
/// large-type lines among the first three, joined. `None` when the page opens in body type.
fn large_title(pages: &[Page], body_size: f64) -> Option<String> {
    let page = pages.iter().find(|p| !p.lines.is_empty())?;
    let large = |l: &Line| body_size > 0.0 && l.size > body_size * 1.15;
    let start = page.lines.iter().take(3).position(large)?;
    let size = page.lines[start].size;
    let mut title = String::new();
    for line in page.lines[start..]
        .iter()
        .take_while(|l| large(l) && (l.size - size).abs() <= 0.15 * size)
    {
        if title.is_empty() {
            title.push_str(line.text.trim());
        } else {
            join_continued(&mut title, line.text.trim());
        }
    }
    (!title.is_empty()).then_some(title)
}

fn layout(mut pages: Vec<Page>) -> (String, Option<String>) {
    remove_furniture(&mut pages);
    let body_size = median(
        pages
            .iter()
            .flat_map(|p| p.lines.iter().map(|l| l.size))
            .collect(),
    );
    let title = large_title(&pages, body_size);
    let mut out = String::new();
    let mut prev: Option<(Line, usize)> = None;
    let mut opening = true;
    let measures: Vec<Measure> = pages.iter().map(measure).collect();
    for (n, page) in pages.iter().enumerate() {
        let m = &measures[n];
        for line in &page.lines {
            let large = body_size > 0.0 && line.size > body_size * 1.15;
            let joins = match &prev {
                None => false,
                Some((a, an)) => {
                    let am = &measures[*an];
                    let same_page = *an == n;
                    let blank = same_page && m.spacing > 0.0 && line.y - a.y > 1.6 * m.spacing;
                    let latin_end = a.text.ends_with(|c: char| c.is_ascii_alphanumeric())
                        && line.text.starts_with(|c: char| c.is_ascii_alphanumeric());
                    // How far short of the right edge a line may stop and still go on: a
                    // Latin word that did not fit leaves a wide gap, a line-breaking rule
                    // (no punctuation at a line's start) one character; a sentence's end
                    // that reaches the edge is rare.
                    let slack = if latin_end {
                        8.0
                    } else if ends_sentence(&a.text) {
                        1.0
                    } else {
                        2.5
                    } * a.size;
                    let full = a.x1 >= am.right - slack;
                    // A first-line indent starts a paragraph; the hanging indent of a list
                    // item's continuation (under the text after its bullet) and a line at the
                    // same indent as the one before do not.
                    let hanging = a.text.starts_with(BULLETS) && line.x0 <= a.x0 + 3.0 * a.size;
                    let aligned = (line.x0 - a.x0).abs() < 0.5 * line.size;
                    let indented =
                        line.x0 >= m.left + 1.2 * line.size && !hanging && !(same_page && aligned);
                    let resized = (a.size - line.size).abs() > 0.15 * a.size.max(line.size);
                    let title = opening && large && !resized;
                    if title {
                        !blank
                    } else {
                        !blank && full && !indented && !resized
                    }
                }
            };
            if opening && !large && prev.is_some() {
                opening = false;
            }
            if joins {
                join_continued(&mut out, &line.text);
            } else {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&line.text);
            }
            prev = Some((line.clone(), n));
        }
    }
    (out, title)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, x0: f64, x1: f64, y: f64, size: f64) -> Line {
        Line {
            text: text.into(),
            x0,
            x1,
            y,
            size,
        }
    }

    /// A page of body lines 12 pt high from x 72 to 520, with a header and a page number.
    fn page(n: usize, body: &[(&str, f64, f64)]) -> Page {
        let mut lines = vec![line("某某县党建工作简报", 200.0, 400.0, 40.0, 9.0)];
        let mut y = 100.0;
        for (text, x0, x1) in body {
            lines.push(line(text, *x0, *x1, y, 12.0));
            y += 20.0;
        }
        lines.push(line(&format!("- {n} -"), 290.0, 310.0, 800.0, 9.0));
        Page { lines }
    }

    #[test]
    fn paragraphs_are_joined_and_furniture_removed() {
        let pages = vec![
            page(
                1,
                &[
                    ("第一段开头，2022", 96.0, 520.0),
                    ("年完成了全部目标任务。", 72.0, 200.0),
                    ("一、主要做法", 72.0, 150.0),
                    ("坚持党建引领，推动GDP", 96.0, 520.0),
                    ("增长，跨页的段落", 72.0, 520.0),
                ],
            ),
            page(
                2,
                &[
                    ("继续写完。", 72.0, 130.0),
                    ("English words at the", 96.0, 520.0),
                    ("end of a line.", 72.0, 180.0),
                ],
            ),
            page(3, &[("第三页。", 96.0, 140.0)]),
        ];
        assert_eq!(
            layout(pages).0,
            "第一段开头，2022年完成了全部目标任务。\n一、主要做法\n坚持党建引领，推动GDP增长，跨页的段落继续写完。\nEnglish words at the end of a line.\n第三页。"
        );
    }

    #[test]
    fn a_large_title_over_two_lines_is_one_line() {
        let pages = vec![Page {
            lines: vec![
                line("关于进一步加强基层党组织", 150.0, 450.0, 60.0, 18.0),
                line("建设的实施意见", 200.0, 400.0, 85.0, 18.0),
                line("各乡镇党委：", 72.0, 150.0, 130.0, 12.0),
                line("为深入贯彻落实", 96.0, 520.0, 150.0, 12.0),
                line("有关要求。", 72.0, 130.0, 170.0, 12.0),
            ],
        }];
        let (text, title) = layout(pages);
        assert_eq!(
            text,
            "关于进一步加强基层党组织建设的实施意见\n各乡镇党委：\n为深入贯彻落实有关要求。"
        );
        assert_eq!(
            title.as_deref(),
            Some("关于进一步加强基层党组织建设的实施意见")
        );
    }

    #[test]
    fn a_running_header_above_the_title_is_not_the_title() {
        let pages = vec![Page {
            lines: vec![
                line("新闻联播文字稿", 72.0, 160.0, 40.0, 9.0),
                line("国家卫生健康委通报最新疫情", 150.0, 450.0, 70.0, 18.0),
                line(
                    "国家卫生健康委今天通报，全国新增病例",
                    72.0,
                    520.0,
                    110.0,
                    12.0,
                ),
                line("继续下降。", 72.0, 130.0, 130.0, 12.0),
            ],
        }];
        let (text, title) = layout(pages);
        assert_eq!(title.as_deref(), Some("国家卫生健康委通报最新疫情"));
        assert!(text.ends_with("全国新增病例继续下降。"), "{text}");
    }

    #[test]
    fn the_lines_of_a_list_item_under_its_bullet_are_one_paragraph() {
        let pages = vec![Page {
            lines: vec![
                line(
                    "•日本政府曾于1954年和1962年就岛屿主权问题向国际法",
                    72.0,
                    520.0,
                    100.0,
                    12.0,
                ),
                line(
                    "院提起诉讼，但是韩国方面拒绝回应日方诉讼，并拒绝接",
                    84.0,
                    520.0,
                    120.0,
                    12.0,
                ),
                line("受国际法院仲裁。", 84.0, 200.0, 140.0, 12.0),
                line("•竹岛位于朝鲜半岛东部海域。", 72.0, 300.0, 160.0, 12.0),
            ],
        }];
        assert_eq!(
            layout(pages).0,
            "•日本政府曾于1954年和1962年就岛屿主权问题向国际法院提起诉讼，但是韩国方面拒绝回应日方诉讼，并拒绝接受国际法院仲裁。\n•竹岛位于朝鲜半岛东部海域。"
        );
    }

    #[test]
    fn page_numbers_in_their_forms() {
        for n in [
            "3",
            "- 3 -",
            "—3—",
            "第 3 页",
            "第3页 共10页",
            "3/10",
            "Page 3 of 10",
            "１２",
        ] {
            assert!(PAGE_NUMBER.is_match(n), "{n}");
        }
        for text in ["2022年", "3.5%", "第三章", "13579 人"] {
            assert!(!PAGE_NUMBER.is_match(text), "{text}");
        }
    }

    #[test]
    fn glyphs_become_lines_without_spaces_in_chinese() {
        let g = |text: &'static str, x: f64, y: f64| Glyph {
            x,
            y,
            end: x + 10.0,
            size: 10.0,
            text,
        };
        let mut builder = LineBuilder::default();
        for glyph in [
            g("党", 0.0, 10.0),
            g("党", 0.5, 10.0), // fake bold
            g("建", 14.0, 10.0),
            g("2", 28.0, 10.0),
            g("0", 38.0, 10.0),
            g("A", 0.0, 30.0),
            g("B", 10.0, 30.0),
            g("C", 25.0, 30.0),
        ] {
            builder.push(glyph);
        }
        let lines = builder.finish();
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, vec!["党建20", "AB C"]);
    }

    #[test]
    fn not_a_pdf_or_broken() {
        let err = |b: &[u8]| Pdf.read(b, &Deadline::none()).unwrap_err().to_string();
        assert_eq!(err(b"hello"), "corrupt pdf: not a PDF (no %PDF header)");
        assert!(err(b"%PDF-1.4\n1 0 obj\n<<").starts_with("corrupt pdf: "));
    }
}
