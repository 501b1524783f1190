use super::*;
use jiff::SignedDuration;

pub(crate) fn now() -> Timestamp {
    "2026-11-27T12:00:00Z".parse().expect("a timestamp")
}

/// `now` minus this many seconds, in RFC 3339.
pub(crate) fn ago(seconds: i64) -> String {
    (now() - SignedDuration::from_secs(seconds)).to_string()
}

/// The row's cells as kubectl prints them at [`now`], keyed by column id.
pub(crate) fn shown(kind: (&str, &str), namespaced: bool, object: Value) -> Vec<(String, String)> {
    let schema = RowSchema::builtin(kind.0, kind.1, namespaced);
    let row = schema.row(&object).expect("a row");
    schema
        .columns()
        .iter()
        // Usage is joined by the list from metrics, not part of the row.
        .filter(|c| c.kind != ColumnType::Usage)
        .map(|c| {
            let value = schema.cell(&row, &c.id).expect("a cell").display(now());
            (c.id.clone(), value)
        })
        .collect()
}

/// Asserts that the listed columns show the given text.
pub(crate) fn assert_shows(name: &str, shown: &[(String, String)], expected: &[(&str, &str)]) {
    for (id, text) in expected {
        let got = shown.iter().find(|(c, _)| c == id);
        assert_eq!(
            got.map(|(_, t)| t.as_str()),
            Some(*text),
            "{name}: column {id} in {shown:?}"
        );
    }
}

#[test]
fn durations_read_like_kubectl_ages() {
    let cases = [
        (0, "0s"),
        (59, "59s"),
        (119, "119s"),
        (120, "2m"),
        (330, "5m30s"),
        (600, "10m"),
        (179 * 60, "179m"),
        (3 * 3600 + 600, "3h10m"),
        (8 * 3600, "8h"),
        (47 * 3600, "47h"),
        (2 * 86400 + 4 * 3600, "2d4h"),
        (3 * 86400, "3d"),
        (400 * 86400, "400d"),
        (3 * 365 * 86400 + 20 * 86400, "3y20d"),
        (9 * 365 * 86400, "9y"),
        (-1, "0s"),
        (-5, "<invalid>"),
    ];
    for (seconds, expected) in cases {
        assert_eq!(
            human_duration(SignedDuration::from_secs(seconds)),
            expected,
            "{seconds}s"
        );
    }
}

#[test]
fn ratios_sort_by_their_ready_fraction_then_total() {
    let ratio = |ready, total| Cell::Ratio { ready, total };
    let mut cells = [
        ratio(3, 3),
        ratio(1, 2),
        ratio(0, 1),
        ratio(2, 3),
        ratio(1, 1),
    ];
    cells.sort_by(Cell::compare);
    let shown: Vec<String> = cells.iter().map(|c| c.display(now())).collect();
    assert_eq!(shown, ["0/1", "1/2", "2/3", "1/1", "3/3"]);
}

#[test]
fn durations_sort_finished_by_length_then_running_by_start() {
    let at = |seconds: i64| now() - SignedDuration::from_secs(seconds);
    let mut cells = [
        Cell::Duration {
            start: at(100),
            end: None,
        },
        Cell::Duration {
            start: at(1000),
            end: Some(at(900)),
        },
        Cell::Duration {
            start: at(50),
            end: None,
        },
        Cell::Duration {
            start: at(500),
            end: Some(at(490)),
        },
        Cell::Empty,
    ];
    cells.sort_by(Cell::compare);
    let shown: Vec<String> = cells.iter().map(|c| c.display(now())).collect();
    assert_eq!(shown, ["<none>", "10s", "100s", "50s", "100s"]);
    assert_eq!(
        cells[3],
        Cell::Duration {
            start: at(50),
            end: None
        },
        "the job started last has run the shortest"
    );
}

#[test]
fn quantities_sort_by_value_not_text() {
    let mut cells = [
        Cell::quantity("2Gi"),
        Cell::quantity("512Mi"),
        Cell::quantity("1500M"),
        Cell::Empty,
    ];
    cells.sort_by(Cell::compare);
    let shown: Vec<String> = cells.iter().map(|c| c.display(now())).collect();
    assert_eq!(shown, ["<none>", "512Mi", "1500M", "2Gi"]);
}

#[test]
fn every_builtin_kind_has_one_cell_per_column_even_for_a_bare_object() {
    for builtin in workloads::KINDS
        .iter()
        .chain(network::KINDS)
        .chain(config::KINDS)
        .chain(cluster::KINDS)
    {
        let schema = RowSchema::builtin(builtin.group, builtin.kind, true);
        let object = serde_json::json!({"metadata": {"name": "x", "namespace": "d"}});
        let row = schema
            .row(&object)
            .unwrap_or_else(|e| panic!("{}: {e}", builtin.kind));
        assert_eq!(row.cells.len(), schema.cell_ids().len(), "{}", builtin.kind);
        let mut ids: Vec<&str> = schema.columns().iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(
            ids.len(),
            schema.columns().len(),
            "{}: duplicate ids",
            builtin.kind
        );
        for column in schema.columns() {
            assert!(column.title.starts_with("columns|"), "{}", column.id);
        }
    }
}

