//! One name per entity: the names that denote the same organization, body or place, and the
//! canonical name each is counted, filtered and linked under (党中央 and 中国共产党中央委员会
//! are 中共中央; 北京 is 北京市).
//!
//! Two sources decide it:
//! - **the alias table**, `canonical = name, name` lines: the bundled one
//!   (`src/knowledge/data/aliases.txt`, which says how it was compiled; it sits with the
//!   extractor's data so that the checksum the index records covers it), then a folder's own
//!   (`[knowledge] aliases = "FILE"` in `zhsearch.toml`), whose lines win over the bundled ones;
//! - **the divisions rule**, for places only: a short form of one of China's provinces,
//!   prefecture-level or county-level divisions (`src/knowledge/data/divisions.txt`: 北京,
//!   广东, 博乐) is counted under the division's full name (北京市, 广东省, 博乐市). Where a short
//!   form names several divisions, the one of the highest level wins (吉林 is 吉林省, not
//!   吉林市; 长沙 is 长沙市, not 长沙县), as a reader takes it; where it names several of the
//!   same level, it is left as written.
//!
//! Both are loaded on first use only: a phrase query never reads them, a `place:`/`org:` filter
//! reads the table and the divisions' short forms (well under a millisecond), never jieba.

use std::sync::{Arc, LazyLock};

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use super::{long_line, quote, Rejected, Rejections, MAX_RULE_FORMS};
use crate::analysis::fold::fold;

/// The bundled alias table.
const TABLE: &str = include_str!("../knowledge/data/aliases.txt");
/// China's administrative divisions, `LEVEL NAME` a line (see `src/knowledge/data/README.md`).
const DIVISIONS: &str = include_str!("../knowledge/data/divisions.txt");

/// Version of the rules below (not of the data, which the index's checksum covers): part of
/// [`crate::knowledge::version`], so a change re-extracts every index.
pub const VERSION: u32 = 1;
/// Most names in all the lines of a folder's alias file; lines past it are rejected.
pub const MAX_ALIAS_NAMES: usize = 50_000;
/// Longest name, in characters.
const MAX_NAME_CHARS: usize = 60;

/// One line of an alias table: a canonical name and the other names of the same entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AliasRule {
    /// The name the entity is counted under.
    pub canonical: String,
    /// Its other names.
    pub names: Vec<String>,
}

/// The canonical name of every name that has one. Immutable once built; a folder's aliases are
/// a new value ([`Aliases::with_rules`]).
#[derive(Debug, Default)]
pub struct Aliases {
    /// A name of the table → its canonical name (never itself).
    names: FxHashMap<String, String>,
    /// The canonical names of the table: never rewritten by the divisions rule.
    canonical: FxHashSet<String>,
    /// The divisions rule: a short form → the full name of the one division it stands for.
    places: Arc<FxHashMap<String, String>>,
}

static BUNDLED: LazyLock<Arc<Aliases>> = LazyLock::new(|| {
    let mut rejected = Rejections::default();
    let rules = parse(TABLE, "bundled aliases", &mut rejected);
    // The bundled table is tested to load cleanly; say so if it ever does not.
    for r in rejected.into_list() {
        tracing::warn!("{r}");
    }
    let mut aliases = Aliases {
        places: Arc::new(division_short_forms(DIVISIONS)),
        ..Aliases::default()
    };
    aliases.add(&rules);
    Arc::new(aliases)
});

impl Aliases {
    /// The bundled table and the divisions rule, loaded once per process on first use.
    pub fn bundled() -> Arc<Aliases> {
        Arc::clone(&BUNDLED)
    }

    /// The bundled aliases with a folder's `rules` added: a folder's line wins over the
    /// bundled table for each name it gives.
    pub fn with_rules(rules: &[AliasRule]) -> Aliases {
        let bundled = Aliases::bundled();
        let mut aliases = Aliases {
            names: bundled.names.clone(),
            canonical: bundled.canonical.clone(),
            places: Arc::clone(&bundled.places),
        };
        aliases.add(rules);
        aliases
    }

