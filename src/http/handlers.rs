//! Request parameters to a search, and the search to a reply.
//!
//! Every piece of work that grows with a report or a query runs on tokio's blocking pool,
//! never on the async threads, holding one of a fixed number of permits for as long as it runs;
//! searches carry the time budget into the library, which stops them when it is spent.

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use warp::http::StatusCode;
use warp::reply::{Reply, Response};

use super::download::Download;
use super::error::{with_retry_after, ApiError, Format};
use super::params::{entity_path, AuditParams, Params};
use super::{pages, AppState};
use crate::knowledge::{Facet, Kind};
use crate::search::{
    Duplicates, EntityView, FacetCounts, Highlighter, Hit, IndexStats, Original, Probe, ReportView,
    SearchResponse, Similar, FACET_TOP,
};

/// Runs blocking library work on the blocking pool, holding a permit for as long as the work
/// runs (so the pool never has more than the permitted number of costly tasks). A request that
/// finds no permit free within the budget is told the server is busy.
async fn run<T: Send + 'static>(
    state: &Arc<AppState>,
    format: Format,
    work: impl FnOnce(&AppState) -> crate::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let permit = tokio::time::timeout(state.budget, Arc::clone(&state.searches).acquire_owned())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| ApiError::busy(format))?;
    let state = Arc::clone(state);
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work(&state)
    });
    match task.await {
        Ok(result) => result.map_err(|e| ApiError::from_lib(e, format)),
        Err(join) => {
            tracing::error!("request task failed: {join}");
            Err(ApiError::internal(format))
        }
    }
}

/// The JSON body of `/api/search`.
#[derive(Serialize)]
struct ApiResults<'a> {
    query: &'a str,
    total: usize,
    took_ms: f64,
    hits: &'a [Hit],
    years: &'a [[i64; 2]],
    /// Kind, people, places and organizations over the whole matching set.
    #[serde(serialize_with = "crate::search::facets_json")]
    facets: &'a FacetCounts,
}

/// The JSON body of `/api/doc/{id}`: the report, and the reports like it.
#[derive(Serialize)]
struct ApiDoc {
    #[serde(flatten)]
    doc: ReportView,
    #[serde(flatten)]
    similar: Similar,
}

async fn search(
    state: &Arc<AppState>,
    params: &Params,
    format: Format,
) -> Result<SearchResponse, ApiError> {
    let mut req = params
        .request()
        .map_err(|e| ApiError::from_lib(e, format))?;
    // A malformed query is told so at once, not after waiting for a slot. Parsing is linear in
    // a query of at most 1,000 characters: cheap enough for the async threads.
    crate::search::query::parse(&req.query).map_err(|e| ApiError::from_lib(e, format))?;
    req.budget = Some(state.budget);
    run(state, format, move |s| s.corpus.search(&req)).await
}

async fn api_search_inner(raw: String, state: Arc<AppState>) -> Result<Response, ApiError> {
    let params = Params::parse(&raw).map_err(|e| ApiError::from_param(e, Format::Json))?;
    if params.q.trim().is_empty() {
        return Err(ApiError::bad_request(
            "missing query: add ?q=…",
            Format::Json,
        ));
    }
    let results = search(&state, &params, Format::Json).await?;
    Ok(warp::reply::json(&ApiResults {
        query: &params.q,
        total: results.total,
        took_ms: (results.took.as_secs_f64() * 1e5).round() / 100.0,
        hits: &results.hits,
        years: &results.years,
        facets: &results.facets,
    })
    .into_response())
}

/// What an indexed report is compared by to find the reports like it.
fn probe(doc: &ReportView) -> Probe<'_> {
    Probe {
        text: &doc.text,
        knowledge: &doc.knowledge,
        path: Some(&doc.report.path),
    }
}

fn not_found(format: Format) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such report", format)
}

async fn api_doc_inner(id: String, state: Arc<AppState>) -> Result<Response, ApiError> {
    if crate::index::schema::parse_report_id(&id).is_none() {
        return Err(not_found(Format::Json));
    }
    // Serialized on the blocking pool too: a report may be megabytes long.
    let body = run(&state, Format::Json, move |s| {
        let Some(doc) = s.corpus.document(&id)? else {
            return Ok(None);
        };
        let similar = s.corpus.similar(&probe(&doc))?;
        serde_json::to_vec(&ApiDoc { doc, similar })
            .map(Some)
            .map_err(|e| crate::Error::io("serializing a report", e.into()))
    })
    .await?
    .ok_or_else(|| not_found(Format::Json))?;
    let mut reply = Response::new(body.into());
    reply.headers_mut().insert(
        warp::http::header::CONTENT_TYPE,
        warp::http::HeaderValue::from_static("application/json"),
    );
    Ok(reply)
}