#[test]
fn a_kind_without_columns_shows_name_namespace_and_age() {
    let schema = RowSchema::builtin("example.com", "Widget", true);
    let ids: Vec<&str> = schema.columns().iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, [NAME, NAMESPACE, CREATION_TIMESTAMP]);
    let cluster_scoped = RowSchema::builtin("example.com", "Widget", false);
    let ids: Vec<&str> = cluster_scoped
        .columns()
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(ids, [NAME, CREATION_TIMESTAMP]);
}

#[test]
fn an_object_without_a_name_is_refused() {
    let schema = RowSchema::builtin("", "ConfigMap", true);
    let result = schema.row(&serde_json::json!({"metadata": {}}));
    assert!(matches!(result, Err(Error::MissingName)), "{result:?}");
}

#[test]
fn an_object_of_the_wrong_shape_says_which_kind_it_is_not() {
    let schema = RowSchema::builtin("apps", "Deployment", true);
    let object = serde_json::json!({"metadata": {"name": "x"}, "spec": {"replicas": "three"}});
    let error = schema.row(&object).expect_err("invalid").to_string();
    assert!(
        error.starts_with("the object is not a valid Deployment"),
        "{error}"
    );
}

#[test]
fn a_row_serialises_its_cells_under_their_column_ids() {
    let schema = RowSchema::builtin("apps", "Deployment", true);
    let object = serde_json::json!({
        "metadata": {"name": "web", "namespace": "shop", "uid": "u1",
                     "creationTimestamp": "2026-11-27T11:00:00Z", "labels": {"app": "web"}},
        "spec": {"replicas": 3},
        "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2},
    });
    let row = schema.row(&object).expect("a row");
    let json = serde_json::to_value(schema.json(&row)).expect("json");
    assert_eq!(json["name"], "web");
    assert_eq!(json["namespace"], "shop");
    assert_eq!(json["uid"], "u1");
    assert_eq!(json["creationTimestamp"], "2026-11-27T11:00:00Z");
    assert_eq!(json["labels"]["app"], "web");
    assert_eq!(json["ready"], "2/3");
    assert_eq!(json["upToDate"], 3);
}

/// [`CellValue`] declares the JSON of a cell for the web app: what `Cell` writes must fit it.
#[test]
fn every_cell_is_written_as_its_typescript_type_says() {
    let time = now();
    let cells = [
        Cell::Empty,
        Cell::text("web"),
        Cell::Integer(3),
        Cell::quantity("3800m"),
        Cell::Since(time),
        Cell::Ratio { ready: 1, total: 2 },
        Cell::status("Running", Severity::Ok),
        Cell::Restarts {
            count: 5,
            last: Some(time),
        },
        Cell::Duration {
            start: time,
            end: None,
        },
    ];
    for cell in cells {
        let json = serde_json::to_value(&cell).expect("json");
        let fits = match &json {
            Value::Null | Value::String(_) | Value::Number(_) => true,
            Value::Object(map) => {
                let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
                keys.sort_unstable();
                [
                    ["severity", "text"],
                    ["count", "lastRestart"],
                    ["end", "start"],
                ]
                .contains(&[keys[0], keys[keys.len() - 1]])
                    && keys.len() == 2
            }
            _ => false,
        };
        assert!(
            fits,
            "{cell:?} is written as {json}, which CellValue does not declare"
        );
    }
}

/// [`RowShape`] declares a row's JSON for the web app: its metadata, then the kind's columns.
#[test]
fn a_rows_json_is_what_its_typescript_type_says() {
    let schema = RowSchema::builtin("apps", "Deployment", true);
    let object = serde_json::json!({
        "metadata": {"name": "web", "namespace": "shop", "uid": "u1",
                     "creationTimestamp": "2026-11-27T11:00:00Z", "labels": {"app": "web"}},
    });
    let row = schema.row(&object).expect("a row");
    let json = serde_json::to_value(schema.json(&row)).expect("json");
    let mut keys: Vec<&str> = json
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    let mut declared = vec!["name", "namespace", "uid", "creationTimestamp", "labels"];
    declared.extend(schema.cell_ids().iter().map(String::as_str));
    declared.sort_unstable();
    assert_eq!(keys, declared);
    assert!(json["labels"].is_object() && json["uid"].is_string());
}

#[test]
fn an_objects_key_is_stable_and_keeps_namespace_and_name_apart() {
    assert_eq!(object_key("shop", "web-1"), object_key("shop", "web-1"));
    assert_ne!(object_key("shop", "web-1"), object_key("shop", "web-2"));
    // FNV over "namespace/name" gave these one key; a keyed hash of the pair does not.
    assert_ne!(object_key("a", "b/c"), object_key("a/b", "c"));
    assert_ne!(object_key("", "shop/web-1"), object_key("shop", "web-1"));
}
