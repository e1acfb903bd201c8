//! The deployment files name only metrics the server exports: every `agenthq_*` and
//! `process_*` name in the Grafana dashboard and the Prometheus alert rules is one the
//! code records (a renamed metric would leave a panel empty and an alert silent).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Metric names in `text`, without the suffixes Prometheus adds to histograms.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (start, _) in text.match_indices(['a', 'p']) {
        let rest = &text[start..];
        if !(rest.starts_with("agenthq_") || rest.starts_with("process_")) {
            continue;
        }
        if start > 0
            && (text.as_bytes()[start - 1].is_ascii_alphanumeric()
                || text.as_bytes()[start - 1] == b'_')
        {
            continue; // Inside another word.
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let name = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .map_or(name.clone(), str::to_owned);
        names.insert(name);
    }
    names
}

/// Every string literal naming a metric in the server's and the runtime's sources.
fn recorded() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut dirs = vec![root().join("server/src"), root().join("runtime/src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).unwrap();
                for quoted in source.split('"').skip(1).step_by(2) {
                    if (quoted.starts_with("agenthq_") || quoted.starts_with("process_"))
                        && quoted.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    {
                        names.insert(quoted.to_owned());
                    }
                }
            }
        }
    }
    names
}

#[test]
fn the_dashboard_and_the_alerts_name_only_metrics_the_server_records() {
    let recorded = recorded();
    assert!(recorded.contains("agenthq_tick_seconds") && recorded.contains("process_open_fds"));
    let dashboard_path = root().join("deploy/grafana/dashboards/agenthq.json");
    let dashboard = std::fs::read_to_string(&dashboard_path).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&dashboard).expect("dashboard is JSON");
    let panels = parsed["panels"].as_array().expect("panels");
    let ids: BTreeSet<u64> = panels.iter().map(|p| p["id"].as_u64().unwrap()).collect();
    assert_eq!(ids.len(), panels.len(), "panel ids are unique");
    let alerts = std::fs::read_to_string(root().join("deploy/prometheus/alerts.yml")).unwrap();

    for (file, text) in [("dashboard", &dashboard), ("alerts", &alerts)] {
        let used = metric_names(text);
        assert!(used.len() >= 8, "{file} names metrics: {used:?}");
        let unknown: Vec<&String> = used.difference(&recorded).collect();
        assert!(
            unknown.is_empty(),
            "the {file} names metrics the server does not record: {unknown:?}"
        );
    }
    assert_eq!(
        metric_names("rate(agenthq_tick_seconds_bucket[5m]) / not_agenthq_x"),
        BTreeSet::from(["agenthq_tick_seconds".to_owned()])
    );
}
