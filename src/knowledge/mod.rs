//! What each report is and what it is about, read from its text at index time: its document
//! type ([`kind`]), the people, places and organizations it names ([`entities`]) and the words
//! that characterize it ([`keywords`]).
//!
//! This module sits between analysis and index in the pipeline: ingest knows nothing of it, and
//! the index stores what it extracts. Everything that decides what is extracted (rules, word
//! lists, gazetteers) is versioned (each part's `VERSION`, and checksums of its data files), so
//! that the index can record it and re-extract when it changes.

pub mod entities;
pub mod keywords;
pub mod kind;
