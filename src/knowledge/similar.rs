//! Near-duplicate reports: reports that share at least half of their text.
//!
//! A report's text is reduced to its *shingles*, the runs of [`SHINGLE`] consecutive word
//! characters (letters, digits, Han) of its normalized text, so that punctuation, spacing and
//! line breaks do not matter. Two reports share text in the measure that they share shingles.
//!
//! Finding candidates uses MinHash: a [`Fingerprint`] keeps, for each of [`SLOTS`] slots, the
//! least shingle hash that falls into the slot (one permutation hashing, with empty slots filled
//! from the next full one so short reports still have a signature). Two reports agree on a slot
//! with probability equal to the Jaccard similarity `J` of their shingle sets. The index keeps
//! 4 bits of each slot ([`Fingerprint::signature`], 32 bytes a report): comparing a report's
//! signature with every other one is a linear scan of a few megabytes, and the estimate is
//! corrected for slots that agree by chance (1 in 16). Reports whose estimated `J` reaches
//! [`CANDIDATE_SIMILARITY`] are candidates — a pair with `J = 0.5` fails that with probability
//! below 10⁻⁴, one with `J = 0.33` (half of a report inside one twice its size) about 2%, and an
//! unrelated pair passes it with probability below 10⁻⁶ — and candidates are then measured
//! exactly ([`overlap`]) on their stored texts.

use std::collections::HashSet;

use crate::analysis::{is_word_char, normalize};

/// Version of the fingerprint; bump when it changes (the index re-extracts).
pub const VERSION: u32 = 3;
/// Characters per shingle.
pub const SHINGLE: usize = 5;
/// Slots of a fingerprint; its signature keeps 4 bits of each.
pub const SLOTS: usize = 64;
/// Least estimated Jaccard similarity of a near-duplicate candidate.
pub const CANDIDATE_SIMILARITY: f64 = 0.2;
/// Reports with fewer shingles than this have no fingerprint: a line or two in common is a
/// phrase, not a copy.
pub const MIN_SHINGLES: usize = 20;

/// The hashes of the shingles of `text`, in order (with repeats). The window of characters is
/// kept packed in an integer (21 bits a character), so each shingle is hashed from 16 bytes in
/// one call.
pub fn shingles(text: &str) -> Vec<u64> {
    let mut out = Vec::with_capacity(text.len() / 3);
    for_each_shingle(text, |h| out.push(h));
    out
}

/// Hands the hashes of [`shingles`] to `each`, in order, without collecting them.
fn for_each_shingle(text: &str, each: impl FnMut(u64)) {
    for_each_shingle_normalized(&normalize(text), each);
}

/// [`for_each_shingle`] of a text whose [`normalize`]d form is `normalized`.
fn for_each_shingle_normalized(normalized: &str, mut each: impl FnMut(u64)) {
    const MASK: u128 = (1u128 << (21 * SHINGLE)) - 1;
    let mut window: u128 = 0;
    let mut filled = 0;
    let mut push = |c: char| {
        window = ((window << 21) | u128::from(u32::from(c))) & MASK;
        filled += 1;
        if filled >= SHINGLE {
            each(xxhash_rust::xxh3::xxh3_64(&window.to_le_bytes()));
        }
    };
    for c in normalized.chars().filter(|&c| is_word_char(c)) {
        // Lower case: ASCII and common Han (which has none) without the general tables.
        if c.is_ascii() {
            push(c.to_ascii_lowercase());
        } else if matches!(c, '\u{4e00}'..='\u{9fff}') {
            push(c);
        } else {
            c.to_lowercase().for_each(&mut push);
        }
    }
}

/// The slot of a shingle's hash: its high bits pick it, the whole hash competes within it.
#[inline]
fn slot_of(h: u64) -> usize {
    (((h >> 32) * SLOTS as u64) >> 32) as usize
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
        Fingerprint::of_normalized(&normalize(text))
    }

    /// The fingerprint of a text whose [`normalize`]d form is `normalized` (indexing has it
    /// at hand: the index reads it too).
    pub fn of_normalized(normalized: &str) -> Fingerprint {
        // As `from_shingles(&shingles(text))`, without keeping more hashes than the count of
        // distinct ones needs.
        const KEPT: usize = 4 * MIN_SHINGLES;
        let mut slots = [u64::MAX; SLOTS];
        let mut first = Vec::with_capacity(KEPT);
        let mut count = 0;
        for_each_shingle_normalized(normalized, |h| {
            count += 1;
            if first.len() < KEPT {
                first.push(h);
            }
            let slot = slot_of(h);
            slots[slot] = slots[slot].min(h);
        });
        if count >= KEPT || first.iter().collect::<HashSet<_>>().len() >= MIN_SHINGLES {
            Fingerprint::from_slots(&slots)
        } else {
            Fingerprint { mins: Vec::new() }
        }
    }

    /// The fingerprint of a report whose shingles are `hashes`.
    pub fn from_shingles(hashes: &[u64]) -> Fingerprint {
        // Minima ignore repeats; only a short report needs its distinct shingles counted.
        let enough = hashes.len() >= 4 * MIN_SHINGLES
            || hashes.iter().collect::<HashSet<_>>().len() >= MIN_SHINGLES;
        if !enough {
            return Fingerprint { mins: Vec::new() };
        }
        let mut slots = [u64::MAX; SLOTS];
        for &h in hashes {
            let slot = slot_of(h);
            slots[slot] = slots[slot].min(h);
        }
        Fingerprint::from_slots(&slots)
    }

    /// The fingerprint of the least hash of each slot (`u64::MAX` for an empty one).
    fn from_slots(slots: &[u64; SLOTS]) -> Fingerprint {
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

    /// What the index keeps: the low 4 bits of each slot, two slots a byte (32 bytes); empty
    /// for a report too short to compare.
    pub fn signature(&self) -> Vec<u8> {
        self.mins
            .chunks(2)
            .map(|pair| (pair[0] as u8 & 0x0f) | ((pair.get(1).map_or(0, |&m| m as u8)) << 4))
            .collect()
    }
}

