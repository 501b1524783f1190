// Generated from the Rust types by crates/server/tests/typescript.rs (ts-rs); do not edit.
// WHEELHOUSE_WRITE_TS=1 cargo test -p wheelhouse-server --test typescript rewrites it.

export type ErrorAnswer = { error: ErrorBody, };

export type ErrorBody = { 
/**
 * The HTTP status.
 */
code: number, 
/**
 * Machine-readable: `ClusterUnreachable`, `Forbidden`, `Invalid`, …
 */
reason: string, 
/**
 * For a person to read and act on.
 */
message: string, 
/**
 * What the reason needs said (the API server's causes, a conflict's current version…), or `null`.
 */
details: unknown, };

export type WarningReason = "Forbidden" | "NotFound" | "Unavailable" | "Unreadable" | "Loading" | "WatchFailing" | "GroupVersionUnavailable" | "CustomResourcesUnwatched";

export type Warning = { reason: WarningReason, 
/**
 * What could not be read (`events in namespace team-a`); `null` when the reason says it.
 */
what: string | null, 
/**
 * The cause in words a person can act on, quoting the API server where it answered.
 */
message: string, };

export type ClusterInfo = { name: string, server: string, serverVersion: string | null, demo: boolean, connected: boolean, error: ConnectionProblem | null, lastCheck: string | null, 
/**
 * Who may use the console (`/api/v1/session` has the details).
 */
login: SessionMode, };

export type ConnectionProblem = { reason: ProblemReason, message: string, };

export type ProblemReason = "ClusterUnreachable" | "Unauthorized" | "Forbidden";

export type SessionMode = "local" | "login" | "proxy";

export type SignInMethod = "token" | "oidc";

export type Session = { mode: SessionMode, methods: Array<SignInMethod>, 
/**
 * The cluster's name, told before anyone signed in (the sign-in page's title).
 */
cluster: string, 
/**
 * `null` when nobody is signed in.
 */
person: Person | null, };

export type Person = { user: string, groups: Array<string>, 
/**
 * `local`, `token`, `oidc` or `proxy`.
 */
method: string, 
/**
 * When the session ends (RFC 3339); `null` when it does not (local, proxy).
 */
expiresAt: string | null, };

export type TokenSignIn = { token: string, };

export type KindsAnswer = { kinds: Array<Kind>, warnings: Array<Warning>, discoveredAt: string | null, };

export type Kind = { 
/**
 * Where its list is: `core/v1/pods`, `apps/v1/deployments`.
 */
path: string, 
/**
 * Whether `version` is the group's preferred one.
 */
preferred: boolean, 
/**
 * `""` for the core group.
 */
group: string, version: string, 
/**
 * The plural resource name used in paths (`pods`, `deployments`).
 */
resource: string, kind: string, namespaced: boolean, verbs: Array<string>, shortNames: Array<string>, 
/**
 * The group's preferred version; kubectl uses it when none is named.
 */
preferredVersion: string, 
/**
 * Whether a CustomResourceDefinition defines it.
 */
custom: boolean, };

export type OverviewAnswer = { 
/**
 * What is missing because the person, or the console's own identity, may not list it
 * (`nodes`, `pods in namespace team-b`), so an empty section is never mistaken for an
 * empty cluster.
 */
hidden: Array<Warning>, nodes: NodeSummary, pods: PodSummary, namespaces: Array<NamespaceSummary>, warnings: Array<WarningEvent>, generatedAt: string, };

export type Overview = { nodes: NodeSummary, pods: PodSummary, namespaces: Array<NamespaceSummary>, warnings: Array<WarningEvent>, generatedAt: string, };

export type NodeSummary = { total: number, ready: number, 
/**
 * Nodes cordoned (`spec.unschedulable`): ready or not, no new pods go there.
 */
unschedulable: number, 
/**
 * Not-ready nodes first, then cordoned ones, then the others, each by name; at most
 * [`MAX_NODES`].
 */
items: Array<NodeItem>, };

export type NodeItem = { name: string, ready: boolean, 
/**
 * False when the node is cordoned (`Ready,SchedulingDisabled` in `kubectl get nodes`).
 */
schedulable: boolean, roles: Array<string>, kubeletVersion: string | null, };

export type PodSummary = { total: number, byPhase: PhaseCounts, 
/**
 * Pods whose status needs attention, sorted by namespace and name, at most [`MAX_PROBLEMS`].
 */
problems: Array<ProblemPod>, 
/**
 * How many pods need attention in all, including those beyond [`MAX_PROBLEMS`].
 */
problemsTotal: number, };

export type PhaseCounts = { Running: number, Pending: number, Succeeded: number, Failed: number, 
/**
 * Pods reporting `Unknown`, no phase or a phase this version does not know.
 */
Unknown: number, };

export type ProblemPod = { namespace: string, name: string, 
/**
 * The STATUS `kubectl get pods` prints, e.g. `CrashLoopBackOff`.
 */
reason: string, };

export type NamespaceSummary = { name: string, phase: string, pods: number, };

export type WarningEvent = { namespace: string | null, object: ObjectName, reason: string, message: string, count: number, lastSeen: string | null, };

export type ObjectName = { kind: string, name: string, };

export type ListAnswer = { state: ListState, warnings: Array<Warning>, items: Array<Row>, 
/**
 * How many rows match the filters, on every page.
 */
total: number, page: number, pageSize: number, columns: Array<Column>, };

