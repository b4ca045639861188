//! The real `zhsearch` binary, run in a temporary folder of its own with a clean environment.
//!
//! [`Workspace`] is such a folder: `corpus/` holds the reports and `index/` (the default index)
//! is made there by the commands it runs. [`zhsearch`], [`command`] and [`run`] run the binary
//! in any folder with the same environment.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Variables of the caller's environment that would change what the binary writes: its log
/// filter, colours and panic backtraces.
const UNSET: [&str; 3] = ["ZHSEARCH_LOG", "NO_COLOR", "RUST_BACKTRACE"];

/// `zhsearch` in `dir`, with [`UNSET`] removed from its environment, for spawning (a server, a
/// process to kill).
pub fn command(dir: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_zhsearch"));
    cmd.current_dir(dir);
    for var in UNSET {
        cmd.env_remove(var);
    }
    cmd
}

/// [`command`] as an `assert_cmd` command, for `.assert()` chains.
pub fn zhsearch(dir: &Path) -> assert_cmd::Command {
    assert_cmd::Command::from_std(command(dir))
}

/// Runs `zhsearch args` in `dir` to its end.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    zhsearch(dir).args(args).output().unwrap()
}

/// The standard output of a run, as text (lossily: it may be anything).
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The standard error of a run, as text (lossily: it may be anything).
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The exit code of a run; `None` when a signal ended it.
pub fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

/// Copies the bundled corpus (`corpus/` of the repository) into `to`, made if need be.
pub fn copy_bundled_corpus(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(Path::new(super::REPO).join("corpus")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// A temporary folder to run the binary in; deleted when dropped.
pub struct Workspace {
    dir: tempfile::TempDir,
}

impl From<tempfile::TempDir> for Workspace {
    fn from(dir: tempfile::TempDir) -> Workspace {
        Workspace { dir }
    }
}

impl Workspace {
    /// A folder with nothing in it (no `corpus/` either).
    pub fn empty() -> Workspace {
        Workspace::from(tempfile::tempdir().unwrap())
    }

    /// A folder with `corpus/` holding a copy of the bundled corpus (and nothing else).
    pub fn bundled() -> Workspace {
        let ws = Workspace::empty();
        copy_bundled_corpus(&ws.corpus());
        ws
    }

    /// A folder with `corpus/` holding these reports (paths relative to `corpus/`).
    pub fn with_reports<T: AsRef<[u8]>>(reports: &[(&str, T)]) -> Workspace {
        let ws = Workspace::empty();
        std::fs::create_dir_all(ws.corpus()).unwrap();
        for (name, contents) in reports {
            ws.write(name, contents);
        }
        ws
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn corpus(&self) -> PathBuf {
        self.path().join("corpus")
    }

    /// Writes a report at `rel` under `corpus/`, making its folders.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let path = self.corpus().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    /// [`zhsearch`] in this folder.
    pub fn cmd(&self) -> assert_cmd::Command {
        zhsearch(self.path())
    }

    /// [`command`] in this folder.
    pub fn command(&self) -> std::process::Command {
        command(self.path())
    }

    /// Runs `zhsearch args` here to its end.
    pub fn run(&self, args: &[&str]) -> Output {
        run(self.path(), args)
    }

    /// `zhsearch index corpus`, to assert on.
    pub fn index(&self) -> assert_cmd::assert::Assert {
        self.cmd().args(["index", "corpus"]).assert()
    }

    /// `zhsearch index corpus`, which must succeed: its standard error.
    pub fn index_ok(&self) -> String {
        let out = self.run(&["index", "corpus"]);
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8(out.stderr).unwrap()
    }

    /// The standard output of `zhsearch args`, which must exit with 0 or 1 (found nothing).
    pub fn stdout(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.code() == Some(0) || out.status.code() == Some(1),
            "{args:?}: {out:?}\n{}",
            stderr(&out)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The standard output of `zhsearch args`, which must be JSON (whatever the exit code).
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(args);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {out:?}"))
    }

    /// The paths `zhsearch search -l EXTRA -- QUERY` lists, which must exit with 0 or 1.
    pub fn paths(&self, query: &str, extra: &[&str]) -> BTreeSet<String> {
        let mut args = vec!["search", "-l"];
        args.extend(extra);
        args.extend(["--", query]);
        self.stdout(&args).lines().map(str::to_string).collect()
    }

    /// The paths `zhsearch --index INDEX search -l -- QUERY` lists, which must exit with 0 or 1.
    pub fn paths_in(&self, index: &str, query: &str) -> BTreeSet<String> {
        self.stdout(&["--index", index, "search", "-l", "--", query])
            .lines()
            .map(str::to_string)
            .collect()
    }
}
