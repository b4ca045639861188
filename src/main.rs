//! The `zhsearch` binary: parse flags, run one command, map the outcome to an exit code
//! (0 found / done, 1 nothing found / some files skipped, 2 error).

mod cli;

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, UNIX_EPOCH};

use anstyle::{AnsiColor, Style};
use anyhow::Context;
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use cli::{Cli, ColorArg, Command, SortArg};
use zhsearch::analysis::analysis_config;
use zhsearch::index::{self, Progress, SyncOptions, SyncSummary};
use zhsearch::search::{parse_date_bound, Hit, ReportSearcher, SearchRequest, Sort};

/// Folder indexed when none is given and the index has none recorded.
const DEFAULT_CORPUS: &str = "corpus";

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ZHSEARCH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(io::stderr().is_terminal())
        .without_time()
        .init();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("zhsearch: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Index {
            dir,
            rebuild,
            quiet,
        } => {
            let root = dir.or_else(|| default_root(&cli.index));
            let summary = sync(&cli.index, root, rebuild, quiet)?;
            Ok(if summary.skipped.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Search {
            query,
            limit,
            offset,
            from,
            to,
            sort,
            files_with_matches,
            json,
            color,
        } => {
            ensure_index(&cli.index)?;
            let searcher = ReportSearcher::open(&cli.index)?;
            let query = query.join(" ");
            let from = from.map(|d| parse_date_bound(&d, false)).transpose()?;
            let to = to.map(|d| parse_date_bound(&d, true)).transpose()?;
            let mut out = io::BufWriter::new(io::stdout().lock());
            let found = if files_with_matches {
                let paths = searcher.matching_paths(&query, from, to)?;
                for p in &paths {
                    writeln!(out, "{p}")?;
                }
                !paths.is_empty()
            } else {
                let mut req = SearchRequest::new(query);
                req.limit = limit;
                req.offset = offset;
                req.from = from;
                req.to = to;
                req.sort = match sort {
                    SortArg::Relevance => Sort::Relevance,
                    SortArg::Date => Sort::Date,
                };
                let results = searcher.search(&req)?;
                if json {
                    serde_json::to_writer(&mut out, &results)?;
                    writeln!(out)?;
                } else {
                    let colored = match color {
                        ColorArg::Always => true,
                        ColorArg::Never => false,
                        ColorArg::Auto => {
                            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                        }
                    };
                    for (i, hit) in results.hits.iter().enumerate() {
                        print_hit(&mut out, offset + i + 1, hit, colored)?;
                    }
                    out.flush()?;
                    let shown = results.hits.len();
                    if shown > 0 {
                        eprintln!(
                            "{}–{} of {} matching reports ({:.1} ms)",
                            offset + 1,
                            offset + shown,
                            results.total,
                            results.took.as_secs_f64() * 1000.0
                        );
                    } else {
                        eprintln!("{} matching reports", results.total);
                    }
                }
                results.total > 0
            };
            out.flush()?;
            Ok(if found {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Serve {
            corpus,
            addr,
            watch,
            password_file,
        } => {
            serve(zhsearch::http::ServeConfig {
                corpus,
                index: cli.index,
                addr,
                watch,
                password_file,
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Stats { json } => {
            stats(&cli.index, json)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn serve(config: zhsearch::http::ServeConfig) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let server = zhsearch::http::Server::bind(config).await?;
        eprintln!(
            "zhsearch: serving on http://{} (Ctrl-C stops)",
            server.addr()
        );
        server.run(shutdown_signal()).await;
        Ok(())
    })
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The folder to index when none is named: the index's own, else ./corpus.
fn default_root(index_dir: &Path) -> Option<PathBuf> {
    let recorded = index::open::recorded_info(index_dir)
        .ok()
        .flatten()
        .is_some();
    (!recorded).then(|| PathBuf::from(DEFAULT_CORPUS))
}

/// On a fresh checkout there is no index yet: build it from ./corpus before searching. An
/// index made by another version of zhsearch is rebuilt first.
fn ensure_index(index_dir: &Path) -> anyhow::Result<()> {
    if index::open::exists(index_dir) {
        if let Some(why) = index::open::outdated(index_dir)? {
            eprintln!(
                "the index at {} must be rebuilt ({why}): rebuilding it",
                index_dir.display()
            );
            sync(index_dir, default_root(index_dir), false, false)?;
        }
        return Ok(());
    }
    let corpus = Path::new(DEFAULT_CORPUS);
    if !corpus.is_dir() {
        anyhow::bail!(
            "no index at {}: run `zhsearch index DIR` to index a folder of reports",
            index_dir.display()
        );
    }
    eprintln!(
        "no index at {} yet: indexing {} first",
        index_dir.display(),
        corpus.display()
    );
    sync(index_dir, Some(corpus.to_path_buf()), false, false)?;
    Ok(())
}

fn sync(
    index_dir: &Path,
    root: Option<PathBuf>,
    rebuild: bool,
    quiet: bool,
) -> anyhow::Result<SyncSummary> {
    let bar = ProgressBar::hidden();
    let show_bar = !quiet && io::stderr().is_terminal();
    let mut progress = |p: Progress| match p {
        Progress::Planned { to_read } if show_bar && to_read >= 500 => {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_length(to_read as u64);
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} reports {per_sec} eta {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        }
        Progress::Planned { .. } => {}
        Progress::Read => bar.inc(1),
    };
    let opts = SyncOptions { root, rebuild };
    let summary = index::sync(index_dir, &opts, &mut progress)
        .with_context(|| format!("indexing into {}", index_dir.display()))?;
    bar.finish_and_clear();
    for s in &summary.skipped {
        eprintln!("zhsearch: skipped {}: {}", s.path, s.reason);
    }
    if !quiet {
        if let Some(why) = &summary.rebuilt {
            eprintln!("rebuilt the index ({why})");
        }
        eprintln!(
            "indexed {}: {} added, {} updated, {} removed, {} renamed, {} unchanged, {} skipped in {:.2} s; {} reports in the index",
            summary.root.display(),
            summary.added,
            summary.updated,
            summary.removed,
            summary.renamed,
            summary.unchanged,
            summary.skipped.len(),
            summary.elapsed.as_secs_f64(),
            summary.docs
        );
    }
    Ok(summary)
}

fn paint(
    out: &mut impl Write,
    text: &str,
    highlights: &[[usize; 2]],
    base: Style,
    mark: Style,
    colored: bool,
) -> io::Result<()> {
    if !colored {
        return write!(out, "{text}");
    }
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    let piece = |a: usize, b: usize| {
        chars[a.min(chars.len())..b.min(chars.len())]
            .iter()
            .collect::<String>()
    };
    for &[s, e] in highlights {
        write!(out, "{base}{}{base:#}", piece(at, s))?;
        write!(out, "{mark}{}{mark:#}", piece(s, e))?;
        at = e;
    }
    write!(out, "{base}{}{base:#}", piece(at, chars.len()))
}

fn print_hit(out: &mut impl Write, rank: usize, hit: &Hit, colored: bool) -> io::Result<()> {
    let mark = Style::new().fg_color(Some(AnsiColor::Red.into())).bold();
    let title = Style::new().bold();
    let dim = Style::new().dimmed();
    let path = Style::new().fg_color(Some(AnsiColor::Magenta.into()));
    write!(out, "{rank:>3}. ")?;
    paint(
        out,
        &hit.title,
        &hit.title_highlights,
        title,
        mark.underline(),
        colored,
    )?;
    writeln!(out)?;
    let meta = format!(
        "{}  {:.2}",
        hit.date.as_deref().unwrap_or("(no date)"),
        hit.score
    );
    if colored {
        writeln!(out, "     {path}{}{path:#}  {dim}{meta}{dim:#}", hit.path)?;
    } else {
        writeln!(out, "     {}  {meta}", hit.path)?;
    }
    write!(out, "     ")?;
    paint(
        out,
        &hit.snippet,
        &hit.highlights,
        Style::new(),
        mark,
        colored,
    )?;
    writeln!(out)?;
    writeln!(out)
}

#[derive(Serialize)]
struct Stats {
    index: PathBuf,
    folder: Option<PathBuf>,
    reports: u64,
    index_bytes: u64,
    last_update: Option<String>,
    analysis: Option<String>,
    analysis_current: bool,
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn stats(index_dir: &Path, json: bool) -> anyhow::Result<()> {
    let searcher = ReportSearcher::open(index_dir)?;
    let info = searcher.info()?;
    let current = analysis_config();
    let stats = Stats {
        index: std::fs::canonicalize(index_dir).unwrap_or_else(|_| index_dir.to_path_buf()),
        folder: info.as_ref().map(|i| i.root.clone()),
        reports: searcher.num_docs(),
        index_bytes: dir_size(index_dir),
        last_update: info.as_ref().map(|i| {
            humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(i.updated))
                .to_string()
        }),
        analysis_current: info.as_ref().is_some_and(|i| i.analysis == current),
        analysis: info.map(|i| i.analysis),
    };
    let mut out = io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &stats)?;
        writeln!(out)?;
        return Ok(());
    }
    let or_none = |v: Option<String>| v.unwrap_or_else(|| "(unknown)".into());
    writeln!(out, "index:        {}", stats.index.display())?;
    writeln!(
        out,
        "folder:       {}",
        or_none(stats.folder.map(|f| f.display().to_string()))
    )?;
    writeln!(out, "reports:      {}", stats.reports)?;
    writeln!(
        out,
        "size on disk: {:.1} MB",
        stats.index_bytes as f64 / 1e6
    )?;
    writeln!(out, "last update:  {}", or_none(stats.last_update))?;
    writeln!(out, "analysis:     {}", or_none(stats.analysis))?;
    if !stats.analysis_current {
        writeln!(
            out,
            "              (this build analyses text differently: `zhsearch index` will rebuild)"
        )?;
    }
    Ok(())
}

/// Indexing allocates per token and per document; mimalloc is markedly cheaper there than the
/// system allocator (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
