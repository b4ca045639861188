//! One function per command: read the flags, ask the [`Corpus`], print, return the exit code
//! (0 found / done, 1 nothing found / some files skipped).

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use zhsearch::cluster::{PushProgress, Target};
use zhsearch::corpus::{Build, Corpus, Missing, DEFAULT_CORPUS};
use zhsearch::index::{Progress, SyncSummary};
use zhsearch::knowledge::Facet;
use zhsearch::search::{DuplicatesRequest, SearchRequest, Sort, MAX_DEPTH};

use super::flags::{ColorArg, SortArg};
use super::output::{self, terminal_safe};

/// Exit code 0 when `found`, else 1.
fn found(found: bool) -> ExitCode {
    if found {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The corpus for a search: on a fresh checkout the index is built from ./corpus first.
fn for_search(index_dir: &Path) -> anyhow::Result<Corpus> {
    open(index_dir, &Missing::Build(PathBuf::from(DEFAULT_CORPUS)))
}

/// The corpus for a command that reads an index without being asked to build one (`entities`,
/// `similar`, `export`): a missing index is an error naming the folder, so a mistyped
/// `--index` is not answered from a new index of ./corpus.
fn existing(index_dir: &Path) -> anyhow::Result<Corpus> {
    open(index_dir, &Missing::Fail)
}

fn open(index_dir: &Path, missing: &Missing) -> anyhow::Result<Corpus> {
    Corpus::open_or_build(index_dir, missing, &mut |dir, build: &Build| {
        // Indexing is long-lived work: what a one-off command turned off helps it.
        crate::huge_pages(true);
        if build.fresh {
            eprintln!(
                "no index at {} yet: indexing {} first",
                dir.display(),
                build
                    .root
                    .as_deref()
                    .unwrap_or(Path::new(DEFAULT_CORPUS))
                    .display()
            );
        } else {
            eprintln!(
                "the index at {} must be rebuilt ({}): rebuilding it",
                dir.display(),
                build.why
            );
        }
        sync(dir, build.root.clone(), false, false)
    })
}

/// `zhsearch index`.
pub fn index(
    index_dir: &Path,
    dir: Option<PathBuf>,
    rebuild: bool,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let summary = sync(index_dir, dir, rebuild, quiet)?;
    Ok(found(summary.skipped.is_empty()))
}

/// The flags of `zhsearch search`.
pub struct SearchFlags {
    pub query: Vec<String>,
    pub limit: usize,
    pub offset: usize,
    pub from: Option<String>,
    pub to: Option<String>,
    pub sort: SortArg,
    pub files_with_matches: bool,
    pub null: bool,
    pub json: bool,
    pub facets: bool,
    pub color: ColorArg,
    /// `--engine`: a cluster index to search instead.
    pub engine: Option<String>,
}

/// `zhsearch search`.
pub fn search(index_dir: &Path, flags: SearchFlags) -> anyhow::Result<ExitCode> {
    let mut req = SearchRequest::new(flags.query.join(" "))
        .page(flags.limit, flags.offset, MAX_DEPTH)?
        .dates(flags.from.as_deref(), flags.to.as_deref())?;
    if flags.facets {
        req = req.with_facets();
    }
    req.sort = match flags.sort {
        SortArg::Relevance => Sort::Relevance,
        SortArg::Date => Sort::Date,
    };
    let corpus = match &flags.engine {
        Some(address) => Corpus::remote(Target::parse_engine(address)?),
        None => for_search(index_dir)?,
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    if flags.files_with_matches {
        let paths = corpus.matching_paths(&req)?;
        let terminal = io::stdout().is_terminal();
        for p in &paths {
            if flags.null {
                out.write_all(p.as_bytes())?;
                out.write_all(b"\0")?;
            } else if terminal {
                writeln!(out, "{}", terminal_safe(p))?;
            } else {
                writeln!(out, "{p}")?;
            }
        }
        out.flush()?;
        return Ok(found(!paths.is_empty()));
    }
    let results = corpus.search(&req)?;
    if flags.json {
        serde_json::to_writer(&mut out, &results)?;
        writeln!(out)?;
    } else {
        let colored = match flags.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        };
        for (i, hit) in results.hits.iter().enumerate() {
            output::print_hit(&mut out, req.offset + i + 1, hit, colored)?;
        }
        output::print_facets(&mut out, &results.facets)?;
        out.flush()?;
        let shown = results.hits.len();
        if shown > 0 {
            eprintln!(
                "{}–{} of {} matching reports ({:.1} ms)",
                req.offset + 1,
                req.offset + shown,
                results.total,
                results.took.as_secs_f64() * 1000.0
            );
        } else {
            eprintln!("{} matching reports", results.total);
        }
    }
    out.flush()?;
    Ok(found(results.total > 0))
}

/// `zhsearch entities`.
pub fn entities(
    index_dir: &Path,
    kind: Option<String>,
    top: usize,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let facets = match kind {
        Some(name) => match zhsearch::search::knowledge::parse_facet(&name)? {
            Facet::Keyword => anyhow::bail!(
                "keywords are not counted: use --type person, place, org or kind, and `search keyword:WORD` for a keyword's reports"
            ),
            facet => vec![facet],
        },
        None => Facet::ENTITIES.to_vec(),
    };
    if top == 0 {
        anyhow::bail!("--top must be at least 1");
    }
    let counts = existing(index_dir)?.corpus_facets(&facets, top)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    if json {
        let mut s = serde_json::Serializer::new(&mut out);
        zhsearch::search::facets_json(&counts, &mut s)?;
        writeln!(out)?;
    } else {
        for (facet, values) in &counts {
            for (name, n) in values {
                writeln!(out, "{:<7} {n:>6}  {}", facet.name(), terminal_safe(name))?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `zhsearch similar`.
pub fn similar(index_dir: &Path, path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let similar = existing(index_dir)?.similar_file(path)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    if json {
        serde_json::to_writer(&mut out, &similar)?;
        writeln!(out)?;
    } else {
        output::print_similar(&mut out, &similar)?;
    }
    out.flush()?;
    Ok(found(
        !similar.duplicates.is_empty() || !similar.related.is_empty(),
    ))
}

/// `zhsearch duplicates`.
pub fn duplicates(
    index_dir: &Path,
    req: &DuplicatesRequest,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let found_groups = existing(index_dir)?.duplicates(req)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    if json {
        serde_json::to_writer(&mut out, &found_groups)?;
        writeln!(out)?;
    } else {
        output::print_duplicates(&mut out, &found_groups)?;
        out.flush()?;
        let reports: usize = found_groups.groups.iter().map(|g| g.reports.len()).sum();
        eprintln!(
            "{} groups of reports sharing at least {}% of their text ({reports} reports)",
            found_groups.groups.len(),
            req.min_percent
        );
    }
    out.flush()?;
    Ok(found(!found_groups.groups.is_empty()))
}

/// `zhsearch export`.
pub fn export(index_dir: &Path, text: bool) -> anyhow::Result<ExitCode> {
    let corpus = existing(index_dir)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    for record in corpus.export(text)? {
        serde_json::to_writer(&mut out, &record)?;
        writeln!(out)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `zhsearch stats`: what the index holds, as it is (an outdated index is not rebuilt).
pub fn stats(index_dir: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let stats = output::Stats {
        index: std::fs::canonicalize(index_dir).unwrap_or_else(|_| index_dir.to_path_buf()),
        index_bytes: dir_size(index_dir),
        stats: Corpus::open(index_dir)?.stats()?,
    };
    output::print_stats(&mut io::stdout().lock(), &stats, json)?;
    Ok(ExitCode::SUCCESS)
}

/// `zhsearch push`.
pub fn push(index_dir: &Path, to: &str, index_id: &str, quiet: bool) -> anyhow::Result<ExitCode> {
    let target = Target::new(to, Some(index_id))?;
    let bar = ProgressBar::hidden();
    let show_bar = !quiet && io::stderr().is_terminal();
    let mut progress = |p: PushProgress| match p {
        PushProgress::Planned { reports, .. } if show_bar && reports >= 500 => {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_length(reports);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} reports sent {per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        }
        PushProgress::Planned { .. } => {}
        PushProgress::Sent(n) => bar.inc(n),
    };
    let (synced, pushed) = Corpus::push(index_dir, &target, &mut progress)?;
    bar.finish_and_clear();
    print_skipped(&synced);
    for (path, bytes) in &pushed.too_large {
        eprintln!(
            "zhsearch: not pushed {}: its document is {:.1} MB, more than the cluster takes in one request",
            terminal_safe(path),
            *bytes as f64 / 1e6
        );
    }
    if !quiet {
        let changed = synced.added + synced.updated + synced.removed + synced.renamed;
        if changed > 0 || synced.rebuilt.is_some() {
            eprintln!(
                "indexed {}: {} added, {} updated, {} removed, {} renamed",
                synced.root.display(),
                synced.added,
                synced.updated,
                synced.removed,
                synced.renamed
            );
        }
        let secs = pushed.elapsed.as_secs_f64();
        eprintln!(
            "pushed {} reports{} and {} removals to {} in {secs:.2} s ({:.1} MB of text, {:.1} MB/s){}",
            pushed.sent,
            if pushed.full { " (all of them)" } else { "" },
            pushed.removed,
            pushed.target,
            pushed.text_bytes as f64 / 1e6,
            pushed.text_bytes as f64 / 1e6 / secs.max(1e-9),
            if pushed.sent + pushed.removed == 0 { ": it was up to date" } else { "" }
        );
    }
    Ok(found(
        synced.skipped.is_empty() && pushed.too_large.is_empty(),
    ))
}

/// `zhsearch serve`.
pub fn serve(config: zhsearch::http::ServeConfig) -> anyhow::Result<ExitCode> {
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
        Ok::<(), anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
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

/// Indexes `root` into `index_dir` with a progress bar on a terminal, then says what was
/// skipped and what was done.
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
    let summary = Corpus::sync(index_dir, root, rebuild, &mut progress)
        .with_context(|| format!("indexing into {}", index_dir.display()))?;
    bar.finish_and_clear();
    for r in &summary.vocabulary_rejected {
        eprintln!(
            "zhsearch: vocabulary: rejected {}",
            terminal_safe(&r.to_string())
        );
    }
    print_skipped(&summary);
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

/// Names every file a sync skipped, with the reason, on stderr.
fn print_skipped(summary: &SyncSummary) {
    for s in &summary.skipped {
        // File names come from the folder: a name may hold a newline or an escape sequence.
        eprintln!(
            "zhsearch: skipped {}: {}",
            terminal_safe(&s.path),
            terminal_safe(&s.reason)
        );
    }
}
