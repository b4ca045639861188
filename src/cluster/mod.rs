//! A Quickwit cluster as a second engine: push the knowledge base into it
//! ([`push`]), and answer the same queries from it ([`ClusterEngine`]).
//!
//! zhsearch talks to a cluster over its REST API only ([`client`]). The cluster's index has
//! one document per report holding everything the local index knows of it ([`mapping`]);
//! its text is indexed one character a token with positions, as locally, so a phrase query
//! there finds every report holding the phrase — and possibly a few more, since Quickwit's
//! tokenizer drops punctuation without leaving a gap. [`ClusterEngine`] checks its candidates
//! against their stored text ([`crate::search::TextCheck`]) so that a quoted phrase returns
//! exactly the reports that contain it, as the local index does.

pub mod client;
pub mod engine;
pub mod mapping;
pub mod push;

pub use client::Client;
pub use engine::ClusterEngine;
pub use push::{push, PushProgress, PushSummary};

use crate::error::{Error, Result};

/// The cluster index pushed to when none is named.
pub const DEFAULT_INDEX_ID: &str = "zhsearch";

/// A cluster's index: where to reach the cluster, and which of its indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `http://host:port`, without a trailing slash.
    base: String,
    /// The index id.
    index: String,
}

impl Target {
    /// The index `index` (default [`DEFAULT_INDEX_ID`]) of the cluster at `url`
    /// (`http://host:7280`).
    pub fn new(url: &str, index: Option<&str>) -> Result<Target> {
        let base = base_url(url)?;
        let index = index.unwrap_or(DEFAULT_INDEX_ID);
        check_index_id(index)?;
        Ok(Target {
            base,
            index: index.to_string(),
        })
    }

    /// An engine address: the cluster's URL and the index as its path
    /// (`http://host:7280/NAME`; without a path, the index [`DEFAULT_INDEX_ID`]).
    pub fn parse_engine(address: &str) -> Result<Target> {
        let trimmed = address.trim().trim_end_matches('/');
        let after_scheme = trimmed
            .strip_prefix("http://")
            .ok_or_else(|| scheme_error(address))?;
        match after_scheme.split_once('/') {
            Some((host, index)) => Target::new(&format!("http://{host}"), Some(index)),
            None => Target::new(trimmed, None),
        }
    }

    /// The cluster's address.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The index id.
    pub fn index(&self) -> &str {
        &self.index
    }

    /// The engine address (`http://host:7280/NAME`): how the push ledger names the target.
    pub fn url(&self) -> String {
        format!("{}/{}", self.base, self.index)
    }

    /// For messages: `the cluster at http://host:7280 (index NAME)`.
    pub fn describe(&self) -> String {
        format!("the cluster at {} (index {})", self.base, self.index)
    }
}

fn scheme_error(url: &str) -> Error {
    Error::Option(format!(
        "invalid cluster address {url:?}: use http://HOST:PORT (plain HTTP; put a TLS proxy in front of a cluster reached over an untrusted network, see SECURITY.md)"
    ))
}

/// `http://host[:port]` checked and without a trailing slash or path.
fn base_url(url: &str) -> Result<String> {
    let trimmed = url.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("http://")
        .ok_or_else(|| scheme_error(url))?;
    let host_ok = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.:[]_".contains(c));
    if !host_ok {
        return Err(Error::Option(format!(
            "invalid cluster address {url:?}: use http://HOST:PORT, without a path"
        )));
    }
    Ok(trimmed.to_string())
}

/// Quickwit's rule for index ids: a letter, then letters, digits, `-`, `_` or `.`, 3 to 255
/// characters in all.
fn check_index_id(id: &str) -> Result<()> {
    let mut chars = id.chars();
    let ok = (3..=255).contains(&id.len())
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::Option(format!(
            "invalid index id {id:?}: a letter, then letters, digits, '-', '_' or '.' (3 to 255 characters)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_plain_http_hosts_and_index_ids_follow_quickwit() {
        let t = Target::new("http://127.0.0.1:7280/", None).unwrap();
        assert_eq!(t.url(), "http://127.0.0.1:7280/zhsearch");
        let t = Target::parse_engine("http://qw.example:7280/reports_2024").unwrap();
        assert_eq!(
            (t.base(), t.index()),
            ("http://qw.example:7280", "reports_2024")
        );
        assert_eq!(
            Target::parse_engine("http://localhost:7280")
                .unwrap()
                .index(),
            DEFAULT_INDEX_ID
        );
        for bad in [
            "https://qw:7280",
            "qw:7280",
            "http://",
            "http://qw:7280/a/b",
            "http://qw 1:7280",
            "http://qw:7280/1abc",
            "http://qw:7280/ab",
        ] {
            let err = Target::parse_engine(bad).unwrap_err();
            assert!(matches!(err, Error::Option(_)), "{bad}: {err}");
        }
        assert!(Target::new("http://qw:7280", Some("a/b")).is_err());
    }
}
