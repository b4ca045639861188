//! `.html`/`.htm` (saved web pages): the article, not the page.
//!
//! - **Charset**: a byte-order mark, else the `<meta charset>` / `http-equiv` declaration
//!   (when the bytes agree with it), else detection as for text files (GBK pages are common).
//! - **Article**: Readability's algorithm (`dom_smoothie`) picks the content block; navigation,
//!   headers, footers, asides, scripts and styles fall away with the rest of the page. Lines
//!   that are site furniture even inside the block — copyright, ICP 备案号, 技术支持, "print this
//!   page" — are dropped. When no block stands out, the whole body's text is taken, furniture
//!   elements removed.
//! - **Title**: the page's `<h1>` when the article holds it (or the article is its only text),
//!   else `<title>` without the site's name (`标题_栏目_某某党建网`, `标题 - 网站名`). The title is
//!   the first line of the text, and a dated line near the top of the page (`发布时间：…`) is
//!   kept after it when the article lost it, so that dates follow the rules for text.

use std::sync::LazyLock;

use dom_smoothie::{Config, Readability, TextMode};
use encoding_rs::Encoding;
use regex::Regex;

use super::{Deadline, Format, FormattedText};
use crate::ingest::decode::{self, Unreadable};
use crate::ingest::extract;

/// Saved web pages.
pub struct Html;

/// Most elements of a page handed to the article extractor.
const MAX_ELEMENTS: usize = 200_000;

/// Deepest nesting of elements read: the HTML parser's scope checks walk the stack of open
/// elements, so a page nested 100,000 deep takes minutes (real pages stay under a hundred).
const MAX_DEPTH: usize = 2_000;

/// Most start tags of a page: the HTML parser builds a node for each (saved pages have some
/// thousands).
const MAX_TAGS: usize = 500_000;

/// Most attributes of one element: the HTML parser checks each against those before it for
/// duplicates, so 100,000 on one element take longer than the whole budget (real elements
/// have a handful).
const MAX_ATTRIBUTES: usize = 1_000;

/// What a page's tags say about its shape, counted without parsing it.
#[derive(Debug, Default, PartialEq)]
struct Shape {
    /// How deep elements nest: every start tag opens an element and every end tag closes one,
    /// except void elements and those an HTML parser closes by itself (`<p>`, `<li>`, table
    /// cells…), which are not counted.
    depth: usize,
    /// Start tags.
    tags: usize,
    /// Most attributes on one start tag.
    attributes: usize,
}

/// The [`Shape`] of `html`, in one pass over its bytes.
fn shape(html: &str, deadline: &Deadline) -> Result<Shape, Unreadable> {
    const UNCOUNTED: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "p", "li", "dt", "dd", "td", "th", "tr", "option",
    ];
    let bytes = html.as_bytes();
    let n = bytes.len();
    let mut out = Shape::default();
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(found) = bytes[at..].iter().position(|&b| b == b'<') {
        at += found + 1;
        let closing = bytes.get(at) == Some(&b'/');
        let start = at + usize::from(closing);
        let name_len = bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            continue;
        }
        let name = html[start..start + name_len].to_ascii_lowercase();
        // The tag's attributes, up to its `>` (outside quoted values).
        let mut i = start + name_len;
        let mut attributes = 0usize;
        let mut self_closing = false;
        while i < n {
            match bytes[i] {
                b'>' => break,
                b'<' => break, // an unclosed tag: the next one starts here
                b'/' => {
                    self_closing = bytes.get(i + 1) == Some(&b'>');
                    i += 1;
                }
                b if b.is_ascii_whitespace() => i += 1,
                _ => {
                    attributes += 1;
                    while i < n
                        && !matches!(bytes[i], b'=' | b'>' | b'<' | b'/')
                        && !bytes[i].is_ascii_whitespace()
                    {
                        i += 1;
                    }
                    while i < n && bytes[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    if bytes.get(i) == Some(&b'=') {
                        i += 1;
                        while i < n && bytes[i].is_ascii_whitespace() {
                            i += 1;
                        }
                        match bytes.get(i) {
                            Some(&q @ (b'"' | b'\'')) => {
                                i = bytes[i + 1..]
                                    .iter()
                                    .position(|&b| b == q)
                                    .map_or(n, |p| i + 1 + p + 1);
                            }
                            _ => {
                                while i < n && bytes[i] != b'>' && !bytes[i].is_ascii_whitespace() {
                                    i += 1;
                                }
                            }
                        }
                    }
                }
            }
        }
        at = i.min(n);
        if closing {
            depth = depth.saturating_sub(1);
            continue;
        }
        out.tags += 1;
        out.attributes = out.attributes.max(attributes);
        if out.tags % 4096 == 0 {
            deadline.check()?;
        }
        if !self_closing && !UNCOUNTED.contains(&name.as_str()) {
            depth += 1;
            out.depth = out.depth.max(depth);
        }
    }
    Ok(out)
}

