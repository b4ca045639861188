//! The `zhsearch` binary: parse flags, run one command, map the outcome to an exit code
//! (0 found / done, 1 nothing found / some files skipped, 2 error).

mod cli;

use std::borrow::Cow;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use anyhow::Context;
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use cli::{Cli, ColorArg, Command, SortArg};
use zhsearch::index::{self, Progress, SyncOptions, SyncSummary};
use zhsearch::ingest::worker::{self, WORKER_ARG};
use zhsearch::knowledge::{Extractor, Facet};
use zhsearch::search::{
    FacetCounts, Hit, IndexStats, Probe, ReportKnowledge, ReportSearcher, SearchRequest, Similar,
    SimilarReport, Sort, MAX_DEPTH,
};

/// Folder indexed when none is given and the index has none recorded.
const DEFAULT_CORPUS: &str = "corpus";

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
        // A reader thread's panic is contained: its file is skipped with the reason.
        if std::thread::current().name() == Some(zhsearch::ingest::READER_THREAD) {
            return;
        }
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
            null,
            json,
            facets,
            color,
        } => {
            let mut req = SearchRequest::new(query.join(" "))
                .page(limit, offset, MAX_DEPTH)?
                .dates(from.as_deref(), to.as_deref())?;
            if facets {
                req = req.with_facets();
            }
            req.sort = match sort {
                SortArg::Relevance => Sort::Relevance,
                SortArg::Date => Sort::Date,
            };
            ensure_index(&cli.index)?;
            let searcher = ReportSearcher::open(&cli.index)?;
            let mut out = io::BufWriter::new(io::stdout().lock());
            let found = if files_with_matches {
                let paths = searcher.matching_paths(&req.query, req.from, req.to)?;
                let terminal = io::stdout().is_terminal();
                for p in &paths {
                    if null {
                        out.write_all(p.as_bytes())?;
                        out.write_all(b"\0")?;
                    } else if terminal {
                        writeln!(out, "{}", terminal_safe(p))?;
                    } else {
                        writeln!(out, "{p}")?;
                    }
                }
                !paths.is_empty()
            } else {
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
                        print_hit(&mut out, req.offset + i + 1, hit, colored)?;
                    }
                    print_facets(&mut out, &results.facets)?;
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
                budget: zhsearch::http::QUERY_BUDGET,
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Entities { kind, top, json } => {
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
            existing_index(&cli.index)?;
            let searcher = ReportSearcher::open(&cli.index)?;
            let counts = searcher.corpus_facets(&facets, top)?;
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
        Command::Similar { path, json } => {
            existing_index(&cli.index)?;
            let searcher = ReportSearcher::open(&cli.index)?;
            let similar = similar(&searcher, &path)?;
            let mut out = io::BufWriter::new(io::stdout().lock());
            if json {
                serde_json::to_writer(&mut out, &similar)?;
                writeln!(out)?;
            } else {
                print_similar(&mut out, &similar)?;
            }
            out.flush()?;
            let found = !similar.duplicates.is_empty() || !similar.related.is_empty();
            Ok(if found {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Export { text } => {
            existing_index(&cli.index)?;
            let searcher = ReportSearcher::open(&cli.index)?;
            let mut out = io::BufWriter::new(io::stdout().lock());
            for record in searcher.export(text)? {
                serde_json::to_writer(&mut out, &record)?;
                writeln!(out)?;
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Stats { json } => {
            stats(&cli.index, json)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Reports like the file at `path`: the indexed report itself when the file is one (it is
/// then left out of the answers), else the file read and its knowledge extracted here.
fn similar(searcher: &ReportSearcher, path: &Path) -> anyhow::Result<Similar> {
    // A regular file of at most the report limit: never a pipe or a device read without end.
    let bytes = zhsearch::ingest::open_regular(
        path,
        zhsearch::ingest::MAX_FILE_BYTES,
        zhsearch::ingest::Links::Follow,
    )
    .and_then(zhsearch::ingest::RegularFile::read_all)
    .with_context(|| format!("reading {}", path.display()))?;
    let name = path.to_string_lossy();
    let report = zhsearch::ingest::Report::from_bytes(&name, &bytes)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let info = searcher.info()?;
    // Its path in the index, when it lies in the indexed folder.
    let indexed = info.as_ref().and_then(|info| {
        let absolute = std::fs::canonicalize(path).ok()?;
        let relative = absolute.strip_prefix(&info.root).ok()?.to_path_buf();
        let parts: Option<Vec<&str>> = relative.iter().map(|p| p.to_str()).collect();
        Some(parts?.join("/"))
    });
    // Read with the words indexing read the folder with: its own dictionary included.
    let jieba = match &info {
        Some(info) => zhsearch::vocabulary::Vocabulary::for_folder(&info.root).jieba(),
        None => zhsearch::analysis::jieba(),
    };
    let extracted = Extractor::new(jieba).extract(&report.title, &report.text);
    let knowledge = ReportKnowledge {
        kind: extracted.kind.label().to_string(),
        keywords: extracted.keywords,
        entities: extracted.entities,
    };
    let probe = Probe {
        text: &report.text,
        knowledge: &knowledge,
        path: indexed.as_deref(),
    };
    Ok(searcher.similar(&probe)?)
}

fn print_similar(out: &mut impl Write, similar: &Similar) -> io::Result<()> {
    let line = |out: &mut dyn Write, r: &SimilarReport, lead: String| {
        writeln!(
            out,
            "{lead}{}  {}  {}",
            terminal_safe(&r.path),
            r.date.as_deref().unwrap_or("(no date)"),
            terminal_safe(&r.title)
        )
    };
    writeln!(
        out,
        "near-duplicates (share of this report's text in each):"
    )?;
    if similar.duplicates.is_empty() {
        writeln!(out, "  none")?;
    }
    for r in &similar.duplicates {
        line(out, r, format!("  {:>3}%  ", r.overlap.unwrap_or(0)))?;
    }
    writeln!(out, "related reports:")?;
    if similar.related.is_empty() {
        writeln!(out, "  none")?;
    }
    for r in &similar.related {
        line(out, r, "  ".to_string())?;
        writeln!(
            out,
            "        shares: {}",
            terminal_safe(&r.shared.join("、"))
        )?;
    }
    Ok(())
}

fn print_facets(out: &mut impl Write, facets: &FacetCounts) -> io::Result<()> {
    for (facet, values) in facets {
        let shown: Vec<String> = values
            .iter()
            .map(|(v, n)| format!("{} ({n})", terminal_safe(v)))
            .collect();
        let shown = if shown.is_empty() {
            "—".to_string()
        } else {
            shown.join("  ")
        };
        writeln!(out, "{} {}: {shown}", facet.label(), facet.name())?;
    }
    Ok(())
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

/// The index for a command that reads it without being asked to build one (`entities`,
/// `similar`, `export`): a missing index is an error naming the folder, so that a mistyped
/// `--index` is not quietly answered from a new index of ./corpus. An index made by another
/// version of zhsearch is rebuilt first, as for a search.
fn existing_index(index_dir: &Path) -> anyhow::Result<()> {
    if !index::open::exists(index_dir) {
        anyhow::bail!(
            "no index at {}: run `zhsearch index DIR` to index a folder of reports",
            index_dir.display()
        );
    }
    ensure_index(index_dir)
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
    let vocabulary = zhsearch::vocabulary::Vocabulary::for_folder(&summary.root);
    for r in &vocabulary.loaded().rejected {
        eprintln!(
            "zhsearch: vocabulary: rejected {}",
            terminal_safe(&r.to_string())
        );
    }
    for s in &summary.skipped {
        // File names come from the folder: a name may hold a newline or an escape sequence.
        eprintln!(
            "zhsearch: skipped {}: {}",
            terminal_safe(&s.path),
            terminal_safe(&s.reason)
        );
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
    let text = terminal_safe(text);
    if !colored {
        return write!(out, "{text}");
    }
    let chars: Vec<char> = text.chars().collect();
    let piece = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
    let mut at = 0;
    // Ranges are sorted and disjoint by contract; anything else is clipped, never a panic.
    for &[s, e] in highlights {
        let (s, e) = (s.clamp(at, chars.len()), e.min(chars.len()));
        if s >= e {
            continue;
        }
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
    let shown_path = terminal_safe(&hit.path);
    if colored {
        writeln!(out, "     {path}{shown_path}{path:#}  {dim}{meta}{dim:#}")?;
    } else {
        writeln!(out, "     {shown_path}  {meta}")?;
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

/// Control characters from reports and file names shown as visible symbols, one character
/// for one, so highlight offsets stay valid: C0 controls as their Unicode control pictures
/// (ESC as ␛), DEL as ␡, C1 controls and bidirectional overrides as �. A terminal never
/// receives an escape sequence that a report wrote.
fn terminal_safe(text: &str) -> Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| match c {
            '\0'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
            '\u{7f}' => '\u{2421}',
            c if unsafe_char(c) => '\u{fffd}',
            c => c,
        })
        .collect::<String>()
        .into()
}

#[derive(Serialize)]
struct Stats {
    index: PathBuf,
    index_bytes: u64,
    #[serde(flatten)]
    stats: IndexStats,
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
    let stats = Stats {
        index: std::fs::canonicalize(index_dir).unwrap_or_else(|_| index_dir.to_path_buf()),
        index_bytes: dir_size(index_dir),
        stats: searcher.stats()?,
    };
    let mut out = io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &stats)?;
        writeln!(out)?;
        return Ok(());
    }
    let or_none = |v: Option<&str>| terminal_safe(v.unwrap_or("(unknown)")).into_owned();
    let s = &stats.stats;
    writeln!(
        out,
        "index:        {}",
        terminal_safe(&stats.index.display().to_string())
    )?;
    writeln!(out, "folder:       {}", or_none(s.folder.as_deref()))?;
    writeln!(out, "reports:      {}", s.reports)?;
    writeln!(
        out,
        "size on disk: {:.1} MB",
        stats.index_bytes as f64 / 1e6
    )?;
    writeln!(out, "last update:  {}", or_none(s.last_update.as_deref()))?;
    writeln!(out, "analysis:     {}", or_none(s.analysis.as_deref()))?;
    if !s.analysis_current {
        writeln!(
            out,
            "              (this build analyses text differently: `zhsearch index` will rebuild)"
        )?;
    }
    writeln!(out, "knowledge:    {}", or_none(s.knowledge.as_deref()))?;
    if !s.knowledge_current {
        writeln!(
            out,
            "              (this build extracts knowledge differently: `zhsearch index` will re-extract)"
        )?;
    }
    let v = &s.vocabulary;
    write!(
        out,
        "vocabulary:   bundled lexicon {} terms, {} synonym rules",
        v.lexicon_terms, v.bundled_synonym_rules
    )?;
    for (what, file) in [("dictionary", &v.dictionary), ("synonyms", &v.synonyms)] {
        if let Some(f) = file {
            write!(
                out,
                "; {what} {} ({} entries)",
                terminal_safe(&f.path),
                f.entries
            )?;
        }
    }
    writeln!(out)?;
    if v.config.is_none() {
        writeln!(out, "              (no zhsearch.toml in the folder)")?;
    }
    for r in &v.rejected {
        writeln!(
            out,
            "              rejected {}",
            terminal_safe(&r.to_string())
        )?;
    }
    Ok(())
}

/// Indexing allocates per token and per document; mimalloc is markedly cheaper there than the
/// system allocator (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Our own SGR sequences (`ESC [ … m`) removed.
    fn strip_styles(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' && chars.peek() == Some(&'[') {
                for d in chars.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    fn any_text() -> impl Strategy<Value = String> {
        let pieces: &[&str] = &[
            "½",
            "ﷺ",
            "㋉",
            "党",
            "建",
            "a",
            " ",
            "\n",
            "\r",
            "\u{1b}",
            "\u{1b}[31m",
            "\u{7}",
            "\u{7f}",
            "\u{9b}",
            "\u{202e}",
            "\u{2066}",
            "\t",
            "é",
            "e\u{301}",
        ];
        prop::collection::vec(
            prop_oneof![
                3 => prop::sample::select(pieces).prop_map(str::to_string),
                1 => any::<char>().prop_map(|c| c.to_string()),
            ],
            0..30,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Whatever the text and the ranges (even out of order or out of bounds), painting
        /// never panics, writes the text it was given (control characters made visible, one
        /// for one) and no control character but the styles' own escapes.
        #[test]
        fn painting_shows_the_text_and_nothing_a_report_wrote_to_the_terminal(
            text in any_text(),
            ranges in prop::collection::vec((0..40usize, 0..40usize), 0..6),
        ) {
            let ranges: Vec<[usize; 2]> = ranges.into_iter().map(|(a, b)| [a, b]).collect();
            for colored in [false, true] {
                let mut out = Vec::new();
                paint(&mut out, &text, &ranges, Style::new().bold(), Style::new().underline(), colored)
                    .unwrap();
                let out = String::from_utf8(out).unwrap();
                let plain = strip_styles(&out);
                prop_assert_eq!(&plain, &*terminal_safe(&text));
                prop_assert_eq!(plain.chars().count(), text.chars().count());
                prop_assert!(!plain.chars().any(|c| c.is_control()), "{:?}", plain);
            }
        }
    }
}
