//! Request parameters shared by the search page, the document pages and the API.

use warp::http::StatusCode;

use super::MAX_LIMIT;
use crate::knowledge::Facet;
use crate::search::{SearchRequest, Sort, DEFAULT_LIMIT, MAX_DEPTH, MAX_QUERY_CHARS};

/// Longest entity name accepted in a URL, in characters (extracted names are far shorter).
pub const MAX_NAME_CHARS: usize = 200;

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
    pub fn new(message: impl Into<String>) -> Self {
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
    /// Reads `q`, `limit`, `offset`, `page`, `from`, `to`, `sort` and `part` from a raw query
    /// string. Invalid percent-encoding decodes to U+FFFD rather than failing. `page` (from 1)
    /// sets the offset to that page's first hit. Bounds: `limit` 1 to [`MAX_LIMIT`],
    /// `offset + limit` at most [`MAX_DEPTH`], `part` from 1.
    pub fn parse(raw: &str) -> Result<Params, BadParam> {
        let mut p = Params::default();
        let mut page = None;
        for (key, value) in form_urlencoded::parse(raw.as_bytes()) {
            let non_empty = || Some(value.trim().to_string()).filter(|v| !v.is_empty());
            match key.as_ref() {
                "q" => p.q = value.clone().into_owned(),
                "limit" => p.limit = whole_number("limit", &value)?,
                "offset" => p.offset = whole_number("offset", &value)?,
                "part" => p.part = whole_number("part", &value)?,
                "page" => page = Some(whole_number("page", &value)?),
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
        match page {
            Some(0) => return Err(BadParam::new("page counts from 1")),
            Some(n) => p.offset = (n - 1).saturating_mul(p.limit),
            None => {}
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
        Ok(req.with_facets())
    }

    /// The pages a search of `total` hits has at this page size (never past [`MAX_DEPTH`]).
    pub fn pages(&self, total: usize) -> usize {
        let per = self.limit.max(1);
        total.div_ceil(per).min(MAX_DEPTH / per)
    }
}

/// An entity's type and name as they come in a URL's path segments: percent-decoded, the type
/// one of [`Facet`]'s names, the name not empty, without control characters and at most
/// [`MAX_NAME_CHARS`] characters.
pub fn entity_path(facet: &str, name: &str) -> Result<(Facet, String), BadParam> {
    let decode = |segment: &str| {
        percent_encoding::percent_decode_str(segment)
            .decode_utf8()
            .map(|s| s.into_owned())
            .map_err(|_| BadParam::new("the path is not valid UTF-8 once percent-decoded"))
    };
    let facet_name = decode(facet)?;
    let facet = Facet::from_name(&facet_name).ok_or_else(|| {
        let shown: String = facet_name.chars().take(20).collect();
        BadParam::new(format!(
            "unknown type {shown:?}: use person, place, org, kind or keyword"
        ))
    })?;
    let name = decode(name)?;
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(BadParam::new(format!(
            "the name is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err(BadParam::new("the name is empty"));
    }
    // No extracted name has one, and one echoed back in a message would be a nuisance.
    if name.chars().any(char::is_control) {
        return Err(BadParam::new("the name contains control characters"));
    }
    Ok((facet, name))
}

/// The path of an entity's page: `/entity/{type}/{name}`, the name percent-encoded.
pub fn entity_url(facet: Facet, name: &str) -> String {
    format!(
        "/entity/{}/{}",
        facet.name(),
        percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
    )
}

/// `facet:"value"` as typed in a query; `None` for a value the query language cannot say
/// (a `"` inside it, with space or parentheses as well).
pub fn filter_text(facet: Facet, value: &str) -> Option<String> {
    if !value.contains('"') {
        Some(format!("{}:\"{value}\"", facet.name()))
    } else if value
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "()".contains(c))
    {
        None
    } else {
        Some(format!("{}:{value}", facet.name()))
    }
}

/// The filters on `facet` standing as terms of their own in `q` (`facet:"value"` or
/// `facet:value`, prefix in any case, not negated, not part of a longer word): the byte range
/// of each and its value.
fn filter_terms(q: &str, facet: Facet) -> Vec<(std::ops::Range<usize>, String)> {
    let prefix = facet.name();
    let at_start = |i: usize| {
        q[..i]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || c == '(')
    };
    let at_end = |j: usize| {
        q[j..]
            .chars()
            .next()
            .is_none_or(|c| c.is_whitespace() || c == ')')
    };
    let mut terms = Vec::new();
    let mut i = 0;
    while i < q.len() {
        let rest = &q[i..];
        let named = at_start(i)
            && rest
                .get(..prefix.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
            && rest[prefix.len()..].starts_with(':');
        let value_at = i + prefix.len() + 1;
        let value = named.then(|| {
            let after = &q[value_at..];
            if let Some(quoted) = after.strip_prefix('"') {
                quoted
                    .find('"')
                    .map(|end| (quoted[..end].to_string(), end + 2))
            } else {
                let end = after
                    .find(|c: char| c.is_whitespace() || "()\"".contains(c))
                    .unwrap_or(after.len());
                Some((after[..end].to_string(), end))
            }
        });
        match value.flatten() {
            Some((value, len)) if !value.is_empty() && at_end(value_at + len) => {
                terms.push((i..value_at + len, value));
                i = value_at + len;
            }
            _ => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    terms
}

/// The values `q` filters `facet` by, in the order typed, each once.
pub fn active_filters(q: &str, facet: Facet) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    for (_, value) in filter_terms(q, facet) {
        if !values.contains(&value) {
            values.push(value);
        }
    }
    values
}

/// `q` with the filter `facet:"value"` added at the end, or taken out when it is there.
/// `None` when the value cannot be said in a query, or the query would grow too long.
pub fn toggle_filter(q: &str, facet: Facet, value: &str) -> Option<String> {
    let spans: Vec<std::ops::Range<usize>> = filter_terms(q, facet)
        .into_iter()
        .filter(|(_, v)| v == value)
        .map(|(span, _)| span)
        .collect();
    let toggled = if spans.is_empty() {
        let filter = filter_text(facet, value)?;
        let q = q.trim();
        if q.is_empty() {
            filter
        } else {
            format!("{q} {filter}")
        }
    } else {
        let mut out = String::with_capacity(q.len());
        let mut at = 0;
        for span in spans {
            out.push_str(&q[at..span.start]);
            at = span.end;
        }
        out.push_str(&q[at..]);
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    (toggled.chars().count() <= MAX_QUERY_CHARS).then_some(toggled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_filter(q: &str, facet: Facet, value: &str) -> bool {
        active_filters(q, facet).iter().any(|v| v == value)
    }

    #[test]
    fn filters_are_added_at_the_end_and_removed_exactly() {
        let q = toggle_filter("党建", Facet::Place, "博乐市").unwrap();
        assert_eq!(q, "党建 place:\"博乐市\"");
        let q2 = toggle_filter(&q, Facet::Kind, "述职报告").unwrap();
        assert_eq!(q2, "党建 place:\"博乐市\" kind:\"述职报告\"");
        assert!(has_filter(&q2, Facet::Place, "博乐市"));
        assert!(!has_filter(&q2, Facet::Place, "博乐"));
        assert!(!has_filter(&q2, Facet::Org, "博乐市"));
        assert_eq!(
            toggle_filter(&q2, Facet::Place, "博乐市").unwrap(),
            "党建 kind:\"述职报告\""
        );
        // Typed unquoted or with another case of the prefix, it is the same filter.
        assert_eq!(
            toggle_filter("Place:博乐市 党建", Facet::Place, "博乐市").unwrap(),
            "党建"
        );
        // Negated or part of a longer value, it is not.
        assert!(!has_filter("-place:\"博乐市\"", Facet::Place, "博乐市"));
        assert!(!has_filter(
            "place:\"博乐市小营盘镇\"",
            Facet::Place,
            "博乐市"
        ));
        assert!(!has_filter("place:博乐市镇", Facet::Place, "博乐市"));
        assert_eq!(
            toggle_filter("", Facet::Person, "张三").unwrap(),
            "person:\"张三\""
        );
        assert_eq!(
            active_filters(
                "(place:甲 OR place:\"乙 丙\") place:甲 -place:丁",
                Facet::Place
            ),
            ["甲", "乙 丙"]
        );
        assert_eq!(filter_text(Facet::Org, "a\"b").unwrap(), "org:a\"b");
        assert!(toggle_filter("x", Facet::Org, "a \"b").is_none());
        assert!(toggle_filter(&"党".repeat(995), Facet::Org, "博乐市委").is_none());
    }

    #[test]
    fn entity_paths_are_decoded_and_bounded() {
        let url = entity_url(Facet::Place, "博乐市/x y");
        let (kind, rest) = url.trim_start_matches("/entity/").split_once('/').unwrap();
        assert!(!rest.contains('/') && !rest.contains(' '));
        assert_eq!(
            entity_path(kind, rest).unwrap(),
            (Facet::Place, "博乐市/x y".to_string())
        );
        assert!(entity_path("city", "x").is_err());
        assert!(entity_path("place", "").is_err());
        assert!(entity_path("place", "%FF").is_err());
        assert!(entity_path("place", "a%1Bb").is_err());
        assert!(entity_path("place", &"党".repeat(201)).is_err());
        assert!(entity_path("place", &"党".repeat(200)).is_ok());
    }

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
            "q=x&page=0",
            "q=x&page=1001",
        ] {
            let err = Params::parse(bad).unwrap_err();
            assert_eq!(
                err.status,
                StatusCode::BAD_REQUEST,
                "{bad}: {}",
                err.message
            );
        }
        assert_eq!(Params::parse("q=x&page=3&limit=20").unwrap().offset, 40);
        let dates = Params::parse("q=x&from=2020&to=2019").unwrap();
        assert!(dates.request().is_err());
    }
}

/// Groups shown on one page of the copy audit.
pub const GROUPS_PER_PAGE: usize = 20;

/// The copy audit's parameters as given in the URL: `min` (percent), `kind`, `from`, `to` and
/// `page` (from 1, for the page; the API answers every group).
#[derive(Debug, Clone)]
pub struct AuditParams {
    pub min: u32,
    pub kind: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub page: usize,
}

impl Default for AuditParams {
    fn default() -> Self {
        AuditParams {
            min: crate::search::duplicates::DEFAULT_MIN_PERCENT,
            kind: None,
            from: None,
            to: None,
            page: 1,
        }
    }
}

impl AuditParams {
    /// Reads the parameters from a raw query string; unknown keys are ignored, an empty value
    /// is no filter. Values are checked by [`AuditParams::request`].
    pub fn parse(raw: &str) -> Result<AuditParams, BadParam> {
        let mut p = AuditParams::default();
        for (key, value) in form_urlencoded::parse(raw.as_bytes()) {
            let non_empty = || Some(value.trim().to_string()).filter(|v| !v.is_empty());
            match key.as_ref() {
                "min" if non_empty().is_some() => {
                    p.min = value.trim().parse::<u32>().map_err(|_| {
                        BadParam::new(format!("min must be a whole number, not {value:?}"))
                    })?
                }
                "kind" => p.kind = non_empty(),
                "from" => p.from = non_empty(),
                "to" => p.to = non_empty(),
                "page" => p.page = whole_number("page", &value)?,
                _ => {}
            }
        }
        if p.page == 0 {
            return Err(BadParam::new("page counts from 1"));
        }
        Ok(p)
    }

    /// The audit these parameters ask for (without a time budget).
    pub fn request(&self) -> crate::Result<crate::search::DuplicatesRequest> {
        crate::search::DuplicatesRequest::new(self.min)?
            .kind(self.kind.as_deref())?
            .dates(self.from.as_deref(), self.to.as_deref())
    }

    /// The query string of these parameters on another page.
    pub fn url(&self, page: usize) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if self.min != crate::search::duplicates::DEFAULT_MIN_PERCENT {
            s.append_pair("min", &self.min.to_string());
        }
        for (key, value) in [("kind", &self.kind), ("from", &self.from), ("to", &self.to)] {
            if let Some(v) = value {
                s.append_pair(key, v);
            }
        }
        if page > 1 {
            s.append_pair("page", &page.to_string());
        }
        let query = s.finish();
        if query.is_empty() {
            "/duplicates".to_string()
        } else {
            format!("/duplicates?{query}")
        }
    }
}
