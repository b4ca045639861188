//! The library's error type.
//!
//! Errors a user caused (a malformed query, a bad date, a missing folder) are kept apart from
//! internal ones (I/O, index corruption) so that front ends can show the former verbatim and log
//! the latter.

use std::path::PathBuf;

/// Everything that can go wrong in zhsearch.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The query text cannot be parsed; `column` is a 1-based character position.
    #[error("invalid query at column {column}: {message}")]
    Query {
        /// What is wrong, in words a user understands.
        message: String,
        /// 1-based character column in the query text.
        column: usize,
    },
    /// A search option (date, limit, sort) is malformed.
    #[error("{0}")]
    Option(String),
    /// The folder to index does not exist or is not a folder.
    #[error("{}: {reason}", path.display())]
    Folder {
        /// The folder the user named.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// The index was made by another version of zhsearch (another schema); it must be rebuilt.
    #[error("{0}")]
    IndexFormat(String),
    /// A search ran past its time budget and was stopped.
    #[error("the search did not finish within its budget of {} ms", .0.as_millis())]
    Timeout(std::time::Duration),
    /// Another process holds the index's writer lock.
    #[error("{0}")]
    Locked(String),
    /// There is no index at the given location.
    #[error(
        "no index at {}: run `zhsearch index DIR` to index a folder of reports",
        .0.display()
    )]
    NoIndex(PathBuf),
    /// A file-system operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The disk holding the index filled up while writing; the last commit is intact.
    #[error(
        "the disk is full (writing the index at {}): nothing was changed, the index is as it was after its last update, and what this run wrote has been removed. Free some space and run `zhsearch index` again",
        .0.display()
    )]
    DiskFull(PathBuf),
    /// The engine that answers queries cannot be reached, or answered with an error (a
    /// cluster that is down or refuses a request): nothing was changed.
    #[error("{engine}: {reason}")]
    Unreachable {
        /// The engine, as the user named it.
        engine: String,
        /// What went wrong.
        reason: String,
    },
    /// The index library failed.
    #[error("index error: {0}")]
    Index(#[from] tantivy::TantivyError),
}

impl Error {
    /// True for errors caused by what the user typed (shown verbatim, exit code 2, HTTP 400).
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Error::Query { .. } | Error::Option(_) | Error::Folder { .. }
        )
    }

    /// Wraps an I/O error with a description of what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