/// Fewest characters of text that make a page a report.
const MIN_ARTICLE_CHARS: usize = 20;

fn chars(lines: &[String]) -> usize {
    lines.iter().map(|l| l.chars().count()).sum()
}

/// The share of a selection's text that is the text of links.
fn link_share(selection: &dom_query::Selection<'_>) -> f64 {
    let total = selection
        .text()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count();
    if total == 0 {
        return 0.0;
    }
    let linked: usize = selection
        .select("a")
        .iter()
        .map(|a| a.text().chars().filter(|c| !c.is_whitespace()).count())
        .sum();
    linked as f64 / total as f64
}

impl Format for Html {
    fn format(&self) -> super::ReportFormat {
        super::ReportFormat::Html
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["html", "htm", "xhtml", "shtml"]
    }

    fn media_type(&self) -> &'static str {
        "text/html"
    }

    fn read(&self, bytes: &[u8], deadline: &Deadline) -> Result<FormattedText, Unreadable> {
        let (html, encoding) = decode_page(bytes)?;
        let shape = shape(&html, deadline)?;
        if shape.depth > MAX_DEPTH {
            return Err(Unreadable::Unsupported(format!(
                "a web page nested more than {MAX_DEPTH} elements deep"
            )));
        }
        if shape.tags > MAX_TAGS {
            return Err(Unreadable::Unsupported(format!(
                "a web page of more than {MAX_TAGS} elements"
            )));
        }
        if shape.attributes > MAX_ATTRIBUTES {
            return Err(Unreadable::Unsupported(format!(
                "an element with more than {MAX_ATTRIBUTES} attributes"
            )));
        }
        deadline.check()?;
        let document = dom_query::Document::from(html.as_str());
        let page_title = document.select("title").first().text().trim().to_string();
        let h1s: Vec<String> = document
            .select("h1")
            .iter()
            .map(|h| squeeze(&h.text()))
            .filter(|h| !h.is_empty())
            .collect();
        let page_text = body_text(&document, deadline)?;
        deadline.check()?;
        let config = Config {
            text_mode: TextMode::Formatted,
            max_elements_to_parse: MAX_ELEMENTS,
            ..Config::default()
        };
        let article = Readability::with_document(document, None, Some(config))
            .and_then(|mut r| r.parse())
            .ok()
            // A block made of links is a list of other pages, not an article.
            .filter(|a| {
                link_share(&dom_query::Document::from(a.content.to_string()).select("body")) < 0.5
            })
            .map(|a| a.text_content.to_string())
            .unwrap_or_default();
        deadline.check()?;
        let mut lines = clean_lines(&article);
        if chars(&lines) < MIN_ARTICLE_CHARS {
            lines = clean_lines(&page_text);
        }
        if chars(&lines) < MIN_ARTICLE_CHARS {
            return Err(Unreadable::NoArticle);
        }
        let joined = lines.join("\n");
        let title = h1s
            .iter()
            .find(|h| joined.contains(h.as_str()))
            .or_else(|| h1s.first())
            .cloned()
            .or_else(|| strip_site_name(&page_title));
        // The title opens the text, and a date line near the top of the page follows it.
        if let Some(t) = &title {
            let at = lines.iter().position(|l| l == t);
            match at {
                Some(0) => {}
                Some(i) if i < 3 => {
                    let t = lines.remove(i);
                    lines.insert(0, t);
                }
                _ => lines.insert(0, t.clone()),
            }
        }
        // The info line under the article's heading is the page's own date, even when the
        // article's first lines mention another; a labelled date elsewhere on the page only
        // stands in when the article has none.
        match dated_line(&page_text, title.as_deref()) {
            Some((dated, true)) if !lines.iter().any(|l| l.contains(dated.as_str())) => {
                lines.insert(lines.len().min(1), dated);
            }
            Some((dated, false)) if extract::find_date(&lines.join("\n")).is_none() => {
                lines.insert(lines.len().min(1), dated);
            }
            _ => {}
        }
        Ok(FormattedText {
            text: lines.join("\n"),
            headings: None,
            title,
            encoding,
        })
    }
}