export type ListState = "ready" | "loading";

export type ColumnType = "text" | "integer" | "quantity" | "since" | "ratio" | "status" | "restarts" | "duration" | "usage";

export type Severity = "ok" | "neutral" | "progressing" | "warning" | "error";

export type Column = { 
/**
 * Stable identifier, used in `sort=` and as the row's field name (`ready`, `restarts`).
 */
id: string, 
/**
 * i18n key of the header; the English text is the key (`columns|Ready`).
 */
title: string, type: ColumnType, sortable: boolean, 
/**
 * Shown by `kubectl get -o wide` only: the UI may hide it on narrow screens.
 */
wide: boolean, };

export type Row = { name: string, 
/**
 * `null` for cluster-scoped kinds.
 */
namespace: string | null, uid: string, creationTimestamp: string | null, labels: { [key in string]: string }, } & ({ [key in string]: unknown });

export type ColumnValue = CellValue | UsageCell;

export type CellValue = null | string | number | StatusCell | RestartsCell | DurationCell;

export type StatusCell = { text: string, severity: Severity, };

export type RestartsCell = { count: number, 
/**
 * When a container last restarted; `null` when none has.
 */
lastRestart: string | null, };

export type DurationCell = { start: string, end: string | null, };

export type UsageCell = { usage: number, requests: number | null, limits: number | null, 
/**
 * Usage as a percentage of `of`.
 */
percent: number | null, 
/**
 * What the percentage is of; `None` when nothing bounds the usage.
 */
of: UsageBase | null, };

export type UsageBase = "requests" | "limits" | "allocatable";

export type LiveRequest = { "op": "subscribe", id: string, path: string, } | { "op": "unsubscribe", id: string, };

export type TerminalControl = { "type": "resize", cols: number, rows: number, };

export type TerminalEvent = { "type": "started", shell: string, } | { "type": "exited", code: number, } | { "type": "failed", reason: string, message: string, } | { "type": "idle", seconds: number, };

export type RunOn = "pods" | "nodes";

export type RunRequest = { 
/**
 * Pods (when not given) or nodes.
 */
on?: RunOn, 
/**
 * The pods' namespace; not used for nodes.
 */
namespace: string, 
/**
 * Which pods or nodes (`app=web`, `node-role.kubernetes.io/worker`); empty for all of them.
 */
labelSelector: string, 
/**
 * The container to run in; empty for each pod's first. Not used for nodes.
 */
container: string, 
/**
 * The command and its arguments, run without a shell.
 */
command: Array<string>, 
/**
 * Commands running at once (1–20, 5 by default).
 */
parallelism: number | null, };

export type RunEvent = { "type": "targets", targets: Array<RunTarget>, skipped: Array<RunTarget>, } | { "type": "output", target: string, stream: string, text: string, } | { "type": "truncated", target: string, } | { "type": "exited", target: string, code: number, } | { "type": "failed", target: string, message: string, } | { "type": "summary", succeeded: number, failed: number, };

export type RunTarget = { name: string, container: string, };

export type LiveMessage = { id?: string, } & (LiveEvent | LogEvent);

export type AnyEvent = LiveEvent | LogEvent;

export type LiveEvent = { "event": "snapshot", "data": ListAnswer } | { "event": "added", "data": RowChange } | { "event": "modified", "data": RowChange } | { "event": "removed", "data": RowChange } | { "event": "resync", "data": Resync } | { "event": "error", "data": ErrorAnswer } | { "event": "heartbeat", "data": Record<string, never> };

export type RowChange = { row: Row, total: number, };

export type Resync = { reason: string, };

export type LogEvent = { "event": "line", "data": LogLine } | { "event": "warning", "data": Warning } | { "event": "end", "data": LogEnd };

export type LogLine = { 
/**
 * The pod, in a workload's merged log.
 */
pod?: string, 
/**
 * The container, in a workload's merged log.
 */
container?: string, line: string, };

export type LogEnd = { reason: string, };

export type WorkloadLogs = { lines: Array<LogLine>, 
/**
 * The pods whose logs could not be read.
 */
warnings: Array<Warning>, };

export type MetricsStatus = { metricsServer: SourceStatus, prometheus: PrometheusStatus | null, ranges: Array<RangeOption>, };

export type SourceStatus = { state: SourceState, 
/**
 * What is going on, for a person.
 */
message: string, 
/**
 * What to do about it; `None` when nothing needs doing.
 */
hint: string | null, 
/**
 * `metrics.k8s.io/v1beta1` or `metrics.k8s.io/v1`, as discovery found it.
 */
apiVersion: string | null, 
/**
 * When the state last changed.
 */
since: string, 
/**
 * When the last successful scrape finished.
 */
lastScrape: string | null, intervalSeconds: number, retentionSeconds: number, };

export type PrometheusStatus = { url: string, state: SourceState, message: string, hint: string | null, since: string, };

export type SourceState = "starting" | "ok" | "notInstalled" | "unreachable" | "forbidden";

export type SourceKind = "metricsServer" | "prometheus";

export type RangeOption = { id: string, seconds: number, source: SourceKind, };

export type TargetMetrics = { target: TargetName, state: SourceStatus, current: Current | null, series: SeriesView | null, containers?: Array<ContainerView>, top?: Top, };

export type TargetName = { kind: string, namespace?: string, name?: string, };

