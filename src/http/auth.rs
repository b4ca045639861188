//! `serve --password-file`: HTTP Basic auth on every route but `/healthz`, with failed attempts
//! limited per client address.
//!
//! Any user name is accepted; the password is the first line of the file. A client with too many
//! wrong passwords in a window is refused (429) until the window has passed, even with the right
//! password, so guessing is slow. Requests without credentials are not counted: a browser's
//! first request always comes without them.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use subtle::ConstantTimeEq as _;
use warp::http::header::HeaderValue;
use warp::http::StatusCode;
use warp::path::FullPath;
use warp::{Filter, Rejection};

use super::error::{ApiError, Format};
use super::PeerAddr;
use crate::error::{Error, Result};

/// Wrong passwords a client may send within [`FAILURE_WINDOW`] before it is refused.
pub const MAX_FAILURES: u32 = 10;
/// The window over which failures are counted, and how long a client is refused.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);
/// Clients whose failures are remembered at once; bounds the memory an attacker can make us use.
const MAX_TRACKED_CLIENTS: usize = 10_000;

const CHALLENGE: &str = r#"Basic realm="zhsearch", charset="UTF-8""#;

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The password is right.
    Allow,
    /// No credentials: ask for them (not counted as a failure).
    Missing,
    /// Wrong password or malformed credentials (counted).
    Wrong,
    /// Too many failures recently: refused for this long, whatever the credentials.
    Blocked(Duration),
}

/// The password and the record of failed attempts.
pub struct Gate {
    password: Vec<u8>,
    failures: Mutex<FailureLog>,
}

impl Gate {
    /// Reads the password from the first line of `path` (without its line ending). An unreadable
    /// file or an empty first line is an error that names the file.
    pub fn from_file(path: &Path) -> Result<Gate> {
        let context = || format!("reading the password file {}", path.display());
        let bytes = std::fs::read(path).map_err(|e| Error::io(context(), e))?;
        let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            let why = "its first line is empty; it must hold the password";
            return Err(Error::io(
                context(),
                std::io::Error::new(std::io::ErrorKind::InvalidData, why),
            ));
        }
        Ok(Gate::new(line.to_vec()))
    }

    /// A gate for `password`, with the default limits.
    pub fn new(password: Vec<u8>) -> Gate {
        Gate {
            password,
            failures: Mutex::new(FailureLog::new(
                MAX_FAILURES,
                FAILURE_WINDOW,
                MAX_TRACKED_CLIENTS,
            )),
        }
    }

    /// Judges a request from `client` carrying the `Authorization` header `authorization`, and
    /// counts a failure. Logs failures with the client's address, never the password.
    pub fn check(&self, client: IpAddr, authorization: Option<&[u8]>, now: Instant) -> Verdict {
        // A panic elsewhere while holding the lock leaves the counts usable: keep going.
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let key = client_key(client);
        if let Some(left) = failures.blocked(key, now) {
            tracing::debug!("refused {client}: too many failed logins");
            return Verdict::Blocked(left);
        }
        let Some(authorization) = authorization else {
            return Verdict::Missing;
        };
        if basic_password(authorization).is_some_and(|given| self.matches(&given)) {
            return Verdict::Allow;
        }
        let count = failures.record(key, now);
        tracing::warn!(
            "wrong password from {client} ({count} in the last {} s)",
            FAILURE_WINDOW.as_secs()
        );
        if count == failures.limit {
            tracing::warn!(
                "refusing {client} for {} s after {count} wrong passwords",
                FAILURE_WINDOW.as_secs()
            );
        }
        Verdict::Wrong
    }

    /// Constant-time comparison, so response times do not reveal how much of a guess was right.
    /// (Only the length can leak, as with any comparison of unequal lengths.)
    fn matches(&self, given: &[u8]) -> bool {
        self.password.as_slice().ct_eq(given).into()
    }
}

/// The password of `Basic` credentials; `None` for another scheme or malformed credentials.
fn basic_password(header: &[u8]) -> Option<Vec<u8>> {
    let header = std::str::from_utf8(header).ok()?.trim();
    let (scheme, encoded) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    // RFC 7617: the user name cannot contain a colon; the password can.
    let colon = decoded.iter().position(|&b| b == b':')?;
    Some(decoded[colon + 1..].to_vec())
}

/// The address failures are counted under. An IPv6 client usually has a whole /64 to pick
/// addresses from, so the /64 is one client; an IPv4-mapped address is its IPv4 address.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Failures per client in fixed windows that start at a client's first failure.
#[derive(Debug)]
struct FailureLog {
    clients: HashMap<IpAddr, Failures>,
    limit: u32,
    window: Duration,
    capacity: usize,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    since: Instant,
    count: u32,
}

impl FailureLog {
    fn new(limit: u32, window: Duration, capacity: usize) -> FailureLog {
        FailureLog {
            clients: HashMap::new(),
            limit,
            window,
            capacity,
        }
    }

