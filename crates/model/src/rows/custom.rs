//! Rows of custom resources, from their CRD's `additionalPrinterColumns`.
//!
//! Printer columns name their values with JSONPath. The subset read here covers what CRDs use in
//! practice: fields (`.status.phase`, `.metadata['app.kubernetes.io/name']`), indexes
//! (`.spec.ports[0].port`), wildcards (`.spec.containers[*].image`) and equality filters
//! (`.status.conditions[?(@.type=="Ready")].status`). Several matches are joined with `,`.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceColumnDefinition, CustomResourceDefinition,
};
use serde_json::Value;

use super::{Cell, Cells, Column, ColumnType, Error, Result, RowSchema, timestamp, typed};

impl RowSchema {
    /// The schema of a custom resource at one served version of its CRD (a JSON object).
    pub fn custom_resource(crd: &Value, version: &str) -> Result<RowSchema> {
        let crd: CustomResourceDefinition = typed(crd, "CustomResourceDefinition")?;
        let namespaced = crd.spec.scope == "Namespaced";
        let found = crd.spec.versions.iter().find(|v| v.name == version);
        let Some(found) = found else {
            let known: Vec<&str> = crd.spec.versions.iter().map(|v| v.name.as_str()).collect();
            return Err(Error::Schema(format!(
                "the CRD {} has no version {version}; it has {}",
                crd.metadata.name.as_deref().unwrap_or_default(),
                known.join(", ")
            )));
        };
        RowSchema::from_printer_columns(
            namespaced,
            found
                .additional_printer_columns
                .as_deref()
                .unwrap_or_default(),
        )
    }

    /// The schema of a kind with these printer columns; a column whose JSONPath is not in the
    /// supported subset is refused with the reason.
    pub fn from_printer_columns(
        namespaced: bool,
        definitions: &[CustomResourceColumnDefinition],
    ) -> Result<RowSchema> {
        let mut columns = Vec::new();
        let mut printers = Vec::new();
        let mut age_at = None;
        for definition in definitions {
            let path = JsonPath::parse(&definition.json_path).map_err(|reason| {
                Error::Schema(format!(
                    "printer column {:?}: JSONPath {:?}: {reason}",
                    definition.name, definition.json_path
                ))
            })?;
            // Name, namespace and age are always shown; CRDs often repeat the age, and where
            // they put it is where it goes.
            if let [Segment::Field(m), Segment::Field(f)] = path.0.as_slice()
                && m == "metadata"
            {
                match f.as_str() {
                    "creationTimestamp" => {
                        age_at.get_or_insert(columns.len());
                        continue;
                    }
                    "name" | "namespace" => continue,
                    _ => {}
                }
            }
            let kind = match definition.type_.as_str() {
                "integer" => ColumnType::Integer,
                "number" => ColumnType::Quantity,
                "date" => ColumnType::Since,
                _ => ColumnType::Text,
            };
            let mut column = Column::new(&column_id(&definition.name), &definition.name, kind);
            if definition.priority.unwrap_or(0) > 0 {
                column = column.wide();
            }
            columns.push(column);
            printers.push(PrinterColumn { path, kind });
        }
        Ok(RowSchema::new(
            namespaced,
            columns,
            age_at,
            Cells::Printer(printers),
        ))
    }
}

/// `Last Schedule` → `lastSchedule`, `READY` → `ready`, `Desired Replicas` → `desiredReplicas`.
fn column_id(name: &str) -> String {
    let mut id = String::new();
    for (index, word) in name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .enumerate()
    {
        let all_caps = word.chars().all(|c| !c.is_lowercase());
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            if index == 0 {
                id.extend(first.to_lowercase());
            } else {
                id.extend(first.to_uppercase());
            }
            if all_caps {
                id.extend(chars.flat_map(char::to_lowercase));
            } else {
                id.extend(chars);
            }
        }
    }
    if id.is_empty() {
        "column".to_string()
    } else {
        id
    }
}

/// One printer column: where its value is and how it is typed.
#[derive(Debug, Clone)]
pub(crate) struct PrinterColumn {
    path: JsonPath,
    kind: ColumnType,
}