/// `Content-Disposition` for a download of `path`'s file: its name in UTF-8 (RFC 6266 and
/// 5987), with an ASCII stand-in for old clients.
fn attachment(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' && c != '%' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

async fn file_inner(id: String, state: Arc<AppState>) -> Result<Response, ApiError> {
    if crate::index::schema::parse_report_id(&id).is_none() {
        return Err(not_found(Format::Html));
    }
    // Opening checks what the path holds now (never blocking on a named pipe); the body is
    // then streamed from that descriptor by the accept loop (see `download`).
    let file = match run(&state, Format::Html, move |s| s.corpus.original(&id)).await? {
        Original::Found(file) => file,
        Original::Missing => return Err(not_found(Format::Html)),
        Original::Refused(reason) => {
            tracing::info!("not serving a report's file: {reason}");
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("the report's file is no longer one that can be downloaded: {reason}"),
                Format::Html,
            ));
        }
    };
    let disposition = attachment(&file.path);
    let size = file.file.size();
    let mut reply = Response::new(warp::hyper::body::Bytes::new().into());
    reply
        .extensions_mut()
        .insert(Download::new(file.file.into_file(), size));
    let headers = reply.headers_mut();
    let value = |v: &str| {
        warp::http::HeaderValue::from_str(v)
            .unwrap_or_else(|_| warp::http::HeaderValue::from_static("application/octet-stream"))
    };
    headers.insert(warp::http::header::CONTENT_TYPE, value(&file.media_type));
    if let Ok(v) = warp::http::HeaderValue::from_str(&disposition) {
        headers.insert(warp::http::header::CONTENT_DISPOSITION, v);
    }
    Ok(reply)
}

async fn api_stats_inner(state: Arc<AppState>) -> Result<Response, ApiError> {
    let stats: IndexStats = run(&state, Format::Json, |s| s.corpus.stats()).await?;
    Ok(warp::reply::json(&stats).into_response())
}

async fn search_page_inner(raw: String, state: Arc<AppState>) -> Result<Response, ApiError> {
    let started = Instant::now();
    let params = match Params::parse(&raw) {
        Ok(p) => p,
        Err(e) => {
            let page = pages::search_page(&Params::default(), None, Some(&e.message), None);
            return Ok(with_status(page.into_string(), e.status));
        }
    };
    if params.q.trim().is_empty() {
        // The corpus at a glance; a busy server still shows the search box without it.
        let overview = run(&state, Format::Html, |s| s.corpus.overview(FACET_TOP))
            .await
            .ok();
        return Ok(with_status(
            pages::search_page(&params, None, None, overview.as_ref()).into_string(),
            StatusCode::OK,
        ));
    }
    let (page, status, retry) = match search(&state, &params, Format::Html).await {
        Ok(results) => (
            pages::search_page(&params, Some(&results), None, None),
            StatusCode::OK,
            None,
        ),
        Err(e) if e.status.is_client_error() || e.retry_after.is_some() => (
            pages::search_page(&params, None, Some(&e.message), None),
            e.status,
            e.retry_after,
        ),
        Err(e) => return Err(e),
    };
    tracing::debug!("search page for {:?} in {:?}", params.q, started.elapsed());
    Ok(with_retry_after(
        with_status(page.into_string(), status),
        retry,
    ))
}

async fn doc_page_inner(
    id: String,
    raw: String,
    state: Arc<AppState>,
) -> Result<Response, ApiError> {
    if crate::index::schema::parse_report_id(&id).is_none() {
        return Err(not_found(Format::Html));
    }
    let params = Params::parse(&raw).map_err(|e| ApiError::from_param(e, Format::Html))?;
    // Looking the report up, highlighting and rendering all grow with the report: all of it
    // runs on the blocking pool, one part of a long report at a time.
    let html = run(&state, Format::Html, move |s| {
        let Some(doc) = s.corpus.document(&id)? else {
            return Ok(None);
        };
        // A query that does not parse highlights nothing; the page still shows the report.
        let highlighter = if params.q.trim().is_empty() {
            Highlighter::new(&[])
        } else {
            s.corpus
                .highlighter(&params.q)
                .unwrap_or_else(|_| Highlighter::new(&[]))
        };
        let similar = s.corpus.similar(&probe(&doc))?;
        Ok(Some(
            pages::doc_page(
                &doc,
                &similar,
                &params,
                &highlighter,
                s.corpus.has_originals(),
            )
            .into_string(),
        ))
    })
    .await?
    .ok_or_else(|| not_found(Format::Html))?;
    Ok(with_status(html, StatusCode::OK))
}