export type Amounts = { usage: number | null, requests: number | null, limits: number | null, allocatable: number | null, capacity: number | null, };

export type Current = { cpu: Amounts, memory: Amounts, 
/**
 * The scrape the usage is from.
 */
timestamp: string, };

export type SeriesView = { source: SourceKind, resolutionSeconds: number, start: number, end: number, timestamps: Array<number>, cpu: Array<number | null>, memory: Array<number | null>, };

export type ContainerView = { name: string, current: Current | null, series: SeriesView | null, };

export type Top = { pods: Array<TopPod>, nodes: Array<TopNode>, };

export type TopPod = { namespace: string, name: string, cpu: number, memory: number, };

export type TopNode = { name: string, cpu: number, memory: number, cpuPercent: number | null, memoryPercent: number | null, };

export type Detail = { kind: KindRef, metadata: DetailMetadata, 
/**
 * The per-kind part; `null` for kinds without one.
 */
summary: Summary | null, conditions: Array<Condition>, 
/**
 * The controller chain, nearest first.
 */
owners: Array<ObjectLink>, related: Array<RelatedGroup>, 
/**
 * Newest first.
 */
events: Array<DetailEvent>, 
/**
 * What could not be looked up (a forbidden list, an owner of a kind the cluster lacks).
 */
warnings: Array<Warning>, 
/**
 * The object as the API server has it, without `managedFields` (a Secret's values hidden
 * unless revealed).
 */
object: Record<string, unknown>, };

export type KindRef = { group: string, version: string, resource: string, kind: string, namespaced: boolean, };

export type DetailMetadata = { name: string, namespace: string | null, uid: string, resourceVersion: string, creationTimestamp: string | null, deletionTimestamp: string | null, generation: number | null, labels: { [key in string]: string }, annotations: { [key in string]: string }, 
/**
 * As written.
 */
ownerReferences: Array<Record<string, unknown>>, };

export type Condition = { type: string, 
/**
 * `True`, `False` or `Unknown`.
 */
status: string, reason: string | null, message: string | null, 
/**
 * `lastTransitionTime`, or `lastUpdateTime` (a Deployment's conditions have both).
 */
lastTransitionTime: string | null, };

export type DetailEvent = { 
/**
 * `Normal` or `Warning`.
 */
type: string | null, reason: string | null, message: string | null, 
/**
 * How many times it happened (a series' count, or the event's).
 */
count: number, firstSeen: string | null, lastSeen: string | null, 
/**
 * The component that reported it (`kubelet`, `default-scheduler`).
 */
source: string | null, };

export type ObjectLink = { 
/**
 * `""` for the core group.
 */
group: string, version: string, resource: string, kind: string, namespace: string | null, name: string, 
/**
 * `core/v1/pods/web-1?namespace=shop`.
 */
path: string, 
/**
 * A related pod's status (`Running`), `null` for other related objects; absent in an
 * owner chain.
 */
status?: string | null, };

export type RelatedGroup = { relation: string, items: Array<ObjectLink>, };

export type Summary = { "type": "Pod" } & PodDetail | { "type": "Deployment" } & WorkloadDetail | { "type": "StatefulSet" } & WorkloadDetail | { "type": "DaemonSet" } & WorkloadDetail | { "type": "ReplicaSet" } & WorkloadDetail | { "type": "Job" } & WorkloadDetail | { "type": "CronJob" } & WorkloadDetail | { "type": "ReplicationController" } & WorkloadDetail | { "type": "Service" } & ServiceDetail | { "type": "Node" } & NodeDetail;

export type PodDetail = { phase: string | null, 
/**
 * The STATUS `kubectl get pods` prints (`CrashLoopBackOff`).
 */
status: string | null, node: string | null, podIP: string | null, hostIP: string | null, qosClass: string | null, serviceAccount: string | null, 
/**
 * Restarts of its containers, summed.
 */
restarts: number, initContainers: Array<Container>, containers: Array<Container>, volumes: Array<Volume>, 
/**
 * The spec's tolerations as written.
 */
tolerations: Array<Record<string, unknown>> | null, nodeSelector: { [key in string]: string } | null, };

export type WorkloadDetail = { 
/**
 * `null` for a CronJob.
 */
replicas: Replicas | null, 
/**
 * The selector's `matchLabels`, else the selector as written.
 */
selector: Record<string, unknown> | null, 
/**
 * The update strategy's type, or a CronJob's concurrency policy.
 */
strategy: string | null, paused: boolean | null, suspend: boolean | null, schedule: string | null, lastScheduleTime: string | null, 
/**
 * A Deployment's revision (its annotation).
 */
revision: string | null, initContainers: Array<Container>, containers: Array<Container>, volumes: Array<Volume>, };

export type Replicas = { desired: number | null, current: number | null, ready: number | null, updated: number | null, available: number | null, };

export type ServiceDetail = { serviceType: string | null, clusterIP: string | null, externalIPs: Array<string>, 
/**
 * `status.loadBalancer.ingress` as written.
 */
loadBalancerIngress: Array<Record<string, unknown>>, ports: Array<ServicePort>, selector: { [key in string]: string } | null, };

export type ServicePort = { name: string | null, port: number | null, 
/**
 * A number, or the name of a container's port.
 */
targetPort: number | string | null, nodePort: number | null, protocol: string | null, };

