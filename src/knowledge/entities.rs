//! People, places and organizations named in a report.
