//! Request parameters to a search, and the search to a reply.

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use warp::http::StatusCode;
use warp::reply::{Reply, Response};

use super::error::{ApiError, Format};
use super::{pages, AppState, MAX_DEPTH, MAX_LIMIT, MAX_QUERY_CHARS, QUERY_BUDGET};
use crate::search::{parse_date_bound, Hit, ReportView, SearchRequest, SearchResults, Sort};

/// Search parameters shared by the page and the API.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub q: String,
    pub limit: usize,
    pub offset: usize,
    pub from: Option<String>,
    pub to: Option<String>,
    pub sort: Sort,
}

fn whole_number(name: &str, value: &str, max: usize, format: Format) -> Result<usize, ApiError> {
    value
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|&n| n <= max)
        .ok_or_else(|| {
            ApiError::bad_request(
                format!("{name} must be a whole number from 0 to {max}, not {value:?}"),
                format,
            )
        })
}

impl Params {
    /// Reads `q`, `limit`, `offset`, `from`, `to` and `sort` from a raw query string. Invalid
    /// percent-encoding decodes to U+FFFD rather than failing.
    pub fn parse(raw: &str, format: Format) -> Result<Params, ApiError> {
        let mut p = Params {
            limit: 10,
            ..Params::default()
        };
        for (key, value) in form_urlencoded::parse(raw.as_bytes()) {
            let value = value.into_owned();
            let non_empty = || Some(value.trim().to_string()).filter(|v| !v.is_empty());
            match key.as_ref() {
                "q" => p.q = value.clone(),
                "limit" => p.limit = whole_number("limit", &value, MAX_LIMIT, format)?,
                "offset" => p.offset = whole_number("offset", &value, MAX_DEPTH, format)?,
                "from" => p.from = non_empty(),
                "to" => p.to = non_empty(),
                "sort" => {
                    p.sort = match value.trim() {
                        "" | "relevance" => Sort::Relevance,
                        "date" => Sort::Date,
                        other => {
                            return Err(ApiError::bad_request(
                                format!("sort must be relevance or date, not {other:?}"),
                                format,
                            ))
                        }
                    }
                }
                _ => {}
            }
        }
        if p.q.chars().count() > MAX_QUERY_CHARS {
            return Err(ApiError::new(
                StatusCode::URI_TOO_LONG,
                format!("the query is longer than {MAX_QUERY_CHARS} characters"),
                format,
            ));
        }
        if p.limit == 0 {
            p.limit = 10;
        }
        if p.offset + p.limit > MAX_DEPTH {
            return Err(ApiError::bad_request(
                format!("offset + limit may not exceed {MAX_DEPTH}"),
                format,
            ));
        }
        Ok(p)
    }

    fn request(&self, format: Format) -> Result<SearchRequest, ApiError> {
        let date = |d: &Option<String>, end| {
            d.as_deref()
                .map(|d| parse_date_bound(d, end))
                .transpose()
                .map_err(|e| ApiError::from_lib(e, format))
        };
        let mut req = SearchRequest::new(self.q.clone());
        req.limit = self.limit;
        req.offset = self.offset;
        req.from = date(&self.from, false)?;
        req.to = date(&self.to, true)?;
        req.sort = self.sort;
        req.years = true;
        Ok(req)
    }
}

/// Runs blocking library work on the blocking pool, within the time budget and the limit on
/// concurrent searches.
async fn run<T: Send + 'static>(
    state: &Arc<AppState>,
    format: Format,
    work: impl FnOnce(&AppState) -> crate::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let busy = || {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is busy; try again",
            format,
        )
    };
    let _permit = tokio::time::timeout(QUERY_BUDGET, state.searches.acquire())
        .await
        .map_err(|_| busy())?
        .map_err(|_| busy())?;
    let state = Arc::clone(state);
    let task = tokio::task::spawn_blocking(move || work(&state));
    match tokio::time::timeout(QUERY_BUDGET, task).await {
        Ok(Ok(result)) => result.map_err(|e| ApiError::from_lib(e, format)),
        Ok(Err(join)) => {
            tracing::error!("search task failed: {join}");
            Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
                format,
            ))
        }
        Err(_) => Err(ApiError::bad_request(
            format!(
                "the query took longer than {} s; make it more specific",
                QUERY_BUDGET.as_secs()
            ),
            format,
        )),
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
}

