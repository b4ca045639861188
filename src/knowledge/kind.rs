//! The document type of a report, from its title (and first lines).
