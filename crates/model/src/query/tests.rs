use super::*;
use serde_json::{Value, json};

fn pod(
    namespace: &str,
    name: &str,
    labels: Value,
    age: i64,
    restarts: i64,
    ready: (i64, i64),
) -> Value {
    json!({
        "metadata": {"name": name, "namespace": namespace, "labels": labels,
                     "creationTimestamp": crate::rows::tests::ago(age)},
        "spec": {"containers": (0..ready.1).map(|i| json!({"name": format!("c{i}")})).collect::<Vec<_>>()},
        "status": {"phase": "Running", "containerStatuses": (0..ready.1).map(|i| json!({
            "name": format!("c{i}"), "image": "", "imageID": "", "ready": i < ready.0,
            "restartCount": if i == 0 { restarts } else { 0 },
            "state": {"running": {}},
        })).collect::<Vec<_>>()},
    })
}

fn fixture() -> (RowSchema, Vec<Row>) {
    let schema = RowSchema::builtin("", "Pod", true);
    let objects = [
        pod(
            "shop",
            "web-1",
            json!({"app": "web", "tier": "front"}),
            300,
            0,
            (1, 1),
        ),
        pod(
            "shop",
            "web-2",
            json!({"app": "web", "tier": "front"}),
            200,
            4,
            (0, 1),
        ),
        pod("shop", "db-0", json!({"app": "db"}), 900, 1, (1, 2)),
        pod("blog", "web-1", json!({"app": "web"}), 100, 2, (2, 2)),
        pod(
            "blog",
            "worker",
            json!({"app": "worker", "canary": "true"}),
            50,
            0,
            (0, 2),
        ),
    ];
    let rows = objects
        .iter()
        .map(|o| schema.row(o).expect("a row"))
        .collect();
    (schema, rows)
}

fn params(pairs: &[(&str, &str)]) -> ListParams {
    let object: serde_json::Map<String, Value> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    serde_json::from_value(Value::Object(object)).expect("params")
}

/// `namespace/name` of the rows a query returns.
fn run(pairs: &[(&str, &str)]) -> (Vec<String>, usize) {
    let (schema, rows) = fixture();
    let query = ListQuery::parse(&params(pairs), &schema).expect("a valid query");
    let page = query.apply(&schema, &rows).expect("a page");
    let names = page
        .items
        .iter()
        .map(|r| format!("{}/{}", r.namespace.as_deref().unwrap_or_default(), r.name))
        .collect();
    (names, page.total)
}

