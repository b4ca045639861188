//! How results look in a terminal: hits with highlighted matches, facets, similar reports,
//! index statistics. Everything a report or a file name wrote passes [`terminal_safe`] first.

use std::borrow::Cow;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use serde::Serialize;
use zhsearch::search::{Duplicates, FacetCounts, Hit, IndexStats, Similar, SimilarReport};

pub fn paint(
    out: &mut impl Write,
    text: &str,
    highlights: &[[usize; 2]],
    base: Style,
    mark: Style,
    colored: bool,
) -> io::Result<()> {
    let text = terminal_safe(text);
    if !colored {
        return write!(out, "{text}");
    }
    let chars: Vec<char> = text.chars().collect();
    let piece = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
    let mut at = 0;
    // Ranges are sorted and disjoint by contract; anything else is clipped, never a panic.
    for &[s, e] in highlights {
        let (s, e) = (s.clamp(at, chars.len()), e.min(chars.len()));
        if s >= e {
            continue;
        }
        write!(out, "{base}{}{base:#}", piece(at, s))?;
        write!(out, "{mark}{}{mark:#}", piece(s, e))?;
        at = e;
    }
    write!(out, "{base}{}{base:#}", piece(at, chars.len()))
}

pub fn print_hit(out: &mut impl Write, rank: usize, hit: &Hit, colored: bool) -> io::Result<()> {
    let mark = Style::new().fg_color(Some(AnsiColor::Red.into())).bold();
    let title = Style::new().bold();
    let dim = Style::new().dimmed();
    let path = Style::new().fg_color(Some(AnsiColor::Magenta.into()));
    write!(out, "{rank:>3}. ")?;
    paint(
        out,
        &hit.report.title,
        &hit.title_highlights,
        title,
        mark.underline(),
        colored,
    )?;
    writeln!(out)?;
    let meta = format!(
        "{}  {:.2}",
        hit.report.date.as_deref().unwrap_or("(no date)"),
        hit.score
    );
    let shown_path = terminal_safe(&hit.report.path);
    if colored {
        writeln!(out, "     {path}{shown_path}{path:#}  {dim}{meta}{dim:#}")?;
    } else {
        writeln!(out, "     {shown_path}  {meta}")?;
    }
    write!(out, "     ")?;
    paint(
        out,
        &hit.snippet,
        &hit.highlights,
        Style::new(),
        mark,
        colored,
    )?;
    writeln!(out)?;
    writeln!(out)
}

/// Control characters from reports and file names shown as visible symbols, one character
/// for one, so highlight offsets stay valid: C0 controls as their Unicode control pictures
/// (ESC as ␛), DEL as ␡, C1 controls and bidirectional overrides as �. A terminal never
/// receives an escape sequence that a report wrote.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| match c {
            '\0'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
            '\u{7f}' => '\u{2421}',
            c if unsafe_char(c) => '\u{fffd}',
            c => c,
        })
        .collect::<String>()
        .into()
}

pub fn print_similar(out: &mut impl Write, similar: &Similar) -> io::Result<()> {
    let line = |out: &mut dyn Write, r: &SimilarReport, lead: String| {
        writeln!(
            out,
            "{lead}{}  {}  {}",
            terminal_safe(&r.report.path),
            r.report.date.as_deref().unwrap_or("(no date)"),
            terminal_safe(&r.report.title)
        )
    };
    writeln!(
        out,
        "near-duplicates (share of this report's text in each):"
    )?;
    if similar.duplicates.is_empty() {
        writeln!(out, "  none")?;
    }
    for r in &similar.duplicates {
        line(out, r, format!("  {:>3}%  ", r.overlap.unwrap_or(0)))?;
    }
    writeln!(out, "related reports:")?;
    if similar.related.is_empty() {
        writeln!(out, "  none")?;
    }
    for r in &similar.related {
        line(out, r, "  ".to_string())?;
        writeln!(
            out,
            "        shares: {}",
            terminal_safe(&r.shared.join("、"))
        )?;
    }
    Ok(())
}

/// Each group of the copy audit: its reports by date, the earliest marked `first`, the others
/// with the share of their text found in the earlier ones.
pub fn print_duplicates(out: &mut impl Write, found: &Duplicates) -> io::Result<()> {
    for (i, group) in found.groups.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "group {} ({} reports):", i + 1, group.reports.len())?;
        for (k, r) in group.reports.iter().enumerate() {
            let share = if k == 0 {
                "first".to_string()
            } else {
                format!("{}%", r.overlap)
            };
            writeln!(
                out,
                "  {share:>5}  {}  {}  {}  {}",
                r.report.date.as_deref().unwrap_or("(no date)"),
                terminal_safe(&r.kind),
                terminal_safe(&r.report.path),
                terminal_safe(&r.report.title)
            )?;
        }
    }
    Ok(())
}

