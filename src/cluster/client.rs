//! The few calls of Quickwit's REST API that zhsearch makes, each failure one line.

use std::time::Duration;

use serde_json::Value;

use super::Target;
use crate::error::{Error, Result};

/// Longest part of a cluster's error answer quoted in a message.
const QUOTED_BODY_CHARS: usize = 300;

/// How long a push waits, in all, for a busy cluster to take a batch.
const INGEST_PATIENCE: Duration = Duration::from_secs(180);

/// Longest answer read from a cluster (a page of candidates with their text).
const MAX_ANSWER_BYTES: u64 = 512 << 20;

/// A blocking client of one cluster index.
#[derive(Debug, Clone)]
pub struct Client {
    target: Target,
    http: ureq::Agent,
}

impl Client {
    /// A client of `target`: connections time out after 5 s, requests after 120 s.
    pub fn new(target: Target) -> Client {
        let http: ureq::Agent = ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(120)))
            .http_status_as_error(false)
            .build()
            .into();
        Client { target, http }
    }

    /// The index this client talks to.
    pub fn target(&self) -> &Target {
        &self.target
    }

    fn unreachable(&self, reason: impl Into<String>) -> Error {
        Error::Unreachable {
            engine: self.target.describe(),
            reason: reason.into(),
        }
    }

    fn api(&self, path: &str) -> String {
        format!("{}/api/v1/{path}", self.target.base())
    }

    /// The status and body of an answer; an answer that never came is an error.
    fn answer(
        &self,
        sent: std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<(u16, String)> {
        let mut response = sent.map_err(|e| self.unreachable(describe(&e)))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_string()
            .map_err(|e| self.unreachable(format!("reading its answer: {}", describe(&e))))?;
        Ok((status, body))
    }

    /// An answer that must be a success with a JSON body.
    fn json(
        &self,
        what: &str,
        sent: std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Value> {
        let (status, body) = self.answer(sent)?;
        if !(200..300).contains(&status) {
            return Err(self.unreachable(format!(
                "{what} failed: it answered HTTP {status}: {}",
                quote(&body)
            )));
        }
        serde_json::from_str(&body)
            .map_err(|e| self.unreachable(format!("{what}: an answer that is not JSON ({e})")))
    }

    /// The index's metadata, or `None` when the cluster has no such index.
    pub fn index_metadata(&self) -> Result<Option<Value>> {
        let url = self.api(&format!("indexes/{}", self.target.index()));
        let (status, body) = self.answer(self.http.get(&url).call())?;
        match status {
            404 => Ok(None),
            200..=299 => serde_json::from_str(&body).map(Some).map_err(|e| {
                self.unreachable(format!("reading the index metadata: not JSON ({e})"))
            }),
            _ => Err(self.unreachable(format!(
                "reading the index metadata failed: it answered HTTP {status}: {}",
                quote(&body)
            ))),
        }
    }

    /// Creates the index from its configuration.
    pub fn create_index(&self, config: &Value) -> Result<()> {
        let url = self.api("indexes");
        self.json("creating the index", self.http.post(&url).send_json(config))?;
        Ok(())
    }

    /// Deletes the index and its splits (nothing when there is none).
    pub fn delete_index(&self) -> Result<()> {
        let url = self.api(&format!("indexes/{}", self.target.index()));
        let (status, body) = self.answer(self.http.delete(&url).call())?;
        if status == 404 || (200..300).contains(&status) {
            Ok(())
        } else {
            Err(self.unreachable(format!(
                "deleting the index failed: it answered HTTP {status}: {}",
                quote(&body)
            )))
        }
    }

    /// Ingests documents (one JSON object a line); with `commit`, waits until they are
    /// searchable. Every document must be accepted.
    pub fn ingest(&self, ndjson: String, documents: usize, commit: bool) -> Result<()> {
        let mut url = self.api(&format!("{}/ingest", self.target.index()));
        if commit {
            url.push_str("?commit=force");
        }
        // A cluster that is busy (its write-ahead log full) or still opening the index's shards
        // refuses the whole request and asks for it again later: it is sent again, a while
        // after, for up to a few minutes.
        let mut wait = Duration::from_millis(250);
        let mut waited = Duration::ZERO;
        let (status, body) = loop {
            let (status, body) = self.answer(
                self.http
                    .post(&url)
                    .header("content-type", "application/x-ndjson")
                    .send(ndjson.as_str()),
            )?;
            if !matches!(status, 429 | 503) || waited >= INGEST_PATIENCE {
                break (status, body);
            }
            tracing::debug!("the cluster asked to wait ({status}): sending again in {wait:?}");
            std::thread::sleep(wait);
            waited += wait;
            wait = (wait * 2).min(Duration::from_secs(8));
        };
        if !(200..300).contains(&status) {
            return Err(self.unreachable(format!(
                "sending reports failed: it answered HTTP {status}: {}",
                quote(&body)
            )));
        }
        let answer: Value = serde_json::from_str(&body).map_err(|e| {
            self.unreachable(format!("sending reports: an answer that is not JSON ({e})"))
        })?;
        let ingested = answer
            .get("num_ingested_docs")
            .or_else(|| answer.get("num_docs_for_processing"))
            .and_then(Value::as_u64);
        let rejected = answer
            .get("num_rejected_docs")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if rejected > 0 || ingested.is_some_and(|n| n < documents as u64) {
            return Err(self.unreachable(format!(
                "sending reports: it took {} of {documents} ({rejected} rejected): {}",
                ingested.unwrap_or(0),
                quote(&answer.to_string())
            )));
        }
        Ok(())
    }

    /// Starts a delete task: the documents matching `query` (Quickwit's query language) go,
    /// later, from every split indexed before now.
    pub fn delete_matching(&self, query: &str) -> Result<()> {
        let url = self.api(&format!("{}/delete-tasks", self.target.index()));
        self.json(
            "removing reports",
            self.http
                .post(&url)
                .send_json(serde_json::json!({ "query": query })),
        )?;
        Ok(())
    }

    /// The number of documents matching `query` (in the Elasticsearch query DSL).
    pub fn count(&self, query: &Value) -> Result<u64> {
        let body = serde_json::json!({"query": query, "size": 0, "track_total_hits": true});
        let answer = self.search(&body, false)?;
        answer
            .pointer("/hits/total/value")
            .and_then(Value::as_u64)
            .ok_or_else(|| self.unreachable("counting: an answer without a total"))
    }

    /// A search through the Elasticsearch-compatible API (`body` in its query DSL); `text`
    /// says whether hits carry the whole text.
    pub fn search(&self, body: &Value, text: bool) -> Result<Value> {
        let mut url = self.api(&format!("_elastic/{}/_search", self.target.index()));
        if !text {
            url.push_str("?_source_excludes=text");
        }
        self.json("searching", self.http.post(&url).send_json(body))
    }
}

/// An HTTP failure in a few words: the cause a user can act on.
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "it did not answer in time".to_string(),
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => {
            format!("cannot be reached ({e})")
        }
        ureq::Error::Io(io) => format!("cannot be reached ({io})"),
        other => other.to_string(),
    }
}

/// A cluster's answer as part of a one-line message: whitespace runs made one space, at most
/// [`QUOTED_BODY_CHARS`] characters.
fn quote(body: &str) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = flat.chars();
    let mut out: String = chars.by_ref().take(QUOTED_BODY_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    if out.is_empty() {
        out.push_str("(empty answer)");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_bodies_are_one_bounded_line() {
        assert_eq!(quote("a\n  b\tc"), "a b c");
        assert_eq!(quote(""), "(empty answer)");
        let long = "错".repeat(QUOTED_BODY_CHARS + 5);
        let q = quote(&long);
        assert_eq!(q.chars().count(), QUOTED_BODY_CHARS + 1);
        assert!(q.ends_with('…') && !q.contains('\n'));
    }

    #[test]
    fn a_closed_port_is_one_line_naming_the_cluster() {
        // Bind and drop: nothing listens on the port afterwards.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let target = Target::new(&format!("http://127.0.0.1:{port}"), None).unwrap();
        let err = Client::new(target).index_metadata().unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::Unreachable { .. }), "{text}");
        assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }
}
