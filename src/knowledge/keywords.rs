//! The words that best characterize a report.