#[test]
fn queries_filter_and_sort_like_a_person_expects() {
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: [Case; 16] = [
        (
            "by default rows are sorted by name, then namespace",
            &[],
            &[
                "shop/db-0",
                "blog/web-1",
                "shop/web-1",
                "shop/web-2",
                "blog/worker",
            ],
        ),
        (
            "one namespace",
            &[("namespace", "blog")],
            &["blog/web-1", "blog/worker"],
        ),
        (
            "several namespaces, comma-separated",
            &[("namespace", "blog, shop"), ("q", "web-1")],
            &["blog/web-1", "shop/web-1"],
        ),
        (
            "the name filter ignores case",
            &[("q", "WOR")],
            &["blog/worker"],
        ),
        (
            "the name filter is a substring",
            &[("q", "eb-")],
            &["blog/web-1", "shop/web-1", "shop/web-2"],
        ),
        (
            "a label selector",
            &[("labelSelector", "app=web,tier in (front)")],
            &["shop/web-1", "shop/web-2"],
        ),
        (
            "a label selector with absence",
            &[("labelSelector", "!canary,app notin (web)")],
            &["shop/db-0"],
        ),
        (
            "descending by name keeps the namespace tie-break ascending",
            &[("sort", "-name")],
            &[
                "blog/worker",
                "shop/web-2",
                "blog/web-1",
                "shop/web-1",
                "shop/db-0",
            ],
        ),
        (
            "by age: ascending creation time is oldest first",
            &[("sort", "creationTimestamp")],
            &[
                "shop/db-0",
                "shop/web-1",
                "shop/web-2",
                "blog/web-1",
                "blog/worker",
            ],
        ),
        (
            "by age descending: newest first",
            &[("sort", "-creationTimestamp")],
            &[
                "blog/worker",
                "blog/web-1",
                "shop/web-2",
                "shop/web-1",
                "shop/db-0",
            ],
        ),
        (
            "by restarts, most first",
            &[("sort", "-restarts")],
            &[
                "shop/web-2",
                "blog/web-1",
                "shop/db-0",
                "blog/worker",
                "shop/web-1",
            ],
        ),
        (
            "by readiness: the ready fraction, then the total",
            &[("sort", "ready")],
            &[
                "shop/web-2",
                "blog/worker",
                "shop/db-0",
                "shop/web-1",
                "blog/web-1",
            ],
        ),
        (
            "by namespace, ties by name",
            &[("sort", "namespace")],
            &[
                "blog/web-1",
                "blog/worker",
                "shop/db-0",
                "shop/web-1",
                "shop/web-2",
            ],
        ),
        (
            "by status text, ties by namespace and name",
            &[("sort", "status"), ("namespace", "shop")],
            &["shop/db-0", "shop/web-1", "shop/web-2"],
        ),
        (
            "a page in the middle",
            &[("pageSize", "2"), ("page", "2")],
            &["shop/web-1", "shop/web-2"],
        ),
        (
            "a page past the end is empty",
            &[("pageSize", "2"), ("page", "4")],
            &[],
        ),
    ];
    for (name, pairs, expected) in cases {
        let (got, _) = run(pairs);
        assert_eq!(got, expected, "{name}");
    }
}

#[test]
fn the_last_page_is_short_and_total_counts_every_match() {
    assert_eq!(
        run(&[("pageSize", "2"), ("page", "3")]),
        (vec!["blog/worker".to_string()], 5)
    );
    assert_eq!(run(&[("pageSize", "2"), ("page", "9")]), (vec![], 5));
    assert_eq!(run(&[("q", "web"), ("pageSize", "1")]).1, 3);
}

#[test]
fn every_page_of_every_sort_together_is_the_full_sort() {
    let (schema, rows) = fixture();
    for column in schema.columns().iter().filter(|c| c.sortable) {
        for descending in [false, true] {
            let sort = if descending {
                format!("-{}", column.id)
            } else {
                column.id.clone()
            };
            let all = ListQuery::parse(&params(&[("sort", &sort), ("pageSize", "500")]), &schema)
                .expect("valid")
                .apply(&schema, &rows)
                .expect("a page")
                .items;
            for size in 1..=4 {
                let mut paged = Vec::new();
                for page in 1..=5 {
                    let query = ListQuery::parse(
                        &params(&[
                            ("sort", &sort),
                            ("pageSize", &size.to_string()),
                            ("page", &page.to_string()),
                        ]),
                        &schema,
                    )
                    .expect("valid");
                    paged.extend(query.apply(&schema, &rows).expect("a page").items);
                }
                assert_eq!(paged, all, "sort {sort}, page size {size}");
            }
        }
    }
}

