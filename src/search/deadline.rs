//! A search's time budget, checked where the work is: in the phrase scorers that read
//! positions, in the stored-text verification of phrases with spaces, and between hits.
//!
//! When the budget is spent, the scorers stop (they report no more documents), the search
//! notices and returns [`crate::Error::Timeout`]: the work ends, rather than going on after
//! its caller has given up.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// When a search must stop, and whether it had to.
#[derive(Debug)]
pub struct Deadline {
    budget: Option<Duration>,
    at: Option<Instant>,
    expired: AtomicBool,
}

impl Deadline {
    /// A deadline `budget` from now, or none.
    pub fn after(budget: Option<Duration>) -> Arc<Deadline> {
        Arc::new(Deadline {
            budget,
            at: budget.map(|b| Instant::now() + b),
            expired: AtomicBool::new(false),
        })
    }

    /// No deadline.
    pub fn none() -> Arc<Deadline> {
        Deadline::after(None)
    }

    /// Whether the budget is spent (and remembers it).
    pub fn expired(&self) -> bool {
        if self.expired.load(Ordering::Relaxed) {
            return true;
        }
        let now_expired = self.at.is_some_and(|at| Instant::now() >= at);
        if now_expired {
            self.expired.store(true, Ordering::Relaxed);
        }
        now_expired
    }

    /// `Err(Timeout)` once the budget is spent.
    pub fn check(&self) -> Result<()> {
        if self.expired() {
            Err(Error::Timeout(self.budget.unwrap_or_default()))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_budget_stops_and_says_so() {
        let d = Deadline::after(Some(Duration::ZERO));
        assert!(d.expired());
        assert!(matches!(d.check(), Err(Error::Timeout(_))));
        let none = Deadline::none();
        assert!(!none.expired() && none.check().is_ok());
    }
}
