//! Integration test against a real two-node Quickwit cluster on loopback (`support::quickwit`):
//! an index made and fed through the node owning the metastore answers a phrase query the same
//! through either node, and still answers when the searcher node is killed and restarted.
//! Skipped without a Quickwit binary, unless `ZHSEARCH_CLUSTER_TESTS=1`.

mod support;

use support::q;
use support::quickwit::{self, Cluster};

const INDEX: &str = "harness";

/// Text fields tokenized one Han character a token with positions, as in
/// `../shared/tools/quickwit/index-example.json`.
const INDEX_CONFIG: &str = r#"{
  "version": "0.9",
  "index_id": "harness",
  "doc_mapping": {
    "mode": "dynamic",
    "field_mappings": [
      {"name": "id", "type": "u64", "fast": true},
      {"name": "title", "type": "text", "tokenizer": "chinese_compatible", "record": "position", "stored": true},
      {"name": "text", "type": "text", "tokenizer": "chinese_compatible", "record": "position", "stored": true},
      {"name": "date", "type": "datetime", "input_formats": ["rfc3339", "%Y-%m-%d"], "output_format": "rfc3339", "fast": true, "fast_precision": "seconds"},
      {"name": "kind", "type": "text", "tokenizer": "raw", "fast": true}
    ],
    "timestamp_field": "date"
  },
  "search_settings": {"default_search_fields": ["title", "text"]},
  "indexing_settings": {"commit_timeout_secs": 5}
}"#;

/// Three reports: 1 and 3 hold the phrase 小营盘镇, 2 only 大营盘镇.
const DOCS: &str = concat!(
    r#"{"id":1,"title":"小营盘镇新闻","text":"今天小营盘镇举行了春节联欢会。","date":"2024-01-15T08:00:00Z","kind":"news"}"#,
    "\n",
    r#"{"id":2,"title":"大营盘镇","text":"大营盘镇的农民在田里劳作。","date":"2024-03-10","kind":"news"}"#,
    "\n",
    r#"{"id":3,"title":"工作简报","text":"博乐市小营盘镇党委组织学习。","date":"2024-05-01","kind":"report"}"#,
    "\n",
);

/// The number of hits and the sorted ids of `text:"小营盘镇"` searched through node `n`.
fn phrase_ids(cluster: &Cluster, n: usize) -> (u64, Vec<u64>) {
    let url = format!(
        "{}/api/v1/{INDEX}/search?query={}&max_hits=20",
        cluster.url(n),
        q("text:\"小营盘镇\"")
    );
    let (status, body) = quickwit::get(&url);
    assert_eq!(status, 200, "node {n}: {body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let mut ids: Vec<u64> = v["hits"]
        .as_array()
        .unwrap_or_else(|| panic!("node {n}: no hits: {body}"))
        .iter()
        .map(|hit| hit["id"].as_u64().unwrap())
        .collect();
    ids.sort_unstable();
    (v["num_hits"].as_u64().unwrap(), ids)
}

#[test]
fn cluster_answers_through_both_nodes() {
    let Some(mut cluster) = quickwit::start(2) else {
        return;
    };
    let (status, body) = quickwit::post(
        &format!("{}/api/v1/indexes", cluster.url(0)),
        "application/json",
        INDEX_CONFIG,
    );
    assert_eq!(status, 200, "create index: {body}");
    let (status, body) = quickwit::post(
        &format!("{}/api/v1/{INDEX}/ingest?commit=force", cluster.url(0)),
        "application/x-ndjson",
        DOCS,
    );
    assert_eq!(status, 200, "ingest: {body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["num_ingested_docs"], 3, "ingest: {body}");

    let expected = (2, vec![1, 3]);
    assert_eq!(phrase_ids(&cluster, 0), expected, "through node 0");
    assert_eq!(phrase_ids(&cluster, 1), expected, "through node 1");

    cluster.kill(1);
    assert_eq!(
        phrase_ids(&cluster, 0),
        expected,
        "through node 0 with node 1 killed"
    );

    cluster.restart(1);
    assert_eq!(
        phrase_ids(&cluster, 1),
        expected,
        "through node 1 restarted"
    );
    assert_eq!(
        phrase_ids(&cluster, 0),
        expected,
        "through node 0 after node 1 restarted"
    );
}
