//! Report structure from plain text: title, date, section headings, paragraphs.

use std::sync::LazyLock;

use regex::Regex;

use crate::analysis::normalize;

/// A calendar date found in a report header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReportDate {
    /// Year, 1000–2999.
    pub year: u16,
    /// Month, 1–12.
    pub month: u8,
    /// Day of month, valid for the month.
    pub day: u8,
}

impl ReportDate {
    /// A validated date.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        let valid = (1000..3000).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        valid.then_some(ReportDate { year, month, day })
    }

    /// The date as a sortable integer `yyyymmdd`, the form kept in the index.
    pub fn key(self) -> i64 {
        i64::from(self.year) * 10_000 + i64::from(self.month) * 100 + i64::from(self.day)
    }

    /// Inverse of [`ReportDate::key`].
    pub fn from_key(key: i64) -> Option<Self> {
        let year = u16::try_from(key / 10_000).ok()?;
        ReportDate::new(year, (key / 100 % 100) as u8, (key % 100) as u8)
    }
}

impl std::fmt::Display for ReportDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Header lines searched for a date.
const DATE_LINES: usize = 6;
/// Most section headings kept for one report.
pub const MAX_HEADINGS: usize = 500;
/// Longest section heading, in characters.
const MAX_HEADING_CHARS: usize = 40;
/// Longest title kept, in characters (a report without a title line starts with a paragraph).
const MAX_TITLE_CHARS: usize = 120;

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    // Runs on normalized text, so full-width digits and colons are already ASCII.
    Regex::new(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})").expect("valid regex")
});

/// Finds the report date in the first lines: `时间:2017-11-09`, `发布时间：2017年11月9日`,
/// `2017/11/9`… Lines labelled 时间/日期 win over bare dates.
pub fn find_date(text: &str) -> Option<ReportDate> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(DATE_LINES)
        .collect();
    let parse = |line: &str| {
        let norm = normalize(line);
        DATE.captures_iter(&norm).find_map(|c| {
            ReportDate::new(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)
        })
    };
    let labelled = lines
        .iter()
        .filter(|l| l.contains("时间") || l.contains("日期"))
        .find_map(|l| parse(l));
    labelled.or_else(|| lines.iter().find_map(|l| parse(l)))
}

/// The title line: the first non-empty line, trimmed. The one place this rule lives.
pub fn title_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).find(|l| !l.is_empty())
}

/// The non-empty lines after the title line, trimmed: the body's paragraphs.
pub fn lines_after_title(text: &str) -> impl Iterator<Item = &str> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    lines.next();
    lines
}

/// The title: the [`title_line`], cut at [`MAX_TITLE_CHARS`] characters.
pub fn find_title(text: &str) -> String {
    let line = title_line(text).unwrap_or("");
    match line.char_indices().nth(MAX_TITLE_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}

/// Section headings: short lines after the title with no sentence punctuation, such as
/// `突出党建统领 打造坚强堡垒`. Date lines and lines without letters are not headings.
/// At most [`MAX_HEADINGS`] are kept: a report of many short lines is not a table of contents.
pub fn find_headings(text: &str) -> Vec<String> {
    lines_after_title(text)
        .filter(|l| is_heading(l))
        .take(MAX_HEADINGS)
        .map(str::to_string)
        .collect()
}

fn is_heading(line: &str) -> bool {
    const SENTENCE: &[char] = &['。', '，', '；', '！', '？', ',', ';', '!', '?', '…'];
    let chars = line.chars().count();
    (2..=MAX_HEADING_CHARS).contains(&chars)
        && !line.contains(SENTENCE)
        && line.chars().filter(|c| c.is_alphabetic()).count() * 2 >= chars
        && find_date(line).is_none()
        && !line.contains("浏览")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_common_header_forms() {
        let d = |s: &str| find_date(s).map(|d| d.to_string());
        assert_eq!(
            d("标题\n\n时间:2017-11-09浏览:0"),
            Some("2017-11-09".into())
        );
        assert_eq!(d("标题\n发布时间：2018年3月5日"), Some("2018-03-05".into()));
        assert_eq!(d("标题\n２０１８年１２月３１日"), Some("2018-12-31".into()));
        assert_eq!(d("标题\n2019/1/2 来源：新华社"), Some("2019-01-02".into()));
        assert_eq!(
            d("2016年工作总结\n编号 2015-01-01\n时间：2020.2.29"),
            Some("2020-02-29".into())
        );
    }

    #[test]
    fn impossible_or_missing_dates_are_none() {
        assert_eq!(find_date("标题\n时间:2017-02-30"), None);
        assert_eq!(find_date("标题\n正文没有日期。"), None);
        let late = "标题\n一\n二\n三\n四\n五\n六\n时间:2017-11-09";
        assert_eq!(find_date(late), None);
    }

    #[test]
    fn date_keys_round_trip() {
        let d = ReportDate::new(2024, 2, 29).unwrap();
        assert_eq!(d.key(), 20240229);
        assert_eq!(ReportDate::from_key(20240229), Some(d));
        assert_eq!(ReportDate::new(2023, 2, 29), None);
    }

    #[test]
    fn title_is_first_non_empty_line() {
        assert_eq!(
            find_title("\n\n  博乐市小营盘镇党委 \n正文"),
            "博乐市小营盘镇党委"
        );
        let long = "长".repeat(300);
        assert_eq!(find_title(&long).chars().count(), MAX_TITLE_CHARS + 1);
    }

    #[test]
    fn headings_are_short_unpunctuated_lines() {
        let text = "博乐市小营盘镇党委\n\n时间:2017-11-09浏览:0\n\n镇党委坚持党建引领，持续发展。\n\n\
                    突出党建统领 打造坚强堡垒\n\n建好制度“笼子”。不断加强学习。\n\n一、强化基层组织建设\n2017\n";
        assert_eq!(
            find_headings(text),
            vec!["突出党建统领 打造坚强堡垒", "一、强化基层组织建设"]
        );
    }
}
