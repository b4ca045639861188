//! Near-duplicate reports: reports that share at least half of their text.
//!
//! A report's text is reduced to its *shingles*, the runs of [`SHINGLE`] consecutive word
//! characters (letters, digits, Han) of its normalized text, so that punctuation, spacing and
//! line breaks do not matter. Two reports share text in the measure that they share shingles.
//!
//! Finding candidates uses MinHash with locality-sensitive hashing: a [`Fingerprint`] keeps,
//! for each of [`BANDS`] × [`ROWS`] slots, the least shingle hash that falls into the slot (one
//! permutation hashing, with empty slots filled from the next full one so short reports still
//! have a signature), and each band of [`ROWS`] slots is hashed into one index term. Two
//! reports whose shingle sets have Jaccard similarity `J` share at least one band term with
//! probability `1 - (1 - J^ROWS)^BANDS`: 0.9999 at `J = 0.5`, 0.73 at 0.2, 0.27 at 0.1.
//! Candidates are then measured exactly ([`overlap`]) on their stored texts.

use std::collections::HashSet;

use crate::analysis::{is_word_char, normalize};

/// Version of the fingerprint; bump when it changes (the index re-extracts).
pub const VERSION: u32 = 1;
/// Characters per shingle.
pub const SHINGLE: usize = 5;
/// Bands: index terms per report.
pub const BANDS: usize = 32;
/// Slots per band.
pub const ROWS: usize = 2;
/// Reports with fewer shingles than this have no fingerprint: a line or two in common is a
/// phrase, not a copy.
pub const MIN_SHINGLES: usize = 20;

const SLOTS: usize = BANDS * ROWS;

/// The hashes of the shingles of `text`, in order (with repeats).
pub fn shingles(text: &str) -> Vec<u64> {
    let normalized = normalize(text);
    let chars: Vec<char> = normalized
        .chars()
        .filter(|&c| is_word_char(c))
        .flat_map(char::to_lowercase)
        .collect();
    if chars.len() < SHINGLE {
        return Vec::new();
    }
    let mut buf = [0u8; SHINGLE * 4];
    chars
        .windows(SHINGLE)
        .map(|w| {
            let mut len = 0;
            for c in w {
                len += c.encode_utf8(&mut buf[len..]).len();
            }
            xxhash_rust::xxh3::xxh3_64(&buf[..len])
        })
        .collect()
}

/// The MinHash signature of a report's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// The least hash of each slot; empty when the report is too short to have one.
    mins: Vec<u64>,
}

/// Mixes a slot's minimum with the distance it was borrowed from, so that two reports agree
/// on a filled slot only when they agree on the slot it was filled from, at the same distance.
fn borrowed(min: u64, distance: usize) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(&min.to_le_bytes(), distance as u64)
}

impl Fingerprint {
    /// The fingerprint of `text`.
    pub fn of(text: &str) -> Fingerprint {
        Fingerprint::from_shingles(&shingles(text))
    }

    /// The fingerprint of a report whose shingles are `hashes`.
    pub fn from_shingles(hashes: &[u64]) -> Fingerprint {
        let distinct: HashSet<u64> = hashes.iter().copied().collect();
        if distinct.len() < MIN_SHINGLES {
            return Fingerprint { mins: Vec::new() };
        }
        let mut slots = vec![u64::MAX; SLOTS];
        for h in distinct {
            // The high bits pick the slot; the whole hash competes within it.
            let slot = (((h >> 32) * SLOTS as u64) >> 32) as usize;
            slots[slot] = slots[slot].min(h);
        }
        let mins = (0..SLOTS)
            .map(|i| {
                (0..SLOTS)
                    .map(|d| (d, slots[(i + d) % SLOTS]))
                    .find(|&(_, m)| m != u64::MAX)
                    .map_or(u64::MAX, |(d, m)| if d == 0 { m } else { borrowed(m, d) })
            })
            .collect();
        Fingerprint { mins }
    }

    /// The band terms to index: one per band, none for a report too short to compare.
    pub fn bands(&self) -> Vec<u64> {
        self.mins
            .chunks(ROWS)
            .enumerate()
            .map(|(band, rows)| {
                let mut bytes = Vec::with_capacity(8 + 8 * ROWS);
                bytes.extend_from_slice(&(band as u64).to_le_bytes());
                for r in rows {
                    bytes.extend_from_slice(&r.to_le_bytes());
                }
                xxhash_rust::xxh3::xxh3_64(&bytes)
            })
            .collect()
    }

