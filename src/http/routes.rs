//! Routes: composition only.

use std::convert::Infallible;
use std::sync::Arc;

use warp::http::header::{HeaderValue, CONTENT_SECURITY_POLICY, X_CONTENT_TYPE_OPTIONS};
use warp::http::StatusCode;
use warp::reply::Reply;
use warp::Filter;

use super::error::{recover, ApiError, Format};
use super::{auth, handlers, AppState};

fn with_state(
    state: Arc<AppState>,
) -> impl Filter<Extract = (Arc<AppState>,), Error = Infallible> + Clone {
    warp::any().map(move || Arc::clone(&state))
}

/// The raw query string, empty when there is none.
fn raw_query() -> impl Filter<Extract = (String,), Error = Infallible> + Clone {
    warp::query::raw().or(warp::any().map(String::new)).unify()
}

/// Every route of the server.
pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone {
    let get = warp::get();
    let search_page = get
        .and(warp::path::end())
        .and(raw_query())
        .and(with_state(state.clone()))
        .and_then(handlers::search_page);
    let doc_page = get
        .and(warp::path!("doc" / String))
        .and(raw_query())
        .and(with_state(state.clone()))
        .and_then(handlers::doc_page);
    let api_search = get
        .and(warp::path!("api" / "search"))
        .and(raw_query())
        .and(with_state(state.clone()))
        .and_then(handlers::api_search);
    let file = get
        .and(warp::path!("file" / String))
        .and(with_state(state.clone()))
        .and_then(handlers::file);
    let api_doc = get
        .and(warp::path!("api" / "doc" / String))
        .and(with_state(state.clone()))
        .and_then(handlers::api_doc);
    let entity_page = get
        .and(warp::path!("entity" / String / String))
        .and(raw_query())
        .and(with_state(state.clone()))
        .and_then(handlers::entity_page);
    let api_entity = get
        .and(warp::path!("api" / "entity" / String / String))
        .and(raw_query())
        .and(with_state(state.clone()))
        .and_then(handlers::api_entity);
    let duplicates_page = get
        .and(warp::path!("duplicates"))
        .and(raw_query())
        .and(with_state(state.clone()))
        .and_then(handlers::duplicates_page);
    let api_duplicates = get
        .and(warp::path!("api" / "duplicates"))
        .and(raw_query())
        .and(with_state(state.clone()))
        .and_then(handlers::api_duplicates);
    let gate = state.auth.clone();
    let api_stats = get
        .and(warp::path!("api" / "stats"))
        .and(with_state(state))
        .and_then(handlers::api_stats);
    let healthz = get.and(warp::path!("healthz")).map(|| "ok".into_response());
    let unknown = warp::path::full().and_then(|path: warp::path::FullPath| async move {
        let format = if path.as_str().starts_with("/api/") {
            Format::Json
        } else {
            Format::Html
        };
        Err::<warp::reply::Response, _>(warp::reject::custom(ApiError::new(
            StatusCode::NOT_FOUND,
            "not found",
            format,
        )))
    });
    let log = warp::log::custom(|info| {
        tracing::debug!(
            "{} {} {} {:?}",
            info.method(),
            info.path(),
            info.status().as_u16(),
            info.elapsed()
        );
    });
    let app = search_page
        .or(doc_page)
        .unify()
        .or(api_search)
        .unify()
        .or(api_doc)
        .unify()
        .or(file)
        .unify()
        .or(entity_page)
        .unify()
        .or(api_entity)
        .unify()
        .or(duplicates_page)
        .unify()
        .or(api_duplicates)
        .unify()
        .or(api_stats)
        .unify()
        .or(unknown)
        .unify()
        .recover(recover)
        .unify();
    // `app` never rejects, so a rejection here is the password check's.
    healthz
        .or(auth::guard(gate).and(app))
        .unify()
        .recover(recover)
        .unify()
        .map(with_security_headers)
        .with(log)
}

/// Adds the headers every answer carries: no MIME sniffing, and a CSP that allows no scripts.
pub(super) fn with_security_headers(mut reply: warp::reply::Response) -> warp::reply::Response {
    let headers = reply.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'"),
    );
    reply
}
