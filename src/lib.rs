//! zhsearch: exact-phrase and ranked full-text search for folders of Chinese reports.
//!
//! Data flows one way, and the modules follow it:
//!
//! ```text
//! files ─▶ ingest (decode, title/date/headings) ─▶ analysis (normalize, characters, bigrams)
//!       ─▶ index (schema, open, incremental sync) ─▶ search (query language, jieba, ranking,
//!          snippets)
//!       ─▶ the `zhsearch` binary
//! ```
//!
//! ```no_run
//! use std::path::Path;
//! use zhsearch::index::{sync, SyncOptions};
//! use zhsearch::search::{LocalEngine, SearchRequest};
//!
//! let opts = SyncOptions { root: Some("corpus".into()), rebuild: false };
//! sync(Path::new("index"), &opts, &mut |_| {})?;
//! let searcher = LocalEngine::open(Path::new("index"))?;
//! for hit in searcher.search(&SearchRequest::new("\"小营盘镇\""))?.hits {
//!     println!("{} {}", hit.path, hit.snippet);
//! }
//! # Ok::<(), zhsearch::Error>(())
//! ```
#![warn(missing_docs)]

pub mod analysis;
pub mod checksums;
pub mod corpus;
pub mod error;
pub mod http;
pub mod index;
pub mod ingest;
pub mod knowledge;
pub mod search;
pub mod vocabulary;

pub use error::{Error, Result};

#[cfg(test)]
mod proptests;