#[test]
fn packed_sort_keys_order_exactly_like_the_cells() {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceColumnDefinition;
    let column = |name: &str, type_: &str, path: &str| CustomResourceColumnDefinition {
        name: name.into(),
        type_: type_.into(),
        json_path: path.into(),
        ..Default::default()
    };
    let schema = RowSchema::from_printer_columns(
        true,
        &[
            column("Count", "integer", ".n"),
            column("Size", "number", ".x"),
            column("Seen", "date", ".t"),
            column("Word", "string", ".w"),
        ],
    )
    .expect("a schema");
    // Values chosen to defeat the packed keys: shared 16-byte prefixes, negatives, times
    // before 1970, missing cells, namespaces longer than 16 bytes.
    let namespaces = [
        "a",
        "a-namespace-longer-than-16",
        "a-namespace-longer-than-17",
        "",
    ];
    let words = [
        "aaaaaaaaaaaaaaaaaaaa1",
        "aaaaaaaaaaaaaaaaaaaa0",
        "b",
        "",
        "aaaaaaaaaaaaaaa",
    ];
    let times = [
        "1969-12-31T23:59:59Z",
        "1970-01-01T00:00:00Z",
        "2026-11-27T12:00:00Z",
    ];
    let mut rows = Vec::new();
    let mut seed = 7u64;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize % n
    };
    for i in 0..300 {
        let mut object = json!({"metadata": {
            "name": format!("{}-{}", ["same-prefix-for-sixteen", "b", "c"][next(3)], next(20)),
            "namespace": namespaces[next(4)],
            "creationTimestamp": times[next(3)],
            "uid": i.to_string(),
        }});
        if next(5) > 0 {
            object["n"] = json!([-3i64, 0, 5, i64::MIN, i64::MAX][next(5)]);
            object["x"] = json!([-1.5, 0.0, 2.25, 1e12][next(4)]);
            object["t"] = json!(times[next(3)]);
            object["w"] = json!(words[next(5)]);
        }
        rows.push(schema.row(&object).expect("a row"));
    }
    let mut seen = std::collections::HashSet::new();
    rows.retain(|r| seen.insert((r.namespace.clone(), r.name.clone())));
    for id in [
        "name",
        "namespace",
        "creationTimestamp",
        "count",
        "size",
        "seen",
        "word",
    ] {
        for descending in [false, true] {
            let (source, _) = schema.source(id).expect("a column");
            let mut expected: Vec<&Row> = rows.iter().collect();
            expected.sort_by(|a, b| {
                let by_column = compare_by(source, a, b);
                let by_column = if descending {
                    by_column.reverse()
                } else {
                    by_column
                };
                by_column
                    .then_with(|| a.namespace.cmp(&b.namespace))
                    .then_with(|| a.name.cmp(&b.name))
            });
            let query = ListQuery {
                sort: Sort {
                    column: id.to_string(),
                    descending,
                },
                page_size: MAX_PAGE_SIZE,
                ..ListQuery::default()
            };
            let got = query.apply(&schema, &rows).expect("a page").items;
            let uids = |rows: &[&Row]| rows.iter().map(|r| r.uid.clone()).collect::<Vec<_>>();
            assert_eq!(
                uids(&got),
                uids(&expected),
                "sort by {id}, descending {descending}"
            );
        }
    }
}

#[test]
fn a_watch_event_is_a_delta_of_the_views_it_concerns() {
    let (schema, _) = fixture();
    let row = |labels: Value| {
        schema
            .row(&pod("shop", "web-1", labels, 10, 0, (1, 1)))
            .expect("a row")
    };
    let web = row(json!({"app": "web"}));
    let web_again = row(json!({"app": "web", "new": "label"}));
    let db = row(json!({"app": "db"}));
    let query = ListQuery::parse(&params(&[("labelSelector", "app=web")]), &schema).expect("valid");
    let removed = Some(Delta::Removed {
        namespace: Some("shop".into()),
        name: "web-1".into(),
    });
    let cases = [
        (
            "a new matching object is added",
            None,
            Some(&web),
            Some(Delta::Added(&web)),
        ),
        (
            "a matching object that changes is changed",
            Some(&web),
            Some(&web_again),
            Some(Delta::Changed(&web_again)),
        ),
        (
            "a deleted matching object is removed",
            Some(&web),
            None,
            removed.clone(),
        ),
        (
            "an object that stops matching is removed",
            Some(&web),
            Some(&db),
            removed,
        ),
        (
            "an object that starts matching is added",
            Some(&db),
            Some(&web),
            Some(Delta::Added(&web)),
        ),
        (
            "an object the view never shows is no delta",
            Some(&db),
            Some(&db),
            None,
        ),
        (
            "a deleted object the view never showed is no delta",
            Some(&db),
            None,
            None,
        ),
    ];
    for (name, old, new, expected) in cases {
        assert_eq!(query.delta(old, new), expected, "{name}");
    }
}

