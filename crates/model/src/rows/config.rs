//! Rows of configuration and storage kinds: ConfigMaps, Secrets, ServiceAccounts, ResourceQuotas,
//! LimitRanges, PersistentVolumes, PersistentVolumeClaims, StorageClasses.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    ConfigMap, LimitRange, PersistentVolume, PersistentVolumeClaim, ResourceQuota, Secret,
    ServiceAccount,
};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde_json::Value;

use super::{Builtin, Cell, Column, ColumnType, Result, Severity, typed};

pub(crate) const KINDS: &[Builtin] = &[
    Builtin {
        group: "",
        kind: "ConfigMap",
        columns: config_map_columns,
        cells: config_map_cells,
    },
    Builtin {
        group: "",
        kind: "Secret",
        columns: secret_columns,
        cells: secret_cells,
    },
    Builtin {
        group: "",
        kind: "ServiceAccount",
        columns: service_account_columns,
        cells: service_account_cells,
    },
    Builtin {
        group: "",
        kind: "ResourceQuota",
        columns: resource_quota_columns,
        cells: resource_quota_cells,
    },
    Builtin {
        group: "",
        kind: "LimitRange",
        columns: limit_range_columns,
        cells: limit_range_cells,
    },
    Builtin {
        group: "",
        kind: "PersistentVolume",
        columns: persistent_volume_columns,
        cells: persistent_volume_cells,
    },
    Builtin {
        group: "",
        kind: "PersistentVolumeClaim",
        columns: persistent_volume_claim_columns,
        cells: persistent_volume_claim_cells,
    },
    Builtin {
        group: "storage.k8s.io",
        kind: "StorageClass",
        columns: storage_class_columns,
        cells: storage_class_cells,
    },
];

/// The annotation that marks the cluster's default storage class.
const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";

fn config_map_columns() -> Vec<Column> {
    vec![Column::new("data", "Data", ColumnType::Integer)]
}

fn config_map_cells(object: &Value) -> Result<Vec<Cell>> {
    let map: ConfigMap = typed(object, "ConfigMap")?;
    let count = map.data.map_or(0, |d| d.len()) + map.binary_data.map_or(0, |d| d.len());
    Ok(vec![Cell::Integer(count as i64)])
}

fn secret_columns() -> Vec<Column> {
    vec![
        Column::new("type", "Type", ColumnType::Text),
        Column::new("data", "Data", ColumnType::Integer),
    ]
}

fn secret_cells(object: &Value) -> Result<Vec<Cell>> {
    let secret: Secret = typed(object, "Secret")?;
    Ok(vec![
        Cell::opt_text(secret.type_),
        Cell::Integer(secret.data.map_or(0, |d| d.len()) as i64),
    ])
}

fn service_account_columns() -> Vec<Column> {
    vec![Column::new("secrets", "Secrets", ColumnType::Integer)]
}

fn service_account_cells(object: &Value) -> Result<Vec<Cell>> {
    let account: ServiceAccount = typed(object, "ServiceAccount")?;
    Ok(vec![Cell::Integer(
        account.secrets.map_or(0, |s| s.len()) as i64
    )])
}

fn resource_quota_columns() -> Vec<Column> {
    vec![
        Column::new("request", "Request", ColumnType::Text).unsortable(),
        Column::new("limit", "Limit", ColumnType::Text).unsortable(),
    ]
}

fn resource_quota_cells(object: &Value) -> Result<Vec<Cell>> {
    let quota: ResourceQuota = typed(object, "ResourceQuota")?;
    let status = quota.status.unwrap_or_default();
    let hard = status.hard.unwrap_or_default();
    let used = status.used.unwrap_or_default();
    // As kubectl: `used/hard` per resource, sorted, limits apart from requests.
    let usage = |limits: bool| {
        let parts: Vec<String> = hard
            .iter()
            .filter(|(name, _)| name.starts_with("limits.") == limits)
            .map(|(name, hard)| {
                let used = used.get(name).map_or("0", |q| q.0.as_str());
                format!("{name}: {used}/{}", hard.0)
            })
            .collect();
        Cell::text(parts.join(", "))
    };
    Ok(vec![usage(false), usage(true)])
}