impl PrinterColumn {
    pub(crate) fn cell(&self, object: &Value) -> Cell {
        let values = self.path.find(object);
        match (self.kind, values.as_slice()) {
            (_, []) | (_, [Value::Null]) => Cell::Empty,
            (ColumnType::Integer, [value]) if value.is_i64() => {
                Cell::Integer(value.as_i64().unwrap_or_default())
            }
            (ColumnType::Quantity, [value]) if value.is_number() => Cell::Quantity {
                text: value.to_string(),
                value: value.as_f64().unwrap_or(f64::INFINITY),
            },
            (ColumnType::Since, [value]) => match timestamp(value) {
                Some(time) => Cell::Since(time),
                None => Cell::Empty,
            },
            (_, values) => Cell::list(values.iter().map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Field(String),
    Index(usize),
    /// `[*]`, and `.*`: every element or every field value.
    All,
    /// `[?(@.a.b=="x")]`: the elements whose value at the path equals the literal.
    Filter {
        path: Vec<String>,
        equals: String,
    },
}

/// A parsed JSONPath of the supported subset.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath(Vec<Segment>);

impl JsonPath {
    /// Parses `.a.b[0].c`, optionally wrapped in `{}` as kubectl's templates write it.
    pub fn parse(text: &str) -> std::result::Result<JsonPath, String> {
        let text = text.trim();
        let text = text
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(text);
        let text = text.strip_prefix('$').unwrap_or(text);
        let chars: Vec<char> = text.chars().collect();
        let mut segments = Vec::new();
        let mut at = 0;
        while at < chars.len() {
            match chars[at] {
                '.' => {
                    at += 1;
                    if chars.get(at) == Some(&'.') {
                        return Err(format!(
                            "recursive descent (..) at character {at} is not supported"
                        ));
                    }
                    let start = at;
                    while at < chars.len() && chars[at] != '.' && chars[at] != '[' {
                        at += 1;
                    }
                    let name: String = chars[start..at].iter().collect();
                    match name.as_str() {
                        "" => return Err(format!("expected a field name at character {start}")),
                        "*" => segments.push(Segment::All),
                        _ => segments.push(Segment::Field(name)),
                    }
                }
                '[' => {
                    let close = chars[at..]
                        .iter()
                        .position(|&c| c == ']')
                        .map(|p| at + p)
                        .ok_or_else(|| format!("the [ at character {at} is not closed"))?;
                    let inner: String = chars[at + 1..close].iter().collect();
                    segments.push(bracket(inner.trim(), at)?);
                    at = close + 1;
                }
                other => {
                    return Err(format!(
                        "expected . or [ at character {at}, found {other:?}"
                    ));
                }
            }
        }
        if segments.is_empty() {
            return Err("the path is empty".to_string());
        }
        Ok(JsonPath(segments))
    }

    /// Every value the path reaches in the object, in document order.
    pub fn find<'v>(&self, object: &'v Value) -> Vec<&'v Value> {
        let mut current = vec![object];
        for segment in &self.0 {
            let mut next = Vec::new();
            for value in current {
                match segment {
                    Segment::Field(name) => next.extend(value.get(name)),
                    Segment::Index(index) => next.extend(value.get(index)),
                    Segment::All => match value {
                        Value::Array(items) => next.extend(items),
                        Value::Object(fields) => next.extend(fields.values()),
                        _ => {}
                    },
                    Segment::Filter { path, equals } => {
                        for item in value.as_array().into_iter().flatten() {
                            let found = path.iter().try_fold(item, |v, field| v.get(field));
                            let matches = match found {
                                Some(Value::String(s)) => s == equals,
                                Some(Value::Null) | None => false,
                                Some(other) => *other.to_string() == **equals,
                            };
                            if matches {
                                next.push(item);
                            }
                        }
                    }
                }
            }
            current = next;
        }
        current
    }
}

/// The inside of `[...]` that starts at character `at`.
fn bracket(inner: &str, at: usize) -> std::result::Result<Segment, String> {
    if inner == "*" {
        return Ok(Segment::All);
    }
    if let Ok(index) = inner.parse::<usize>() {
        return Ok(Segment::Index(index));
    }
    if let Some(name) = quoted(inner) {
        return Ok(Segment::Field(name.to_string()));
    }
    if let Some(filter) = inner.strip_prefix("?(").and_then(|f| f.strip_suffix(')')) {
        let (left, right) = filter
            .split_once("==")
            .ok_or_else(|| format!("the filter at character {at} must compare with =="))?;
        let path = left
            .trim()
            .strip_prefix("@.")
            .ok_or_else(|| format!("the filter at character {at} must start with @."))?;
        let right = right.trim();
        let equals = quoted(right).unwrap_or(right);
        return Ok(Segment::Filter {
            path: path.split('.').map(str::to_string).collect(),
            equals: equals.to_string(),
        });
    }
    Err(format!(
        "[{inner}] at character {at} is not supported (use [n], [*], ['name'] or [?(@.field==\"value\")])"
    ))
}

fn quoted(text: &str) -> Option<&str> {
    text.strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .or_else(|| text.strip_prefix('"').and_then(|t| t.strip_suffix('"')))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ago, now};
    use super::*;
    use serde_json::json;