    /// The share of slots two fingerprints agree on: an estimate of the Jaccard similarity of
    /// their shingle sets (0 when either is empty).
    pub fn similarity(&self, other: &Fingerprint) -> f64 {
        if self.mins.is_empty() || other.mins.is_empty() {
            return 0.0;
        }
        let same = self
            .mins
            .iter()
            .zip(&other.mins)
            .filter(|(a, b)| a == b)
            .count();
        same as f64 / SLOTS as f64
    }
}

/// The share of `this` report's text found in `other`: the fraction of its distinct shingles
/// that `other` also has (0 for a text too short to have any). Reports are near-duplicates of
/// each other when this is at least one half.
pub fn overlap(this: &[u64], other: &[u64]) -> f64 {
    let mine: HashSet<u64> = this.iter().copied().collect();
    if mine.is_empty() {
        return 0.0;
    }
    let theirs: HashSet<u64> = other.iter().copied().collect();
    mine.iter().filter(|h| theirs.contains(h)).count() as f64 / mine.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// A report-like text of `n` sentences drawn from a small vocabulary.
    fn text(rng: &mut StdRng, n: usize) -> String {
        const WORDS: [&str; 24] = [
            "党建",
            "引领",
            "基层",
            "组织",
            "乡村振兴",
            "工作",
            "学习",
            "教育",
            "群众",
            "干部",
            "发展",
            "推进",
            "落实",
            "责任",
            "制度",
            "建设",
            "服务",
            "社区",
            "经济",
            "项目",
            "会议",
            "精神",
            "全面",
            "从严",
        ];
        let mut s = String::new();
        for _ in 0..n {
            for _ in 0..rng.random_range(6..14) {
                s.push_str(WORDS[rng.random_range(0..WORDS.len())]);
            }
            s.push_str(&rng.random_range(0..1000).to_string());
            s.push('。');
        }
        s
    }

    /// `text` with a share `edits` of its sentences replaced by new ones.
    fn edited(rng: &mut StdRng, text: &str, edits: f64) -> String {
        text.split_inclusive('。')
            .map(|s| {
                if rng.random_bool(edits) {
                    super::tests::text(rng, 1)
                } else {
                    s.to_string()
                }
            })
            .collect()
    }

    #[test]
    fn shingles_ignore_punctuation_spacing_and_width() {
        assert_eq!(
            shingles("小营盘镇党委，2017年工作总结。"),
            shingles("小营盘镇 党委\n２０１７年工作总结")
        );
        assert!(shingles("党建").is_empty());
    }

    #[test]
    fn short_reports_have_no_bands() {
        assert!(Fingerprint::of("关于召开会议的通知").bands().is_empty());
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(Fingerprint::of(&text(&mut rng, 20)).bands().len(), BANDS);
    }

    #[test]
    fn copies_with_edits_share_bands_and_overlap_measures_the_edit() {
        let mut rng = StdRng::seed_from_u64(7);
        for round in 0..50 {
            let original = text(&mut rng, 40);
            let copy = edited(&mut rng, &original, 0.2);
            let (a, b) = (shingles(&original), shingles(&copy));
            let share = overlap(&a, &b);
            assert!((0.6..=1.0).contains(&share), "round {round}: {share}");
            let (fa, fb) = (
                Fingerprint::from_shingles(&a),
                Fingerprint::from_shingles(&b),
            );
            let common = fa.bands().iter().filter(|t| fb.bands().contains(t)).count();
            assert!(common > 0, "round {round}: an edited copy shares no band");
            assert!(fa.similarity(&fb) > 0.3, "round {round}");
        }
    }

    #[test]
    fn unrelated_reports_rarely_share_bands_and_barely_overlap() {
        let mut rng = StdRng::seed_from_u64(11);
        let mut sharing = 0;
        for _ in 0..100 {
            let (a, b) = (text(&mut rng, 30), text(&mut rng, 30));
            let (sa, sb) = (shingles(&a), shingles(&b));
            assert!(overlap(&sa, &sb) < 0.5);
            let (fa, fb) = (
                Fingerprint::from_shingles(&sa),
                Fingerprint::from_shingles(&sb),
            );
            if fa.bands().iter().any(|t| fb.bands().contains(t)) {
                sharing += 1;
            }
        }
        assert!(
            sharing < 50,
            "{sharing} of 100 unrelated pairs share a band"
        );
    }

    #[test]
    fn overlap_is_the_share_of_this_text_found_in_the_other() {
        let mut rng = StdRng::seed_from_u64(3);
        let part = text(&mut rng, 20);
        let whole = format!("{part}{}", text(&mut rng, 20));
        let (p, w) = (shingles(&part), shingles(&whole));
        assert!(overlap(&p, &w) > 0.99);
        let back = overlap(&w, &p);
        assert!((0.35..0.65).contains(&back), "{back}");
        assert_eq!(overlap(&[], &w), 0.0);
    }
}