fn limit_range_columns() -> Vec<Column> {
    vec![Column::new("types", "Types", ColumnType::Text)]
}

fn limit_range_cells(object: &Value) -> Result<Vec<Cell>> {
    let range: LimitRange = typed(object, "LimitRange")?;
    let types = range
        .spec
        .into_iter()
        .flat_map(|s| s.limits)
        .map(|l| l.type_);
    Ok(vec![Cell::list(types)])
}

fn storage(map: Option<&BTreeMap<String, Quantity>>) -> Cell {
    map.and_then(|m| m.get("storage"))
        .map_or(Cell::Empty, |q| Cell::quantity(q.0.clone()))
}

/// Access modes as kubectl abbreviates them: `RWO,ROX,RWX,RWOP`.
fn access_modes(modes: Option<&Vec<String>>) -> Cell {
    Cell::list(modes.into_iter().flatten().map(|mode| match mode.as_str() {
        "ReadWriteOnce" => "RWO",
        "ReadOnlyMany" => "ROX",
        "ReadWriteMany" => "RWX",
        "ReadWriteOncePod" => "RWOP",
        other => other,
    }))
}

fn volume_phase(phase: Option<String>) -> Cell {
    let phase = phase.unwrap_or_else(|| "Pending".into());
    let severity = match phase.as_str() {
        "Bound" => Severity::Ok,
        "Available" | "Released" => Severity::Neutral,
        "Pending" => Severity::Progressing,
        _ => Severity::Error,
    };
    Cell::status(phase, severity)
}

fn persistent_volume_columns() -> Vec<Column> {
    vec![
        Column::new("capacity", "Capacity", ColumnType::Quantity),
        Column::new("accessModes", "Access Modes", ColumnType::Text),
        Column::new("reclaimPolicy", "Reclaim Policy", ColumnType::Text),
        Column::new("status", "Status", ColumnType::Status),
        Column::new("claim", "Claim", ColumnType::Text),
        Column::new("storageClass", "StorageClass", ColumnType::Text),
        Column::new("reason", "Reason", ColumnType::Text),
        Column::new("volumeMode", "Volume Mode", ColumnType::Text).wide(),
    ]
}

fn persistent_volume_cells(object: &Value) -> Result<Vec<Cell>> {
    let volume: PersistentVolume = typed(object, "PersistentVolume")?;
    let spec = volume.spec.unwrap_or_default();
    let status = volume.status.unwrap_or_default();
    let claim = spec.claim_ref.as_ref().map(|c| {
        format!(
            "{}/{}",
            c.namespace.as_deref().unwrap_or_default(),
            c.name.as_deref().unwrap_or_default()
        )
    });
    Ok(vec![
        storage(spec.capacity.as_ref()),
        access_modes(spec.access_modes.as_ref()),
        Cell::opt_text(spec.persistent_volume_reclaim_policy),
        volume_phase(status.phase),
        Cell::opt_text(claim),
        Cell::opt_text(spec.storage_class_name),
        Cell::opt_text(status.reason),
        Cell::opt_text(spec.volume_mode),
    ])
}

fn persistent_volume_claim_columns() -> Vec<Column> {
    vec![
        Column::new("status", "Status", ColumnType::Status),
        Column::new("volume", "Volume", ColumnType::Text),
        Column::new("capacity", "Capacity", ColumnType::Quantity),
        Column::new("accessModes", "Access Modes", ColumnType::Text),
        Column::new("storageClass", "StorageClass", ColumnType::Text),
        Column::new("volumeMode", "Volume Mode", ColumnType::Text).wide(),
    ]
}

fn persistent_volume_claim_cells(object: &Value) -> Result<Vec<Cell>> {
    let claim: PersistentVolumeClaim = typed(object, "PersistentVolumeClaim")?;
    let spec = claim.spec.unwrap_or_default();
    let status = claim.status.unwrap_or_default();
    Ok(vec![
        volume_phase(status.phase),
        Cell::opt_text(spec.volume_name),
        storage(status.capacity.as_ref()),
        access_modes(status.access_modes.as_ref()),
        Cell::opt_text(spec.storage_class_name),
        Cell::opt_text(spec.volume_mode),
    ])
}

