//! The numbers of a `.docx`'s numbered paragraphs (`word/numbering.xml`): Word does not store
//! `一、` or `1.1.` in the text of a numbered heading or list item, it computes them from the
//! list's definition. Counting them the same way puts them back, so that `"一、主要做法"` finds
//! the heading a reader sees. Bullets are left out: they are decoration, not words.

use std::collections::HashMap;

use super::package::{self, attr, Node};
use super::Deadline;
use crate::ingest::decode::Unreadable;

/// Levels of a list.
const LEVELS: usize = 9;

#[derive(Debug, Clone, Default)]
struct Level {
    start: u32,
    format: String,
    text: String,
    /// What follows the number: `tab` (the default), `space` or `nothing`.
    suffix: String,
    /// `w:isLgl`: every level's number in Arabic digits (`1.1.` under `一、`).
    legal: bool,
}

/// A list: its abstract definition and the levels whose start it overrides.
#[derive(Debug, Clone, Default)]
struct List {
    abstract_id: String,
    starts: Vec<(usize, u32)>,
}

/// A document's list definitions and the counts reached so far.
#[derive(Debug, Default)]
pub struct Numbering {
    /// Abstract list id → its levels.
    abstracts: HashMap<String, Vec<Level>>,
    /// List id → its definition.
    lists: HashMap<String, List>,
    /// Abstract list id → the count of each level (0: not started). Lists of one abstract
    /// definition count on together, as Word numbers them.
    counts: HashMap<String, [u32; LEVELS]>,
    /// The (list, level) pairs whose start override was applied: a list restarts a level
    /// the first time it numbers a paragraph at that level.
    restarted: std::collections::HashSet<(String, usize)>,
}

impl Numbering {
    /// Reads `word/numbering.xml`.
    pub fn parse(xml: &[u8], deadline: &Deadline) -> Result<Numbering, Unreadable> {
        let mut n = Numbering::default();
        let mut abstract_id: Option<String> = None;
        let mut level: Option<(usize, Level)> = None;
        let mut list: Option<(String, List)> = None;
        let mut override_level: Option<usize> = None;
        package::walk(
            xml,
            "docx",
            "word/numbering.xml",
            deadline,
            |node| match node {
                Node::Open(e) => match e.name().as_ref() {
                    b"w:abstractNum" => abstract_id = attr(e, b"w:abstractNumId"),
                    b"w:lvl" if abstract_id.is_some() => {
                        let ilvl = attr(e, b"w:ilvl").and_then(|v| v.parse::<usize>().ok());
                        level = ilvl.filter(|&l| l < LEVELS).map(|l| {
                            (
                                l,
                                Level {
                                    start: 1,
                                    ..Level::default()
                                },
                            )
                        });
                    }
                    b"w:start" => {
                        if let (Some((_, l)), Some(v)) = (level.as_mut(), attr(e, b"w:val")) {
                            l.start = v.parse().unwrap_or(1);
                        }
                    }
                    b"w:numFmt" => {
                        if let (Some((_, l)), Some(v)) = (level.as_mut(), attr(e, b"w:val")) {
                            l.format = v;
                        }
                    }
                    b"w:lvlText" => {
                        if let (Some((_, l)), Some(v)) = (level.as_mut(), attr(e, b"w:val")) {
                            l.text = v;
                        }
                    }
                    b"w:isLgl" => {
                        if let Some((_, l)) = level.as_mut() {
                            l.legal = attr(e, b"w:val").is_none_or(|v| v != "0" && v != "false");
                        }
                    }
                    b"w:suff" => {
                        if let (Some((_, l)), Some(v)) = (level.as_mut(), attr(e, b"w:val")) {
                            l.suffix = v;
                        }
                    }
                    b"w:num" => {
                        list = attr(e, b"w:numId").map(|id| (id, List::default()));
                    }
                    b"w:abstractNumId" => {
                        if let (Some((_, l)), Some(v)) = (list.as_mut(), attr(e, b"w:val")) {
                            l.abstract_id = v;
                        }
                    }
                    b"w:lvlOverride" => {
                        override_level = attr(e, b"w:ilvl").and_then(|v| v.parse().ok());
                    }
                    b"w:startOverride" => {
                        if let (Some((_, l)), Some(at), Some(v)) =
                            (list.as_mut(), override_level, attr(e, b"w:val"))
                        {
                            if at < LEVELS {
                                l.starts.push((at, v.parse().unwrap_or(1)));
                            }
                        }
                    }
                    _ => {}
                },
                Node::Close(b"w:lvl") => {
                    if let (Some(id), Some((at, l))) = (abstract_id.as_ref(), level.take()) {
                        let levels = n.abstracts.entry(id.clone()).or_default();
                        if levels.len() <= at {
                            levels.resize(at + 1, Level::default());
                        }
                        levels[at] = l;
                    }
                }
                Node::Close(b"w:abstractNum") => abstract_id = None,
                Node::Close(b"w:num") => {
                    if let Some((id, l)) = list.take() {
                        n.lists.insert(id, l);
                    }
                }
                _ => {}
            },
        )?;
        Ok(n)
    }