/// The Jaccard similarity of two reports estimated from their [`Fingerprint::signature`]s,
/// corrected for slots that agree by chance (1 in 16); 0 when either is empty or they differ in
/// length.
pub fn similarity(a: &[u8], b: &[u8]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    let same: u32 = a
        .iter()
        .zip(b)
        .map(|(x, y)| {
            let d = x ^ y;
            u32::from(d & 0x0f == 0) + u32::from(d >> 4 == 0)
        })
        .sum();
    let share = f64::from(same) / (2 * a.len()) as f64;
    let chance = 1.0 / 16.0;
    ((share - chance) / (1.0 - chance)).max(0.0)
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
    fn the_fingerprint_of_a_text_is_that_of_its_shingles() {
        let mut rng = StdRng::seed_from_u64(3);
        for sentences in [0, 1, 2, 3, 5, 8, 20, 60] {
            let t = text(&mut rng, sentences);
            assert_eq!(
                Fingerprint::of(&t),
                Fingerprint::from_shingles(&shingles(&t)),
                "{t}"
            );
        }
        // Lower case as `char::to_lowercase` has it, whatever the script.
        let mixed = "ＧＤＰ增长6.5%，İstanbul ΣΊΣΥΦΟΣ Ǆemal 党建引领 ABC公司 ÀÉÎ 𠀀𠀁";
        let lowered: String = normalize(mixed)
            .chars()
            .filter(|&c| is_word_char(c))
            .flat_map(char::to_lowercase)
            .collect();
        let packed = |w: &[char]| {
            let n = w
                .iter()
                .fold(0u128, |n, &c| (n << 21) | u128::from(u32::from(c)));
            xxhash_rust::xxh3::xxh3_64(&n.to_le_bytes())
        };
        let chars: Vec<char> = lowered.chars().collect();
        let expected: Vec<u64> = chars.windows(SHINGLE).map(packed).collect();
        assert_eq!(shingles(mixed), expected);
        let repeated = "党建引领乡村振兴。".repeat(40);
        assert_eq!(
            Fingerprint::of(&repeated),
            Fingerprint::from_shingles(&shingles(&repeated))
        );
    }

    #[test]
    fn short_reports_have_no_signature() {
        assert!(Fingerprint::of("关于召开会议的通知").signature().is_empty());
        let mut rng = StdRng::seed_from_u64(1);
        let signature = Fingerprint::of(&text(&mut rng, 20)).signature();
        assert_eq!(signature.len(), SLOTS / 2);
        assert_eq!(similarity(&[], &signature), 0.0);
        assert_eq!(similarity(&signature, &signature), 1.0);
    }

    #[test]
    fn copies_with_edits_are_candidates_and_overlap_measures_the_edit() {
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
            let estimate = similarity(&fa.signature(), &fb.signature());
            assert!(
                estimate >= CANDIDATE_SIMILARITY,
                "round {round}: an edited copy is no candidate ({estimate})"
            );
        }
    }

    #[test]
    fn unrelated_reports_are_rarely_candidates_and_barely_overlap() {
        let mut rng = StdRng::seed_from_u64(11);
        let mut candidates = 0;
        for _ in 0..100 {
            let (a, b) = (text(&mut rng, 30), text(&mut rng, 30));
            let (sa, sb) = (shingles(&a), shingles(&b));
            assert!(overlap(&sa, &sb) < 0.5);
            let (fa, fb) = (
                Fingerprint::from_shingles(&sa),
                Fingerprint::from_shingles(&sb),
            );
            if similarity(&fa.signature(), &fb.signature()) >= CANDIDATE_SIMILARITY {
                candidates += 1;
            }
        }
        assert!(
            candidates < 10,
            "{candidates} of 100 unrelated pairs are candidates"
        );
    }

    #[test]
    fn the_estimate_follows_the_true_similarity() {
        let mut rng = StdRng::seed_from_u64(5);
        for share in [0.0, 0.3, 0.6, 0.9] {
            let original = text(&mut rng, 60);
            let copy = edited(&mut rng, &original, 1.0 - share);
            let (a, b) = (shingles(&original), shingles(&copy));
            let (sa, sb): (HashSet<u64>, HashSet<u64>) =
                (a.iter().copied().collect(), b.iter().copied().collect());
            let jaccard = sa.intersection(&sb).count() as f64 / sa.union(&sb).count() as f64;
            let estimate = similarity(
                &Fingerprint::from_shingles(&a).signature(),
                &Fingerprint::from_shingles(&b).signature(),
            );
            assert!(
                (estimate - jaccard).abs() < 0.2,
                "share {share}: Jaccard {jaccard:.2}, estimate {estimate:.2}"
            );
        }
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
