//! Renders objects as `meta.k8s.io/v1` Tables, the server-side printing `kubectl get` asks for,
//! with the columns kube-apiserver prints for each kind.
//!
//! - `columns`: the column definitions of each kind;
//! - `cells`: the cells of each kind's rows.

mod cells;
mod columns;

use std::sync::Arc;

use serde_json::{Value, json};

use crate::storage::{ResourceInfo, StoredObject, str_at};
use cells::cells;
use columns::columns;

pub use cells::pod_status;

/// A Table of `items`. `include_object`: `None`, `Metadata` (default) or `Object`.
pub fn table(
    info: &ResourceInfo,
    items: &[Arc<StoredObject>],
    include_object: &str,
    list_meta: Value,
) -> Value {
    let cols = columns(info);
    let definitions: Vec<Value> = cols
        .iter()
        .map(|c| json!({"name": c.0, "type": c.1, "format": c.2, "description": c.4, "priority": c.3}))
        .collect();
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            let mut row = json!({"cells": cells(info, o.value())});
            match include_object {
                "None" => {}
                "Object" => row["object"] = o.value().clone(),
                _ => row["object"] = crate::api::verbs::partial(o.value()),
            }
            row
        })
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta, "columnDefinitions": definitions, "rows": rows})
}

/// Age as kubectl prints it: `12s`, `5m3s`, `3h`, `2d4h`, `45d`.
pub fn age(timestamp: &str) -> String {
    let Ok(t) = timestamp.parse::<jiff::Timestamp>() else {
        return "<unknown>".into();
    };
    let secs = (jiff::Timestamp::now().as_second() - t.as_second()).max(0);
    human_duration(secs)
}

/// kube's `HumanDuration`.
pub fn human_duration(secs: i64) -> String {
    let (m, h, d) = (secs / 60, secs / 3600, secs / 86400);
    if secs < 120 {
        format!("{secs}s")
    } else if m < 10 {
        if secs % 60 == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{}s", secs % 60)
        }
    } else if h < 3 {
        format!("{m}m")
    } else if h < 8 {
        if m % 60 == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{}m", m % 60)
        }
    } else if h < 48 {
        format!("{h}h")
    } else if h < 24 * 8 {
        if h % 24 == 0 {
            format!("{d}d")
        } else {
            format!("{d}d{}h", h % 24)
        }
    } else if h < 24 * 365 * 2 {
        format!("{d}d")
    } else if h < 24 * 365 * 8 {
        let y = d / 365;
        if d % 365 == 0 {
            format!("{y}y")
        } else {
            format!("{y}y{}d", d % 365)
        }
    } else {
        format!("{}y", d / 365)
    }
}

/// The row of one object (watch events of Tables carry one row each).
pub fn single(info: &ResourceInfo, obj: &StoredObject, include_object: &str) -> Value {
    table(
        info,
        &[Arc::new(StoredObject::detached(obj.value().clone()))],
        include_object,
        json!({"resourceVersion": str_at(obj.value(), &["metadata", "resourceVersion"])}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Kinds;
    use crate::storage::Store;

    #[test]
    fn pod_rows_match_the_reference_table() {
        let reference: Value = crate::reference::json("kube-apiserver/list-pods-table.json");
        let pods: Value = crate::reference::json("kube-apiserver/list-pods.json");
        let kinds = Kinds::new(Store::new());
        let info = kinds.find("", "v1", "pods").expect("pods");
        let items: Vec<Arc<StoredObject>> = pods["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| Arc::new(StoredObject::detached(p.clone())))
            .collect();
        let ours = table(&info, &items, "Metadata", json!({}));
        let names = |t: &Value| -> Vec<Value> {
            t["columnDefinitions"]
                .as_array()
                .expect("cols")
                .iter()
                .map(|c| c["name"].clone())
                .collect()
        };
        assert_eq!(names(&ours), names(&reference));
        for (mine, theirs) in ours["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .zip(reference["rows"].as_array().expect("rows"))
        {
            let (mine, theirs) = (&mine["cells"], &theirs["cells"]);
            // Age (index 4) depends on the clock; every other cell must be the same.
            for i in [0, 1, 2, 3, 5, 6, 7, 8] {
                assert_eq!(mine[i], theirs[i], "cell {i}");
            }
        }
    }

    #[test]
    fn durations_print_like_kubectl() {
        assert_eq!(human_duration(12), "12s");
        assert_eq!(human_duration(303), "5m3s");
        assert_eq!(human_duration(3 * 3600), "3h");
        assert_eq!(human_duration(52 * 3600), "2d4h");
        assert_eq!(human_duration(45 * 86400), "45d");
    }
}