/// Whether bytes look like an HTML document (a web page saved under another name).
pub fn looks_like_html(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let start = head.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    start.starts_with("<!doctype html")
        || start.starts_with("<html")
        || (start.starts_with('<') && head.contains("<html"))
}

static META_CHARSET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_\-:.]+)"#).expect("valid regex")
});

/// The page's text and the name of its encoding.
fn decode_page(bytes: &[u8]) -> Result<(String, &'static str), Unreadable> {
    if Encoding::for_bom(bytes).is_some() {
        let d = decode::decode(bytes)?;
        return Ok((d.text, d.encoding));
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).into_owned();
    let declared = META_CHARSET
        .captures(&head)
        .and_then(|c| Encoding::for_label(c[1].as_bytes()));
    if let Some(encoding) = declared {
        // GBK is read as GB18030, its superset; a page declared UTF-8 whose bytes are not is
        // left to detection.
        let encoding = if encoding == encoding_rs::GBK {
            encoding_rs::GB18030
        } else {
            encoding
        };
        if let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(bytes) {
            return Ok((text.into_owned(), encoding.name()));
        }
    }
    let d = decode::decode(bytes)?;
    Ok((d.text, d.encoding))
}

/// Whitespace as a browser shows it: a run of spaces is one space, a line break in the
/// source between two Chinese characters nothing.
fn squeeze(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending: Option<bool> = None; // whitespace seen: Some(has a line break)
    for c in text.chars() {
        if c.is_whitespace() {
            let newline = c == '\n' || c == '\r';
            pending = Some(pending.unwrap_or(false) || newline);
            continue;
        }
        if let Some(newline) = pending.take() {
            let cjk_join =
                newline && out.chars().next_back().is_some_and(super::is_cjk) && super::is_cjk(c);
            if !out.is_empty() && !cjk_join {
                out.push(' ');
            }
        }
        out.push(c);
    }
    out
}

/// The text of the page's body without its furniture elements and link lists, one line per
/// block.
fn body_text(document: &dom_query::Document, deadline: &Deadline) -> Result<String, Unreadable> {
    let body = document.select("body");
    body.select("script, style, noscript, nav, header, footer, aside, form, iframe, select")
        .remove();
    // Furniture by name, where a page does not use the elements for it.
    body.select(
        r#"[class*="footer"], [id*="footer"], [class*="nav"], [id*="nav"], [class*="menu"], [id*="menu"], [class*="crumb"], [class*="copyright"], [id*="copyright"], [class*="sidebar"], [class*="share"]"#,
    )
    .remove();
    let mut out = String::new();
    for (n, block) in body
        .select("p, h1, h2, h3, h4, h5, h6, li, td, th, div, pre, blockquote, dd, dt")
        .iter()
        .enumerate()
    {
        if n % 256 == 0 {
            deadline.check()?;
        }
        // Leaf blocks only: text of elements without block children.
        if block
            .select("p, h1, h2, h3, h4, h5, h6, li, td, div")
            .length()
            > 0
        {
            continue;
        }
        if link_share(&block) >= 0.5 {
            continue;
        }
        let text = squeeze(&block.text());
        if !text.is_empty() {
            out.push_str(&text);
            out.push('\n');
        }
    }
    Ok(out)
}

/// Site furniture that survives inside a content block.
static FURNITURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)ICP备|ICP证|备案号|公网安备|版权所有|copyright|all rights reserved|©|技术支持[:：]|主办单位[:：]|承办单位[:：]|网站地图|返回顶部|打印本页|关闭窗口|【?字体[:：]?\s*[【\[]?大|分享到|扫一扫|上一篇|下一篇|责任编辑[:：]|浏览次数|阅读次数|当前位置[:：]|联系电话[:：]|邮编[:：]|分辨率|浏览本站",
    )
    .expect("valid regex")
});

/// Longest line still judged as furniture by its words.
const MAX_FURNITURE_CHARS: usize = 80;

/// The non-empty lines of extracted text, trimmed, furniture dropped.
fn clean_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .filter(|l| !(l.chars().count() <= MAX_FURNITURE_CHARS && FURNITURE.is_match(l)))
        .collect()
}