    fn add(&mut self, rules: &[AliasRule]) {
        for rule in rules {
            // Its canonical name is no other's name any more, and its names are no longer
            // canonical for anything they stood for.
            self.names.remove(&rule.canonical);
            self.canonical.insert(rule.canonical.clone());
            for name in &rule.names {
                self.canonical.remove(name);
                self.names.insert(name.clone(), rule.canonical.clone());
            }
        }
        // A bundled entity whose canonical name a folder made a name of another: its names
        // follow (a folder's canonical names are never names, so one step settles it; the
        // bound is for safety only).
        let snapshot = self.names.clone();
        for target in self.names.values_mut() {
            for _ in 0..4 {
                match snapshot.get(target.as_str()) {
                    Some(next) if next != target => *target = next.clone(),
                    _ => break,
                }
            }
        }
        self.names.retain(|name, canonical| name != canonical);
    }

    /// The canonical name of an organization or person named `name` (simplified characters,
    /// as the extractor reports names): itself when the table has no other.
    pub fn canonical<'a>(&'a self, name: &'a str) -> &'a str {
        self.names.get(name).map_or(name, String::as_str)
    }

    /// The canonical name of a place named `name`: the table's, else the full name of the
    /// division it is the short form of, else itself.
    pub fn canonical_place<'a>(&'a self, name: &'a str) -> &'a str {
        if let Some(c) = self.names.get(name) {
            return c;
        }
        if self.canonical.contains(name) {
            return name;
        }
        match self.places.get(name) {
            Some(full) => self.canonical(full),
            None => name,
        }
    }

    /// Names of the table (the divisions rule left out), for `zhsearch stats`.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The divisions rule: each short form (`p`, `c`, `a` lines) → the full name of the division
/// it follows, the highest level winning; short forms of several divisions of the same highest
/// level are left out. Towns (`T`), which have no short form, come last in the list
/// (`build_divisions.py` writes them last): reading stops at the first, so a `place:` filter
/// reads a fifth of the file.
fn division_short_forms(text: &str) -> FxHashMap<String, String> {
    let rank = |level: u8| match level {
        b'P' | b'p' => 3,
        b'C' | b'c' => 2,
        _ => 1,
    };
    // short form → (rank, full name, whether another division of that rank has it too)
    let mut best: FxHashMap<&str, (u8, &str, bool)> = FxHashMap::default();
    let mut full: Option<(u8, &str)> = None;
    for line in text.lines() {
        let Some((level, name)) = line.split_once(' ') else {
            continue;
        };
        let name = name.trim();
        match level.as_bytes() {
            [l @ (b'P' | b'C' | b'A')] => full = Some((rank(*l), name)),
            [b'T'] => break,
            [b'p' | b'c' | b'a'] => {
                let Some((r, of)) = full else { continue };
                best.entry(name)
                    .and_modify(|(br, bf, tied)| {
                        if r > *br {
                            (*br, *bf, *tied) = (r, of, false);
                        } else if r == *br && of != *bf {
                            *tied = true;
                        }
                    })
                    .or_insert((r, of, false));
            }
            _ => full = None,
        }
    }
    best.into_iter()
        .filter(|(_, (_, _, tied))| !tied)
        .map(|(short, (_, of, _))| (short.to_string(), of.to_string()))
        .collect()
}

/// A name as the table and the extractor write it: folded to simplified characters, trimmed.
fn name(raw: &str) -> Result<String, String> {
    let n = fold(raw.trim()).trim().to_string();
    if n.is_empty() {
        return Err("empty name".into());
    }
    if !n.chars().any(crate::analysis::is_word_char) {
        return Err(format!("`{}` has no letters or characters", quote(&n)));
    }
    if n.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "`{}` is longer than {MAX_NAME_CHARS} characters",
            quote(&n)
        ));
    }
    Ok(n)
}

