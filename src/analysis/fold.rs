//! Traditional to simplified folding, one character for one character.
//!
//! Text and queries are folded to simplified characters in [`super::normalize`], so `黨建引領`
//! finds 党建引领 and `党建` finds 黨建. Folding never changes the number of characters, so
//! positions stay aligned and snippets still show the characters the report was written in.
//!
//! The table is OpenCC's `TSCharacters.txt` (`TSCharacters.txt` here, unchanged, from
//! <https://github.com/BYVoid/OpenCC> commit 5249273, Apache License 2.0, Copyright (c) BYVoid
//! and the OpenCC contributors). Where it lists several simplified forms the first, the
//! standard one, is taken (`乾` → `干`, `於` → `于`); a character listed as its own first form
//! is left alone (`瞭`). Chains are followed to their end, so folding is idempotent.

use std::borrow::Cow;
use std::sync::LazyLock;

use rustc_hash::FxHashMap;

const TABLE: &str = include_str!("TSCharacters.txt");

struct Fold {
    /// Whether each character of the Basic Multilingual Plane folds to another.
    bmp: Box<[u64; 1 << 10]>,
    /// What each folding character folds to.
    to: FxHashMap<char, char>,
}

static FOLD: LazyLock<Fold> = LazyLock::new(|| {
    let mut to = FxHashMap::default();
    for line in TABLE.lines() {
        if line.starts_with('#') {
            continue;
        }
        let Some((key, values)) = line.split_once('\t') else {
            continue;
        };
        let mut key_chars = key.chars();
        let first = values.split(' ').next().unwrap_or_default();
        let mut value_chars = first.chars();
        if let (Some(k), None, Some(v), None) = (
            key_chars.next(),
            key_chars.next(),
            value_chars.next(),
            value_chars.next(),
        ) {
            if k != v {
                to.insert(k, v);
            }
        }
    }
    // Follow chains (`薴` → `苧` → `苎`) so that a folded character never folds again.
    let keys: Vec<char> = to.keys().copied().collect();
    for k in keys {
        let mut v = to[&k];
        for _ in 0..4 {
            match to.get(&v) {
                Some(&next) if next != k => v = next,
                _ => break,
            }
        }
        to.insert(k, v);
    }
    let mut bmp = Box::new([0u64; 1 << 10]);
    for &k in to.keys() {
        let i = k as usize;
        if i < 1 << 16 {
            bmp[i >> 6] |= 1 << (i & 63);
        }
    }
    Fold { bmp, to }
});

/// Whether `c` is a traditional character that folds to another.
#[inline]
pub fn changes(c: char) -> bool {
    let i = c as usize;
    let fold = &*FOLD;
    if i < 1 << 16 {
        fold.bmp[i >> 6] & (1 << (i & 63)) != 0
    } else {
        fold.to.contains_key(&c)
    }
}

/// The simplified form of `c` (itself when it has none).
///
/// ```
/// use zhsearch::analysis::fold::fold_char;
/// assert_eq!(fold_char('黨'), '党');
/// assert_eq!(fold_char('党'), '党');
/// ```
#[inline]
pub fn fold_char(c: char) -> char {
    if changes(c) {
        FOLD.to.get(&c).copied().unwrap_or(c)
    } else {
        c
    }
}

/// `text` with every traditional character folded to simplified (nothing else changes; the
/// knowledge extractor reads this, the index reads [`super::normalize`], which folds too).
pub fn fold(text: &str) -> Cow<'_, str> {
    if !text.chars().any(changes) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(fold_char).collect())
}

/// A checksum of the table, recorded in the index with the analysis version (computed when
/// the crate is built).
pub fn checksum() -> u32 {
    crate::checksums::FOLD_TABLE
}

/// Every pair of the table, traditional first: for tests that write traditional text.
pub fn pairs() -> Vec<(char, char)> {
    let mut pairs: Vec<(char, char)> = FOLD.to.iter().map(|(&k, &v)| (k, v)).collect();
    pairs.sort_unstable();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_traditional_and_keeps_simplified() {
        assert_eq!(fold("黨建引領，鄉村振興"), "党建引领，乡村振兴");
        assert!(matches!(fold("党建引领，乡村振兴"), Cow::Borrowed(_)));
        assert_eq!(fold("於是乾淨"), "于是干净");
        assert_eq!(fold_char('瞭'), '瞭');
        assert_eq!(fold_char('薴'), '苎');
    }

    #[test]
    fn folding_is_idempotent_and_keeps_length() {
        let pairs = pairs();
        assert!(pairs.len() > 3000, "{} pairs", pairs.len());
        for (t, s) in pairs {
            assert_ne!(t, s);
            assert_eq!(fold_char(s), s, "{t} folds to {s}, which folds again");
            assert!(changes(t));
        }
        let text: String = super::pairs().iter().map(|p| p.0).collect();
        assert_eq!(fold(&text).chars().count(), text.chars().count());
    }
}
