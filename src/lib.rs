//! zhsearch: exact-phrase and ranked full-text search for folders of Chinese reports.
//!
//! Data flows one way, and the modules follow it:
//!
//! ```text
//! files ─▶ ingest (decode, title/date/headings) ─▶ analysis (normalize, characters, bigrams)
//!       ─▶ knowledge (kind, keywords, entities, signature) ─▶ index (schema, incremental sync)
//!       ─▶ corpus (one opened knowledge base) ─▶ search (query language, ranking, snippets)
//!       ─▶ the `zhsearch` binary and the http server
//! ```
//!
//! ```no_run
//! use std::path::Path;
//! use zhsearch::corpus::Corpus;
//! use zhsearch::search::SearchRequest;
//!
//! // Index (or bring up to date) the folder `corpus` into `index`, then open the knowledge base.
//! Corpus::sync(Path::new("index"), Some("corpus".into()), false, &mut |_| {})?;
//! let corpus = Corpus::open(Path::new("index"))?;
//! for hit in corpus.search(&SearchRequest::new("\"小营盘镇\""))?.hits {
//!     println!("{} {}", hit.report.path, hit.snippet);
//! }
//! # Ok::<(), zhsearch::Error>(())
//! ```
#![warn(missing_docs)]

pub mod analysis;
pub mod checksums;
pub mod cluster;
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