/// A `<title>` without the site's name: the first part before a separator, when it says
/// enough.
fn strip_site_name(title: &str) -> Option<String> {
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        return None;
    }
    const SEPARATORS: &[&str] = &["_", " - ", " | ", "|", " — ", "——", " – ", "－", "--"];
    let mut first = title.as_str();
    for sep in SEPARATORS {
        if let Some((head, _)) = first.split_once(sep) {
            if head.trim().chars().count() >= 4 {
                first = head;
            }
        }
    }
    Some(squeeze(first))
}

static DATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(时间|日期|发布|来源).{0,12}\d{4}\s*[-/.年]\s*\d{1,2}").expect("valid regex")
});

/// The page's date line: a short dated line among the three after the title (the info line
/// under an article's heading; `true`), else the first short line that labels a date
/// (`发布时间：2022-03-05  来源：…`; `false`).
fn dated_line(page_text: &str, title: Option<&str>) -> Option<(String, bool)> {
    let lines: Vec<&str> = page_text.lines().map(str::trim).collect();
    fn short_dated(l: &str) -> bool {
        l.chars().count() <= 120 && extract::find_date(l).is_some()
    }
    let after_title = title
        .and_then(|t| lines.iter().position(|l| *l == t))
        .and_then(|at| lines[at + 1..].iter().take(3).find(|l| short_dated(l)));
    match after_title {
        Some(l) => Some((l.to_string(), true)),
        None => lines
            .iter()
            .find(|l| short_dated(l) && DATED.is_match(l))
            .map(|l| (l.to_string(), false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: &str = "坚持党建引领，推动乡村振兴，镇党委全面落实从严治党主体责任，2022年完成了全部目标任务，群众满意度持续提升，基层组织建设不断加强。";

    fn page(charset: &str) -> String {
        format!(
            r#"<!DOCTYPE html><html><head><meta charset="{charset}"><title>小营盘镇党建工作综述_工作动态_博乐党建网</title>
            <script>var x = "脚本文字";</script><style>.a{{}}</style></head><body>
            <header><nav><a href="/">首页</a> <a href="/a">工作动态</a> <a href="/b">党建要闻</a></nav></header>
            <div class="main"><div class="article">
              <h1>小营盘镇党建工作综述</h1>
              <div class="info">发布时间：2022-03-05 来源：博乐党建网 浏览次数：12</div>
              <div class="content"><p>{ARTICLE}</p><p>{ARTICLE}</p><p>第三段：加强队伍建设，做好党员教育管理工作，党员先锋模范作用充分发挥。</p></div>
            </div>
            <aside><ul><li><a href="/x">相关文章一</a></li><li><a href="/y">相关文章二</a></li></ul></aside></div>
            <footer><p>版权所有：博乐市委组织部 技术支持：某某公司</p><p>新ICP备12345678号</p></footer>
            </body></html>"#
        )
    }

    #[test]
    fn the_info_line_under_the_heading_dates_the_page_over_dates_in_the_article() {
        let html = page("utf-8").replacen(
            "<p>",
            "<p>1945年5月8日，法西斯德国在柏林宣布无条件投降，各国举行纪念活动，缅怀历史。</p><p>",
            1,
        );
        let out = Html.read(html.as_bytes(), &Deadline::none()).unwrap();
        let date = crate::ingest::extract::find_date(&out.text).map(|d| d.to_string());
        assert_eq!(date.as_deref(), Some("2022-03-05"), "{}", out.text);
    }

    #[test]
    fn the_article_without_the_page() {
        let out = Html
            .read(page("utf-8").as_bytes(), &Deadline::none())
            .unwrap();
        assert_eq!(out.title.as_deref(), Some("小营盘镇党建工作综述"));
        assert!(
            out.text.starts_with("小营盘镇党建工作综述\n"),
            "{}",
            out.text
        );
        assert!(out.text.contains(ARTICLE), "{}", out.text);
        assert!(out.text.contains("第三段：加强队伍建设"), "{}", out.text);
        assert_eq!(
            extract::find_date(&out.text)
                .map(|d| d.to_string())
                .as_deref(),
            Some("2022-03-05"),
            "{}",
            out.text
        );
        for furniture in [
            "首页",
            "脚本文字",
            "相关文章",
            "版权所有",
            "ICP备",
            "技术支持",
        ] {
            assert!(!out.text.contains(furniture), "{furniture}: {}", out.text);
        }
        assert_eq!(out.encoding, "UTF-8");
    }

    #[test]
    fn gbk_pages_by_declaration_and_by_detection() {
        let gbk = encoding_rs::GBK.encode(&page("gbk")).0.into_owned();
        let out = Html.read(&gbk, &Deadline::none()).unwrap();
        assert!(out.text.contains(ARTICLE));
        assert_eq!(out.encoding, "gb18030");
        let undeclared = encoding_rs::GBK.encode(&page("")).0.into_owned();
        let out = Html.read(&undeclared, &Deadline::none()).unwrap();
        assert!(out.text.contains(ARTICLE));
    }

    #[test]
    fn titles_without_site_names() {
        assert_eq!(
            strip_site_name("标题文字_工作动态_某某党建网").as_deref(),
            Some("标题文字")
        );
        assert_eq!(
            strip_site_name("关于开展活动的通知 - 网站名").as_deref(),
            Some("关于开展活动的通知")
        );
        assert_eq!(strip_site_name("新闻|网").as_deref(), Some("新闻|网"));
        assert_eq!(strip_site_name("  "), None);
    }

    #[test]
    fn a_page_without_an_article_gives_its_body_text() {
        let html = "<html><head><title>短页面</title></head><body><nav>导航</nav><p>只有一句话的页面内容，但也要收录进来，因为它是一份报告。</p><footer>版权所有</footer></body></html>";
        let out = Html.read(html.as_bytes(), &Deadline::none()).unwrap();
        assert!(out.text.contains("只有一句话的页面内容"), "{}", out.text);
        assert!(
            !out.text.contains("导航") && !out.text.contains("版权所有"),
            "{}",
            out.text
        );
        assert_eq!(out.title.as_deref(), Some("短页面"));
    }

    #[test]
    fn pages_nested_too_deep_are_refused_at_once() {
        let depth = |html: &str| shape(html, &Deadline::none()).unwrap().depth;
        assert_eq!(depth("<div><p>a<p>b<br><img src=x/><div></div></div>"), 2);
        assert_eq!(depth("<DIV><span/></DIV><!-- <div> -->"), 1);
        let deep = format!(
            "{}深层文字内容{}",
            "<div>".repeat(100_000),
            "</div>".repeat(100_000)
        );
        let err = Html.read(deep.as_bytes(), &Deadline::none()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "not supported: a web page nested more than 2000 elements deep"
        );
    }

    #[test]
    fn tags_and_attributes_are_counted_in_one_pass() {
        let s = shape(
            r#"<div a=1 b='x>y' c="p q" d e/><p class=x>t</p><a href=/x/>"#,
            &Deadline::none(),
        )
        .unwrap();
        assert_eq!(
            s,
            Shape {
                depth: 1,
                tags: 3,
                attributes: 5
            }
        );
        // Unclosed tags and quotes end where the page ends.
        let s = shape("<a <b c=\"never closed", &Deadline::none()).unwrap();
        assert_eq!((s.tags, s.attributes), (2, 1));
    }

    #[test]
    fn an_element_with_too_many_attributes_is_refused_before_parsing() {
        let attributes: Vec<String> = (0..100_000).map(|i| format!("a{i}=\"x\"")).collect();
        let html = format!(
            "<html><body><div {}><p>{}</p></div></body></html>",
            attributes.join(" "),
            "这是一篇正常的报告正文。".repeat(10)
        );
        // Refused before parsing: the parser's duplicate checks would take minutes on it.
        let err = Html.read(html.as_bytes(), &Deadline::none()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "not supported: an element with more than 1000 attributes"
        );
    }

    #[test]
    fn a_page_of_millions_of_elements_is_refused_before_parsing() {
        let html = format!(
            "<html><body><p>正文</p>{}</body></html>",
            "<b></b>".repeat(600_000)
        );
        let err = Html.read(html.as_bytes(), &Deadline::none()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "not supported: a web page of more than 500000 elements"
        );
    }

    #[test]
    fn an_expired_deadline_stops_the_read() {
        let html = format!(
            "<html><body>{}</body></html>",
            "<p>正文内容</p>".repeat(10_000)
        );
        let past = Deadline::after(std::time::Duration::ZERO);
        assert!(matches!(
            Html.read(html.as_bytes(), &past),
            Err(Unreadable::TimedOut(_))
        ));
    }

    #[test]
    fn sniffing() {
        assert!(looks_like_html(b"\xef\xbb\xbf  <!DOCTYPE HTML><html>"));
        assert!(looks_like_html(
            b"<html xmlns:o='urn:schemas-microsoft-com:office:office'>"
        ));
        assert!(!looks_like_html(b"plain text <html>"));
    }
}
