//! What has been pushed to clusters, kept in the index's own commit payload ([`IndexInfo`])
//! so that it can never drift from the reports it describes.
//!
//! Every commit has a generation ([`IndexInfo::generation`]) and every report records the
//! generation of the commit that wrote it ([`crate::index::Fields::generation`]). A target
//! that holds everything up to generation `g` needs the reports of later generations, and
//! the removal of the paths gone since `g`: those are listed here ([`Pushes::gone`]) for as
//! long as some target lags behind them.
//!
//! [`IndexInfo`]: super::IndexInfo
//! [`IndexInfo::generation`]: super::IndexInfo::generation

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Most removed paths remembered for lagging targets; past it, every target is forgotten and
/// gets a full push next time (which costs less than a longer list, at that point).
pub const MAX_GONE: usize = 100_000;

/// The push ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pushes {
    /// Each target, by [`crate::cluster::Target::url`].
    #[serde(default)]
    pub targets: BTreeMap<String, Pushed>,
    /// Paths removed or replaced since the oldest generation a target holds.
    #[serde(default)]
    pub gone: Vec<Gone>,
}

/// What one target holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pushed {
    /// Every report of this generation or an earlier one is on the target.
    pub generation: u64,
    /// The number of the last push that completed (reports carry the number of the push that
    /// sent them).
    pub seq: u64,
    /// A push that started after `seq` and did not complete: what it sent is taken back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<u64>,
    /// The mapping the target's index was created with
    /// ([`crate::cluster::mapping::marker`]).
    pub mapping: String,
    /// The id the cluster gave that index when it made it: another one means the index was
    /// made again since, and holds nothing of what the ledger says.
    #[serde(default)]
    pub index_uid: String,
}

/// A path removed (or replaced) by the commit of `generation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gone {
    /// The path, relative to the indexed folder.
    pub path: String,
    /// The commit that removed it.
    pub generation: u64,
}

impl Pushes {
    /// True when nothing was ever pushed.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty() && self.gone.is_empty()
    }

    /// Records the paths the commit of `generation` removed or replaced, and forgets those
    /// every target already lacks.
    pub fn record_gone(&mut self, paths: impl IntoIterator<Item = String>, generation: u64) {
        if self.targets.is_empty() {
            self.gone.clear();
            return;
        }
        self.gone
            .extend(paths.into_iter().map(|path| Gone { path, generation }));
        let oldest = self
            .targets
            .values()
            .map(|t| t.generation)
            .min()
            .unwrap_or(0);
        self.gone.retain(|g| g.generation > oldest);
        if self.gone.len() > MAX_GONE {
            tracing::info!(
                "{} reports removed since the last push: the next push of each cluster sends everything",
                self.gone.len()
            );
            self.targets.clear();
            self.gone.clear();
        }
    }

    /// The paths removed or replaced after `generation`, each once.
    pub fn gone_since(&self, generation: u64) -> Vec<String> {
        let mut paths: Vec<String> = self
            .gone
            .iter()
            .filter(|g| g.generation > generation)
            .map(|g| g.path.clone())
            .collect();
        paths.sort();
        paths.dedup();
        paths
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(generation: u64) -> Pushed {
        Pushed {
            generation,
            seq: 1,
            pending: None,
            mapping: "m".into(),
            index_uid: "i".into(),
        }
    }

    #[test]
    fn removed_paths_are_kept_while_a_target_lags_and_forgotten_after() {
        let mut pushes = Pushes::default();
        pushes.record_gone(["a.txt".to_string()], 2);
        assert!(pushes.gone.is_empty(), "no target: nothing to remember");
        pushes.targets.insert("x".into(), target(3));
        pushes.targets.insert("y".into(), target(5));
        pushes.record_gone(["b.txt".to_string(), "c.txt".to_string()], 6);
        pushes.record_gone(["b.txt".to_string()], 7);
        assert_eq!(pushes.gone_since(3), ["b.txt", "c.txt"]);
        assert_eq!(pushes.gone_since(6), ["b.txt"]);
        assert!(pushes.gone_since(7).is_empty());
        // Both targets caught up with generation 7: nothing is kept.
        for t in pushes.targets.values_mut() {
            t.generation = 7;
        }
        pushes.record_gone(Vec::new(), 8);
        assert!(pushes.gone.is_empty());
    }

    #[test]
    fn too_many_removals_forget_every_target() {
        let mut pushes = Pushes::default();
        pushes.targets.insert("x".into(), target(1));
        pushes.record_gone((0..=MAX_GONE).map(|i| format!("{i}.txt")), 2);
        assert!(pushes.is_empty());
    }
}