export type NodeDetail = { unschedulable: boolean, 
/**
 * `spec.taints` as written.
 */
taints: Array<Record<string, unknown>>, 
/**
 * `status.addresses` as written (`{type, address}`).
 */
addresses: Array<Record<string, unknown>>, capacity: { [key in string]: string } | null, allocatable: { [key in string]: string } | null, 
/**
 * `status.nodeInfo` as written.
 */
nodeInfo: Record<string, unknown> | null, podCIDR: string | null, };

export type Container = { name: string, image: string | null, imagePullPolicy: string | null, command: Array<string>, args: Array<string>, 
/**
 * `null` in a template, or before the kubelet reported it.
 */
state: ContainerState | null, lastState: ContainerState | null, ready: boolean | null, restartCount: number | null, ports: Array<ContainerPort>, env: Array<EnvVar>, envFrom: Array<EnvFrom>, resources: ContainerResources, probes: Probes, mounts: Array<Mount>, };

export type ContainerState = { 
/**
 * `running`, `waiting` or `terminated`.
 */
state: string, reason: string | null, message: string | null, startedAt: string | null, 
/**
 * When a terminated container ended.
 */
finishedAt: string | null, exitCode: number | null, 
/**
 * The signal that ended a terminated container, when one did.
 */
signal: number | null, };

export type ContainerPort = { name: string | null, containerPort: number, protocol: string, };

export type EnvVar = { name: string, 
/**
 * The value as written; absent for a reference other than a Secret's.
 */
value?: string | null, from?: EnvSource, 
/**
 * A Secret's value only: whether `value` was filled in.
 */
revealed?: boolean, };

export type EnvSource = { kind: EnvSourceKind, 
/**
 * The ConfigMap or Secret.
 */
name?: string, 
/**
 * The key in the ConfigMap or Secret.
 */
key?: string, 
/**
 * A field's path, or a resource field's resource (`limits.cpu`).
 */
path?: string, 
/**
 * A resource field's container.
 */
container?: string, };

export type EnvSourceKind = "Secret" | "ConfigMap" | "Field" | "ResourceField" | "Unknown";

export type EnvFrom = { kind: EnvSourceKind, name: string | null, prefix: string | null, optional: boolean, };

export type ContainerResources = { requests: { [key in string]: string }, limits: { [key in string]: string }, };

export type Probes = { liveness: Probe | null, readiness: Probe | null, startup: Probe | null, };

export type Probe = { handler: string, initialDelaySeconds: number, periodSeconds: number, timeoutSeconds: number, failureThreshold: number, successThreshold: number, };

export type Mount = { name: string, mountPath: string, readOnly: boolean, subPath: string | null, };

export type Volume = { name: string | null, type: string, 
/**
 * The claim, ConfigMap, Secret or host path; `null` for other types.
 */
source: string | null, };

export type Permissions = { actions: { [key in string]: Decision }, };

export type Decision = { allowed: boolean, reason: string | null, };

export type ActionAnswer = { action: string, 
/**
 * Without `managedFields`.
 */
object: Record<string, unknown>, 
/**
 * What was done (`scaled to 3`).
 */
message: string, };

export type RevisionsAnswer = { revisions: Array<Revision>, };

export type Revision = { revision: number, 
/**
 * Whether the workload runs it now.
 */
current: boolean, 
/**
 * The ReplicaSet or ControllerRevision.
 */
name: string, createdAt: string | null, 
/**
 * Its `kubernetes.io/change-cause` annotation.
 */
changeCause: string | null, 
/**
 * Its pod template's images.
 */
images: Array<string>, };

export type ApplyAnswer = { dryRun: boolean, ok: boolean, results: Array<ApplyResult>, };

export type ApplyResult = { 
/**
 * Its place among the body's documents, from 0.
 */
index: number, 
/**
 * The body's line (from 1) where it starts.
 */
line: number, apiVersion: string | null, kind: string | null, 
/**
 * `null` for a cluster-scoped kind, or before the kind is known.
 */
namespace: string | null, name: string | null, 
/**
 * Its detail's path (after `/api/v1/resources/`), once its kind and name are known.
 */
path: string | null, result: Applied, error: ApplyError | null, };

export type Applied = "created" | "configured" | "unchanged" | "failed";

export type ApplyError = { code: number, reason: string, message: string, causes: Array<Cause>, };

export type Cause = { field: string | null, reason: string | null, message: string | null, };

export type Operation = { id: string, 
/**
 * `drain`, `install`, `upgrade`, `rollback` or `uninstall`.
 */
action: string, target: OperationTarget, state: OperationState, 
/**
 * What it is doing, or how it ended.
 */
message: string, startedAt: string, finishedAt: string | null, } & (HelmProgress | DrainProgress);

export type OperationTarget = { namespace?: string, resource?: string, name: string, };

export type OperationState = "running" | "succeeded" | "failed";

export type Progress = HelmProgress | DrainProgress;

export type DrainProgress = { pods: Array<DrainPod>, };

export type DrainPod = { namespace: string, name: string, state: DrainPodState, 
/**
 * Why it was skipped, or what the eviction answered.
 */
message: string | null, };

export type DrainPodState = "pending" | "skipped" | "evicted" | "retrying" | "failed";

export type HelmStatus = { available: true, path: string, version: string, } | { available: false, 
/**
 * In English, for scripts and the log; the web app words `problem` in the person's language.
 */
reason: string, problem: HelmProblem, };