async fn search(
    state: &Arc<AppState>,
    params: &Params,
    format: Format,
) -> Result<SearchResults, ApiError> {
    let req = params.request(format)?;
    run(state, format, move |s| s.searcher.search(&req)).await
}

async fn api_search_inner(raw: String, state: Arc<AppState>) -> Result<Response, ApiError> {
    let params = Params::parse(&raw, Format::Json)?;
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
    })
    .into_response())
}

async fn document(
    state: &Arc<AppState>,
    id: String,
    format: Format,
) -> Result<ReportView, ApiError> {
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "no such report", format);
    if crate::index::schema::parse_report_id(&id).is_none() {
        return Err(not_found());
    }
    run(state, format, move |s| s.searcher.document(&id))
        .await?
        .ok_or_else(not_found)
}

async fn api_doc_inner(id: String, state: Arc<AppState>) -> Result<Response, ApiError> {
    let doc = document(&state, id, Format::Json).await?;
    Ok(warp::reply::json(&doc).into_response())
}

#[derive(Serialize)]
struct Stats {
    reports: u64,
    folder: Option<String>,
    last_update: Option<u64>,
    analysis: Option<String>,
}

async fn api_stats_inner(state: Arc<AppState>) -> Result<Response, ApiError> {
    let stats = run(&state, Format::Json, |s| {
        let info = s.searcher.info()?;
        Ok(Stats {
            reports: s.searcher.num_docs(),
            folder: info.as_ref().map(|i| i.root.display().to_string()),
            last_update: info.as_ref().map(|i| i.updated),
            analysis: info.map(|i| i.analysis),
        })
    })
    .await?;
    Ok(warp::reply::json(&stats).into_response())
}

async fn search_page_inner(raw: String, state: Arc<AppState>) -> Result<Response, ApiError> {
    let started = Instant::now();
    let params = match Params::parse(&raw, Format::Html) {
        Ok(p) => p,
        Err(e) => {
            let page = pages::search_page(&Params::default(), None, Some(&e.message));
            return Ok(with_status(page.into_string(), e.status));
        }
    };
    if params.q.trim().is_empty() {
        return Ok(with_status(
            pages::search_page(&params, None, None).into_string(),
            StatusCode::OK,
        ));
    }
    let (page, status) = match search(&state, &params, Format::Html).await {
        Ok(results) => (
            pages::search_page(&params, Some(&results), None),
            StatusCode::OK,
        ),
        Err(e) if e.status.is_client_error() => (
            pages::search_page(&params, None, Some(&e.message)),
            e.status,
        ),
        Err(e) => return Err(e),
    };
    tracing::debug!("search page for {:?} in {:?}", params.q, started.elapsed());
    Ok(with_status(page.into_string(), status))
}

async fn doc_page_inner(
    id: String,
    raw: String,
    state: Arc<AppState>,
) -> Result<Response, ApiError> {
    let params = Params::parse(&raw, Format::Html).unwrap_or_default();
    let doc = document(&state, id, Format::Html).await?;
    let q = params.q.clone();
    // A query that does not parse highlights nothing; the page still shows the report.
    let needles = if q.trim().is_empty() {
        Vec::new()
    } else {
        run(&state, Format::Html, move |s| {
            s.searcher.highlight_terms(&q)
        })
        .await
        .unwrap_or_default()
    };
    Ok(with_status(
        pages::doc_page(&doc, &params, &needles).into_string(),
        StatusCode::OK,
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
respond!(search_page => search_page_inner(raw: String, state: Arc<AppState>));
respond!(doc_page => doc_page_inner(id: String, raw: String, state: Arc<AppState>));