    /// How long `client` is still refused, if it is.
    fn blocked(&mut self, client: IpAddr, now: Instant) -> Option<Duration> {
        let entry = *self.clients.get(&client)?;
        let elapsed = now.saturating_duration_since(entry.since);
        if elapsed >= self.window {
            self.clients.remove(&client);
            return None;
        }
        (entry.count >= self.limit).then(|| self.window - elapsed)
    }

    /// Counts a failure of `client`; returns its failures in the current window.
    fn record(&mut self, client: IpAddr, now: Instant) -> u32 {
        if !self.clients.contains_key(&client) && self.clients.len() >= self.capacity {
            self.make_room(now);
        }
        let window = self.window;
        let entry = self.clients.entry(client).or_insert(Failures {
            since: now,
            count: 0,
        });
        if now.saturating_duration_since(entry.since) >= window {
            *entry = Failures {
                since: now,
                count: 0,
            };
        }
        entry.count = entry.count.saturating_add(1);
        entry.count
    }

    /// Forgets expired windows; if every window is current, forgets the oldest, so that the map
    /// never outgrows its capacity (a flood from many addresses costs us nothing more).
    fn make_room(&mut self, now: Instant) {
        let window = self.window;
        self.clients
            .retain(|_, f| now.saturating_duration_since(f.since) < window);
        if self.clients.len() >= self.capacity {
            let oldest = self
                .clients
                .iter()
                .min_by_key(|(_, f)| f.since)
                .map(|(ip, _)| *ip);
            if let Some(ip) = oldest {
                self.clients.remove(&ip);
            }
        }
    }
}

/// The answer to a request the gate refuses: 429 with `Retry-After` while its address is
/// blocked, else 401 with the Basic challenge.
fn refusal(verdict: Verdict, format: Format) -> ApiError {
    match verdict {
        Verdict::Blocked(left) => ApiError {
            // Whole seconds, rounded up, so that a client retrying on time is let in.
            retry_after: Some((left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1)),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too many wrong passwords: try again later",
                format,
            )
        },
        Verdict::Allow | Verdict::Missing | Verdict::Wrong => ApiError {
            challenge: Some(CHALLENGE),
            ..ApiError::new(StatusCode::UNAUTHORIZED, "a password is required", format)
        },
    }
}

