//! Highlighted snippets: the window of a report's original text that holds the most of the
//! query's strings, with match offsets in characters.
//!
//! Matching runs on the normalized text (the text the index saw) in one pass over it for all
//! of the query's strings, and every match is mapped back to whole characters of the original
//! *before* ranges are merged, so highlights are always sorted, disjoint and non-empty, even
//! where normalization changes lengths (`½` → `1⁄2`, `ﷺ` → 18 characters, `㋉` → `10月`).
//! Everything here is linear in the text (plus the matches, which are capped).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Serialize;

use crate::analysis::NormalizedText;

/// Characters of context in a snippet.
pub const SNIPPET_CHARS: usize = 120;
/// Characters shown before the first match of the chosen window.
const LEAD_CHARS: usize = 24;
/// Matches considered per text (long texts with common strings stop here).
const MAX_MATCHES: usize = 10_000;
/// Candidate windows compared when choosing a snippet.
const MAX_WINDOWS: usize = 300;

/// A piece of text with highlighted ranges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Highlighted {
    /// The text.
    pub text: String,
    /// `[start, end)` character offsets into `text`, sorted, disjoint, non-empty.
    pub highlights: Vec<[usize; 2]>,
}

/// The strings of a query, ready to be found in any number of texts.
#[derive(Debug, Clone)]
pub struct Highlighter {
    /// All needles at once; `None` when there is nothing to highlight.
    matcher: Option<AhoCorasick>,
    /// Characters of each needle (longer needles weigh more when choosing a snippet).
    weights: Vec<usize>,
}

/// A match: normalized byte range and the needle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Match {
    start: usize,
    end: usize,
    needle: usize,
}

impl Highlighter {
    /// A highlighter for normalized `needles` (empty ones are ignored, duplicates count once).
    pub fn new(needles: &[String]) -> Highlighter {
        let mut unique: Vec<&str> = needles
            .iter()
            .map(String::as_str)
            .filter(|n| !n.is_empty())
            .collect();
        unique.sort_unstable();
        unique.dedup();
        let matcher = if unique.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .build(&unique)
                .map_err(|e| tracing::warn!("highlighting disabled for this query: {e}"))
                .ok()
        };
        Highlighter {
            matcher,
            weights: unique.iter().map(|n| n.chars().count()).collect(),
        }
    }

    /// Every occurrence of any needle in `norm.text` (overlapping ones too), by start.
    fn matches(&self, norm: &NormalizedText) -> Vec<Match> {
        let Some(matcher) = &self.matcher else {
            return Vec::new();
        };
        let mut found: Vec<Match> = matcher
            .find_overlapping_iter(&norm.text)
            .take(MAX_MATCHES)
            .map(|m| Match {
                start: m.start(),
                end: m.end(),
                needle: m.pattern().as_usize(),
            })
            .collect();
        found.sort_unstable();
        found
    }

    /// Every occurrence in `text`, highlighted; line breaks and runs of whitespace are shown as
    /// one space.
    pub fn highlight_all(&self, text: &str) -> Highlighted {
        let norm = NormalizedText::new(text);
        let matches = self.matches(&norm);
        let ranges = original_ranges(&norm, matches.iter());
        let (rendered, offsets) = render(text, 0, text.len());
        let rendered = rendered.trim_end().to_string();
        let len = rendered.chars().count();
        let highlights = to_chars(&ranges, &offsets, 0, len);
        Highlighted {
            text: rendered,
            highlights,
        }
    }

    /// The best window of `text` (about `width` characters): the one holding the most
    /// distinct needles (longer needles count more), earliest on ties. Without any match, the
    /// opening of the text after its title line.
    pub fn snippet(&self, text: &str, width: usize) -> Highlighted {
        let width = width.max(1);
        let norm = NormalizedText::new(text);
        let t = norm.text.as_str();
        let matches = self.matches(&norm);
        // The title line (and a date line under it) is shown apart from the snippet: prefer
        // text after it.
        let header = header_len(t);
        let (nb_start, nb_end) = if matches.is_empty() {
            let start = if t[header..].chars().nth(20).is_some() {
                header
            } else {
                0
            };
            (start, advance(t, start, width))
        } else {
            let in_body = matches.partition_point(|m| m.start < header);
            let (pool, floor) = if in_body < matches.len() {
                (&matches[in_body..], header)
            } else {
                (&matches[..], 0)
            };
            let chars = CharPositions::new(t, pool, &[floor]);
            let mut best = (0usize, 0usize); // (score, index of the first match in pool)
            let mut stamp = vec![usize::MAX; self.weights.len()];
            let floor_char = chars.at(floor);
            for i in 0..pool.len().min(MAX_WINDOWS) {
                let first = chars.start(i);
                let limit = first.saturating_sub(LEAD_CHARS).max(floor_char) + width;
                let mut score = 0;
                for (j, other) in pool.iter().enumerate().skip(i) {
                    if chars.start(j) >= limit {
                        break;
                    }
                    if chars.end(j) <= limit && stamp[other.needle] != i {
                        stamp[other.needle] = i;
                        score += self.weights[other.needle].max(1);
                    }
                }
                if score > best.0 {
                    best = (score, i);
                }
            }
            let first = pool[best.1].start;
            let mut start = retreat(t, first, LEAD_CHARS).max(floor);
            // Start at the paragraph if it begins within the lead.
            if let Some(nl) = t[start..first].rfind('\n') {
                start += nl + 1;
            }
            (start, advance(t, start, width))
        };

        let o_start = norm.original_start(nb_start);
        let o_end = norm.original_end(nb_end).max(o_start);
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
        let inside = matches
            .iter()
            .filter(|m| m.start >= nb_start && m.end <= nb_end);
        let ranges = original_ranges(&norm, inside);
        Highlighted {
            text: out,
            highlights: to_chars(&ranges, &offsets, lead, shown),
        }
    }
}