    /// The number of the next paragraph of list `num_id` at level `ilvl` (`一、`, `1.2.`),
    /// with what separates it from the text; `None` for no list, a bullet or no number.
    pub fn next(&mut self, num_id: &str, ilvl: usize) -> Option<String> {
        let List {
            abstract_id,
            starts: overrides,
        } = self.lists.get(num_id)?.clone();
        let levels = self.abstracts.get(&abstract_id)?;
        let level = levels.get(ilvl.min(LEVELS - 1))?;
        let ilvl = ilvl.min(LEVELS - 1);
        let counts = self
            .counts
            .entry(abstract_id.clone())
            .or_insert([0; LEVELS]);
        let restart = overrides
            .iter()
            .find(|&&(at, _)| at == ilvl)
            .map(|&(_, start)| start)
            .filter(|_| self.restarted.insert((num_id.to_string(), ilvl)));
        counts[ilvl] = match restart {
            Some(start) => start,
            None if counts[ilvl] == 0 => level.start,
            None => counts[ilvl].saturating_add(1),
        };
        for deeper in &mut counts[ilvl + 1..] {
            *deeper = 0;
        }
        if level.format == "bullet" || level.text.is_empty() {
            return None;
        }
        let mut label = String::new();
        let mut rest = level.text.as_str();
        while let Some(at) = rest.find('%') {
            label.push_str(&rest[..at]);
            let digit = rest[at + 1..].chars().next();
            match digit.and_then(|d| d.to_digit(10)) {
                Some(d @ 1..=9) => {
                    let l = d as usize - 1;
                    let count = if counts[l] == 0 {
                        levels.get(l).map_or(1, |lv| lv.start)
                    } else {
                        counts[l]
                    };
                    let format = match levels.get(l) {
                        Some(lv) if !level.legal => lv.format.as_str(),
                        _ => "decimal",
                    };
                    label.push_str(&number(count, format));
                    rest = &rest[at + 2..];
                }
                _ => {
                    label.push('%');
                    rest = &rest[at + 1..];
                }
            }
        }
        label.push_str(rest);
        let label = label.trim().to_string();
        if label.is_empty() {
            return None;
        }
        let ends_cjk = label.chars().next_back().is_some_and(super::is_cjk);
        let separator = if level.suffix == "nothing" || ends_cjk {
            ""
        } else {
            " "
        };
        Some(format!("{label}{separator}"))
    }
}

/// `n` in a Word number format.
fn number(n: u32, format: &str) -> String {
    match format {
        "chineseCounting"
        | "chineseCountingThousand"
        | "chineseLegalSimplified"
        | "ideographDigital"
        | "taiwaneseCounting"
        | "japaneseCounting" => chinese(n),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" if (1..=20).contains(&n) => {
            char::from_u32(0x2460 + n - 1).map_or(n.to_string(), String::from)
        }
        "ideographTraditional" if (1..=10).contains(&n) => {
            ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"][n as usize - 1].to_string()
        }
        "upperLetter" | "lowerLetter" if n >= 1 => {
            let base = if format == "upperLetter" { b'A' } else { b'a' };
            let letter = char::from(base + ((n - 1) % 26) as u8);
            letter.to_string().repeat((n as usize - 1) / 26 + 1)
        }
        "upperRoman" => roman(n).to_uppercase(),
        "lowerRoman" => roman(n),
        "decimalZero" if n < 10 => format!("0{n}"),
        "none" => String::new(),
        _ => n.to_string(),
    }
}

