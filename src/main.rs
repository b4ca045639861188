//! The `zhsearch` binary: parse flags, run one command, map the outcome to an exit code
//! (0 found / done, 1 nothing found / some files skipped, 2 error). The commands live in
//! `cli::commands`, their output in `cli::output`; the work is the library's.

mod cli;

use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use cli::commands::{self, SearchFlags};
use cli::flags::{Cli, Command};
use cli::output::terminal_safe;
use zhsearch::ingest::worker::{self, WORKER_ARG};

fn main() -> ExitCode {
    // Started by the indexer to read one untrusted file after another (ingest::worker).
    if std::env::args_os().nth(1).as_deref() == Some(std::ffi::OsStr::new(WORKER_ARG)) {
        return ExitCode::from(worker::serve_worker().clamp(0, 255) as u8);
    }
    // Office documents, PDFs and web pages are read in worker processes of this very binary,
    // so that no file can take the indexer or the server down with it.
    if let Some(program) = own_program() {
        worker::isolate_readers(program);
    }
    // A bug must not greet the user with a backtrace: one line, and exit code 2.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "zhsearch: internal error: {}{place} (this is a bug; please report it)",
            terminal_safe(&message)
        );
    }));
    let cli = Cli::parse();
    match cli.command {
        Command::Index { .. } => keep_freed_memory(),
        Command::Serve { .. } | Command::Push { .. } => {}
        _ => huge_pages(false),
    }
    tracing_subscriber::fmt()
        .with_writer(io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ZHSEARCH_LOG")
                // notify's own info lines (a watch descriptor it could not remove, once per
                // folder of a deleted corpus) say nothing to a user: the watcher says it once.
                // The PDF parser and extractor log what they find wrong in a file (at ERROR):
                // the file's skip reason says what matters.
                .unwrap_or_else(|_| {
                    tracing_subscriber::EnvFilter::new("info,notify=warn,lopdf=off,pdf_extract=off")
                }),
        )
        .with_ansi(io::stderr().is_terminal())
        .without_time()
        .init();
    let outcome = std::panic::catch_unwind(move || run(cli));
    match outcome.unwrap_or_else(|_| Ok(ExitCode::from(2))) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("zhsearch: {}", terminal_safe(&one_line(&err)));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let index = &cli.index;
    match cli.command {
        Command::Index {
            dir,
            rebuild,
            quiet,
        } => commands::index(index, dir, rebuild, quiet),
        Command::Search {
            query,
            limit,
            offset,
            from,
            to,
            sort,
            files_with_matches,
            null,
            json,
            facets,
            color,
            engine,
        } => commands::search(
            index,
            SearchFlags {
                query,
                limit,
                offset,
                from,
                to,
                sort,
                files_with_matches,
                null,
                json,
                facets,
                color,
                engine,
            },
        ),
        Command::Serve {
            corpus,
            addr,
            watch,
            password_file,
            engine,
            push,
        } => commands::serve(zhsearch::http::ServeConfig {
            corpus,
            index: cli.index,
            addr,
            watch,
            password_file,
            budget: zhsearch::http::QUERY_BUDGET,
            engine: engine
                .as_deref()
                .map(zhsearch::cluster::Target::parse_engine)
                .transpose()?,
            push: push
                .as_deref()
                .map(zhsearch::cluster::Target::parse_engine)
                .transpose()?,
        }),
        Command::Push {
            to,
            index_id,
            quiet,
        } => commands::push(index, &to, &index_id, quiet),
        Command::Entities { kind, top, json } => commands::entities(index, kind, top, json),
        Command::Similar { path, json } => commands::similar(index, &path, json),
        Command::Duplicates {
            min,
            kind,
            from,
            to,
            json,
        } => {
            let req = zhsearch::search::DuplicatesRequest::new(min)?
                .kind(kind.as_deref())?
                .dates(from.as_deref(), to.as_deref())?;
            commands::duplicates(index, &req, json)
        }
        Command::Export { text } => commands::export(index, text),
        Command::Stats { json } => commands::stats(index, json),
    }
}

/// A command that answers and exits (a search, say) touches a few megabytes: transparent huge
/// pages, which the allocator asks for, would make the kernel zero 2 MiB for each of its first
/// touches, a good share of a search's whole time. Indexing and serving keep them, and so does
/// a search that must first build its index ([`commands`] turns them back on).
pub(crate) fn huge_pages(on: bool) {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes integer arguments only and changes a flag of
    // this process; no memory is passed.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, libc::c_ulong::from(!on), 0, 0, 0);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = on;
}

/// `mi_option_purge_delay` in mimalloc.h (v2 and v3), which the bindings do not name: how long
/// freed memory waits before it is given back, in ms, -1 for never.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// `zhsearch index` frees and allocates the same memory all the time (the writer's arena at
/// each segment, every report's words); each page given back to the system after mimalloc's
/// usual short delay was faulted in and zeroed again (4% of a bench build's CPU). The process
/// ends when the index is written, so it keeps what it freed. A server gives its memory back.
fn keep_freed_memory() {
    // SAFETY: sets one of the allocator's options, which it reads at every purge.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

/// This program, to start again as a reader worker: on Linux through `/proc/self/exe`, which
/// stays the running build even if the file is replaced or removed meanwhile.
fn own_program() -> Option<PathBuf> {
    if cfg!(target_os = "linux") && Path::new("/proc/self/exe").exists() {
        return Some(PathBuf::from("/proc/self/exe"));
    }
    std::env::current_exe().ok()
}

/// The error and its causes on one line, each said once (a library error often repeats its
/// source's message).
fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for e in err.chain() {
        let message = e.to_string();
        if line.contains(&message) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&message);
    }
    line
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || e.downcast_ref::<serde_json::Error>()
                .is_some_and(|json| json.io_error_kind() == Some(io::ErrorKind::BrokenPipe))
    })
}

/// Indexing allocates per token and per document; mimalloc is markedly cheaper there than the
/// system allocator (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