export type HelmProblem = { "kind": "notFound", 
/**
 * The tools cache that was looked in (`~/.cache/wheelhouse/tools/bin/helm`).
 */
searched: string | null, } | { "kind": "missing", path: string, } | { "kind": "broken", path: string, detail: string, };

export type NamespacesAnswer = { 
/**
 * Sorted, without duplicates.
 */
names: Array<string>, source: NamespaceSource, 
/**
 * Why the cluster's list could not be used, when it could not (the API server's words).
 */
refused: string | null, };

export type NamespaceSource = "cluster" | "configured";

export type RepositoryList = { items: Array<Repository>, 
/**
 * Why ChartRepository resources cannot be read (their CRD is missing).
 */
warnings: Array<Warning>, 
/**
 * Whether the person may add a repository.
 */
create: Decision, };

export type Repository = { name: string, url: string, kind: RepoKind, 
/**
 * How often it is synced; `null` for the built-in repository.
 */
intervalSeconds: number | null, 
/**
 * A Secret with `username` and `password`.
 */
secretRef: SecretRef | null, 
/**
 * A Secret whose `ca.crt` is trusted for this repository, besides the system's roots.
 */
caSecretRef: SecretRef | null, 
/**
 * Absent for the built-in repository.
 */
plainHttp?: boolean, status: RepoStatus, permissions: RepositoryPermissions, };

export type RepositoryPermissions = { delete: boolean, sync: boolean, };

export type RepoKind = "builtin" | "http" | "oci";

export type SecretRef = { namespace: string, name: string, };

export type RepoStatus = { 
/**
 * pending until the first sync, then syncing, ok or error (the message says why)
 */
state: SyncState, 
/**
 * When the last sync finished, whether it succeeded or not
 */
lastSync: string | null, 
/**
 * How many charts the repository's index has
 */
charts: number, 
/**
 * Why the last sync failed, or a note on it
 */
message: string | null, };

export type SyncState = "pending" | "syncing" | "ok" | "error";

export type RepositoryRequest = { name?: string, 
/**
 * `https://…`, `http://…` or `oci://…`.
 */
url?: string, 
/**
 * At least 60; the default when left out.
 */
intervalSeconds?: number | null, secretRef?: SecretRef | null, caSecretRef?: SecretRef | null, plainHttp?: boolean, };

export type ChartList = { items: Array<ChartSummary>, 
/**
 * How many match in all.
 */
total: number, };

export type ChartSummary = { repo: string, name: string, version: string, appVersion: string | null, description: string | null, icon: string | null, keywords: Array<string>, deprecated: boolean, };

export type ChartDetail = { repo: string, name: string, version: string, appVersion: string | null, description: string | null, icon: string | null, home: string | null, sources: Array<string>, keywords: Array<string>, deprecated: boolean, maintainers: Array<Maintainer>, 
/**
 * Every version of the chart, newest first.
 */
versions: Array<ChartVersionSummary>, 
/**
 * From the index, else from the archive's Chart.yaml.
 */
dependencies: Array<Dependency>, readme: string | null, 
/**
 * The default values, as the chart writes them (YAML).
 */
values: string, 
/**
 * `values.schema.json`, as the chart has it.
 */
valuesSchema: JsonSchema | null, 
/**
 * Where the values put an Ingress host; `null` when they have no `ingress`.
 */
ingress: IngressSupport | null, install: InstallAvailability, };

export type Maintainer = { name: string, email: string | null, url: string | null, };

export type Dependency = { name: string, version: string, repository: string, condition: string | null, alias: string | null, };

export type ChartVersionSummary = { version: string, appVersion: string | null, created: string | null, };

export type JsonSchema = { type?: string | Array<string>, title?: string, description?: string, enum?: Array<unknown>, default?: unknown, properties?: { [key in string]: JsonSchema }, required?: Array<string>, minimum?: number, maximum?: number, };

export type IngressSupport = { supported: boolean, 
/**
 * `ingress.host`, `ingress.hosts[0].host` or `ingress.hostname`.
 */
hostPath: string | null, };

export type InstallAvailability = { available: boolean, reason: string | null, 
/**
 * Why helm cannot run, for the web app to word in the person's language.
 */
problem: HelmProblem | null, };

export type ReleaseList = { items: Array<ReleaseSummary>, 
/**
 * Namespaces whose releases could not be read, records that do not decode.
 */
warnings: Array<Warning>, };

export type ReleaseSummary = { name: string, namespace: string, revision: number, status: string, chart: string, chartVersion: string, appVersion: string | null, updated: string | null, protected: Protection, };

export type Protection = { protected: boolean, reason: string | null, };

export type ReleaseDetail = { description: string, 
/**
 * The chart's NOTES as helm rendered them.
 */
notes: string, 
/**
 * The values the person supplied, as YAML.
 */
values: string, manifest: string, 
/**
 * Newest first.
 */
history: Array<HistoryEntry>, resources: Array<ReleaseResource>, accessUrls: Array<AccessUrl>, warnings: Array<Warning>, 
/**
 * Where an upgrade takes the chart from: what Wheelhouse recorded at install, or `null` (a
 * release installed by the helm CLI; the person names a repository to upgrade).
 */
repo: string | null, name: string, namespace: string, revision: number, status: string, chart: string, chartVersion: string, appVersion: string | null, updated: string | null, protected: Protection, };

export type HistoryEntry = { revision: number, status: string, chart: string, chartVersion: string, appVersion: string | null, updated: string | null, description: string, };