/// `n` in Chinese numerals, as Word counts: 一 … 十, 十一, 二十一, 一百零一.
fn chinese(n: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n as usize].to_string(),
        10..=19 => format!("十{}", if n == 10 { "" } else { DIGITS[n as usize - 10] }),
        20..=99 => format!(
            "{}十{}",
            DIGITS[n as usize / 10],
            if n % 10 == 0 {
                ""
            } else {
                DIGITS[n as usize % 10]
            }
        ),
        100..=999 => {
            let rest = n % 100;
            let tail = match rest {
                0 => String::new(),
                1..=9 => format!("零{}", DIGITS[rest as usize]),
                10..=19 => format!("一{}", chinese(rest)),
                _ => chinese(rest),
            };
            format!("{}百{tail}", DIGITS[n as usize / 100])
        }
        _ => n.to_string(),
    }
}

/// `n` in lower-case Roman numerals.
pub fn roman(mut n: u32) -> String {
    const DIGITS: [(u32, &str); 13] = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut out = String::new();
    for (value, digits) in DIGITS {
        while n >= value {
            out.push_str(digits);
            n -= value;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<w:numbering xmlns:w="w">
        <w:abstractNum w:abstractNumId="0">
          <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/><w:suff w:val="nothing"/></w:lvl>
          <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
          <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%3."/></w:lvl>
          <w:lvl w:ilvl="3"><w:start w:val="1"/><w:isLgl/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%3.%4"/></w:lvl>
        </w:abstractNum>
        <w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl></w:abstractNum>
        <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
        <w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
        <w:num w:numId="3"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride></w:num>
      </w:numbering>"#;

    #[test]
    fn numbers_as_word_counts_them() {
        let mut n = Numbering::parse(XML.as_bytes(), &Deadline::none()).unwrap();
        let mut next = |id: &str, l: usize| n.next(id, l);
        assert_eq!(next("1", 0).as_deref(), Some("一、"));
        assert_eq!(next("1", 1).as_deref(), Some("（一）"));
        assert_eq!(next("1", 1).as_deref(), Some("（二）"));
        assert_eq!(next("1", 2).as_deref(), Some("一.1. "));
        assert_eq!(next("1", 3).as_deref(), Some("1.1.1 "));
        assert_eq!(next("1", 0).as_deref(), Some("二、"));
        assert_eq!(next("1", 1).as_deref(), Some("（一）"));
        assert_eq!(next("2", 0), None);
        assert_eq!(next("3", 0).as_deref(), Some("五、"));
        assert_eq!(
            next("1", 0).as_deref(),
            Some("六、"),
            "lists of one definition count on"
        );
        assert_eq!(
            next("3", 0).as_deref(),
            Some("七、"),
            "a start override applies once"
        );
        assert_eq!(next("9", 0), None);
    }

    #[test]
    fn chinese_and_other_numerals() {
        let c: Vec<String> = [1, 10, 11, 20, 21, 99, 100, 101, 110, 115]
            .map(chinese)
            .into();
        assert_eq!(
            c,
            [
                "一",
                "十",
                "十一",
                "二十",
                "二十一",
                "九十九",
                "一百",
                "一百零一",
                "一百一十",
                "一百一十五"
            ]
        );
        assert_eq!(number(3, "upperRoman"), "III");
        assert_eq!(number(28, "lowerLetter"), "bb");
        assert_eq!(number(2, "decimalEnclosedCircle"), "②");
        assert_eq!(number(7, "decimalZero"), "07");
        assert_eq!(roman(14), "xiv");
    }
}
