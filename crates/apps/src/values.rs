//! What a person's values change from a chart's defaults.
//!
//! The install form starts from the chart's `values.yaml`; sending all of it to helm would store
//! every default as if the person had chosen it (`helm get values` shows them all), and a later
//! chart version's new defaults would never apply. Only the difference is passed: keys whose
//! value differs and keys the person added. A key left out keeps its default, as it would with
//! helm (values may be partial); `key: null` removes a default, and as a difference it is kept.
//! Helm merges the difference over the defaults into the same values.

use serde_json::{Map, Value};

/// The values that, merged by helm over `defaults`, give what `wanted` merged over them gives:
/// an empty mapping when `wanted` changes nothing.
pub fn overrides(defaults: &Value, wanted: &Value) -> Value {
    difference(defaults, wanted).unwrap_or_else(|| Value::Object(Map::new()))
}

fn difference(defaults: &Value, wanted: &Value) -> Option<Value> {
    match (defaults, wanted) {
        (Value::Object(defaults), Value::Object(wanted)) => {
            let mut changed = Map::new();
            for (key, value) in wanted {
                match defaults.get(key) {
                    Some(default) => {
                        if let Some(difference) = difference(default, value) {
                            changed.insert(key.clone(), difference);
                        }
                    }
                    None => {
                        changed.insert(key.clone(), value.clone());
                    }
                }
            }
            (!changed.is_empty()).then_some(Value::Object(changed))
        }
        // Lists and scalars are replaced whole, as helm does.
        _ => (defaults != wanted).then(|| wanted.clone()),
    }
}

/// Where a chart's values put the Ingress host (`ingress.host`, `ingress.hosts[0].host` or
/// `ingress.hostname`, the shapes charts use), when its values have an `ingress` with one.
pub fn ingress_host_path(values: &Value) -> Option<&'static str> {
    let ingress = values.get("ingress")?;
    if ingress.get("host").is_some() {
        Some("ingress.host")
    } else if ingress.pointer("/hosts/0/host").is_some() {
        Some("ingress.hosts[0].host")
    } else if ingress.get("hostname").is_some() {
        Some("ingress.hostname")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Helm's merge of user values over defaults: maps merge, null deletes, the rest replaces.
    fn coalesce(defaults: &Value, user: &Value) -> Value {
        match (defaults, user) {
            (Value::Object(defaults), Value::Object(user)) => {
                let mut merged = defaults.clone();
                for (key, value) in user {
                    if value.is_null() {
                        merged.remove(key);
                    } else {
                        let next = match merged.get(key) {
                            Some(default) => coalesce(default, value),
                            None => value.clone(),
                        };
                        merged.insert(key.clone(), next);
                    }
                }
                Value::Object(merged)
            }
            _ => user.clone(),
        }
    }

    fn defaults() -> Value {
        json!({
            "replicaCount": 1,
            "image": {"repository": "nginx", "tag": "1.27"},
            "service": {"type": "ClusterIP", "port": 80},
            "ingress": {"enabled": false, "host": "", "annotations": {}},
            "hosts": ["a.example"],
        })
    }

    #[test]
    fn unchanged_or_partial_values_keep_the_defaults() {
        assert_eq!(overrides(&defaults(), &defaults()), json!({}));
        assert_eq!(overrides(&defaults(), &json!({})), json!({}));
        assert_eq!(
            overrides(&json!({"unset": null}), &json!({"unset": null})),
            json!({})
        );
        assert_eq!(
            overrides(
                &defaults(),
                &json!({"replicaCount": 1, "service": {"port": 8080}})
            ),
            json!({"service": {"port": 8080}})
        );
    }

    #[test]
    fn only_what_changed_is_kept_and_helm_s_merge_gives_back_what_was_wanted() {
        let mut wanted = defaults();
        wanted["replicaCount"] = json!(2);
        wanted["image"]["tag"] = json!("1.28");
        wanted["service"]["type"] = json!("NodePort");
        wanted["hosts"] = json!(["a.example", "b.example"]);
        wanted["message"] = json!("hello");
        wanted["ingress"] = Value::Null;
        let changed = overrides(&defaults(), &wanted);
        assert_eq!(
            changed,
            json!({
                "replicaCount": 2,
                "image": {"tag": "1.28"},
                "service": {"type": "NodePort"},
                "hosts": ["a.example", "b.example"],
                "message": "hello",
                "ingress": null,
            })
        );
        assert_eq!(
            coalesce(&defaults(), &changed),
            coalesce(&defaults(), &wanted)
        );
    }

    #[test]
    fn a_map_replaced_by_a_scalar_and_back() {
        let changed = overrides(&json!({"a": {"b": 1}}), &json!({"a": "flat"}));
        assert_eq!(changed, json!({"a": "flat"}));
        let changed = overrides(&json!({"a": "flat"}), &json!({"a": {"b": 1}}));
        assert_eq!(changed, json!({"a": {"b": 1}}));
    }
}
