//! Reports to index: the schema, the one place an index is opened, and incremental sync.

pub mod open;
pub mod schema;
pub mod sync;

pub use open::{IndexInfo, ReportIndex};
pub use schema::Fields;
pub use sync::{sync, Progress, SyncOptions, SyncSummary};
