//! The columns kube-apiserver prints for each kind (names, types, priorities and the
//! descriptions it sends), and those a CRD declares.

use crate::storage::ResourceInfo;

/// One column: name, type, format, priority (1 = only with `-o wide`), description.
pub(super) struct Column(
    pub(super) &'static str,
    pub(super) &'static str,
    pub(super) &'static str,
    pub(super) u8,
    pub(super) &'static str,
);

const NAME_DESC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const AGE_DESC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/// The columns of a kind's Table, in order.
pub(super) fn columns(info: &ResourceInfo) -> Vec<Column> {
    let name = Column("Name", "string", "name", 0, NAME_DESC);
    let age = Column("Age", "string", "", 0, AGE_DESC);
    let c = |n, p, d| Column(n, "string", "", p, d);
    let i = |n, p, d| Column(n, "integer", "", p, d);
    let kind = (info.group.as_str(), info.plural.as_str());
    let mut columns = match kind {
        ("", "pods") => vec![
            name,
            c(
                "Ready",
                0,
                "The aggregate readiness state of this pod for accepting traffic.",
            ),
            c(
                "Status",
                0,
                "The aggregate status of the containers in this pod.",
            ),
            c(
                "Restarts",
                0,
                "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
            ),
            age,
            c(
                "IP",
                1,
                "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
            ),
            c(
                "Node",
                1,
                "NodeName indicates in which node this pod is scheduled.",
            ),
            c(
                "Nominated Node",
                1,
                "nominatedNodeName is set only when this pod preempts other pods on the node.",
            ),
            c(
                "Readiness Gates",
                1,
                "If specified, all readiness gates will be evaluated for pod readiness.",
            ),
        ],
        ("", "nodes") => vec![
            name,
            c("Status", 0, "The status of the node"),
            c("Roles", 0, "The roles of the node"),
            age,
            c("Version", 0, "Kubelet Version reported by the node."),
            c(
                "Internal-IP",
                1,
                "List of addresses reachable to the node. Queried from cloud provider, if available.",
            ),
            c(
                "External-IP",
                1,
                "List of addresses reachable to the node. Queried from cloud provider, if available.",
            ),
            c(
                "OS-Image",
                1,
                "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
            ),
            c(
                "Kernel-Version",
                1,
                "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
            ),
            c(
                "Container-Runtime",
                1,
                "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
            ),
        ],
        ("", "namespaces") => vec![name, c("Status", 0, "The status of the namespace"), age],
        ("", "services") => vec![
            name,
            c("Type", 0, "type determines how the Service is exposed."),
            c(
                "Cluster-IP",
                0,
                "clusterIP is the IP address of the service.",
            ),
            c(
                "External-IP",
                0,
                "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.",
            ),
            c(
                "Port(s)",
                0,
                "The list of ports that are exposed by this service.",
            ),
            age,
            c(
                "Selector",
                1,
                "Route service traffic to pods with label keys and values matching this selector.",
            ),
        ],
        ("", "configmaps") => vec![
            name,
            i("Data", 0, "Data contains the configuration data."),
            age,
        ],
        ("", "secrets") => vec![
            name,
            c(
                "Type",
                0,
                "Used to facilitate programmatic handling of secret data.",
            ),
            i("Data", 0, "Data contains the secret data."),
            age,
        ],
        ("", "serviceaccounts") => vec![name, age],
        ("", "endpoints") => vec![name, c("Endpoints", 0, "Endpoints of the service"), age],
        ("", "events") => vec![
            c(
                "Last Seen",
                0,
                "The time at which the most recent occurrence of this event was recorded.",
            ),
            c(
                "Type",
                0,
                "Type of this event (Normal, Warning), new types could be added in the future.",
            ),
            c(
                "Reason",
                0,
                "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
            ),
            c("Object", 0, "The object that this event is about."),
            c(
                "Message",
                0,
                "A human-readable description of the status of this operation.",
            ),
        ],
        ("", "persistentvolumeclaims") => vec![
            name,
            c("Status", 0, "The phase of the claim"),
            c("Volume", 0, "The bound volume"),
            c("Capacity", 0, "The capacity of the volume"),
            c("Access Modes", 0, "The access modes"),
            c("StorageClass", 0, "The storage class"),
            c("VolumeAttributesClass", 0, "The volume attributes class"),
            age,
            c("VolumeMode", 1, "The volume mode"),
        ],
        ("", "persistentvolumes") => vec![
            name,
            c("Capacity", 0, "The capacity of the volume"),
            c("Access Modes", 0, "The access modes"),
            c("Reclaim Policy", 0, "The reclaim policy"),
            c("Status", 0, "The phase of the volume"),
            c("Claim", 0, "The bound claim"),
            c("StorageClass", 0, "The storage class"),
            c("VolumeAttributesClass", 0, "The volume attributes class"),
            c("Reason", 0, "The reason"),
            age,
        ],
        ("apps", "deployments") => vec![
            name,
            c("Ready", 0, "Number of the pod with ready state"),
            i(
                "Up-to-date",
                0,
                "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
            ),
            i(
                "Available",
                0,
                "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
            ),
            age,
        ],
        ("apps", "replicasets") => vec![
            name,
            i("Desired", 0, "Number of desired pods."),
            i("Current", 0, "Number of actual running pods."),
            i("Ready", 0, "Number of pods ready."),
            age,
        ],
        ("apps", "statefulsets") => vec![
            name,
            c("Ready", 0, "Number of the pod with ready state"),
            age,
            c("Containers", 1, "Names of each container in the template."),
            c(
                "Images",
                1,
                "Images referenced by each container in the template.",
            ),
        ],
        ("apps", "daemonsets") => vec![
            name,
            i(
                "Desired",
                0,
                "The total number of nodes that should be running the daemon pod.",
            ),
            i(
                "Current",
                0,
                "The number of nodes running at least one daemon pod.",
            ),
            i(
                "Ready",
                0,
                "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.",
            ),
            i(
                "Up-to-date",
                0,
                "The total number of nodes that are running updated daemon pod.",
            ),
            i(
                "Available",
                0,
                "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.",
            ),
            c(
                "Node Selector",
                0,
                "NodeSelector is a selector which must be true for the pod to fit on a node.",
            ),
            age,
        ],
        ("batch", "jobs") => vec![
            name,
            c("Status", 0, "Status of the job."),
            c("Completions", 0, "The completion status of the job."),
            c("Duration", 0, "Time required to complete the job."),
            age,
        ],
        ("batch", "cronjobs") => vec![
            name,
            c("Schedule", 0, "The schedule in Cron format."),
            c("Timezone", 0, "The time zone name for the given schedule."),
            Column(
                "Suspend",
                "boolean",
                "",
                0,
                "Whether the cron job is suspended.",
            ),
            i("Active", 0, "The number of currently running jobs."),
            c(
                "Last Schedule",
                0,
                "Information when was the last time the job was successfully scheduled.",
            ),
            age,
        ],
        ("networking.k8s.io", "ingresses") => vec![
            name,
            c(
                "Class",
                0,
                "The name of the IngressClass resource that should be used for this Ingress.",
            ),
            c(
                "Hosts",
                0,
                "Hosts that incoming requests are matched against.",
            ),
            c(
                "Address",
                0,
                "Address is a list containing ingress points for the load-balancer.",
            ),
            c("Ports", 0, "Ports of TLS configurations that open."),
            age,
        ],
        ("policy", "poddisruptionbudgets") => vec![
            name,
            c(
                "Min Available",
                0,
                "The minimum number of pods that must be available.",
            ),
            c(
                "Max Unavailable",
                0,
                "The maximum number of pods that may be unavailable.",
            ),
            i(
                "Allowed Disruptions",
                0,
                "Calculated number of pods that may be disrupted at this time.",
            ),
            age,
        ],
        ("storage.k8s.io", "storageclasses") => vec![
            name,
            c("Provisioner", 0, "Indicates the type of the provisioner."),
            c(
                "ReclaimPolicy",
                0,
                "Dynamically provisioned PersistentVolumes of this storage class are created with this reclaimPolicy.",
            ),
            c(
                "VolumeBindingMode",
                0,
                "VolumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.",
            ),
            Column(
                "AllowVolumeExpansion",
                "string",
                "",
                0,
                "AllowVolumeExpansion shows whether the storage class allow volume expand.",
            ),
            age,
        ],
        ("coordination.k8s.io", "leases") => {
            vec![name, c("Holder", 0, "The holder of the lease"), age]
        }
        ("apiextensions.k8s.io", "customresourcedefinitions") => {
            vec![
                name,
                Column("Created At", "date", "", 0, "Time the CRD was created"),
            ]
        }
        _ if info.custom && !info.printer_columns.is_empty() => {
            let mut cols = vec![name];
            for pc in &info.printer_columns {
                let n = leak(pc["name"].as_str().unwrap_or(""));
                let t = leak(pc["type"].as_str().unwrap_or("string"));
                let d = leak(pc["description"].as_str().unwrap_or(""));
                let p = pc["priority"].as_u64().unwrap_or(0) as u8;
                cols.push(Column(n, t, "", p, d));
            }
            cols
        }
        _ => vec![name, age],
    };
    // Workloads with a pod template end with its containers, images and selector (`-o wide`).
    if matches!(
        kind,
        ("apps", "deployments" | "replicasets" | "daemonsets") | ("batch", "jobs" | "cronjobs")
    ) {
        columns.extend([
            c("Containers", 1, "Names of each container in the template."),
            c(
                "Images",
                1,
                "Images referenced by each container in the template.",
            ),
            c("Selector", 1, "Label selector for pods."),
        ]);
    }
    columns
}

/// Printer columns of CRDs are few and live as long as the process; leaking their strings keeps
/// the column table static.
fn leak(s: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static STRINGS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut set = STRINGS
        .get_or_init(|| Mutex::new(HashSet::new()))
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(existing) = set.get(s) {
        return existing;
    }
    let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
    set.insert(leaked);
    leaked
}