fn storage_class_columns() -> Vec<Column> {
    vec![
        Column::new("provisioner", "Provisioner", ColumnType::Text),
        Column::new("reclaimPolicy", "Reclaim Policy", ColumnType::Text),
        Column::new("volumeBindingMode", "Volume Binding Mode", ColumnType::Text),
        Column::new(
            "allowVolumeExpansion",
            "Allow Volume Expansion",
            ColumnType::Text,
        ),
        Column::new("default", "Default", ColumnType::Text),
    ]
}

fn storage_class_cells(object: &Value) -> Result<Vec<Cell>> {
    let class: StorageClass = typed(object, "StorageClass")?;
    let is_default = class
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(DEFAULT_CLASS_ANNOTATION))
        .is_some_and(|v| v == "true");
    Ok(vec![
        Cell::text(class.provisioner),
        Cell::text(class.reclaim_policy.unwrap_or_else(|| "Delete".into())),
        Cell::text(
            class
                .volume_binding_mode
                .unwrap_or_else(|| "Immediate".into()),
        ),
        Cell::text(class.allow_volume_expansion.unwrap_or(false).to_string()),
        Cell::text(is_default.to_string()),
    ])
}

#[cfg(test)]
mod tests {
    use super::super::tests::{assert_shows, shown};
    use serde_json::json;

    #[test]
    fn config_and_storage_columns_read_like_kubectl_get_wide() {
        let cases = [
            (
                "a config map counts data and binary data",
                ("", "ConfigMap"),
                json!({"metadata": {"name": "cfg"}, "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}}),
                vec![("data", "3")],
            ),
            (
                "a TLS secret",
                ("", "Secret"),
                json!({"metadata": {"name": "tls"}, "type": "kubernetes.io/tls",
                       "data": {"tls.crt": "AA==", "tls.key": "AA=="}}),
                vec![("type", "kubernetes.io/tls"), ("data", "2")],
            ),
            (
                "a bound volume",
                ("", "PersistentVolume"),
                json!({"metadata": {"name": "pv-1"},
                       "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce", "ReadOnlyMany"],
                                "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "fast",
                                "claimRef": {"namespace": "shop", "name": "data"}},
                       "status": {"phase": "Bound"}}),
                vec![
                    ("capacity", "10Gi"),
                    ("accessModes", "RWO,ROX"),
                    ("reclaimPolicy", "Retain"),
                    ("status", "Bound"),
                    ("claim", "shop/data"),
                    ("storageClass", "fast"),
                    ("reason", "<none>"),
                ],
            ),
            (
                "a pending claim has no volume yet",
                ("", "PersistentVolumeClaim"),
                json!({"metadata": {"name": "data"},
                       "spec": {"accessModes": ["ReadWriteOncePod"], "storageClassName": "fast"},
                       "status": {"phase": "Pending"}}),
                vec![
                    ("status", "Pending"),
                    ("volume", "<none>"),
                    ("capacity", "<none>"),
                    ("storageClass", "fast"),
                ],
            ),
            (
                "the default storage class",
                ("storage.k8s.io", "StorageClass"),
                json!({"metadata": {"name": "standard",
                        "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
                       "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer"}),
                vec![
                    ("provisioner", "rancher.io/local-path"),
                    ("reclaimPolicy", "Delete"),
                    ("volumeBindingMode", "WaitForFirstConsumer"),
                    ("allowVolumeExpansion", "false"),
                    ("default", "true"),
                ],
            ),
            (
                "a quota shows requests and limits apart",
                ("", "ResourceQuota"),
                json!({"metadata": {"name": "q"},
                       "status": {"hard": {"pods": "10", "requests.cpu": "4", "limits.cpu": "8"},
                                  "used": {"pods": "3", "limits.cpu": "500m"}}}),
                vec![
                    ("request", "pods: 3/10, requests.cpu: 0/4"),
                    ("limit", "limits.cpu: 500m/8"),
                ],
            ),
            (
                "a limit range lists its types",
                ("", "LimitRange"),
                json!({"metadata": {"name": "l"},
                       "spec": {"limits": [{"type": "Container"}, {"type": "Pod"}]}}),
                vec![("types", "Container,Pod")],
            ),
        ];
        for (name, kind, object, expected) in cases {
            assert_shows(name, &shown(kind, true, object), &expected);
        }
    }
}
