//! Checksums of the bundled data, computed by `build.rs` when the crate is built, so that no
//! start of the program hashes them. Each is part of a version string the index records
//! ([`crate::analysis::analysis_config`], [`crate::knowledge::version`]): editing a data file
//! changes it, and `zhsearch index` then rebuilds or re-extracts.

include!(concat!(env!("OUT_DIR"), "/checksums.rs"));

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// `build.rs`'s checksum, over the files as they are on disk now.
    fn checksum(files: &[Vec<u8>]) -> u32 {
        let mut all = Vec::new();
        for f in files {
            all.extend_from_slice(f);
            all.push(0);
        }
        xxhash_rust::xxh3::xxh3_64(&all) as u32
    }

    fn knowledge_files() -> Vec<Vec<u8>> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/knowledge/data");
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let name = p.file_name().unwrap().to_str().unwrap();
                !(name.eq_ignore_ascii_case("README.md") || name.ends_with(".py"))
            })
            .collect();
        paths.sort();
        paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
    }

    /// Every data file of the extractor is in the checksum the index records, and a change
    /// to any byte of any of them, or a line moved from one file to the next, changes it.
    #[test]
    fn the_knowledge_checksum_covers_every_byte_of_every_data_file() {
        let files = knowledge_files();
        assert!(files.len() >= 20, "{} files", files.len());
        assert_eq!(checksum(&files), super::KNOWLEDGE_DATA);
        for k in 0..files.len() {
            for at in [0, files[k].len() / 2, files[k].len() - 1] {
                let mut changed = files.clone();
                changed[k][at] ^= 1;
                assert_ne!(
                    checksum(&changed),
                    super::KNOWLEDGE_DATA,
                    "file {k}, byte {at}"
                );
            }
        }
        let moved = |a: &str, b: &str| checksum(&[a.as_bytes().to_vec(), b.as_bytes().to_vec()]);
        assert_ne!(moved("a\nb\n", "c\n"), moved("a\n", "b\nc\n"));
    }
}
