//! Property tests over Unicode biased towards the characters that break offset arithmetic:
//! those whose NFKC form is longer, shorter or different (fractions, squared and circled
//! forms, ligatures, Arabic ligatures, compatibility ideographs, full-width forms), combining
//! marks, case mappings that change lengths, line endings and control characters.
//!
//! They run in `cargo test` with a fixed number of cases; a longer run is
//! `PROPTEST_CASES=20000 cargo test --lib proptests`.

use proptest::prelude::*;

use crate::analysis::{normalize, NormalizedText};
use crate::search::query::{parse, MAX_QUERY_CHARS};
use crate::search::{Deadline, Highlighted, Highlighter};

/// Characters whose normalized form differs from them (traditional characters among them), or
/// that separate, join or control.
const TRICKY: &[&str] = &[
    "½", "¼", "¾", "ﷺ", "℡", "℻", "㏾", "㍍", "㌢", "㈱", "⑴", "㋉", "㍻", "ﬁ", "ﬃ", "ﻼ", "豈",
    "廓", "Ａ", "ｂ", "１", "：", "（", "＂", "　", "é", "e\u{301}", "\u{301}", "İ", "ẞ", "ǅ", "Ω",
    "Å", "①", "⒜", "™", "…", "‥", "\r", "\n", "\r\n", " ", "\t", "\u{1b}", "\u{0}", "\u{202e}",
    "\u{85}", "\u{2028}", "𝐀", "ℌ", "ｶ", "ﾞ", "黨", "後", "乾", "於", "薴", "㑯", "麼", "髮",
];
/// Ordinary report text.
const PLAIN: &[&str] = &[
    "党", "建", "引", "领", "一", "月", "日", "1", "0", "2", "a", "t", "l", "x", "(", ")", "\"",
    "，", "。", "、", "-", ":",
];

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(TRICKY).prop_map(str::to_string),
        4 => prop::sample::select(PLAIN).prop_map(str::to_string),
        1 => any::<char>().prop_map(|c| c.to_string()),
    ]
}

fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..max).prop_map(|v| v.concat())
}

/// Needles as the compiler makes them: normalized, with a non-space character; some taken
/// from the text itself so that they match.
fn text_and_needles() -> impl Strategy<Value = (String, Vec<String>)> {
    text(40).prop_flat_map(|t| {
        let norm: Vec<char> = normalize(&t).chars().collect();
        let n = norm.len();
        let from_text = prop::collection::vec((0..=n, 1..6usize), 0..4).prop_map(move |spans| {
            spans
                .into_iter()
                .map(|(s, len)| norm[s.min(n)..(s + len).min(n)].iter().collect::<String>())
                .collect::<Vec<_>>()
        });
        let random = prop::collection::vec(text(4).prop_map(|s| normalize(&s).into_owned()), 0..3);
        (
            Just(t),
            (from_text, random).prop_map(|(mut a, b)| {
                a.extend(b);
                a.retain(|s| s.chars().any(|c| !c.is_whitespace()));
                a
            }),
        )
    })
}

fn collapse(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_whitespace() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Highlights are sorted, disjoint, non-empty and inside the text; each holds a needle (less
/// whitespace at its ends, which a display trims at the ends of a text).
fn check_highlights(h: &Highlighted, needles: &[String]) -> Result<(), TestCaseError> {
    let chars: Vec<char> = h.text.chars().collect();
    let mut at = 0;
    for &[s, e] in &h.highlights {
        prop_assert!(
            at <= s && s < e && e <= chars.len(),
            "{:?} in {:?}",
            h.highlights,
            h.text
        );
        at = e;
        let shown: String = chars[s..e].iter().collect();
        let shown = collapse(&normalize(&shown));
        prop_assert!(
            needles.iter().any(|n| shown.contains(collapse(n).trim())),
            "{shown:?} holds none of {needles:?}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn normalized_offsets_map_back_to_original_boundaries(t in text(40)) {
        let n = NormalizedText::new(&t);
        prop_assert_eq!(&n.text, &normalize(&t));
        for (a, _) in t.char_indices().chain([(t.len(), ' ')]) {
            if a > 0 && t[..a].ends_with('\r') && t[a..].starts_with('\n') {
                continue; // inside a \r\n pair, which is one character once normalized
            }
            let pos = normalize(&t[..a]).len();
            prop_assert_eq!(n.original_start(pos), a);
            prop_assert_eq!(n.original_end(pos), a);
        }
        for (s, _) in n.text.char_indices() {
            for (e, _) in n.text[s..].char_indices().skip(1).chain([(n.text.len() - s, ' ')]) {
                let (os, oe) = n.original_range(s, s + e);
                prop_assert!(os < oe && oe <= t.len());
                prop_assert!(t.is_char_boundary(os) && t.is_char_boundary(oe));
                prop_assert!(normalize(&t[os..oe]).contains(&n.text[s..s + e]) || t[os..oe].contains('\r'));
            }
        }
    }

    #[test]
    fn highlights_are_sorted_disjoint_and_hold_a_needle((t, needles) in text_and_needles()) {
        let hl = Highlighter::new(&needles);
        let all = hl.highlight_all(&t);
        check_highlights(&all, &needles)?;
        let found = needles.iter().any(|n| normalize(&t).contains(n.as_str()));
        prop_assert_eq!(!all.highlights.is_empty(), found, "{:?} {:?}", t, needles);
        for width in [1, 7, 30] {
            let s = hl.snippet(&t, width);
            check_highlights(&s, &needles)?;
            prop_assert!(s.text.chars().count() <= width + 4, "{:?}", s.text);
        }
    }

    #[test]
    fn html_marks_exactly_the_highlights((t, needles) in text_and_needles()) {
        let h = Highlighter::new(&needles).highlight_all(&t);
        let html = crate::http::pages::marked(&h, &mut true).into_string();
        prop_assert_eq!(html.matches("<mark").count(), h.highlights.len());
        let plain = html
            .replace("<mark id=\"m0\">", "")
            .replace("<mark>", "")
            .replace("</mark>", "");
        prop_assert!(!plain.contains('<') && !plain.contains('>'));
        let unescaped = plain
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
        prop_assert_eq!(unescaped, h.text);
    }

    #[test]
    fn the_parser_answers_every_input_with_a_tree_or_a_located_error(q in text(60)) {
        match parse(&q) {
            Ok(expr) => {
                let (_, fields) = crate::index::Fields::build();
                let compiled = crate::search::compile::compile(
                    &expr, &fields, &crate::vocabulary::FolderVocabulary::default(), &Deadline::none());
                check_highlights(
                    &Highlighter::new(&compiled.highlights).highlight_all(&q),
                    &compiled.highlights,
                )?;
            }
            Err(crate::Error::Query { column, .. }) => {
                prop_assert!(column >= 1 && column <= q.chars().count().max(MAX_QUERY_CHARS) + 1);
            }
            Err(other) => prop_assert!(false, "{other}"),
        }
    }
}