/// The rules of an alias table: `canonical = name, name` lines (`,` or `，` between names,
/// `#` to the end of a line a comment). A line that cannot be used is reported in `rejected`
/// (with `file` and its line) and skipped; so is a name already given on an earlier line,
/// since a name can stand for one entity only.
pub(super) fn parse(text: &str, file: &str, rejected: &mut Rejections) -> Vec<AliasRule> {
    let mut rules = Vec::new();
    // Every name given so far → the line it was given on.
    let mut seen: FxHashMap<String, usize> = FxHashMap::default();
    let mut total = 0;
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default();
        let line = line.trim().trim_start_matches('\u{feff}').trim();
        if line.is_empty() {
            continue;
        }
        let reject = |reason: String, rejected: &mut Rejections| {
            rejected.push(Rejected {
                file: file.to_string(),
                line: i + 1,
                reason,
            })
        };
        let rule = long_line(line)
            .and_then(|()| rule_of(line))
            .and_then(|rule| {
                for n in std::iter::once(&rule.canonical).chain(&rule.names) {
                    if let Some(at) = seen.get(n) {
                        return Err(format!("`{}` is already on line {at}", quote(n)));
                    }
                }
                Ok(rule)
            });
        let rule = match rule {
            Ok(rule) => rule,
            Err(reason) => {
                reject(reason, rejected);
                continue;
            }
        };
        total += 1 + rule.names.len();
        if total > MAX_ALIAS_NAMES {
            reject(
                format!("more than {MAX_ALIAS_NAMES} names in the file: this line and the rest of the file are left out"),
                rejected,
            );
            break;
        }
        for n in std::iter::once(&rule.canonical).chain(&rule.names) {
            seen.insert(n.clone(), i + 1);
        }
        rules.push(rule);
    }
    rules
}

