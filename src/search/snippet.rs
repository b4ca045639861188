//! Highlighted snippets: the window of a report's original text that holds the most of the
//! query's strings, with match offsets in characters.
//!
//! Matching runs on the normalized text (the text the index saw) and is mapped back to the
//! original, so `ＧＤＰ` is highlighted for the query `gdp` and offsets never fall inside a
//! character.

use serde::Serialize;

use crate::analysis::NormalizedText;

/// Characters of context in a snippet.
pub const SNIPPET_CHARS: usize = 120;
/// Characters shown before the first match of the chosen window.
const LEAD_CHARS: usize = 24;
/// Matches considered per document (long documents with common terms stop here).
const MAX_MATCHES: usize = 1000;

/// A piece of text with highlighted ranges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Highlighted {
    /// The text.
    pub text: String,
    /// `[start, end)` character offsets into `text`, sorted, not overlapping.
    pub highlights: Vec<[usize; 2]>,
}

/// Byte ranges in `norm.text` where any needle occurs, merged, with the index of a needle.
fn find_matches(norm: &NormalizedText, needles: &[String]) -> Vec<(usize, usize, usize)> {
    let mut found = Vec::new();
    for (n, needle) in needles.iter().enumerate() {
        if needle.is_empty() {
            continue;
        }
        for (start, m) in norm.text.match_indices(needle.as_str()).take(MAX_MATCHES) {
            found.push((start, start + m.len(), n));
        }
    }
    found.sort_unstable();
    found
}

