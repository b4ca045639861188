//! Checksums of the bundled data, computed by `build.rs` when the crate is built, so that no
//! start of the program hashes them. Each is part of a version string the index records
//! ([`crate::analysis::analysis_config`], [`crate::knowledge::version`]): editing a data file
//! changes it, and `zhsearch index` then rebuilds or re-extracts.

include!(concat!(env!("OUT_DIR"), "/checksums.rs"));
