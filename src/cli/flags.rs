//! Command-line definitions: what the user can type, with the help text.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Search folders of Chinese reports: exact phrases, ranked and highlighted hits.
///
/// Index a folder once with `zhsearch index DIR`, then search it with `zhsearch search QUERY`.
/// On a fresh checkout `zhsearch search` builds the index from ./corpus by itself.
#[derive(Debug, Parser)]
#[command(name = "zhsearch", version, about, long_about)]
pub struct Cli {
    /// Index location.
    #[arg(long, global = true, value_name = "DIR", default_value = "index")]
    pub index: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Index a folder of reports (.txt, .md, .docx, .doc, .wps, .odt, .pdf, .html), or bring the
    /// index up to date with it.
    ///
    /// Only new, changed, deleted and renamed files are processed; unchanged files are not
    /// read. Everything lands in one commit, so an interrupted run loses nothing already
    /// indexed. Exits 1 when some files could not be indexed (each is named), 2 on error.
    Index {
        /// Folder to index. Default: the folder the index was built from, else ./corpus.
        dir: Option<PathBuf>,
        /// Reindex every file from scratch.
        #[arg(long)]
        rebuild: bool,
        /// Print nothing but errors and skipped files.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Search the index.
    ///
    /// Words are AND-ed; `OR`, `NOT`/`-word`, "exact phrases", `title:`/`body:` prefixes and
    /// parentheses are supported. Exits 0 when something matched, 1 when nothing did, 2 on error.
    #[command(
        after_help = "Examples:\n  zhsearch search 党建 引领\n  zhsearch search '\"小营盘镇\" OR title:乡村振兴'\n  zhsearch search 脱贫攻坚 --from 2018 --to 2019-06 --sort date\n  zhsearch search -l '\"党建统领\"'"
    )]
    Search {
        /// The query.
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        /// Hits to show, from 1 to 10000.
        #[arg(short = 'n', long, default_value_t = zhsearch::search::DEFAULT_LIMIT)]
        limit: usize,
        /// Hits to skip (for paging); offset + limit is at most 10000.
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// Only reports dated on or after this: YYYY, YYYY-MM or YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Only reports dated on or before this: YYYY, YYYY-MM or YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// Order of hits.
        #[arg(long, value_enum, default_value_t = SortArg::Relevance)]
        sort: SortArg,
        /// Print the path of every matching report, one per line, and nothing else.
        #[arg(short = 'l', long, conflicts_with = "json")]
        files_with_matches: bool,
        /// With -l: end each path with a NUL byte instead of a newline (for `xargs -0`).
        #[arg(short = '0', long, requires = "files_with_matches")]
        null: bool,
        /// Print one JSON object: {"total", "hits": [{"path", "title", "date", "score", "snippet", "highlights"}]}, and "facets" with --facets.
        #[arg(long)]
        json: bool,
        /// Also print the most frequent kinds, people, places and organizations of all
        /// matching reports (top 10 of each).
        #[arg(long, conflicts_with = "files_with_matches")]
        facets: bool,
        /// When to color matches.
        #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
        color: ColorArg,
        /// Search a cluster index instead of the local index: http://HOST:7280/NAME (see
        /// `zhsearch push`).
        #[arg(long, value_name = "URL")]
        engine: Option<String>,
    },
    /// Serve a search page, document pages and a JSON API over HTTP.
    ///
    /// Builds the index from the corpus first if there is none. With --watch, new, changed,
    /// deleted and renamed reports are indexed as they appear; without it, the server still
    /// picks up commits made by `zhsearch index`.
    Serve {
        /// Folder of reports.
        #[arg(long, value_name = "DIR", default_value = "corpus")]
        corpus: PathBuf,
        /// Address to listen on. Listening beyond loopback (0.0.0.0) is an explicit choice.
        #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Watch the corpus folder and index changes as they happen.
        #[arg(long)]
        watch: bool,
        /// Require a password (HTTP Basic auth, any user name) on every page and API route but
        /// /healthz: the first line of FILE. Use it when listening beyond loopback; see SECURITY.md.
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
        /// Answer from a cluster index instead of the local index: http://HOST:7280/NAME.
        #[arg(long, value_name = "URL", conflicts_with_all = ["watch", "push"])]
        engine: Option<String>,
        /// With --watch: push every change to this cluster index too (http://HOST:7280/NAME).
        #[arg(long, value_name = "URL", requires = "watch")]
        push: Option<String>,
    },
    /// Send the knowledge base to a Quickwit cluster, and on later runs only what changed.
    ///
    /// Brings the index up to date with its folder first (as `zhsearch index` does), creates
    /// the cluster index if it does not exist, then sends every report with its knowledge and
    /// text in batches; later pushes send only new, changed, removed and renamed reports. What
    /// was pushed is recorded in the local index; a push that was interrupted is completed by
    /// the next one. Exits 2 when the cluster cannot be reached or refuses the reports.
    #[command(
        after_help = "Examples:\n  zhsearch push --to http://127.0.0.1:7280\n  zhsearch push --to http://qw.internal:7280 --index-id reports_2024\n  zhsearch search --engine http://qw.internal:7280/reports_2024 '\"小营盘镇\"'"
    )]
    Push {
        /// The cluster: http://HOST:PORT (its REST port, 7280 by default).
        #[arg(long, value_name = "URL")]
        to: String,
        /// The cluster index to create or update.
        #[arg(long, value_name = "NAME", default_value = zhsearch::cluster::DEFAULT_INDEX_ID)]
        index_id: String,
        /// Print nothing but errors.
        #[arg(short, long)]
        quiet: bool,
    },
    /// List the people, places and organizations the reports name, most frequent first.
    #[command(
        after_help = "Examples:\n  zhsearch entities --type place --top 20\n  zhsearch entities --json"
    )]
    Entities {
        /// Only this type: person, place, org (or kind).
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<String>,
        /// How many of each type.
        #[arg(long, default_value_t = 20)]
        top: usize,
        /// Print one JSON object: {"person": [[name, reports], …], …}.
        #[arg(long)]
        json: bool,
    },
    /// Reports like a report: its near-duplicates (sharing at least half of its text, with
    /// the overlap in percent) and related reports (sharing keywords and entities).
    ///
    /// PATH may be a report of the indexed folder or any other file. Exits 0 when something
    /// was found, 1 when nothing was, 2 on error.
    Similar {
        /// The report.
        path: PathBuf,
        /// Print one JSON object: {"duplicates": […], "related": […]}.
        #[arg(long)]
        json: bool,
    },
    /// List every group of reports that share most of their text: a copy audit of the whole
    /// index, newest group first.
    ///
    /// Two reports are grouped when one holds at least PERCENT of the other's text (copies of
    /// copies join the same group). Within a group, reports are listed by date, each with the
    /// share of its text found in the earlier ones (0 for the earliest, the original). Exits 0
    /// when a group was found, 1 when none was, 2 on error.
    #[command(
        after_help = "Examples:\n  zhsearch duplicates\n  zhsearch duplicates --kind 述职报告 --from 2020 --min 70\n  zhsearch duplicates --json | jq '.groups | length'"
    )]
    Duplicates {
        /// Least share of a report's text, in percent (30 to 100), another report must hold
        /// for the two to be grouped.
        #[arg(long, value_name = "PERCENT", default_value_t = zhsearch::search::duplicates::DEFAULT_MIN_PERCENT)]
        min: u32,
        /// Only groups with a report of this kind (述职报告, 工作总结, …).
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        /// Only groups with a report dated on or after this: YYYY, YYYY-MM or YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Only groups with a report dated on or before this: YYYY, YYYY-MM or YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// Print one JSON object: {"groups": [{"reports": [{"id", "path", "title", "date", "kind", "overlap"}, …]}, …]}.
        #[arg(long)]
        json: bool,
    },
    /// Write every report with its kind, keywords and entities as JSON lines, in path order:
    /// {"id", "path", "title", "date", "kind", "keywords", "entities": {"person", "place",
    /// "org"}, "headings"}.
    Export {
        /// Include each report's whole text as "text".
        #[arg(long)]
        text: bool,
    },
    /// Show what the index holds.
    Stats {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `--sort` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SortArg {
    /// Best match first.
    Relevance,
    /// Newest first.
    Date,
}

/// `--color` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorArg {
    /// Color when printing to a terminal and NO_COLOR is not set.
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}
