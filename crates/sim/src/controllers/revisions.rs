//! Keeps the ControllerRevisions of StatefulSets and DaemonSets: one per pod template, named
//! `<owner>-<hash>`, numbered in order of use, holding the template as the strategic merge
//! patch that `kubectl rollout undo` applies to go back to it. `kubectl rollout history`
//! lists them.

use serde_json::{Value, json};

use super::action::{Action, gr};
use super::meta;

/// The label with the template hash on a ControllerRevision.
pub const HASH_LABEL: &str = "controller.kubernetes.io/hash";

/// The name of the revision of `owner`'s current template.
pub fn revision_name(owner: &Value) -> String {
    format!("{}-{}", meta::name(owner), template_hash(owner))
}

/// The hash of `owner`'s current pod template.
pub fn template_hash(owner: &Value) -> String {
    meta::template_hash(meta::at(owner, &["spec", "template"]).unwrap_or(&Value::Null))
}

fn number(revision: &Value) -> i64 {
    meta::i64_at(revision, &["revision"]).unwrap_or(0)
}

/// The ControllerRevision for `owner`'s current template, at `revision`.
pub fn new_revision(owner: &Value, revision: i64) -> Value {
    let mut template = meta::at(owner, &["spec", "template"])
        .cloned()
        .unwrap_or_else(|| json!({}));
    meta::set_at(&mut template, &["$patch"], json!("replace"));
    let mut labels = meta::at(owner, &["spec", "selector", "matchLabels"])
        .cloned()
        .unwrap_or_else(|| json!({}));
    meta::set_at(&mut labels, &[HASH_LABEL], json!(template_hash(owner)));
    let mut cr = json!({
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {
            "name": revision_name(owner),
            "namespace": meta::namespace(owner),
            "labels": labels,
            "ownerReferences": [meta::controller_ref(owner)],
        },
        "data": {"spec": {"template": template}},
        "revision": revision,
    });
    if let Some(cause) = meta::annotation(owner, "kubernetes.io/change-cause") {
        meta::set_annotation(&mut cr, "kubernetes.io/change-cause", cause);
    }
    cr
}

/// One pass over the revisions `owned` by a StatefulSet or DaemonSet.
pub fn reconcile(owner: &Value, owned: &[&Value]) -> Vec<Action> {
    let mut actions = Vec::new();
    if meta::is_terminating(owner) {
        return actions;
    }
    let name = revision_name(owner);
    let latest = owned.iter().map(|r| number(r)).max().unwrap_or(0);
    match owned.iter().find(|r| meta::name(r) == name) {
        None => actions.push(Action::Create {
            resource: gr::controllerrevisions(),
            object: new_revision(owner, latest + 1),
        }),
        // Back to an older template (a rollback): that revision becomes the newest.
        Some(current) if number(current) < latest => {
            actions.push(Action::merge(
                gr::controllerrevisions(),
                current,
                json!({"revision": latest + 1}),
            ));
        }
        Some(_) => {}
    }
    let limit = meta::i64_at(owner, &["spec", "revisionHistoryLimit"])
        .unwrap_or(10)
        .max(0) as usize;
    let mut old: Vec<&&Value> = owned.iter().filter(|r| meta::name(r) != name).collect();
    if old.len() > limit {
        old.sort_by_key(|r| number(r));
        for r in old.iter().take(old.len() - limit) {
            actions.push(Action::delete(gr::controllerrevisions(), r));
        }
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sts(image: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "data", "uid": "s-1"},
               "spec": {"selector": {"matchLabels": {"app": "db"}},
                        "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "c", "image": image}]}}}})
    }

    fn created(actions: &[Action]) -> Option<Value> {
        actions.iter().find_map(|a| match a {
            Action::Create { object, .. } => Some(object.clone()),
            _ => None,
        })
    }

    #[test]
    fn each_template_gets_a_numbered_revision_kubectl_can_roll_back_to() {
        let v1 = created(&reconcile(&sts("pg:16"), &[])).expect("first revision");
        assert_eq!(v1["revision"], 1);
        assert_eq!(
            v1["metadata"]["labels"]["app"], "db",
            "selected by the owner's selector"
        );
        assert_eq!(v1["data"]["spec"]["template"]["$patch"], "replace");
        assert_eq!(
            v1["data"]["spec"]["template"]["spec"]["containers"][0]["image"],
            "pg:16"
        );
        let v2 = created(&reconcile(&sts("pg:17"), &[&v1])).expect("second revision");
        assert_eq!(v2["revision"], 2);
        assert!(
            reconcile(&sts("pg:17"), &[&v1, &v2]).is_empty(),
            "nothing to do on the current template"
        );
        let back = reconcile(&sts("pg:16"), &[&v1, &v2]);
        assert!(
            matches!(&back[..], [Action::Merge { name, patch, .. }] if *name == v1["metadata"]["name"] && patch["revision"] == 3),
            "rolling back renumbers the old revision: {back:?}"
        );
    }
}
