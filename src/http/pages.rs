//! Server-rendered HTML. maud escapes every interpolated string, so report text containing
//! markup is shown as text.

use maud::{html, Markup, PreEscaped, DOCTYPE};
use warp::http::StatusCode;

use super::params::{self, entity_url, filter_text, AuditParams, Params, GROUPS_PER_PAGE};
use crate::ingest::extract::{lines_after_title, title_line};
use crate::knowledge::{Facet, Kind};
use crate::search::{
    Duplicates, EntityView, FacetCounts, Highlighted, Highlighter, Hit, Overview, ReportView,
    SearchResponse, Similar, Sort, DEFAULT_LIMIT,
};

/// Paragraphs shown on one page of a long report.
const PARAGRAPHS_PER_PART: usize = 400;
/// Characters shown on one page of a long report (a longer paragraph is cut into pieces).
const CHARS_PER_PART: usize = 40_000;
/// Headings listed in a report's table of contents.
const MAX_TOC: usize = 300;
/// Longest table of contents shown unfolded.
const OPEN_TOC: usize = 12;

const STYLE: &str = r#"
:root { --fg:#1f2328; --muted:#656d76; --accent:#b3261e; --line:#d8dee4; --bg:#fff; --mark:#fff3a3; }
* { box-sizing: border-box; }
body { margin:0; color:var(--fg); background:var(--bg);
  font-family: system-ui, -apple-system, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei",
    "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif;
  font-size: 16px; line-height: 1.8; }
a { color:#0b57d0; text-decoration:none; } a:hover { text-decoration:underline; }
header { border-bottom:1px solid var(--line); padding:16px; }
.wrap { max-width: 860px; margin: 0 auto; padding: 0 16px; }
.brand { font-weight:700; font-size:20px; color:var(--accent); margin-right:12px; }
form.search { display:flex; flex-wrap:wrap; gap:8px; align-items:center; }
form.search input[type=search] { flex:1 1 320px; font-size:17px; padding:8px 12px;
  border:1px solid #8c959f; border-radius:6px; min-width:0; }
form.search button { font-size:16px; padding:8px 18px; border:0; border-radius:6px; background:var(--accent); color:#fff; cursor:pointer; }
details { flex-basis:100%; color:var(--muted); font-size:14px; }
details label { margin-right:12px; white-space:nowrap; }
details input, details select { font-size:14px; padding:2px 6px; width:9em; }
.status { color:var(--muted); font-size:14px; margin:12px 0; }
.error { color:var(--accent); background:#fdecea; padding:8px 12px; border-radius:6px; }
ol.hits { list-style:none; padding:0; margin:0; }
ol.hits li { padding:12px 0; border-bottom:1px solid #eef1f4; }
.hit-title { font-size:18px; font-weight:600; }
.meta { color:var(--muted); font-size:13px; word-break:break-all; }
.snippet { margin:4px 0 0; }
mark { background:var(--mark); color:inherit; padding:0 1px; border-radius:2px; }
nav.years { display:flex; align-items:flex-end; gap:4px; height:72px; margin:8px 0 4px;
  overflow-x:auto; padding-bottom:18px; position:relative; }
nav.years a { display:flex; flex-direction:column; justify-content:flex-end; align-items:center;
  height:52px; flex:0 0 34px; position:relative; }
nav.years .bar { width:100%; background:#f2b8b5; border-radius:2px 2px 0 0; min-height:2px; }
nav.years a:hover .bar, nav.years a.on .bar { background:var(--accent); }
nav.years .y { position:absolute; bottom:-18px; font-size:11px; color:var(--muted); }
.pages { display:flex; flex-wrap:wrap; gap:6px; margin:16px 0 40px; }
.pages a, .pages span { padding:2px 10px; border:1px solid var(--line); border-radius:4px; }
.pages span.on { background:var(--accent); color:#fff; border-color:var(--accent); }
article p { margin: 0 0 1em; text-align: justify; }
article h2 { font-size:18px; margin:1.4em 0 .6em; }
h1 { font-size:24px; line-height:1.5; margin:16px 0 4px; }
.toc { font-size:14px; background:#f6f8fa; padding:8px 16px; border-radius:6px; margin:12px 0; flex-basis:auto; }
.toc summary { cursor:pointer; color:var(--fg); }
.toc ol { margin:0; padding-left:1.4em; }
.help { color:var(--muted); font-size:14px; }
.help code { background:#f6f8fa; padding:0 4px; border-radius:3px; }
body.wide .wrap { max-width:1120px; }
.cols { display:grid; grid-template-columns:minmax(0,1fr) 240px; gap:32px; align-items:start; }
aside.facets { font-size:14px; padding-top:12px; }
aside.facets h2, .knowledge h2, .glance h2, .names h2 { font-size:14px; color:var(--muted); font-weight:600; margin:14px 0 4px; }
aside.facets ul, .glance ul, .knowledge ul, .names ul { list-style:none; padding:0; margin:0; }
aside.facets li a { display:flex; justify-content:space-between; align-items:baseline; gap:8px; padding:1px 8px; border-radius:4px; color:var(--fg); }
aside.facets li a:hover { background:#f6f8fa; text-decoration:none; }
aside.facets li a.on { background:#fdecea; color:var(--accent); font-weight:600; }
aside.facets li a.on .v::after { content:" ×"; }
.n { color:var(--muted); font-size:12px; font-variant-numeric:tabular-nums; }
ul.tags { display:flex; flex-wrap:wrap; gap:4px 14px; }
ul.tags .n::before { content:" "; }
.knowledge { background:#f6f8fa; border-radius:6px; padding:4px 16px 10px; margin:12px 0; font-size:14px; }
.knowledge dl { display:grid; grid-template-columns:max-content 1fr; gap:2px 12px; margin:6px 0; }
.knowledge dt { color:var(--muted); } .knowledge dd { margin:0; }
.knowledge dd a { margin-right:12px; }
.knowledge li { padding:4px 0; border-bottom:1px solid #eef1f4; }
.glance .cards { display:grid; grid-template-columns:repeat(auto-fill, minmax(240px,1fr)); gap:8px 32px; }
.results > h2 { font-size:16px; margin:20px 0 0; }
form.audit { display:flex; flex-wrap:wrap; gap:8px 16px; align-items:center; font-size:14px; color:var(--muted); margin:8px 0; }
form.audit input { font-size:14px; padding:2px 6px; width:7em; } form.audit input[name=min] { width:4.5em; }
form.audit select { font-size:14px; padding:2px 4px; }
form.audit button { font-size:14px; padding:4px 14px; border:0; border-radius:6px; background:var(--accent); color:#fff; cursor:pointer; }
section.group { border:1px solid var(--line); border-radius:6px; padding:4px 16px 8px; margin:12px 0; }
section.group h2 { font-size:14px; color:var(--muted); font-weight:600; margin:6px 0; }
section.group ol { list-style:none; padding:0; margin:0; }
section.group li { display:grid; grid-template-columns:4.5em minmax(0,1fr); gap:0 12px; padding:6px 0; border-top:1px solid #eef1f4; }
section.group .share { font-variant-numeric:tabular-nums; font-weight:600; color:var(--accent); text-align:right; }
section.group li.original .share { color:var(--muted); font-weight:400; }
.kind-label { font-size:14px; color:var(--muted); font-weight:400; margin-left:8px; }
@media (max-width: 800px) { .cols { grid-template-columns:1fr; } }
@media (max-width: 600px) { body { font-size:15px; } .hit-title { font-size:17px; } h1 { font-size:20px; } }
"#;

fn layout(title: &str, body: Markup) -> Markup {
    layout_with(title, false, body)
}

/// A page; `wide` widens the columns for results with facets beside them.
fn layout_with(title: &str, wide: bool, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body.wide[wide] { (body) }
        }
    }
}

/// The query string for a search, with overrides.
fn search_url(p: &Params, offset: usize, from: Option<&str>, to: Option<&str>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("q", &p.q);
    if let Some(f) = from {
        s.append_pair("from", f);
    }
    if let Some(t) = to {
        s.append_pair("to", t);
    }
    if p.sort == Sort::Date {
        s.append_pair("sort", "date");
    }
    if p.limit != DEFAULT_LIMIT {
        s.append_pair("limit", &p.limit.to_string());
    }
    if offset > 0 {
        s.append_pair("offset", &offset.to_string());
    }
    format!("/?{}", s.finish())
}

/// Text with `<mark>`s; the very first mark of a page gets `id="m0"`.
pub(crate) fn marked(h: &Highlighted, first: &mut bool) -> Markup {
    let chars: Vec<char> = h.text.chars().collect();
    let piece = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
    // Ranges are sorted and disjoint by contract; anything else is clipped, never a panic.
    let mut ranges = Vec::with_capacity(h.highlights.len());
    let mut at = 0;
    for &[s, e] in &h.highlights {
        let (s, e) = (s.clamp(at, chars.len()), e.min(chars.len()));
        if s < e {
            ranges.push((at, s, e));
            at = e;
        }
    }
    html! {
        @for (before, s, e) in ranges {
            (piece(before, s))
            @if std::mem::take(first) { mark id="m0" { (piece(s, e)) } } @else { mark { (piece(s, e)) } }
        }
        (piece(at, chars.len()))
    }
}

fn search_form(p: &Params) -> Markup {
    let filtered = p.from.is_some() || p.to.is_some() || p.sort == Sort::Date;
    html! {
        header {
            div.wrap {
                form.search action="/" method="get" role="search" {
                    a.brand href="/" { "zhsearch" }
                    input type="search" name="q" value=(p.q) autofocus
                        placeholder="关键词、\"精确短语\"、title:标题、-排除词" aria-label="查询";
                    button type="submit" { "搜索" }
                    details open[filtered] {
                        summary { "日期与排序" }
                        label { "从 " input name="from" value=(p.from.as_deref().unwrap_or("")) placeholder="2017 或 2017-03"; }
                        label { "到 " input name="to" value=(p.to.as_deref().unwrap_or("")) placeholder="2018-12-31"; }
                        label { "排序 "
                            select name="sort" {
                                option value="relevance" selected[p.sort == Sort::Relevance] { "相关度" }
                                option value="date" selected[p.sort == Sort::Date] { "日期（新→旧）" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The year the search is limited to, when `from` and `to` name the same one.
fn single_year(p: &Params) -> Option<&str> {
    match (&p.from, &p.to) {
        (Some(f), Some(t)) if f == t => Some(f.as_str()),
        _ => None,
    }
}

/// Reports per year as bars, each a link (`url` of the year), the `single` one marked. A
/// search shows it when there is a choice of years (or one is chosen); `always` shows even
/// one year.
fn year_chart(
    years: &[[i64; 2]],
    single: Option<&str>,
    always: bool,
    url: impl Fn(&str) -> String,
) -> Markup {
    let max = years.iter().map(|y| y[1]).max().unwrap_or(1).max(1);
    html! {
        @if years.len() > 1 || single.is_some() || (always && !years.is_empty()) {
            nav.years aria-label="按年份筛选" {
                @for [year, n] in years {
                    @let y = year.to_string();
                    a.on[single == Some(y.as_str())] href=(url(&y))
                        title=(format!("{year} 年：{n} 篇")) {
                        span.bar style=(format!("height:{}%", (n * 100 / max).max(3))) {}
                        span.y { (if years.len() <= 12 { y.clone() } else { format!("{:02}", year % 100) }) }
                    }
                }
            }
        }
    }
}

/// Page links; `url` gives the link to the page starting at an offset.
fn pagination(p: &Params, total: usize, url: impl Fn(usize) -> String) -> Markup {
    let per = p.limit.max(1);
    let pages = p.pages(total);
    let current = p.offset / per;
    let window = current.saturating_sub(4)..(current + 5).min(pages);
    html! {
        @if pages > 1 {
            nav.pages aria-label="翻页" {
                @if current > 0 { a href=(url((current - 1) * per)) rel="prev" { "‹ 上一页" } }
                @for i in window {
                    @if i == current { span.on { (i + 1) } }
                    @else { a href=(url(i * per)) { (i + 1) } }
                }
                @if current + 1 < pages { a href=(url((current + 1) * per)) rel="next" { "下一页 ›" } }
            }
        }
    }
}

/// A search for exactly one extracted value (`kind:"述职报告"`).
fn filter_search(facet: Facet, value: &str) -> Option<String> {
    let q = filter_text(facet, value)?;
    Some(search_url(
        &Params {
            q,
            ..Params::default()
        },
        0,
        None,
        None,
    ))
}

/// One hit: its title linking to the report, date and path, snippet.
fn hit_item(hit: &Hit, back: &str) -> Markup {
    let mut first = false;
    html! {
        li {
            a.hit-title href=(format!("/doc/{}?{}#m0", hit.report.id, back)) {
                (marked(&Highlighted { text: hit.report.title.clone(), highlights: hit.title_highlights.clone() }, &mut first))
            }
            div.meta { (hit.report.date.as_deref().unwrap_or("无日期")) " · " (hit.report.path) }
            p.snippet { (marked(&Highlighted { text: hit.snippet.clone(), highlights: hit.highlights.clone() }, &mut first)) }
        }
    }
}

/// A facet's values with the active ones first (an active value may have fallen out of the
/// counted top: every result has it, so its count is the total).
fn active_first<'a>(
    active: &'a [String],
    counted: &'a [(String, u64)],
    total: usize,
) -> Vec<(&'a str, u64)> {
    let count = |a: &String| {
        counted
            .iter()
            .find(|(v, _)| v == a)
            .map_or(total as u64, |(_, n)| *n)
    };
    active
        .iter()
        .map(|a| (a.as_str(), count(a)))
        .chain(
            counted
                .iter()
                .filter(|(v, _)| !active.contains(v))
                .map(|(v, n)| (v.as_str(), *n)),
        )
        .collect()
}

/// The facets of a search beside its results: each value a link that adds `type:"value"` to
/// the query, or takes it out again when it is already there (active values first, marked).
fn facet_panel(p: &Params, facets: &FacetCounts, total: usize) -> Markup {
    html! {
        aside.facets aria-label="按类别筛选" {
            @for (facet, counted) in facets {
                @let active = params::active_filters(&p.q, *facet);
                @let values = active_first(&active, counted, total);
                @if !values.is_empty() {
                    section {
                        h2 { (facet.label()) }
                        ul {
                            @for (value, n) in values {
                                @let on = active.iter().any(|a| a == value);
                                li {
                                    @if let Some(q) = params::toggle_filter(&p.q, *facet, value) {
                                        @let url = search_url(&Params { q, ..p.clone() }, 0, p.from.as_deref(), p.to.as_deref());
                                        a class=[on.then_some("on")] href=(url) data-facet=(facet.name()) data-value=(value)
                                            title=(if on { "再点一次取消这一筛选" } else { "只看含有它的报告" }) {
                                            span.v { (value) } span.n { (n) }
                                        }
                                    } @else {
                                        span.v { (value) } " " span.n { (n) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Values with their report counts, each a link to its entity page.
fn entity_links(facet: Facet, values: &[(String, u64)]) -> Markup {
    html! {
        ul.tags {
            @for (value, n) in values {
                li { a href=(entity_url(facet, value)) { (value) } span.n { (n) } }
            }
        }
    }
}

/// The corpus at a glance, for the home page.
fn glance(overview: &Overview) -> Markup {
    html! {
        section.glance aria-label="语料概览" {
            p.status { "索引中共有 " strong { (overview.reports) } " 篇报告。" }
            div.cards {
                @for (facet, values) in &overview.facets {
                    @if !values.is_empty() {
                        section {
                            h2 { (facet.label()) }
                            @if *facet == Facet::Kind {
                                ul.tags {
                                    @for (value, n) in values {
                                        li {
                                            @if let Some(url) = filter_search(*facet, value) { a href=(url) { (value) } } @else { (value) }
                                            span.n { (n) }
                                        }
                                    }
                                }
                            } @else {
                                (entity_links(*facet, values))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The copy audit: its form (least share, kind, dates), then one page of groups, each report
/// with its date, kind and the share of its text found in the group's earlier reports, linking
/// to its document page.
pub fn duplicates_page(p: &AuditParams, found: Option<&Duplicates>, error: Option<&str>) -> Markup {
    let groups = found.map_or(0, |f| f.groups.len());
    let first = (p.page - 1).saturating_mul(GROUPS_PER_PAGE);
    let shown = found.map_or(&[][..], |f| {
        let start = first.min(f.groups.len());
        &f.groups[start..(start + GROUPS_PER_PAGE).min(f.groups.len())]
    });
    let paging = Params {
        limit: GROUPS_PER_PAGE,
        offset: first,
        ..Params::default()
    };
    let reports: usize = found.map_or(0, |f| f.groups.iter().map(|g| g.reports.len()).sum());
    let body = html! {
        (search_form(&Params::default()))
        main.wrap {
            h1 { "近似重复报告" }
            form.audit action="/duplicates" method="get" {
                label { "重合至少 " input type="number" name="min" min="30" max="100" value=(p.min); " %" }
                label { "类型 "
                    select name="kind" {
                        option value="" selected[p.kind.is_none()] { "全部" }
                        @for kind in Kind::ALL {
                            option value=(kind.label()) selected[p.kind.as_deref() == Some(kind.label())] { (kind.label()) }
                        }
                    }
                }
                label { "从 " input name="from" value=(p.from.as_deref().unwrap_or("")) placeholder="2017"; }
                label { "到 " input name="to" value=(p.to.as_deref().unwrap_or("")) placeholder="2018-12-31"; }
                button type="submit" { "查看" }
            }
            p.help {
                "一篇报告至少有 " (p.min) "% 的文字见于另一篇，两篇即归为一组（转抄之作的转抄也在同一组）。"
                "组内按日期排列，百分比是这篇报告的文字见于组内更早报告的比例，最早的一篇标为原文。"
                "按类型或日期筛选时，组内有一篇符合即列出整组。"
            }
            @if let Some(message) = error {
                p.error role="alert" { "无法查重：" (message) }
            }
            @if found.is_some() {
                p.status {
                    @if groups == 0 { "没有找到近似重复的报告。" }
                    @else { "共 " strong { (groups) } " 组、" (reports) " 篇报告，按最新一篇的日期排列（新→旧）" }
                }
            }
            @for (i, group) in shown.iter().enumerate() {
                section.group {
                    h2 { "第 " (first + i + 1) " 组 · " (group.reports.len()) " 篇" }
                    ol {
                        @for (k, r) in group.reports.iter().enumerate() {
                            li.original[k == 0] data-overlap=(r.overlap) {
                                span.share { @if k == 0 { "原文" } @else { (r.overlap) "%" } }
                                div {
                                    a href=(format!("/doc/{}", r.report.id)) { (r.report.title) }
                                    div.meta {
                                        (r.report.date.as_deref().unwrap_or("无日期")) " · " (r.kind) " · " (r.report.path)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            (pagination(&paging, groups, |offset| p.url(offset / GROUPS_PER_PAGE + 1)))
        }
    };
    layout("近似重复报告 - zhsearch", body)
}

/// The search page: form, status, year chart, hits and pages, facets beside them; without a
/// query, the corpus at a glance (`overview`) and how to search.
pub fn search_page(
    p: &Params,
    results: Option<&SearchResponse>,
    error: Option<&str>,
    overview: Option<&Overview>,
) -> Markup {
    let title = if p.q.trim().is_empty() {
        "zhsearch".to_string()
    } else {
        format!("{} - zhsearch", p.q)
    };
    let back = search_url(p, p.offset, p.from.as_deref(), p.to.as_deref());
    let body = html! {
        (search_form(p))
        main.wrap {
            @if let Some(message) = error {
                p.error role="alert" { "查询有误：" (message) }
            }
            @if let Some(r) = results {
                div.cols {
                    div.results {
                        p.status {
                            @if r.total == 0 { "没有找到匹配的报告。" }
                            @else { "共 " strong { (r.total) } " 篇报告，第 " (p.offset + 1) "–" (p.offset + r.hits.len()) " 篇" }
                            " · 用时 " (format!("{:.1}", r.took.as_secs_f64() * 1000.0)) " 毫秒"
                        }
                        (year_chart(&r.years, single_year(p), false, |y| search_url(p, 0, Some(y), Some(y))))
                        @if r.total == 0 {
                            p.help { "试试更少的词，去掉引号，或放宽日期范围。" }
                        }
                        ol.hits {
                            @for hit in &r.hits { (hit_item(hit, &back[2..])) }
                        }
                        (pagination(p, r.total, |offset| search_url(p, offset, p.from.as_deref(), p.to.as_deref())))
                    }
                    (facet_panel(p, &r.facets, r.total))
                }
            } @else if error.is_none() {
                @if let Some(overview) = overview { (glance(overview)) }
                div.help {
                    p { "在报告全文中查找。几种写法：" }
                    ul {
                        li { code { "党建 引领" } " 两个词都出现" }
                        li { code { "\"小营盘镇\"" } " 原文中出现这一串字（精确短语）" }
                        li { code { "党建 OR 党风" } "、" code { "党建 -廉政" } "、" code { "title:述职报告" } }
                        li { code { "kind:述职报告" } "、" code { "place:\"博乐市\"" } "、" code { "org:…" } "、" code { "person:…" } "、" code { "keyword:…" } " 按类型、地点、机构、人物、关键词筛选" }
                    }
                    p { a href="/duplicates" { "近似重复报告" } "：全部互相抄录的报告，按组列出，原文在前。" }
                }
            }
        }
    };
    layout_with(&title, results.is_some() || overview.is_some(), body)
}

/// An entity's page: how many reports name it, per year, the entities named with it (each a
/// link to its own page) and a page of its reports, newest first.
pub fn entity_page(view: &EntityView, p: &Params) -> Markup {
    let facet = view.facet;
    let own = entity_url(facet, &view.name);
    let search = filter_search(facet, &view.name);
    let page_url = |offset: usize| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if p.limit != DEFAULT_LIMIT {
            s.append_pair("limit", &p.limit.to_string());
        }
        s.append_pair("page", &(offset / p.limit.max(1) + 1).to_string());
        format!("{own}?{}", s.finish())
    };
    let year_url = |y: &str| match filter_text(facet, &view.name) {
        Some(q) => search_url(
            &Params {
                q,
                ..Params::default()
            },
            0,
            Some(y),
            Some(y),
        ),
        None => own.clone(),
    };
    let back = search
        .as_deref()
        .map_or(String::new(), |s| s[2..].to_string());
    let body = html! {
        (search_form(&Params::default()))
        main.wrap {
            div.cols {
                div.results {
                    h1 { (view.name) span.kind-label { (facet.label()) } }
                    p.status {
                        strong { (view.reports) } " 篇报告提到它"
                        @if let Some(url) = &search { " · " a href=(url) { "在搜索中查看" } }
                    }
                    @if view.names.len() > 1 || view.names.first().is_some_and(|(n, _)| *n != view.name) {
                        section.names aria-label="报告中的名称" {
                            h2 { "报告中的名称" }
                            ul.tags {
                                @for (name, n) in &view.names {
                                    li { span.v { (name) } " " span.n title=(format!("{n} 篇报告写作「{name}」")) { (n) } }
                                }
                            }
                        }
                    }
                    (year_chart(&view.years, None, true, year_url))
                    h2 { "报告（新→旧）" }
                    ol.hits {
                        @for hit in &view.hits { (hit_item(hit, &back)) }
                    }
                    (pagination(p, view.reports, page_url))
                }
                aside.facets aria-label="常一同出现" {
                    @for (other, values) in &view.cooccurring {
                        @if !values.is_empty() {
                            section.cooccurring {
                                h2 { "常一同出现的" (other.label()) }
                                ul {
                                    @for (value, n) in values {
                                        li { a href=(entity_url(*other, value)) title=(format!("{n} 篇报告同时提到")) {
                                            span.v { (value) } span.n { (n) }
                                        } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    layout_with(
        &format!("{} - {} - zhsearch", view.name, facet.label()),
        true,
        body,
    )
}

/// A report's kind, keywords (links to keyword searches) and entities by type (links to their
/// pages).
fn knowledge_box(doc: &ReportView) -> Markup {
    let k = &doc.knowledge;
    let entities = [
        (Facet::Person, &k.entities.person),
        (Facet::Place, &k.entities.place),
        (Facet::Org, &k.entities.org),
    ];
    html! {
        @if !k.kind.is_empty() || !k.keywords.is_empty() || entities.iter().any(|(_, v)| !v.is_empty()) {
            section.knowledge aria-label="报告信息" {
                dl {
                    @if !k.kind.is_empty() {
                        dt { (Facet::Kind.label()) }
                        dd { @if let Some(url) = filter_search(Facet::Kind, &k.kind) { a href=(url) { (k.kind) } } @else { (k.kind) } }
                    }
                    @if !k.keywords.is_empty() {
                        dt { (Facet::Keyword.label()) }
                        dd { @for word in &k.keywords {
                            @if let Some(url) = filter_search(Facet::Keyword, word) { a href=(url) { (word) } } @else { (word) " " }
                        } }
                    }
                    @for (facet, values) in entities {
                        @if !values.is_empty() {
                            dt { (facet.label()) }
                            dd { @for v in values { a href=(entity_url(facet, v)) { (v) } } }
                        }
                    }
                }
            }
        }
    }
}

/// Reports like this one: related (what they share) and near-duplicates (how much of this
/// report's text they hold).
fn similar_box(similar: &Similar) -> Markup {
    let item = |r: &crate::search::SimilarReport| {
        html! {
            a href=(format!("/doc/{}", r.report.id)) { (r.report.title) }
            div.meta { (r.report.date.as_deref().unwrap_or("无日期")) " · " (r.report.path) }
        }
    };
    html! {
        @if !similar.duplicates.is_empty() {
            section.knowledge.duplicates aria-label="近似重复" {
                h2 { "近似重复（含有本文的大部分文字）" }
                ul { @for r in &similar.duplicates {
                    li data-overlap=[r.overlap] {
                        (item(r))
                        @if let Some(o) = r.overlap { div.meta { "重合 " strong { (o) "%" } } }
                    }
                } }
            }
        }
        @if !similar.related.is_empty() {
            section.knowledge.related aria-label="相关报告" {
                h2 { "相关报告" }
                ul { @for r in &similar.related {
                    li {
                        (item(r))
                        @if !r.shared.is_empty() { div.meta { "共同：" (r.shared.join("、")) } }
                    }
                } }
            }
        }
    }
}

/// The paragraphs of a report's page: its non-empty lines after the title line (the title
/// is the page's heading; a report of one long line shows that line), with paragraphs longer
/// than a page cut into page-sized pieces.
fn paragraphs(doc: &ReportView) -> Vec<&str> {
    let title = title_line(&doc.text).filter(|&line| line != doc.report.title.trim());
    let mut out = Vec::new();
    for line in title.into_iter().chain(lines_after_title(&doc.text)) {
        let mut rest = line;
        while let Some((cut, _)) = rest.char_indices().nth(CHARS_PER_PART) {
            out.push(&rest[..cut]);
            rest = &rest[cut..];
        }
        out.push(rest);
    }
    out
}

/// The part (from 0) each paragraph is shown in: a part ends after [`PARAGRAPHS_PER_PART`]
/// paragraphs or once it holds [`CHARS_PER_PART`] characters.
fn parts_of(paragraphs: &[&str]) -> Vec<usize> {
    let mut part = 0;
    let (mut count, mut chars) = (0, 0);
    paragraphs
        .iter()
        .map(|p| {
            let n = p.chars().count();
            if count > 0 && (count >= PARAGRAPHS_PER_PART || chars + n > CHARS_PER_PART) {
                part += 1;
                (count, chars) = (0, 0);
            }
            count += 1;
            chars += n;
            part
        })
        .collect()
}

/// A report with the query's matches marked (the first is `#m0`), one part at a time: the
/// work and the page stay bounded whatever the report's size. Linear in the report.
/// `originals` says whether its original file can be downloaded (not from a cluster, which
/// holds the text only).
pub fn doc_page(
    doc: &ReportView,
    similar: &Similar,
    p: &Params,
    highlighter: &Highlighter,
    originals: bool,
) -> Markup {
    let mut first = true;
    let title = highlighter.highlight_all(&doc.report.title);
    let back = search_url(p, p.offset, p.from.as_deref(), p.to.as_deref());
    let paragraphs = paragraphs(doc);
    let parts = parts_of(&paragraphs);
    let total_parts = parts.last().map_or(1, |&last| last + 1);
    let current = p.part.min(total_parts) - 1;
    // Each heading's first paragraph, for the table of contents and the anchors.
    let mut heading_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, h) in doc.headings.iter().enumerate().take(MAX_TOC) {
        heading_of.entry(h.trim()).or_insert(i);
    }
    let mut toc: Vec<(usize, usize)> = Vec::new(); // (heading, part)
    let mut anchors = vec![None; paragraphs.len()];
    for (k, para) in paragraphs.iter().enumerate() {
        if let Some(i) = heading_of.remove(para) {
            toc.push((i, parts[k]));
            anchors[k] = Some(i);
        }
    }
    toc.sort_unstable();
    let part_url = |part: usize, anchor: &str| {
        let query = &search_url(p, p.offset, p.from.as_deref(), p.to.as_deref())[2..];
        let sep = if query.is_empty() { "" } else { "&" };
        format!(
            "/doc/{}?{query}{sep}part={}{anchor}",
            doc.report.id,
            part + 1
        )
    };
    let shown: Vec<(usize, &str)> = paragraphs
        .iter()
        .enumerate()
        .filter(|(k, _)| parts[*k] == current)
        .map(|(k, para)| (k, *para))
        .collect();
    let part_nav = html! {
        @if total_parts > 1 {
            nav.pages aria-label="分部分阅读" {
                @if current > 0 { a href=(part_url(current - 1, "")) rel="prev" { "‹ 上一部分" } }
                span.on { "第 " (current + 1) " / " (total_parts) " 部分" }
                @if current + 1 < total_parts { a href=(part_url(current + 1, "")) rel="next" { "下一部分 ›" } }
            }
        }
    };
    let body = html! {
        (search_form(p))
        main.wrap {
            @if !p.q.trim().is_empty() { p { a href=(back) { "← 返回搜索结果" } } }
            h1 { (marked(&title, &mut first)) }
            div.meta {
                (doc.report.date.as_deref().unwrap_or("无日期")) " · " (doc.report.path) " · " (doc.format.label())
                @if !doc.encoding.is_empty() { " · " (doc.encoding) }
                @if originals { " · " a href=(format!("/file/{}", doc.report.id)) download { "下载原文件" } }
            }
            (knowledge_box(doc))
            (part_nav)
            @if !toc.is_empty() {
                // A long table of contents is folded, so that the text stays near the top.
                details.toc open[toc.len() <= OPEN_TOC] {
                    summary { "目录（" (toc.len()) " 项）" }
                    nav aria-label="目录" {
                        ol { @for (i, part) in &toc {
                            @let anchor = format!("#h{i}");
                            li { a href=(if *part == current { anchor.clone() } else { part_url(*part, &anchor) }) { (doc.headings[*i]) } }
                        } }
                    }
                }
            }
            article {
                @for (k, para) in &shown {
                    @let h = highlighter.highlight_all(para);
                    @if let Some(i) = anchors[*k] { h2 id=(format!("h{i}")) { (marked(&h, &mut first)) } }
                    @else { p { (marked(&h, &mut first)) } }
                }
            }
            (part_nav)
            (similar_box(similar))
        }
    };
    layout(&format!("{} - zhsearch", doc.report.title), body)
}

/// A small page for errors such as an unknown report.
pub fn error_page(status: StatusCode, message: &str) -> Markup {
    let body = html! {
        (search_form(&Params::default()))
        main.wrap {
            h1 { (status.as_u16()) }
            p.error { (message) }
            p { a href="/" { "回到搜索" } }
        }
    };
    layout(&format!("{} - zhsearch", status.as_u16()), body)
}