export type ReleaseResource = { group: string, version: string, 
/**
 * `""` when the cluster serves no such kind.
 */
resource: string, kind: string, namespace: string | null, name: string, 
/**
 * `null` when it could not be read.
 */
status: LiveStatus | null, };

export type LiveStatus = { text: string, severity: Severity, };

export type AccessUrl = { url: string, 
/**
 * `Ingress shop/web`, `Service shop/web (LoadBalancer)`, `Service shop/web (NodePort)`.
 */
source: string, };

export type ReleaseDiff = { from: number, to: number, values: string, manifest: string, };

export type InstallRequest = { repo?: string, chart?: string, 
/**
 * The newest when left out.
 */
version?: string | null, name?: string, namespace?: string, createNamespace?: boolean, 
/**
 * YAML.
 */
values?: string, 
/**
 * Set where the chart's values put the Ingress host (the chart detail's `ingress`).
 */
ingressHost?: string | null, };

export type UpgradeRequest = { 
/**
 * The repository to take the chart from; the one recorded at install when left out.
 */
repo?: string | null, 
/**
 * The release's chart version when left out.
 */
version?: string | null, 
/**
 * YAML.
 */
values?: string, };

export type RollbackRequest = { 
/**
 * A revision before the current one.
 */
revision?: number | null, };

export type HelmProgress = { 
/**
 * helm's output, its last 2,000 lines.
 */
log: Array<string>, notes: string | null, accessUrls: Array<AccessUrl>, error: string | null, failedResources: Array<FailedResource>, 
/**
 * The release's revision after an install, upgrade or rollback that succeeded.
 */
revision?: number, };

export type FailedResource = { kind: string, namespace: string | null, name: string, status: LiveStatus | null, 
/**
 * Its events, newest first, at most ten.
 */
events: Array<FailedEvent>, };

export type FailedEvent = { type: string | null, reason: string | null, message: string | null, count: number | null, lastSeen: string | null, };

export type RegistryList = { items: Array<Registry>, warnings: Array<Warning>, 
/**
 * Whether the person may add an ImageRegistry.
 */
create: Decision, };

export type Registry = { 
/**
 * The ImageRegistry's name, or `pull:{namespace}:{secret}:{host}`.
 */
name: string, 
/**
 * `https://host`; empty for a pull secret the person may not read.
 */
url: string, 
/**
 * The host image references name it by (`ghcr.io`, `127.0.0.1:5000`).
 */
host: string, source: RegistrySource, plainHttp: boolean, 
/**
 * The ImageRegistry's credentials Secret, or the pull secret.
 */
secretRef: SecretRef | null, 
/**
 * Why it cannot be browsed (a Secret the person may not read, a spec refused), if so.
 */
problem: string | null, 
/**
 * Whether the person may remove it (ImageRegistries only).
 */
delete: boolean, };

export type RegistrySource = "resource" | "pullSecret";

export type RegistryRequest = { name?: string, 
/**
 * `https://host[:port]`, or `http://` with `plainHttp`.
 */
url?: string, plainHttp?: boolean, secretRef?: SecretRef | null, };

export type ImageRepositoryList = { registry: Registry, items: Array<ImageRepository>, 
/**
 * Whether the names come from the registry's catalog (else from the cluster's workloads).
 */
catalog: boolean, 
/**
 * More repositories than were read.
 */
truncated: boolean, warnings: Array<Warning>, };

export type ImageRepository = { name: string, };

export type TagPage = { repository: string, 
/**
 * Tags that pass the filter.
 */
total: number, offset: number, limit: number, items: Array<TagRow>, 
/**
 * More tags than Wheelhouse reads from one repository.
 */
truncated: boolean, };

export type TagRow = { tag: string, digest: string | null, created: string | null, 
/**
 * `linux/amd64`, or each platform of an index.
 */
platforms: Array<string>, totalSize: number | null, 
/**
 * Why its manifest could not be read, if it could not.
 */
problem: string | null, };

export type ImageDetail = { registry: Registry, repository: string, reference: string, 
/**
 * The digest the reference points at (an index's, for a multi-arch image).
 */
digest: string, mediaType: string, 
/**
 * Each platform of a multi-arch index; empty for a single image.
 */
platforms: Array<PlatformManifest>, 
/**
 * The platform shown below, and its image manifest's digest.
 */
platform: string, imageDigest: string, config: ImageConfig, layers: Array<Layer>, 
/**
 * Layers, config and manifest, in bytes (compressed, as stored).
 */
totalSize: number, 
/**
 * `host/repository:tag`, as a pod spec would name it.
 */
pull: string, 
/**
 * Whether the person may delete the tag.
 */
delete: Decision, };

export type DeletedTag = { repository: string, tag: string, digest: string, };

export type PlatformManifest = { digest: string, 
/**
 * `linux/amd64`, `linux/arm64/v8`; `unknown/unknown` for attestations.
 */
platform: string, size: number, };

export type ImageConfig = { created: string | null, 
/**
 * `linux/amd64`.
 */
platform: string, entrypoint: Array<string>, cmd: Array<string>, env: Array<string>, 
/**
 * `8080/tcp`.
 */
exposedPorts: Array<string>, user: string | null, workingDir: string | null, labels: Array<[string, string]>, };

export type Layer = { digest: string, mediaType: string, size: number, };