#[test]
fn bad_parameters_are_refused_with_what_would_be_accepted() {
    let (schema, _) = fixture();
    let cases = [
        (
            "an unknown sort column names the sortable ones",
            ("sort", "-colour"),
            "cannot sort by \"colour\": it is not a column; sortable columns are name, namespace, \
             ready, status, restarts, cpu, memory, creationTimestamp, ip, node, nominatedNode, images",
        ),
        (
            "a bad selector says where",
            ("labelSelector", "app in web"),
            "labelSelector: invalid label selector at character 7: expected ( to open the set of values, found 'w'",
        ),
        (
            "page zero",
            ("page", "0"),
            "page must be a whole number from 1, not \"0\"",
        ),
        (
            "a page that is not a number",
            ("page", "two"),
            "page must be a whole number from 1, not \"two\"",
        ),
        (
            "a page size over the bound",
            ("pageSize", "501"),
            "pageSize must be a whole number from 1 to 500, not \"501\"",
        ),
        (
            "a negative page size",
            ("pageSize", "-1"),
            "pageSize must be a whole number from 1 to 500, not \"-1\"",
        ),
    ];
    for (name, pair, expected) in cases {
        let error = ListQuery::parse(&params(&[pair]), &schema).expect_err(name);
        assert_eq!(error.to_string(), expected, "{name}");
    }
    let services = RowSchema::builtin("", "Service", true);
    let error =
        ListQuery::parse(&params(&[("sort", "selector")]), &services).expect_err("unsortable");
    assert!(
        matches!(error, Error::UnsortableColumn { .. }),
        "a column that is not sortable is refused: {error}"
    );
}

#[test]
fn absent_and_empty_parameters_take_the_defaults() {
    let (schema, _) = fixture();
    let empty = params(&[
        ("namespace", ""),
        ("q", " "),
        ("sort", ""),
        ("page", ""),
        ("pageSize", ""),
    ]);
    assert_eq!(
        ListQuery::parse(&empty, &schema).ok(),
        Some(ListQuery::default())
    );
    assert_eq!(
        ListQuery::parse(&ListParams::default(), &schema).ok(),
        Some(ListQuery::default())
    );
}

#[test]
fn a_namespace_filter_is_ignored_for_cluster_scoped_kinds() {
    let nodes = RowSchema::builtin("", "Node", false);
    let query = ListQuery::parse(&params(&[("namespace", "shop")]), &nodes).expect("valid");
    assert_eq!(query.namespaces, None);
}

/// CPU by pod name: `web-1` 0.5 cores in any namespace, `db-0` 2 cores, others none.
struct FixedUsage;

impl UsageLookup for FixedUsage {
    fn usage(
        &self,
        row: &Row,
        resource: crate::rows::UsageResource,
    ) -> Option<crate::rows::UsageCell> {
        let cpu = match row.name.as_str() {
            "web-1" => 0.5,
            "db-0" => 2.0,
            _ => return None,
        };
        let usage = match resource {
            crate::rows::UsageResource::Cpu => cpu,
            crate::rows::UsageResource::Memory => cpu * 1e9,
        };
        Some(crate::rows::UsageCell::new(usage, Some(1.0), None, None))
    }
}