/// One `canonical = name, name` line.
fn rule_of(line: &str) -> Result<AliasRule, String> {
    let Some((left, right)) = line.split_once('=') else {
        return Err("expected `canonical = name, name`".into());
    };
    if right.contains('=') {
        return Err("more than one `=`".into());
    }
    let count = right.split([',', '，']).count();
    if count > MAX_RULE_FORMS {
        return Err(format!(
            "{count} names: at most {MAX_RULE_FORMS} names in one line"
        ));
    }
    let canonical = name(left)?;
    let mut names: Vec<String> = Vec::new();
    for part in right.split([',', '，']) {
        let n = name(part)?;
        if n != canonical && !names.contains(&n) {
            names.push(n);
        }
    }
    if names.is_empty() {
        return Err(format!(
            "no other name for `{}` after `=`",
            quote(&canonical)
        ));
    }
    Ok(AliasRule { canonical, names })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> (Vec<AliasRule>, Vec<String>) {
        let mut rejected = Rejections::default();
        let rules = parse(text, "a.txt", &mut rejected);
        let reasons = rejected
            .into_list()
            .iter()
            .map(ToString::to_string)
            .collect();
        (rules, reasons)
    }

    #[test]
    fn the_bundled_table_loads_cleanly_and_has_the_issue_s_names() {
        let (rules, rejected) = parsed(TABLE);
        assert!(rejected.is_empty(), "{rejected:?}");
        assert!(rules.len() > 100, "{}", rules.len());
        let a = Aliases::bundled();
        for (name, canonical) in [
            ("党中央", "中共中央"),
            ("中国共产党中央委员会", "中共中央"),
            ("中共中央", "中共中央"),
            ("中共", "中国共产党"),
            ("中华人民共和国国务院", "国务院"),
            ("全国人民代表大会常务委员会", "全国人大常委会"),
            ("中纪委", "中央纪委"),
            ("中央纪律检查委员会", "中央纪委"),
            ("安理会", "联合国安理会"),
            ("国家发展和改革委员会", "国家发展改革委"),
            ("发改委", "国家发展改革委"),
            ("巴勒斯坦伊斯兰抵抗运动", "哈马斯"),
            // Not in the table: itself.
            ("小营盘镇党委", "小营盘镇党委"),
        ] {
            assert_eq!(a.canonical(name), canonical, "{name}");
        }
        // Every canonical name of the table is its own canonical name: no chains.
        for rule in &rules {
            assert_eq!(a.canonical(&rule.canonical), rule.canonical);
        }
    }

    #[test]
    fn places_are_counted_under_their_full_name_where_the_short_form_is_unambiguous() {
        let a = Aliases::bundled();
        for (name, canonical) in [
            ("北京", "北京市"),
            ("北京市", "北京市"),
            ("广东", "广东省"),
            ("新疆", "新疆维吾尔自治区"),
            ("博乐", "博乐市"),
            ("石家庄", "石家庄市"),
            // Both a province and a city: the province, the higher level.
            ("吉林", "吉林省"),
            ("吉林市", "吉林市"),
            // A city and a county: the city.
            ("长沙", "长沙市"),
            ("长沙县", "长沙县"),
            // Not a division: as written.
            ("小营盘镇", "小营盘镇"),
            ("北疆", "北疆"),
        ] {
            assert_eq!(a.canonical_place(name), canonical, "{name}");
        }
        // The rule is for places only.
        assert_eq!(a.canonical("北京"), "北京");
    }

    #[test]
    fn a_short_form_of_two_divisions_of_the_same_level_is_left_as_written() {
        let divisions =
            "P 甲省\np 甲\nC 乙市\nc 乙\nC 乙州\nc 乙\nA 乙县\na 乙\nA 丙县\na 丙\nT 丁镇\n";
        let rule = division_short_forms(divisions);
        assert_eq!(rule.get("甲").map(String::as_str), Some("甲省"));
        assert_eq!(rule.get("乙"), None);
        assert_eq!(rule.get("丙").map(String::as_str), Some("丙县"));
        assert_eq!(rule.len(), 2);
        // Towns come last: no division or short form after the first, which reading skips.
        let towns = DIVISIONS.find("\nT ").expect("towns");
        assert!(!DIVISIONS[towns..]
            .lines()
            .any(|l| !l.is_empty() && !l.starts_with("T ")));
        // In the real list: 朝阳 is 朝阳市 and 朝阳县, 恩施 a prefecture and a city.
        let real = division_short_forms(DIVISIONS);
        assert_eq!(real.get("朝阳").map(String::as_str), Some("朝阳市"));
        assert_eq!(
            real.get("恩施").map(String::as_str),
            Some("恩施土家族苗族自治州")
        );
    }

    #[test]
    fn lines_and_their_errors() {
        let (rules, rejected) = parsed(
            "# comment\n中共中央 = 党中央， 中国共产党中央委员会 # trailing\n\
             没有等号\n = 空\n孤 =\n孤 = 孤\n双 = 甲 = 乙\n党中央 = 又一个\n黨建 = 党的建设, 党建\n",
        );
        assert_eq!(
            rules,
            [
                AliasRule {
                    canonical: "中共中央".into(),
                    names: vec!["党中央".into(), "中国共产党中央委员会".into()]
                },
                AliasRule {
                    canonical: "党建".into(),
                    names: vec!["党的建设".into()]
                }
            ]
        );
        assert_eq!(
            rejected,
            [
                "a.txt:3: expected `canonical = name, name`",
                "a.txt:4: empty name",
                "a.txt:5: empty name",
                "a.txt:6: no other name for `孤` after `=`",
                "a.txt:7: more than one `=`",
                "a.txt:8: `党中央` is already on line 2",
            ]
        );
        let many: Vec<String> = (0..=MAX_RULE_FORMS).map(|i| format!("名{i}")).collect();
        let (rules, rejected) = parsed(&format!("甲 = {}\n", many.join(", ")));
        assert!(rules.is_empty());
        assert_eq!(
            rejected,
            ["a.txt:1: 65 names: at most 64 names in one line"]
        );
    }

    #[test]
    fn a_folder_s_lines_win_over_the_bundled_table() {
        let (rules, rejected) = parsed(
            "党中央 = 中央\n博乐 = 博乐市, 博州首府\n营盘镇党委 = 小营盘镇党委\n中共中央纪委 = 中央纪委\n",
        );
        assert!(rejected.is_empty(), "{rejected:?}");
        let a = Aliases::with_rules(&rules);
        // 党中央 is now canonical; the bundled table's other names of 中共中央 stay with it.
        assert_eq!(a.canonical("党中央"), "党中央");
        assert_eq!(a.canonical("中央"), "党中央");
        assert_eq!(a.canonical("中国共产党中央委员会"), "中共中央");
        // A place the folder names otherwise is not rewritten by the divisions rule.
        assert_eq!(a.canonical_place("博乐"), "博乐");
        assert_eq!(a.canonical_place("博乐市"), "博乐");
        assert_eq!(a.canonical_place("北京"), "北京市");
        assert_eq!(a.canonical("小营盘镇党委"), "营盘镇党委");
        // The bundled canonical name became a name: the bundled names follow it.
        assert_eq!(a.canonical("中央纪委"), "中共中央纪委");
        assert_eq!(a.canonical("中纪委"), "中共中央纪委");
        // The bundled value is untouched.
        assert_eq!(Aliases::bundled().canonical("中央"), "中央");
    }
}