export type ImageUsage = { repository: string, tag: string | null, 
/**
 * The tag's digests (the index's and each platform's), when a tag was asked about.
 */
digests: Array<string>, items: Array<UsageRow>, 
/**
 * Kinds the person may not list anywhere: their workloads are not counted.
 */
warnings: Array<Warning>, };

export type UsageRow = { kind: string, namespace: string, name: string, container: string, image: string, match: UsageMatch, 
/**
 * For a pod: the digest its runtime reports for the container.
 */
runningDigest: string | null, };

export type UsageMatch = "tag" | "digest" | "repository";

export type WorkloadImages = { items: Array<WorkloadImage>, };

export type WorkloadImage = { container: string, image: string, 
/**
 * The registry it was found in (an ImageRegistry or a pull secret), if any.
 */
registry: string | null, repository: string | null, tag: string | null, 
/**
 * The digest the tag points at in the registry now.
 */
currentDigest: string | null, 
/**
 * The digests its pods report running.
 */
runningDigests: Array<string>, 
/**
 * Some pod runs a digest the tag no longer points at.
 */
newer: boolean, 
/**
 * Why the registry could not say, if it could not.
 */
problem: string | null, };

export type DeployRequest = { 
/**
 * `host/repository:tag` or `…@sha256:…`.
 */
image?: string, name?: string, namespace?: string, replicas?: number | null, 
/**
 * The container port; a Service needs one.
 */
port?: number | null, env?: Array<DeployEnv>, 
/**
 * CPU request (`250m`).
 */
cpu?: string | null, 
/**
 * Memory request and limit (`256Mi`).
 */
memory?: string | null, 
/**
 * A Secret of type `kubernetes.io/dockerconfigjson` in the namespace.
 */
pullSecret?: string | null, 
/**
 * Also a ClusterIP Service on the port.
 */
service?: boolean, };

export type DeployEnv = { name: string, value: string, };

export type DeployYaml = { yaml: string, };

export type AlertRuleSpec = { 
/**
 * false turns the rule off: it is not evaluated and its alerts resolve
 */
enabled?: boolean, 
/**
 * What the rule watches
 */
target: AlertTarget, 
/**
 * When a target is in trouble
 */
condition: AlertCondition, 
/**
 * How long the condition must hold before the alert fires (a Go duration such as 5m;
 * default 0s: at once)
 */
for?: string, 
/**
 * critical, warning or info
 */
severity: AlertSeverity, 
/**
 * Labels added to each alert (routing keys for Alertmanager)
 */
labels?: { [key in string]: string }, 
/**
 * summary and description (and any other annotations); {{ target }}, {{ namespace }},
 * {{ name }}, {{ value }}, {{ threshold }} and {{ rule }} are filled in per alert
 */
annotations?: { [key in string]: string }, 
/**
 * How often a still-firing alert is notified again (a Go duration; default 4h)
 */
repeatInterval?: string, 
/**
 * NotificationChannels in the rule's namespace to notify
 */
channels?: Array<string>, 
/**
 * Silences: while one holds, its target's alerts (or the whole rule's, without a target)
 * still show but are not notified
 */
silences?: Array<AlertSilence>, };

export type AlertTarget = { 
/**
 * For usage and restarts: Pod (the default), Container, Deployment, StatefulSet,
 * DaemonSet or Node; the other conditions imply their kind
 */
kind?: AlertTargetKind, 
/**
 * Only this namespace (a rule outside the alerter's namespace always watches its own)
 */
namespace?: string, 
/**
 * A label selector (app=web,tier!=cache); every object when unset
 */
selector?: string, };

export type AlertTargetKind = "Pod" | "Container" | "Deployment" | "StatefulSet" | "DaemonSet" | "Node";

export type AlertSeverity = "critical" | "warning" | "info";

export type AlertCondition = { "usage": UsageCondition } | { "restarts": RestartsCondition } | { "crashLooping": Record<symbol, never> } | { "notReady": Record<symbol, never> } | { "unavailableReplicas": UnavailableCondition } | { "nodeNotReady": Record<symbol, never> } | { "nodePressure": PressureCondition } | { "jobFailed": Record<symbol, never> } | { "cronJobMissed": CronMissedCondition } | { "pvcUsage": PvcCondition } | { "certificateExpiring": CertificateCondition } | { "promql": PromqlCondition };

export type UsageCondition = { resource: UsageResource, 
/**
 * What usage is measured against: request, limit, allocatable (nodes) or absolute
 */
of: AlertUsageBase, 
/**
 * Fires above this: a percentage of `of`, or an amount when `of` is absolute (CPU in cores
 * such as 500m, memory in bytes such as 1Gi)
 */
above: string, };

export type UsageResource = "cpu" | "memory";

export type AlertUsageBase = "request" | "limit" | "allocatable" | "absolute";

export type RestartsCondition = { 
/**
 * Restarts that fire (default 3)
 */
count: number, 
/**
 * Over how long (a Go duration; default 15m)
 */
window?: string, };

export type UnavailableCondition = { 
/**
 * Unavailable replicas that fire (default 1)
 */
atLeast?: number, };

export type PressureCondition = { 
/**
 * MemoryPressure, DiskPressure, PIDPressure (all three when empty)
 */
types?: Array<string>, };

export type CronMissedCondition = { 
/**
 * How late a run may start before it counts as missed (a Go duration; default 5m)
 */
grace?: string, };