/// Character counts at the starts and ends of a run of matches (and at a few more byte
/// offsets), computed in one pass over the text.
struct CharPositions {
    starts: Vec<usize>,
    ends: Vec<usize>,
    /// Sorted byte offsets with the characters before them.
    table: Vec<(usize, usize)>,
}

impl CharPositions {
    fn new(text: &str, matches: &[Match], extra: &[usize]) -> CharPositions {
        let mut bytes: Vec<usize> = matches
            .iter()
            .flat_map(|m| [m.start, m.end])
            .chain(extra.iter().copied())
            .collect();
        bytes.sort_unstable();
        bytes.dedup();
        let mut table = Vec::with_capacity(bytes.len());
        let (mut at, mut count) = (0usize, 0usize);
        for b in bytes {
            count += text.get(at..b).map_or(0, |s| s.chars().count());
            at = b;
            table.push((b, count));
        }
        let mut positions = CharPositions {
            starts: Vec::new(),
            ends: Vec::new(),
            table,
        };
        positions.starts = matches.iter().map(|m| positions.at(m.start)).collect();
        positions.ends = matches.iter().map(|m| positions.at(m.end)).collect();
        positions
    }

    /// Characters before byte `b`, one of the offsets the table was built for.
    fn at(&self, b: usize) -> usize {
        self.table
            .binary_search_by_key(&b, |&(byte, _)| byte)
            .map_or(0, |i| self.table[i].1)
    }

    fn start(&self, i: usize) -> usize {
        self.starts[i]
    }

    fn end(&self, i: usize) -> usize {
        self.ends[i]
    }
}

/// The byte offset `n` characters after `from` (or the end).
fn advance(text: &str, from: usize, n: usize) -> usize {
    text[from..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(i, _)| from + i)
}

/// The byte offset `n` characters before `from` (or the start).
fn retreat(text: &str, from: usize, n: usize) -> usize {
    if n == 0 {
        return from;
    }
    text[..from]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i)
        .min(from)
}

/// Original byte ranges of matches, sorted and merged (touching ranges join).
fn original_ranges<'a>(
    norm: &NormalizedText,
    matches: impl Iterator<Item = &'a Match>,
) -> Vec<(usize, usize)> {
    let mut ranges: Vec<(usize, usize)> = matches
        .map(|m| norm.original_range(m.start, m.end))
        .filter(|(s, e)| s < e)
        .collect();
    ranges.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Original byte ranges to character ranges of the rendered text, shifted by `lead` and
/// clipped to `len` characters: sorted, disjoint and non-empty by construction.
fn to_chars(
    ranges: &[(usize, usize)],
    offsets: &[(usize, usize)],
    lead: usize,
    len: usize,
) -> Vec<[usize; 2]> {
    let mut out: Vec<[usize; 2]> = Vec::with_capacity(ranges.len());
    for &(s, e) in ranges {
        let s = (char_at(offsets, s) + lead).min(len);
        let e = (char_at(offsets, e) + lead).min(len);
        if s >= e {
            continue;
        }
        match out.last_mut() {
            Some(last) if s <= last[1] => last[1] = last[1].max(e),
            _ => out.push([s, e]),
        }
    }
    out
}

/// Builds display text from `original[start..end]`: line breaks and runs of whitespace become
/// one space. Returns the text and `(original byte, output char)` at every original character.
fn render(original: &str, start: usize, end: usize) -> (String, Vec<(usize, usize)>) {
    let mut text = String::new();
    let mut offsets = Vec::new();
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

/// Bytes of the header: the title line, and the next non-empty line when it is a short date
/// line (`时间:2017-11-09浏览:0`).
fn header_len(text: &str) -> usize {
    let mut len = 0;
    let mut seen_title = false;
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            len += line.len();
            continue;
        }
        if !seen_title {
            seen_title = true;
            len += line.len();
            continue;
        }
        if line.chars().nth(40).is_none() && crate::ingest::extract::find_date(line).is_some() {
            len += line.len();
        }
        break;
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    fn highlight_all(text: &str, needles: &[String]) -> Highlighted {
        Highlighter::new(needles).highlight_all(text)
    }

    fn snippet(text: &str, needles: &[String], width: usize) -> Highlighted {
        Highlighter::new(needles).snippet(text, width)
    }

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
    fn matches_inside_one_expanded_character_mark_it_once() {
        // ½ is 1⁄2 and ﷺ is 18 characters once normalized: several needles inside one
        // original character used to yield overlapping ranges.
        let needles: Vec<String> = ["1", "2", "⁄"].iter().map(|s| s.to_string()).collect();
        let h = highlight_all("a½b", &needles);
        assert_eq!(marked(&h), "a[½]b");
        let h = highlight_all("ﷺﷺ x", &[crate::analysis::normalize("ﷺ").into_owned()]);
        assert_eq!(marked(&h), "[ﷺﷺ] x");
        let h = highlight_all("㋉", &["10".to_string(), "月".to_string()]);
        assert_eq!(marked(&h), "[㋉]");
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