/// Passes a request with the right password (every request when there is no gate) and rejects
/// the others with the [`ApiError`] that answers them (401 or 429).
pub(super) fn guard(
    gate: Option<Arc<Gate>>,
) -> impl Filter<Extract = (), Error = Rejection> + Clone {
    // Not `warp::header::optional`: it rejects a header that is not visible ASCII, which would
    // skip the failure count.
    let authorization = warp::header::value("authorization")
        .map(Some)
        .or(warp::any().map(|| None))
        .unify();
    warp::ext::optional::<PeerAddr>()
        .and(authorization)
        .and(warp::path::full())
        .and_then(
            move |peer: Option<PeerAddr>, authorization: Option<HeaderValue>, path: FullPath| {
                let gate = gate.clone();
                async move {
                    let Some(gate) = gate else {
                        return Ok(());
                    };
                    // Every connection gets a PeerAddr from the accept loop; should one lack it,
                    // all such requests share one (unspecified) address and one failure count.
                    let client = peer.map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), |p| p.0.ip());
                    let authorization = authorization.as_ref().map(HeaderValue::as_bytes);
                    match gate.check(client, authorization, Instant::now()) {
                        Verdict::Allow => Ok(()),
                        verdict => {
                            let format = if path.as_str().starts_with("/api/") {
                                Format::Json
                            } else {
                                Format::Html
                            };
                            Err(warp::reject::custom(refusal(verdict, format)))
                        }
                    }
                }
            },
        )
        .untuple_one()
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn basic(user: &str, password: &str) -> Vec<u8> {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        format!("Basic {token}").into_bytes()
    }

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn the_right_password_with_any_user_is_allowed() {
        let gate = Gate::new("口令 with: colon".as_bytes().to_vec());
        let now = Instant::now();
        for user in ["", "admin", "张三"] {
            let header = basic(user, "口令 with: colon");
            assert_eq!(gate.check(A, Some(&header), now), Verdict::Allow, "{user}");
        }
        let lower = String::from_utf8(basic("u", "口令 with: colon"))
            .unwrap()
            .replace("Basic", "basic");
        assert_eq!(gate.check(A, Some(lower.as_bytes()), now), Verdict::Allow);
    }

    #[test]
    fn wrong_malformed_and_missing_credentials_are_not_allowed() {
        let gate = Gate::new(b"secret".to_vec());
        let now = Instant::now();
        assert_eq!(gate.check(A, None, now), Verdict::Missing);
        for header in [
            basic("u", "secre"),
            basic("u", "secret "),
            basic("u", "secretsecret"),
            basic("u", ""),
            basic("secret", "x"),
            b"Basic".to_vec(),
            b"Basic !!!notbase64".to_vec(),
            b"Bearer secret".to_vec(),
            // No colon: a user name alone.
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("secret")
            )
            .into_bytes(),
            vec![0xff, 0xfe],
        ] {
            assert_eq!(
                gate.check(B, Some(&header), now),
                Verdict::Wrong,
                "{}",
                String::from_utf8_lossy(&header)
            );
        }
    }

    #[test]
    fn constant_time_comparison_agrees_with_equality() {
        let gate = Gate::new(b"correct horse".to_vec());
        for given in [
            &b"correct horse"[..],
            b"correct hors",
            b"correct horsf",
            b"",
            b"x",
        ] {
            assert_eq!(gate.matches(given), given == b"correct horse");
        }
    }

    #[test]
    fn too_many_failures_block_even_the_right_password_until_the_window_passes() {
        let gate = Gate::new(b"secret".to_vec());
        let start = Instant::now();
        let wrong = basic("u", "guess");
        let right = basic("u", "secret");
        for i in 0..MAX_FAILURES {
            let at = start + Duration::from_secs(u64::from(i));
            assert_eq!(
                gate.check(A, Some(&wrong), at),
                Verdict::Wrong,
                "failure {i}"
            );
        }
        let later = start + Duration::from_secs(20);
        assert_eq!(
            gate.check(A, Some(&right), later),
            Verdict::Blocked(FAILURE_WINDOW - Duration::from_secs(20))
        );
        assert_eq!(
            gate.check(A, None, later),
            Verdict::Blocked(FAILURE_WINDOW - Duration::from_secs(20))
        );
        // Another client is not affected.
        assert_eq!(gate.check(B, Some(&right), later), Verdict::Allow);
        // Once the window has passed, the count starts again.
        let after = start + FAILURE_WINDOW;
        assert_eq!(gate.check(A, Some(&right), after), Verdict::Allow);
        assert_eq!(gate.check(A, Some(&wrong), after), Verdict::Wrong);
        assert_eq!(gate.check(A, Some(&right), after), Verdict::Allow);
    }

    #[test]
    fn failures_spread_over_more_than_a_window_do_not_block() {
        let mut log = FailureLog::new(3, Duration::from_secs(10), 100);
        let start = Instant::now();
        assert_eq!(log.record(A, start), 1);
        assert_eq!(log.record(A, start + Duration::from_secs(5)), 2);
        assert_eq!(log.blocked(A, start + Duration::from_secs(9)), None);
        // The window started at the first failure and is over: a new one starts.
        assert_eq!(log.record(A, start + Duration::from_secs(10)), 1);
        assert_eq!(log.record(A, start + Duration::from_secs(11)), 2);
        assert_eq!(log.record(A, start + Duration::from_secs(12)), 3);
        assert_eq!(
            log.blocked(A, start + Duration::from_secs(12)),
            Some(Duration::from_secs(8))
        );
        assert_eq!(log.blocked(A, start + Duration::from_secs(20)), None);
        assert!(log.clients.is_empty(), "an expired entry is forgotten");
    }

    #[test]
    fn the_failure_log_never_outgrows_its_capacity() {
        let mut log = FailureLog::new(3, Duration::from_secs(60), 100);
        let start = Instant::now();
        for i in 0..1000u32 {
            let ip = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i));
            log.record(ip, start + Duration::from_millis(u64::from(i)));
            assert!(log.clients.len() <= 100);
        }
        // The newest clients are kept, the oldest forgotten.
        assert!(log
            .clients
            .contains_key(&IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + 999))));
        assert!(!log
            .clients
            .contains_key(&IpAddr::V4(Ipv4Addr::from(0x0a00_0000))));
        // Expired windows are dropped first.
        let much_later = start + Duration::from_secs(3600);
        log.record(A, much_later);
        assert_eq!(log.clients.len(), 1);
    }

    #[test]
    fn an_ipv6_client_is_its_slash_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(other));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(client_key(mapped), A);
    }

    #[test]
    fn the_password_is_the_first_line_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        for (content, password) in [
            (&b"s3cret pass\n"[..], &b"s3cret pass"[..]),
            (b"s3cret\r\nsecond line\n", b"s3cret"),
            (b"no newline", b"no newline"),
        ] {
            std::fs::write(&file, content).unwrap();
            let gate = Gate::from_file(&file).unwrap();
            assert_eq!(gate.password, password);
        }
        for content in [&b""[..], b"\n", b"\r\nsecond line"] {
            std::fs::write(&file, content).unwrap();
            let err = Gate::from_file(&file).err().unwrap().to_string();
            assert!(err.contains(&file.display().to_string()), "{err}");
            assert!(err.contains("empty"), "{err}");
        }
        let missing = dir.path().join("missing");
        let err = Gate::from_file(&missing).err().unwrap().to_string();
        assert!(err.contains(&missing.display().to_string()), "{err}");
    }
}
