//! Request parameters shared by the search page, the document pages and the API.

use warp::http::StatusCode;

use super::MAX_LIMIT;
use crate::search::{SearchRequest, Sort, DEFAULT_LIMIT, MAX_DEPTH, MAX_QUERY_CHARS};

/// Search parameters as given in the URL.
#[derive(Debug, Clone)]
pub struct Params {
    pub q: String,
    pub limit: usize,
    pub offset: usize,
    pub from: Option<String>,
    pub to: Option<String>,
    pub sort: Sort,
    /// Part of a long report shown on its page, from 1.
    pub part: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            q: String::new(),
            limit: DEFAULT_LIMIT,
            offset: 0,
            from: None,
            to: None,
            sort: Sort::Relevance,
            part: 1,
        }
    }
}

/// A parameter that cannot be used: the status to answer and what to tell the user.
#[derive(Debug)]
pub struct BadParam {
    pub status: StatusCode,
    pub message: String,
}

impl BadParam {
    fn new(message: impl Into<String>) -> Self {
        BadParam {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

fn whole_number(name: &str, value: &str) -> Result<usize, BadParam> {
    value
        .trim()
        .parse::<usize>()
        .map_err(|_| BadParam::new(format!("{name} must be a whole number, not {value:?}")))
}

impl Params {
    /// Reads `q`, `limit`, `offset`, `from`, `to`, `sort` and `part` from a raw query string.
    /// Invalid percent-encoding decodes to U+FFFD rather than failing. Bounds: `limit` 1 to
    /// [`MAX_LIMIT`], `offset + limit` at most [`MAX_DEPTH`], `part` from 1.
    pub fn parse(raw: &str) -> Result<Params, BadParam> {
        let mut p = Params::default();
        for (key, value) in form_urlencoded::parse(raw.as_bytes()) {
            let non_empty = || Some(value.trim().to_string()).filter(|v| !v.is_empty());
            match key.as_ref() {
                "q" => p.q = value.clone().into_owned(),
                "limit" => p.limit = whole_number("limit", &value)?,
                "offset" => p.offset = whole_number("offset", &value)?,
                "part" => p.part = whole_number("part", &value)?,
                "from" => p.from = non_empty(),
                "to" => p.to = non_empty(),
                "sort" => {
                    p.sort = match value.trim() {
                        "" | "relevance" => Sort::Relevance,
                        "date" => Sort::Date,
                        other => {
                            return Err(BadParam::new(format!(
                                "sort must be relevance or date, not {other:?}"
                            )))
                        }
                    }
                }
                _ => {}
            }
        }
        if p.q.chars().count() > MAX_QUERY_CHARS {
            return Err(BadParam {
                status: StatusCode::URI_TOO_LONG,
                message: format!("the query is longer than {MAX_QUERY_CHARS} characters"),
            });
        }
        if p.part == 0 {
            return Err(BadParam::new("part counts from 1"));
        }
        // The library's own check of the page, early; dates are checked with the search, so
        // that the page can show the query with the error.
        SearchRequest::new("")
            .page(p.limit, p.offset, MAX_LIMIT)
            .map_err(|e| BadParam::new(e.to_string()))?;
        Ok(p)
    }

    /// The search these parameters ask for (without a time budget).
    pub fn request(&self) -> crate::Result<SearchRequest> {
        let mut req = SearchRequest::new(self.q.clone())
            .page(self.limit, self.offset, MAX_LIMIT)?
            .dates(self.from.as_deref(), self.to.as_deref())?;
        req.sort = self.sort;
        req.years = true;
        Ok(req)
    }

    /// The pages a search of `total` hits has at this page size (never past [`MAX_DEPTH`]).
    pub fn pages(&self, total: usize) -> usize {
        let per = self.limit.max(1);
        total.div_ceil(per).min(MAX_DEPTH / per)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_checked_once_for_every_front_end() {
        let ok = Params::parse("q=x&limit=100&offset=9900").unwrap();
        assert_eq!((ok.limit, ok.offset), (100, 9900));
        for bad in [
            "q=x&limit=0",
            "q=x&limit=101",
            "q=x&offset=9991",
            "q=x&limit=-1",
            "q=x&limit=18446744073709551616",
            "q=x&part=0",
            "q=x&sort=size",
        ] {
            let err = Params::parse(bad).unwrap_err();
            assert_eq!(
                err.status,
                StatusCode::BAD_REQUEST,
                "{bad}: {}",
                err.message
            );
        }
        let dates = Params::parse("q=x&from=2020&to=2019").unwrap();
        assert!(dates.request().is_err());
    }
}
