//! The `zhsearch` binary's own modules: its flags, one function per command, and how results
//! look in a terminal. All the work is the library's ([`zhsearch::corpus::Corpus`]).

pub mod commands;
pub mod flags;
pub mod output;