/// The entity named in a URL, a page of its reports as `raw` asks. Unknown types and
/// unreadable names are 400s; a name no report has is a 404.
async fn entity(
    facet: String,
    name: String,
    raw: String,
    state: Arc<AppState>,
    format: Format,
) -> Result<(EntityView, Params), ApiError> {
    let (facet, name) = entity_path(&facet, &name).map_err(|e| ApiError::from_param(e, format))?;
    let params = Params::parse(&raw).map_err(|e| ApiError::from_param(e, format))?;
    let unknown = || {
        let message = match format {
            Format::Json => format!("no report names the {facet} {name:?}"),
            Format::Html => format!("没有报告提到{}「{name}」。", facet.label()),
        };
        ApiError::new(StatusCode::NOT_FOUND, message, format)
    };
    // Any other kind is not a name the query language accepts; no report has it either.
    if facet == Facet::Kind && Kind::from_label(&name).is_none() {
        return Err(unknown());
    }
    let (limit, offset) = (params.limit, params.offset);
    let wanted = name.clone();
    let view = run(&state, format, move |s| {
        s.corpus.entity(facet, &wanted, limit, offset)
    })
    .await?;
    if view.reports == 0 {
        return Err(unknown());
    }
    Ok((view, params))
}

async fn api_entity_inner(
    facet: String,
    name: String,
    raw: String,
    state: Arc<AppState>,
) -> Result<Response, ApiError> {
    let (view, _) = entity(facet, name, raw, state, Format::Json).await?;
    Ok(warp::reply::json(&view).into_response())
}

async fn entity_page_inner(
    facet: String,
    name: String,
    raw: String,
    state: Arc<AppState>,
) -> Result<Response, ApiError> {
    let (view, params) = entity(facet, name, raw, state, Format::Html).await?;
    Ok(with_status(
        pages::entity_page(&view, &params).into_string(),
        StatusCode::OK,
    ))
}

/// The copy audit `raw` asks for, run on the blocking pool within the time budget.
async fn audit(
    params: &AuditParams,
    state: &Arc<AppState>,
    format: Format,
) -> Result<Duplicates, ApiError> {
    let mut req = params
        .request()
        .map_err(|e| ApiError::from_lib(e, format))?;
    req.budget = Some(state.budget);
    run(state, format, move |s| s.corpus.duplicates(&req)).await
}

async fn api_duplicates_inner(raw: String, state: Arc<AppState>) -> Result<Response, ApiError> {
    let params = AuditParams::parse(&raw).map_err(|e| ApiError::from_param(e, Format::Json))?;
    let found = audit(&params, &state, Format::Json).await?;
    Ok(warp::reply::json(&found).into_response())
}

async fn duplicates_page_inner(raw: String, state: Arc<AppState>) -> Result<Response, ApiError> {
    let params = match AuditParams::parse(&raw) {
        Ok(p) => p,
        Err(e) => {
            let page = pages::duplicates_page(&AuditParams::default(), None, Some(&e.message));
            return Ok(with_status(page.into_string(), e.status));
        }
    };
    // A mistake in the form or a busy server is told on the page itself, with the form.
    let (page, status, retry) = match audit(&params, &state, Format::Html).await {
        Ok(found) => (
            pages::duplicates_page(&params, Some(&found), None),
            StatusCode::OK,
            None,
        ),
        Err(e) if e.status.is_client_error() || e.retry_after.is_some() => (
            pages::duplicates_page(&params, None, Some(&e.message)),
            e.status,
            e.retry_after,
        ),
        Err(e) => return Err(e),
    };
    Ok(with_retry_after(
        with_status(page.into_string(), status),
        retry,
    ))
}

fn with_status(html: String, status: StatusCode) -> Response {
    warp::reply::with_status(warp::reply::html(html), status).into_response()
}

/// Declares a public handler that turns its inner function's error into a response.
macro_rules! respond {
    ($name:ident => $inner:ident ($($arg:ident: $ty:ty),*)) => {
        pub async fn $name($($arg: $ty),*) -> Result<Response, std::convert::Infallible> {
            Ok($inner($($arg),*).await.unwrap_or_else(ApiError::into_response))
        }
    };
}

respond!(api_search => api_search_inner(raw: String, state: Arc<AppState>));
respond!(api_doc => api_doc_inner(id: String, state: Arc<AppState>));
respond!(api_stats => api_stats_inner(state: Arc<AppState>));
respond!(file => file_inner(id: String, state: Arc<AppState>));
respond!(search_page => search_page_inner(raw: String, state: Arc<AppState>));
respond!(doc_page => doc_page_inner(id: String, raw: String, state: Arc<AppState>));
respond!(api_duplicates => api_duplicates_inner(raw: String, state: Arc<AppState>));
respond!(duplicates_page => duplicates_page_inner(raw: String, state: Arc<AppState>));
respond!(api_entity => api_entity_inner(facet: String, name: String, raw: String, state: Arc<AppState>));
respond!(entity_page => entity_page_inner(facet: String, name: String, raw: String, state: Arc<AppState>));