pub fn print_facets(out: &mut impl Write, facets: &FacetCounts) -> io::Result<()> {
    for (facet, values) in facets {
        let shown: Vec<String> = values
            .iter()
            .map(|(v, n)| format!("{} ({n})", terminal_safe(v)))
            .collect();
        let shown = if shown.is_empty() {
            "—".to_string()
        } else {
            shown.join("  ")
        };
        writeln!(out, "{} {}: {shown}", facet.label(), facet.name())?;
    }
    Ok(())
}

/// What `zhsearch stats` prints.
#[derive(Serialize)]
pub struct Stats {
    /// The index folder, absolute.
    pub index: std::path::PathBuf,
    /// Its size on disk.
    pub index_bytes: u64,
    /// What it holds.
    #[serde(flatten)]
    pub stats: IndexStats,
}

pub fn print_stats(out: &mut impl Write, stats: &Stats, json: bool) -> io::Result<()> {
    if json {
        serde_json::to_writer_pretty(&mut *out, &stats)?;
        writeln!(out)?;
        return Ok(());
    }
    let or_none = |v: Option<&str>| terminal_safe(v.unwrap_or("(unknown)")).into_owned();
    let s = &stats.stats;
    writeln!(
        out,
        "index:        {}",
        terminal_safe(&stats.index.display().to_string())
    )?;
    writeln!(out, "folder:       {}", or_none(s.folder.as_deref()))?;
    writeln!(out, "reports:      {}", s.reports)?;
    writeln!(
        out,
        "size on disk: {:.1} MB",
        stats.index_bytes as f64 / 1e6
    )?;
    writeln!(out, "last update:  {}", or_none(s.last_update.as_deref()))?;
    writeln!(out, "analysis:     {}", or_none(s.analysis.as_deref()))?;
    if !s.analysis_current {
        writeln!(
            out,
            "              (this build analyses text differently: `zhsearch index` will rebuild)"
        )?;
    }
    writeln!(out, "knowledge:    {}", or_none(s.knowledge.as_deref()))?;
    if !s.knowledge_current {
        writeln!(
            out,
            "              (this build extracts knowledge differently: `zhsearch index` will re-extract)"
        )?;
    }
    let v = &s.vocabulary;
    write!(
        out,
        "vocabulary:   bundled lexicon {} terms, {} synonym rules",
        v.lexicon_terms, v.bundled_synonym_rules
    )?;
    for (what, file) in [
        ("dictionary", &v.dictionary),
        ("synonyms", &v.synonyms),
        ("aliases", &v.aliases),
    ] {
        if let Some(f) = file {
            write!(
                out,
                "; {what} {} ({} entries)",
                terminal_safe(&f.path),
                f.entries
            )?;
        }
    }
    writeln!(out)?;
    if v.config.is_none() {
        writeln!(out, "              (no zhsearch.toml in the folder)")?;
    }
    for r in &v.rejected {
        writeln!(
            out,
            "              rejected {}",
            terminal_safe(&r.to_string())
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Our own SGR sequences (`ESC [ … m`) removed.
    fn strip_styles(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' && chars.peek() == Some(&'[') {
                for d in chars.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    fn any_text() -> impl Strategy<Value = String> {
        let pieces: &[&str] = &[
            "½",
            "ﷺ",
            "㋉",
            "党",
            "建",
            "a",
            " ",
            "\n",
            "\r",
            "\u{1b}",
            "\u{1b}[31m",
            "\u{7}",
            "\u{7f}",
            "\u{9b}",
            "\u{202e}",
            "\u{2066}",
            "\t",
            "é",
            "e\u{301}",
        ];
        prop::collection::vec(
            prop_oneof![
                3 => prop::sample::select(pieces).prop_map(str::to_string),
                1 => any::<char>().prop_map(|c| c.to_string()),
            ],
            0..30,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Whatever the text and the ranges (even out of order or out of bounds), painting
        /// never panics, writes the text it was given (control characters made visible, one
        /// for one) and no control character but the styles' own escapes.
        #[test]
        fn painting_shows_the_text_and_nothing_a_report_wrote_to_the_terminal(
            text in any_text(),
            ranges in prop::collection::vec((0..40usize, 0..40usize), 0..6),
        ) {
            let ranges: Vec<[usize; 2]> = ranges.into_iter().map(|(a, b)| [a, b]).collect();
            for colored in [false, true] {
                let mut out = Vec::new();
                paint(&mut out, &text, &ranges, Style::new().bold(), Style::new().underline(), colored)
                    .unwrap();
                let out = String::from_utf8(out).unwrap();
                let plain = strip_styles(&out);
                prop_assert_eq!(&plain, &*terminal_safe(&text));
                prop_assert_eq!(plain.chars().count(), text.chars().count());
                prop_assert!(!plain.chars().any(|c| c.is_control()), "{:?}", plain);
            }
        }
    }
}
