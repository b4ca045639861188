//! The one place errors become responses. Users see what they can act on; internals are logged.

use std::convert::Infallible;

use serde::Serialize;
use warp::http::StatusCode;
use warp::reply::{Reply, Response};
use warp::Rejection;

use super::pages;
use super::params::BadParam;
use super::QUERY_BUDGET;

/// Whether the client asked for a page or for JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The JSON API.
    Json,
    /// A browser page.
    Html,
}

/// An error reply.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub format: Format,
    /// Seconds after which to try again (`Retry-After`), for 503s and 429s.
    pub retry_after: Option<u64>,
    /// The `WWW-Authenticate` challenge of a 401.
    pub challenge: Option<&'static str>,
}

impl warp::reject::Reject for ApiError {}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>, format: Format) -> Self {
        ApiError {
            status,
            message: message.into(),
            format,
            retry_after: None,
            challenge: None,
        }
    }

    /// 500, without details (they are logged where the error is known).
    pub fn internal(format: Format) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error", format)
    }

    /// 503 with `Retry-After`: the server is saturated or the search ran out of time.
    pub fn busy(format: Format) -> Self {
        ApiError {
            retry_after: Some(QUERY_BUDGET.as_secs().max(1)),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is busy: try again in a few seconds",
                format,
            )
        }
    }

    /// A parameter that cannot be used.
    pub fn from_param(err: BadParam, format: Format) -> Self {
        ApiError::new(err.status, err.message, format)
    }

    pub fn bad_request(message: impl Into<String>, format: Format) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, message, format)
    }

    /// A library error: the user's fault (bad query, bad date) is a 400 with its message;
    /// anything else is logged and answered without details.
    pub fn from_lib(err: crate::Error, format: Format) -> Self {
        if err.is_user_error() {
            ApiError::bad_request(err.to_string(), format)
        } else if let crate::Error::Timeout(budget) = err {
            tracing::info!("a search ran out of its {} ms budget", budget.as_millis());
            ApiError {
                message: format!(
                    "the search did not finish within {} s: the server may be busy, or the query too costly; try again, or narrow it",
                    budget.as_secs_f64()
                ),
                ..ApiError::busy(format)
            }
        } else if let crate::Error::Unreachable { .. } = err {
            // The engine behind the server is down: nothing the user typed is wrong.
            tracing::warn!("{err}");
            ApiError {
                retry_after: Some(QUERY_BUDGET.as_secs().max(1)),
                ..ApiError::new(StatusCode::BAD_GATEWAY, err.to_string(), format)
            }
        } else {
            tracing::error!("internal error: {err}");
            ApiError::internal(format)
        }
    }

    pub fn into_response(self) -> Response {
        #[derive(Serialize)]
        struct Body<'a> {
            error: &'a str,
        }
        let reply: Response = match self.format {
            Format::Json => warp::reply::json(&Body {
                error: &self.message,
            })
            .into_response(),
            Format::Html => {
                warp::reply::html(pages::error_page(self.status, &self.message).into_string())
                    .into_response()
            }
        };
        let mut reply = with_retry_after(
            warp::reply::with_status(reply, self.status).into_response(),
            self.retry_after,
        );
        if let Some(challenge) = self.challenge {
            reply.headers_mut().insert(
                warp::http::header::WWW_AUTHENTICATE,
                warp::http::HeaderValue::from_static(challenge),
            );
        }
        reply
    }
}

/// `reply` with `Retry-After: seconds`, when there are any.
pub fn with_retry_after(mut reply: Response, seconds: Option<u64>) -> Response {
    if let Some(seconds) = seconds {
        reply
            .headers_mut()
            .insert(warp::http::header::RETRY_AFTER, seconds.into());
    }
    reply
}

/// Turns every rejection into a response.
pub async fn recover(rejection: Rejection) -> Result<Response, Infallible> {
    let err = if let Some(e) = rejection.find::<ApiError>() {
        ApiError {
            retry_after: e.retry_after,
            challenge: e.challenge,
            ..ApiError::new(e.status, e.message.clone(), e.format)
        }
    } else if rejection.is_not_found() {
        ApiError::new(StatusCode::NOT_FOUND, "not found", Format::Html)
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET is supported",
            Format::Json,
        )
    } else if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request too large",
            Format::Json,
        )
    } else {
        tracing::debug!("unhandled rejection: {rejection:?}");
        ApiError::bad_request("bad request", Format::Json)
    };
    Ok(err.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_budget_and_a_full_server_are_503_with_retry_after() {
        let timeout = ApiError::from_lib(
            crate::Error::Timeout(std::time::Duration::from_secs(5)),
            Format::Json,
        );
        for err in [timeout, ApiError::busy(Format::Html)] {
            assert_eq!(err.status, StatusCode::SERVICE_UNAVAILABLE);
            let reply = err.into_response();
            assert_eq!(reply.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(reply.headers()[warp::http::header::RETRY_AFTER], "5");
        }
        let user = ApiError::from_lib(crate::Error::Option("bad".into()), Format::Json);
        assert_eq!(user.status, StatusCode::BAD_REQUEST);
    }
}