export type PvcCondition = { abovePercent: number, };

export type CertificateCondition = { 
/**
 * How soon (a Go duration such as 336h; default 336h, two weeks)
 */
within?: string, };

export type PromqlCondition = { expr: string, };

export type AlertSilence = { target?: string, 
/**
 * Until when (RFC 3339)
 */
until: string, by?: string, comment?: string, };

export type AlertRuleStatus = { 
/**
 * When the rule was last evaluated
 */
lastEvaluation?: string, 
/**
 * The spec generation that evaluation read
 */
observedGeneration?: number, 
/**
 * Why the rule could not be evaluated, when it could not
 */
error?: string, 
/**
 * How many targets fire
 */
firing: number, 
/**
 * How many targets the last evaluation looked at
 */
targets: number, 
/**
 * Pending, firing and recently resolved alerts, one per target
 */
alerts?: Array<AlertStatus>, 
/**
 * When the rule's channels were last notified (the group's clock for repeatInterval)
 */
lastNotified?: string, 
/**
 * The last notification that failed, per channel
 */
notificationErrors?: Array<NotificationError>, };

export type AlertStatus = { 
/**
 * The target: namespace/name (namespace/pod/container for containers, the name for nodes,
 * the series' labels for PromQL)
 */
target: string, 
/**
 * Its kind (Pod, Node, …)
 */
kind: string, state: AlertState, 
/**
 * Since when the condition has held (pending and firing), or when it resolved
 */
since: string, 
/**
 * When it started firing
 */
firedAt?: string, 
/**
 * The value the condition saw, as shown to a person (85%, 5 restarts, NotReady)
 */
value: string, 
/**
 * Whether the channels have been told of the current state
 */
notified: boolean, };

export type AlertState = "pending" | "firing" | "resolved";

export type NotificationError = { channel: string, at: string, message: string, };

export type AlertRuleList = { items: Array<AlertRuleRow>, warnings: Array<Warning>, 
/**
 * The namespace whose rules are cluster-wide (`--alerts-namespace`).
 */
alertsNamespace: string, 
/**
 * Whether the person may create a rule in the alerts namespace.
 */
create: Decision, };

export type AlertRuleRow = { namespace: string, name: string, severity: AlertSeverity, enabled: boolean, 
/**
 * The condition's name (`crashLooping`, `usage`, …).
 */
condition: string, 
/**
 * Whether the rule is cluster-wide (it lives in the alerts namespace).
 */
clusterWide: boolean, 
/**
 * The status the alerter wrote; empty before its first evaluation.
 */
status: AlertRuleStatus, 
/**
 * Whether a silence of the whole rule holds now.
 */
silenced: boolean, 
/**
 * The targets a silence holds for now.
 */
silencedTargets: Array<string>, 
/**
 * Why the spec cannot be read, when it cannot (then the other fields are defaults).
 */
problem: string | null, };

export type AlertRuleDetail = { row: AlertRuleRow, 
/**
 * The spec as stored, as written (what the editor starts from); null when it is not a
 * valid rule.
 */
spec: AlertRuleSpec | null, 
/**
 * What optimistic concurrency checks an update against.
 */
resourceVersion: string, 
/**
 * The rule's Events (AlertFiring, AlertResolved, NotificationFailed), newest first.
 */
events: Array<DetailEvent>, warnings: Array<Warning>, 
/**
 * Whether the person may change the rule (edit, silence, turn off).
 */
update: Decision, };

export type PreviewRequest = { 
/**
 * The namespace the rule is (to be) in.
 */
namespace: string, spec: unknown, };

export type PreviewAnswer = { 
/**
 * How many targets were looked at.
 */
targets: number, 
/**
 * The targets it would fire for now (after its `for`), with the value seen.
 */
fires: Array<PreviewTarget>, 
/**
 * Why the rule cannot be evaluated, when it cannot (as its status would say).
 */
error: string | null, 
/**
 * What the preview cannot know that the alerter will (restarts counted over time).
 */
notes: Array<string>, 
/**
 * Reads that were refused or cut short.
 */
warnings: Array<Warning>, 
/**
 * Whether the rule is cluster-wide where it is.
 */
clusterWide: boolean, };

export type PreviewTarget = { target: string, kind: string, namespace: string | null, name: string, value: string, };

export type CreateAlertRule = { namespace: string, name: string, spec: unknown, };

export type UpdateAlertRule = { spec: unknown, 
/**
 * The version the person edited; a newer one on the server is a 409.
 */
resourceVersion: string, };

export type SavedAlertRule = { namespace: string, name: string, resourceVersion: string, };

export type SilenceRequest = { 
/**
 * The target as the rule's status names it; the whole rule when absent.
 */
target?: string, 
/**
 * For how long, in seconds (at most 30 days).
 */
seconds: number, comment?: string, };

export type EndSilenceRequest = { target?: string, 
/**
 * The silence's `until` as the spec holds it (RFC 3339).
 */
until: string, };

export type AppConfig = { 
/**
 * The path the app is served under, always with a trailing slash (`/`, `/wh/`).
 */
basePath: string, 
/**
 * The language negotiated from the request's Accept-Language (or `--default-locale`).
 */
locale: string, defaultLocale: string, locales: Array<string>, version: string, 
/**
 * The nonce this page load's Content-Security-Policy allows on `<style>` elements (the YAML
 * editor's).
 */
styleNonce: string, };