fn merge(ranges: impl Iterator<Item = (usize, usize)>) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (s, e) in ranges {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Builds display text from `original[start..end]`: line breaks and runs of whitespace become
/// one space. Returns the text and a function from original byte offsets to char offsets.
fn render(original: &str, start: usize, end: usize) -> (String, Vec<(usize, usize)>) {
    let mut text = String::new();
    let mut offsets = Vec::new(); // (original byte, output char index)
    let mut chars = 0;
    let mut in_space = false;
    for (i, c) in original[start..end].char_indices() {
        offsets.push((start + i, chars));
        if c.is_whitespace() {
            if !in_space && chars > 0 {
                text.push(' ');
                chars += 1;
            }
            in_space = true;
        } else {
            text.push(c);
            chars += 1;
            in_space = false;
        }
    }
    offsets.push((end, chars));
    (text, offsets)
}

fn char_at(offsets: &[(usize, usize)], byte: usize) -> usize {
    match offsets.binary_search_by_key(&byte, |&(b, _)| b) {
        Ok(i) => offsets[i].1,
        Err(i) => offsets.get(i).map_or(0, |o| o.1),
    }
}

/// Every occurrence of the needles (normalized strings) in `text`, highlighted.
pub fn highlight_all(text: &str, needles: &[String]) -> Highlighted {
    let norm = NormalizedText::new(text);
    let ranges = merge(
        find_matches(&norm, needles)
            .into_iter()
            .map(|(s, e, _)| (s, e)),
    );
    let (rendered, offsets) = render(text, 0, text.len());
    let highlights = ranges
        .into_iter()
        .map(|(s, e)| {
            let (os, oe) = norm.original_range(s, e);
            [char_at(&offsets, os), char_at(&offsets, oe)]
        })
        .filter(|[s, e]| s < e)
        .collect();
    Highlighted {
        text: rendered.trim_end().to_string(),
        highlights,
    }
}

/// Characters of the header: the title line, and the next non-empty line when it is a short
/// date line (`时间:2017-11-09浏览:0`).
fn header_chars(text: &str) -> usize {
    let mut chars = 0;
    let mut lines = text.split_inclusive('\n');
    let mut seen_title = false;
    for line in lines.by_ref() {
        let n = line.chars().count();
        if line.trim().is_empty() {
            chars += n;
            continue;
        }
        if !seen_title {
            seen_title = true;
            chars += n;
            continue;
        }
        if n <= 40 && crate::ingest::extract::find_date(line).is_some() {
            chars += n;
        }
        break;
    }
    chars
}

/// The best window of `text` for the needles: the one holding the most distinct needles
/// (longer needles count more), earliest on ties. Without any match, the opening of the text
/// after its title line.
pub fn snippet(text: &str, needles: &[String], width: usize) -> Highlighted {
    let norm = NormalizedText::new(text);
    let matches = find_matches(&norm, needles);
    let char_index: Vec<usize> = norm.text.char_indices().map(|(i, _)| i).collect();
    let to_char = |byte: usize| char_index.partition_point(|&b| b < byte);
    let total_chars = char_index.len();

    // The title line (and a date line under it) is shown apart from the snippet: prefer text
    // after it.
    let header = header_chars(&norm.text);
    let (win_start, win_end) = if matches.is_empty() {
        let start = if total_chars.saturating_sub(header) > 20 {
            header
        } else {
            0
        };
        (start, (start + width).min(total_chars))
    } else {
        let in_body: Vec<(usize, usize, usize)> = matches
            .iter()
            .copied()
            .filter(|&(s, _, _)| to_char(s) >= header)
            .collect();
        let pool = if in_body.is_empty() {
            &matches
        } else {
            &in_body
        };
        let floor = if in_body.is_empty() { 0 } else { header };
        let weight = |n: usize| needles[n].chars().count().max(1);
        let mut best = (0usize, 0usize, 0usize); // (score, window start, first match)
        for (i, &(s, _, _)) in pool.iter().enumerate().take(300) {
            let first = to_char(s);
            let start = first.saturating_sub(LEAD_CHARS).max(floor);
            let limit = start + width;
            let mut seen: Vec<usize> = Vec::new();
            let mut score = 0;
            for &(ms, me, n) in &pool[i..] {
                if to_char(ms) >= limit {
                    break;
                }
                if to_char(me) <= limit && !seen.contains(&n) {
                    seen.push(n);
                    score += weight(n);
                }
            }
            if score > best.0 {
                best = (score, start, first);
            }
        }
        let mut start = best.1.min(total_chars);
        // Start at the paragraph if it begins within the lead.
        let first_byte = char_index.get(best.2).copied().unwrap_or(norm.text.len());
        if let Some(nl) = norm.text[..first_byte].rfind('\n') {
            start = start.max(to_char(nl + 1));
        }
        (start, (start + width).min(total_chars))
    };

    let byte_of = |c: usize| char_index.get(c).copied().unwrap_or(norm.text.len());
    let (nb_start, nb_end) = (byte_of(win_start), byte_of(win_end));
    let (o_start, o_end) = if nb_start < nb_end {
        let (s, _) = norm.original_range(nb_start, nb_start + 1);
        let (_, e) = norm.original_range(nb_end - 1, nb_end);
        (s, e)
    } else {
        (0, 0)
    };
    let (rendered, offsets) = render(text, o_start, o_end);
    // The title line skipped when nothing matched is shown elsewhere: no ellipsis for it.
    let lead =
        usize::from(!matches.is_empty() && o_start > 0 && !text[..o_start].trim().is_empty());
    let trail = o_end < text.len() && !text[o_end..].trim().is_empty();
    let mut out = String::with_capacity(rendered.len() + 6);
    if lead == 1 {
        out.push('…');
    }
    out.push_str(rendered.trim_end());
    let shown = out.chars().count();
    if trail {
        out.push('…');
    }
    let ranges = merge(
        matches
            .iter()
            .filter(|&&(s, e, _)| s >= nb_start && e <= nb_end)
            .map(|&(s, e, _)| (s, e)),
    );
    let highlights = ranges
        .into_iter()
        .map(|(s, e)| {
            let (os, oe) = norm.original_range(s, e);
            [
                char_at(&offsets, os) + lead,
                (char_at(&offsets, oe) + lead).min(shown),
            ]
        })
        .filter(|[s, e]| s < e)
        .collect();
    Highlighted {
        text: out,
        highlights,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(h: &Highlighted) -> String {
        let chars: Vec<char> = h.text.chars().collect();
        let mut out = String::new();
        let mut at = 0;
        for &[s, e] in &h.highlights {
            out.extend(&chars[at..s]);
            out.push('[');
            out.extend(&chars[s..e]);
            out.push(']');
            at = e;
        }
        out.extend(&chars[at..]);
        out
    }

    #[test]
    fn highlights_map_back_through_normalization() {
        let h = highlight_all("ＧＤＰ增长和gdp", &["gdp".to_string()]);
        assert_eq!(marked(&h), "[ＧＤＰ]增长和[gdp]");
    }

    #[test]
    fn snippet_prefers_window_with_most_needles() {
        let filler = "无关内容。".repeat(60);
        let text = format!("标题\n{filler}党建出现一次。{filler}党建引领乡村振兴在这里。{filler}");
        let needles = vec!["党建".to_string(), "乡村振兴".to_string()];
        let s = snippet(&text, &needles, 60);
        assert!(
            marked(&s).contains("[党建]引领[乡村振兴]"),
            "{}",
            marked(&s)
        );
        assert!(s.text.starts_with('…') && s.text.ends_with('…'));
        assert!(s.text.chars().count() <= 62);
    }

    #[test]
    fn snippet_without_match_shows_opening_after_title() {
        let s = snippet(
            "标题\n\n第一段正文，内容足够长，足够长，足够长，足够长。",
            &[],
            50,
        );
        assert!(s.text.starts_with("第一段正文"), "{}", s.text);
        assert!(s.highlights.is_empty());
    }

    #[test]
    fn offsets_are_characters_after_whitespace_collapsing() {
        let s = snippet("标题\r\n\r\n  党建\r\n引领", &["引领".to_string()], 50);
        let chars: Vec<char> = s.text.chars().collect();
        let [a, b] = s.highlights[0];
        assert_eq!(chars[a..b].iter().collect::<String>(), "引领");
    }
}