    fn certificate_crd() -> Value {
        json!({
            "metadata": {"name": "certificates.cert-manager.io"},
            "spec": {
                "group": "cert-manager.io", "scope": "Namespaced",
                "names": {"kind": "Certificate", "plural": "certificates"},
                "versions": [{
                    "name": "v1", "served": true, "storage": true,
                    "additionalPrinterColumns": [
                        {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
                        {"name": "Secret", "type": "string", "jsonPath": ".spec.secretName"},
                        {"name": "Issuer", "type": "string", "jsonPath": ".spec.issuerRef.name", "priority": 1},
                        {"name": "Renewals", "type": "integer", "jsonPath": ".status.renewals"},
                        {"name": "Score", "type": "number", "jsonPath": ".status.score"},
                        {"name": "Not After", "type": "date", "jsonPath": ".status.notAfter"},
                        {"name": "DNS Names", "type": "string", "jsonPath": ".spec.dnsNames[*]"},
                        {"name": "First Name", "type": "string", "jsonPath": ".spec.dnsNames[0]"},
                        {"name": "App", "type": "string", "jsonPath": ".metadata.labels['app.kubernetes.io/name']"},
                        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                    ],
                }],
            },
        })
    }

    #[test]
    fn a_custom_resource_shows_its_printer_columns() {
        let schema = RowSchema::custom_resource(&certificate_crd(), "v1").expect("a schema");
        let ids: Vec<&str> = schema.columns().iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "name",
                "namespace",
                "ready",
                "secret",
                "issuer",
                "renewals",
                "score",
                "notAfter",
                "dnsNames",
                "firstName",
                "app",
                "creationTimestamp",
            ],
            "the columns in the CRD's order, age once where the CRD puts it"
        );
        let certificate = json!({
            "metadata": {"name": "shop-tls", "namespace": "shop", "creationTimestamp": ago(7200),
                         "labels": {"app.kubernetes.io/name": "shop"}},
            "spec": {"secretName": "shop-tls", "issuerRef": {"name": "letsencrypt"},
                     "dnsNames": ["shop.example.com", "www.shop.example.com"]},
            "status": {"renewals": 4, "score": 0.5, "notAfter": ago(-86400 * 30),
                       "conditions": [{"type": "Issuing", "status": "False"},
                                      {"type": "Ready", "status": "True"}]},
        });
        let row = schema.row(&certificate).expect("a row");
        let shown = |id: &str| schema.cell(&row, id).expect(id).display(now());
        assert_eq!(shown("ready"), "True");
        assert_eq!(shown("secret"), "shop-tls");
        assert_eq!(shown("issuer"), "letsencrypt");
        assert_eq!(shown("renewals"), "4");
        assert_eq!(shown("score"), "0.5");
        assert_eq!(
            shown("notAfter"),
            "<invalid>",
            "a future date, as kubectl shows it"
        );
        assert_eq!(shown("dnsNames"), "shop.example.com,www.shop.example.com");
        assert_eq!(shown("firstName"), "shop.example.com");
        assert_eq!(shown("app"), "shop");
        assert_eq!(shown("creationTimestamp"), "120m");
        assert_eq!(
            schema.cell(&row, "renewals"),
            Some(super::super::RowValue::Cell(&Cell::Integer(4)))
        );
    }

    #[test]
    fn any_kind_gets_its_own_columns_or_its_printer_columns_or_the_basic_ones() {
        let crd = certificate_crd();
        let ids = |schema: RowSchema| -> Vec<String> {
            schema.columns().iter().map(|c| c.id.clone()).collect()
        };
        let certificate =
            RowSchema::for_kind("cert-manager.io", "Certificate", true, Some((&crd, "v1")))
                .expect("a schema");
        assert!(
            ids(certificate).contains(&"ready".to_string()),
            "printer columns"
        );
        let pod = RowSchema::for_kind("", "Pod", true, Some((&crd, "v1"))).expect("a schema");
        assert!(
            ids(pod).contains(&"restarts".to_string()),
            "a built-in kind keeps its columns"
        );
        let unknown = RowSchema::for_kind("example.com", "Widget", false, None).expect("a schema");
        assert_eq!(ids(unknown), ["name", "creationTimestamp"]);
    }

    #[test]
    fn a_missing_value_is_empty() {
        let schema = RowSchema::custom_resource(&certificate_crd(), "v1").expect("a schema");
        let row = schema
            .row(&json!({"metadata": {"name": "new", "namespace": "shop"}}))
            .expect("a row");
        assert!(
            row.cells.iter().all(|c| *c == Cell::Empty),
            "{:?}",
            row.cells
        );
    }

    #[test]
    fn an_unknown_version_names_the_known_ones() {
        let error = RowSchema::custom_resource(&certificate_crd(), "v2")
            .expect_err("no v2")
            .to_string();
        assert_eq!(
            error,
            "the CRD certificates.cert-manager.io has no version v2; it has v1"
        );
    }

    #[test]
    fn json_paths_outside_the_subset_are_refused_with_the_place() {
        let cases = [
            (
                "recursive descent",
                "..name",
                "recursive descent (..) at character 1 is not supported",
            ),
            (
                "an unclosed bracket",
                ".a[0",
                "the [ at character 2 is not closed",
            ),
            (
                "a slice",
                ".a[1:2]",
                "[1:2] at character 2 is not supported",
            ),
            ("no leading dot", "a.b", "expected . or [ at character 0"),
            ("an empty path", "", "the path is empty"),
        ];
        for (name, path, expected) in cases {
            let error = JsonPath::parse(path).expect_err(name);
            assert!(error.starts_with(expected), "{name}: {error}");
        }
    }

    #[test]
    fn json_paths_find_fields_indexes_wildcards_and_filters() {
        let object = json!({"a": {"b": [{"c": 1, "t": "x"}, {"c": 2, "t": "y"}], "d.e": "f"}});
        let cases = [
            ("{.a.b[0].c}", vec![json!(1)]),
            (".a.b[*].c", vec![json!(1), json!(2)]),
            (".a.b[?(@.t=='y')].c", vec![json!(2)]),
            (".a['d.e']", vec![json!("f")]),
            (".a.missing", vec![]),
            (".a.b[5]", vec![]),
        ];
        for (path, expected) in cases {
            let parsed = JsonPath::parse(path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let found: Vec<Value> = parsed.find(&object).into_iter().cloned().collect();
            assert_eq!(found, expected, "{path}");
        }
    }

    #[test]
    fn column_ids_are_camel_case_of_the_names() {
        let cases = [
            ("Last Schedule", "lastSchedule"),
            ("READY", "ready"),
            ("DesiredReplicas", "desiredReplicas"),
            ("Up-to-date", "upToDate"),
            ("!!", "column"),
        ];
        for (name, expected) in cases {
            assert_eq!(column_id(name), expected, "{name}");
        }
    }
}