#[test]
fn usage_columns_sort_by_usage_with_unsampled_rows_last_when_descending() {
    let (schema, rows) = fixture();
    let query = ListQuery::parse(&params(&[("sort", "-cpu")]), &schema).expect("valid");
    let page = query
        .apply_with_usage(&schema, &rows, Some(&FixedUsage))
        .expect("a page");
    let names: Vec<String> = page
        .items
        .iter()
        .map(|r| format!("{}/{}", r.namespace.as_deref().unwrap_or_default(), r.name))
        .collect();
    assert_eq!(
        names,
        // Ties (no sample, or the same usage) by namespace, then name.
        [
            "shop/db-0",
            "blog/web-1",
            "shop/web-1",
            "blog/worker",
            "shop/web-2"
        ]
    );
    let body = serde_json::to_value(&page).expect("json");
    assert_eq!(
        body["items"][0]["cpu"],
        json!({"usage": 2.0, "requests": 1.0, "limits": null, "percent": 200.0, "of": "requests"})
    );
    assert_eq!(body["items"][4]["cpu"], Value::Null, "no sample: null");
    let without = query.apply(&schema, &rows).expect("a page");
    let body = serde_json::to_value(&without).expect("json");
    assert!(
        body["items"][0].get("cpu").is_none(),
        "without a lookup the row does not claim there is no usage"
    );
}

#[test]
fn a_page_serialises_as_the_api_answers() {
    let (schema, rows) = fixture();
    let query =
        ListQuery::parse(&params(&[("q", "db"), ("pageSize", "10")]), &schema).expect("valid");
    let json = serde_json::to_value(query.apply(&schema, &rows).expect("a page")).expect("json");
    assert_eq!(json["total"], 1);
    assert_eq!(json["page"], 1);
    assert_eq!(json["pageSize"], 10);
    assert_eq!(json["items"][0]["name"], "db-0");
    assert_eq!(json["items"][0]["ready"], "1/2");
    assert_eq!(
        json["items"][0]["status"],
        json!({"text": "Running", "severity": "ok"})
    );
    assert_eq!(json["items"][0]["restarts"]["count"], 1);
    assert_eq!(
        json["columns"][2],
        json!({
            "id": "ready", "title": "columns|Ready", "type": "ratio", "sortable": true, "wide": false,
        })
    );
}

/// [`PageShape`] declares a page's JSON for the web app: what `Page` writes must be its fields.
#[test]
fn a_pages_json_is_what_its_typescript_type_says() {
    let (schema, rows) = fixture();
    let page = ListQuery::default().apply(&schema, &rows).expect("a page");
    let json = serde_json::to_value(&page).expect("json");
    let mut keys: Vec<&str> = json
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["columns", "items", "page", "pageSize", "total"]);
    assert!(json["items"].is_array() && json["columns"].is_array());
}

#[test]
fn the_keys_vector_is_reused_by_the_next_query_on_the_thread() {
    let schema = RowSchema::builtin("", "Pod", true);
    let rows: Vec<Row> = (0..3000)
        .map(|i| {
            let object = pod("shop", &format!("web-{i}"), json!({}), i, i % 7, (1, 1));
            schema.row(&object).expect("a row")
        })
        .collect();
    let query = |sort: &str| {
        let params = ListParams {
            sort: Some(sort.into()),
            ..ListParams::default()
        };
        ListQuery::parse(&params, &schema).expect("a query")
    };
    let first = query("-restarts").apply(&schema, &rows).expect("a page");
    assert_eq!(first.total, 3000);
    let kept = KEYED.with_borrow(|kept| (kept.len(), kept.capacity(), kept.as_ptr()));
    assert_eq!(kept.0, 0, "kept empty");
    assert!(kept.1 >= 3000, "with its capacity: {}", kept.1);

    // The next query fills the same allocation, and gives the same answer as a fresh one.
    let second = query("name").apply(&schema, &rows).expect("a page");
    let names: Vec<&str> = second.items.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names[..3], ["web-0", "web-1", "web-10"]);
    assert_eq!(KEYED.with_borrow(|kept| kept.as_ptr()), kept.2);
    let again = query("-restarts").apply(&schema, &rows).expect("a page");
    let names = |page: &Page| {
        page.items
            .iter()
            .map(|r| r.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&again),
        names(&first),
        "a reused vector answers as a new one did"
    );
    assert_eq!(names(&first)[..2], ["web-1000", "web-1007"]);
}
