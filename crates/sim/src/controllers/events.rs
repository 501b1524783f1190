//! Builds core/v1 Events the way kubelet, the scheduler and the controllers report them.
//!
//! A repeated event (same object, reason and message) is counted on the existing Event
//! (`count`, `lastTimestamp`) rather than written again, as the real event recorder does.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::meta;

/// Whether an event reports normal progress or something a person should look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// Progress: Scheduled, Pulled, Created, Started, ScalingReplicaSet, SuccessfulCreate...
    Normal,
    /// A problem: FailedScheduling, Failed, BackOff, Unhealthy...
    Warning,
}

/// One thing that happened to one object, before it becomes an Event object.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSpec {
    /// The object the event is about: apiVersion, kind, name, namespace, uid (and fieldPath).
    pub involved: Value,
    pub event_type: EventType,
    pub reason: String,
    pub message: String,
    /// Who reports it: "kubelet", "default-scheduler", "deployment-controller", ...
    pub component: String,
    /// The node, for kubelet events (`source.host`).
    pub host: Option<String>,
}

impl EventSpec {
    /// An event about `obj`, reported by `component`.
    pub fn new(
        obj: &Value,
        event_type: EventType,
        reason: &str,
        message: impl Into<String>,
        component: &str,
    ) -> Self {
        EventSpec {
            involved: involved_object(obj, None),
            event_type,
            reason: reason.to_string(),
            message: message.into(),
            component: component.to_string(),
            host: None,
        }
    }

    /// Names the container the event is about (`involvedObject.fieldPath`).
    #[must_use]
    pub fn field_path(mut self, path: &str) -> Self {
        meta::set_at(&mut self.involved, &["fieldPath"], json!(path));
        self
    }

    /// Names the node that reports the event (kubelet events).
    #[must_use]
    pub fn host(mut self, host: &str) -> Self {
        self.host = Some(host.to_string());
        self
    }

    /// The key under which repeats of this event are counted together.
    pub fn dedup_key(&self) -> String {
        format!(
            "{}/{}/{}/{}/{}",
            meta::str_at(&self.involved, &["uid"]),
            meta::str_at(&self.involved, &["fieldPath"]),
            self.reason,
            self.component,
            self.message
        )
    }

    /// The namespace the Event object lives in (that of the object; "default" for nodes).
    pub fn namespace(&self) -> &str {
        match meta::str_at(&self.involved, &["namespace"]) {
            "" => "default",
            ns => ns,
        }
    }
}

/// The `involvedObject` reference for an object.
pub fn involved_object(obj: &Value, field_path: Option<&str>) -> Value {
    let mut r = json!({
        "apiVersion": meta::str_at(obj, &["apiVersion"]),
        "kind": meta::kind(obj),
        "name": meta::name(obj),
        "uid": meta::uid(obj),
    });
    if !meta::namespace(obj).is_empty() {
        meta::set_at(&mut r, &["namespace"], json!(meta::namespace(obj)));
    }
    if let Some(rv) = meta::at(obj, &["metadata", "resourceVersion"]) {
        meta::set_at(&mut r, &["resourceVersion"], rv.clone());
    }
    if let Some(p) = field_path {
        meta::set_at(&mut r, &["fieldPath"], json!(p));
    }
    r
}

/// Formats a timestamp as the API server does: RFC 3339 in UTC, whole seconds.
pub fn rfc3339(t: Timestamp) -> String {
    Timestamp::from_second(t.as_second())
        .unwrap_or(t)
        .to_string()
}

/// A new Event object for `spec`, named `<object>.<hex>` like the real recorder.
pub fn new_event(spec: &EventSpec, now: Timestamp, seq: u64) -> Value {
    let time = rfc3339(now);
    let name = format!(
        "{}.{:x}",
        meta::str_at(&spec.involved, &["name"]),
        (now.as_nanosecond() as u64).wrapping_add(seq)
    );
    let mut source = json!({"component": spec.component});
    if let Some(h) = &spec.host {
        meta::set_at(&mut source, &["host"], json!(h));
    }
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": spec.namespace()},
        "involvedObject": spec.involved,
        "reason": spec.reason,
        "message": spec.message,
        "source": source,
        "firstTimestamp": time,
        "lastTimestamp": time,
        "count": 1,
        "type": match spec.event_type { EventType::Normal => "Normal", EventType::Warning => "Warning" },
        "eventTime": null,
        "reportingComponent": spec.component,
        "reportingInstance": spec.host.clone().unwrap_or_default(),
    })
}

/// The existing Event counted once more at `now`.
pub fn repeated_event(existing: &Value, now: Timestamp) -> Value {
    let mut e = existing.clone();
    let count = meta::i64_at(&e, &["count"]).unwrap_or(1) + 1;
    meta::set_at(&mut e, &["count"], json!(count));
    meta::set_at(&mut e, &["lastTimestamp"], json!(rfc3339(now)));
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_event_counts_up_and_keeps_its_first_timestamp() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "shop", "uid": "u1"}});
        let spec = EventSpec::new(
            &pod,
            EventType::Warning,
            "BackOff",
            "Back-off restarting failed container",
            "kubelet",
        );
        let t0: Timestamp = "2026-11-27T17:00:00Z".parse().expect("ts");
        let t1: Timestamp = "2026-11-27T17:00:40Z".parse().expect("ts");
        let first = new_event(&spec, t0, 0);
        let again = repeated_event(&first, t1);
        assert_eq!(again["count"], 2);
        assert_eq!(again["firstTimestamp"], "2026-11-27T17:00:00Z");
        assert_eq!(again["lastTimestamp"], "2026-11-27T17:00:40Z");
        assert_eq!(again["metadata"]["namespace"], "shop");
        assert_eq!(again["involvedObject"]["kind"], "Pod");
        assert_eq!(again["type"], "Warning");
    }
}
