//! Decodes Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`) into JSON.
//!
//! client-go 1.35 typed clients (kubectl's `create` generators and `auth can-i`, helm's
//! release Secrets) send built-in objects as protobuf and do not fall back to JSON on 415, so
//! the sim must read them. The envelope is the magic `k8s\0` followed by a `runtime.Unknown`
//! (type meta, raw bytes); the raw bytes are decoded with a field table per message written
//! here from the wire format of the Kubernetes API (field numbers of `generated.proto`).
//! Only the messages those clients send are described; a body with a kind or a field the table
//! does not know is rejected with 415 naming it, never decoded half.

use std::collections::HashMap;
use std::sync::OnceLock;

use base64::Engine;
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};

/// The magic prefix of Kubernetes protobuf bodies.
pub const MAGIC: &[u8] = b"k8s\x00";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Ty {
    Str,
    Int,
    Bool,
    Bytes,
    Time,
    IntOrString,
    Quantity,
    Msg(&'static str),
}

#[derive(Debug, Clone)]
struct Field {
    name: &'static str,
    ty: Ty,
    repeated: bool,
    /// `map<string, T>`: the value type.
    map: bool,
    /// Fields of this message appear in the parent's JSON object (Go's `json:",inline"`).
    inline: bool,
}

/// The field tables: `Message: number name type; ...` with types `s` string, `i` integer,
/// `b` bool, `bytes`, `time`, `ios` IntOrString, `q` Quantity, or a message name; `[]T` is
/// repeated, `map:T` a map from string to T, `@` marks an inlined message.
const SCHEMA: &str = r"
Unknown: 1 typeMeta TypeMeta; 2 raw bytes; 3 contentEncoding s; 4 contentType s
TypeMeta: 1 apiVersion s; 2 kind s
ObjectMeta: 1 name s; 2 generateName s; 3 namespace s; 4 selfLink s; 5 uid s; 6 resourceVersion s; 7 generation i; 8 creationTimestamp time; 9 deletionTimestamp time; 10 deletionGracePeriodSeconds i; 11 labels map:s; 12 annotations map:s; 13 ownerReferences []OwnerReference; 14 finalizers []s; 17 managedFields []ManagedFieldsEntry
OwnerReference: 1 kind s; 3 name s; 4 uid s; 5 apiVersion s; 6 controller b; 7 blockOwnerDeletion b
ManagedFieldsEntry: 1 manager s; 2 operation s; 3 apiVersion s; 4 time time; 6 fieldsType s; 7 fieldsV1 FieldsV1; 8 subresource s
FieldsV1: 1 Raw bytes
LabelSelector: 1 matchLabels map:s; 2 matchExpressions []LabelSelectorRequirement
LabelSelectorRequirement: 1 key s; 2 operator s; 3 values []s
DeleteOptions: 1 gracePeriodSeconds i; 2 preconditions Preconditions; 3 orphanDependents b; 4 propagationPolicy s; 5 dryRun []s; 6 ignoreStoreReadErrorWithClusterBreakingPotential b
Preconditions: 1 uid s; 2 resourceVersion s
Namespace: 1 metadata ObjectMeta; 2 spec NamespaceSpec; 3 status NamespaceStatus
NamespaceSpec: 1 finalizers []s
NamespaceStatus: 1 phase s; 2 conditions []Condition
Condition: 1 type s; 2 status s; 3 lastTransitionTime time; 4 reason s; 5 message s; 6 observedGeneration i; 7 lastHeartbeatTime time; 8 lastUpdateTime time; 9 lastProbeTime time
ConfigMap: 1 metadata ObjectMeta; 2 data map:s; 3 binaryData map:bytes; 4 immutable b
Secret: 1 metadata ObjectMeta; 2 data map:bytes; 3 type s; 4 stringData map:s; 5 immutable b
ServiceAccount: 1 metadata ObjectMeta; 2 secrets []ObjectReference; 3 imagePullSecrets []LocalObjectReference; 4 automountServiceAccountToken b
ObjectReference: 1 kind s; 2 namespace s; 3 name s; 4 uid s; 5 apiVersion s; 6 resourceVersion s; 7 fieldPath s
LocalObjectReference: 1 name s
Service: 1 metadata ObjectMeta; 2 spec ServiceSpec; 3 status ServiceStatus
ServiceSpec: 1 ports []ServicePort; 2 selector map:s; 3 clusterIP s; 4 type s; 5 externalIPs []s; 7 sessionAffinity s; 8 loadBalancerIP s; 9 loadBalancerSourceRanges []s; 10 externalName s; 11 externalTrafficPolicy s; 12 healthCheckNodePort i; 13 publishNotReadyAddresses b; 17 ipFamilyPolicy s; 18 clusterIPs []s; 19 ipFamilies []s; 20 allocateLoadBalancerNodePorts b; 21 loadBalancerClass s; 22 internalTrafficPolicy s; 23 trafficDistribution s
ServicePort: 1 name s; 2 protocol s; 3 port i; 4 targetPort ios; 5 nodePort i; 6 appProtocol s
ServiceStatus: 1 loadBalancer LoadBalancerStatus; 2 conditions []Condition
LoadBalancerStatus: 1 ingress []LoadBalancerIngress
LoadBalancerIngress: 1 ip s; 2 hostname s; 3 ipMode s
Deployment: 1 metadata ObjectMeta; 2 spec DeploymentSpec; 3 status DeploymentStatus
DeploymentSpec: 1 replicas i; 2 selector LabelSelector; 3 template PodTemplateSpec; 4 strategy DeploymentStrategy; 5 minReadySeconds i; 6 revisionHistoryLimit i; 7 paused b; 9 progressDeadlineSeconds i
DeploymentStrategy: 1 type s; 2 rollingUpdate RollingUpdateDeployment
RollingUpdateDeployment: 1 maxUnavailable ios; 2 maxSurge ios
DeploymentStatus: 1 observedGeneration i; 2 replicas i; 3 updatedReplicas i; 4 availableReplicas i; 5 unavailableReplicas i; 6 conditions []Condition; 7 readyReplicas i; 8 collisionCount i; 9 terminatingReplicas i
PodTemplateSpec: 1 metadata ObjectMeta; 2 spec PodSpec
PodSpec: 1 volumes []Volume; 2 containers []Container; 3 restartPolicy s; 4 terminationGracePeriodSeconds i; 5 activeDeadlineSeconds i; 6 dnsPolicy s; 7 nodeSelector map:s; 8 serviceAccountName s; 9 serviceAccount s; 10 nodeName s; 11 hostNetwork b; 12 hostPID b; 13 hostIPC b; 14 securityContext PodSecurityContext; 15 imagePullSecrets []LocalObjectReference; 16 hostname s; 17 subdomain s; 19 schedulerName s; 20 initContainers []Container; 21 automountServiceAccountToken b; 22 tolerations []Toleration; 24 priorityClassName s; 25 priority i; 27 shareProcessNamespace b; 29 runtimeClassName s; 30 enableServiceLinks b; 31 preemptionPolicy s; 35 setHostnameAsFQDN b; 37 hostUsers b
PodSecurityContext: 1 seLinuxOptions SELinuxOptions; 2 runAsUser i; 3 runAsNonRoot b; 4 supplementalGroups []i; 5 fsGroup i; 6 runAsGroup i; 8 windowsOptions WindowsSecurityContextOptions; 9 fsGroupChangePolicy s; 10 seccompProfile SeccompProfile
SELinuxOptions: 1 user s; 2 role s; 3 type s; 4 level s
WindowsSecurityContextOptions: 1 gmsaCredentialSpecName s; 2 gmsaCredentialSpec s; 3 runAsUserName s; 4 hostProcess b
SeccompProfile: 1 type s; 2 localhostProfile s
Toleration: 1 key s; 2 operator s; 3 value s; 4 effect s; 5 tolerationSeconds i
Volume: 1 name s; @2 volumeSource VolumeSource
VolumeSource: 1 hostPath HostPathVolumeSource; 2 emptyDir EmptyDirVolumeSource; 6 secret SecretVolumeSource; 10 persistentVolumeClaim PersistentVolumeClaimVolumeSource; 19 configMap ConfigMapVolumeSource
HostPathVolumeSource: 1 path s; 2 type s
EmptyDirVolumeSource: 1 medium s; 2 sizeLimit q
SecretVolumeSource: 1 secretName s; 2 items []KeyToPath; 3 defaultMode i; 4 optional b
ConfigMapVolumeSource: @1 localObjectReference LocalObjectReference; 2 items []KeyToPath; 3 defaultMode i; 4 optional b
KeyToPath: 1 key s; 2 path s; 3 mode i
PersistentVolumeClaimVolumeSource: 1 claimName s; 2 readOnly b
Container: 1 name s; 2 image s; 3 command []s; 4 args []s; 5 workingDir s; 6 ports []ContainerPort; 7 env []EnvVar; 8 resources ResourceRequirements; 9 volumeMounts []VolumeMount; 10 livenessProbe Probe; 11 readinessProbe Probe; 13 terminationMessagePath s; 14 imagePullPolicy s; 15 securityContext SecurityContext; 16 stdin b; 17 stdinOnce b; 18 tty b; 19 envFrom []EnvFromSource; 20 terminationMessagePolicy s; 22 startupProbe Probe; 24 restartPolicy s
ContainerPort: 1 name s; 2 hostPort i; 3 containerPort i; 4 protocol s; 5 hostIP s
EnvVar: 1 name s; 2 value s; 3 valueFrom EnvVarSource
EnvVarSource: 1 fieldRef ObjectFieldSelector; 2 resourceFieldRef ResourceFieldSelector; 3 configMapKeyRef ConfigMapKeySelector; 4 secretKeyRef SecretKeySelector
ObjectFieldSelector: 1 apiVersion s; 2 fieldPath s
ResourceFieldSelector: 1 containerName s; 2 resource s; 3 divisor q
ConfigMapKeySelector: @1 localObjectReference LocalObjectReference; 2 key s; 3 optional b
SecretKeySelector: @1 localObjectReference LocalObjectReference; 2 key s; 3 optional b
EnvFromSource: 1 prefix s; 2 configMapRef ConfigMapEnvSource; 3 secretRef SecretEnvSource
ConfigMapEnvSource: @1 localObjectReference LocalObjectReference; 2 optional b
SecretEnvSource: @1 localObjectReference LocalObjectReference; 2 optional b
ResourceRequirements: 1 limits map:q; 2 requests map:q
VolumeMount: 1 name s; 2 readOnly b; 3 mountPath s; 4 subPath s; 5 mountPropagation s; 6 subPathExpr s
Probe: @1 handler ProbeHandler; 2 initialDelaySeconds i; 3 timeoutSeconds i; 4 periodSeconds i; 5 successThreshold i; 6 failureThreshold i; 7 terminationGracePeriodSeconds i
ProbeHandler: 1 exec ExecAction; 2 httpGet HTTPGetAction; 3 tcpSocket TCPSocketAction; 4 grpc GRPCAction
ExecAction: 1 command []s
HTTPGetAction: 1 path s; 2 port ios; 3 host s; 4 scheme s; 5 httpHeaders []HTTPHeader
HTTPHeader: 1 name s; 2 value s
TCPSocketAction: 1 port ios; 2 host s
GRPCAction: 1 port i; 2 service s
SecurityContext: 1 capabilities Capabilities; 2 privileged b; 3 seLinuxOptions SELinuxOptions; 4 runAsUser i; 5 runAsNonRoot b; 6 readOnlyRootFilesystem b; 7 allowPrivilegeEscalation b; 8 runAsGroup i; 9 procMount s; 10 windowsOptions WindowsSecurityContextOptions; 11 seccompProfile SeccompProfile
Capabilities: 1 add []s; 2 drop []s
Job: 1 metadata ObjectMeta; 2 spec JobSpec; 3 status JobStatus
JobSpec: 1 parallelism i; 2 completions i; 3 activeDeadlineSeconds i; 4 selector LabelSelector; 5 manualSelector b; 6 template PodTemplateSpec; 7 backoffLimit i; 8 ttlSecondsAfterFinished i; 9 completionMode s; 10 suspend b; 12 backoffLimitPerIndex i; 13 maxFailedIndexes i; 14 podReplacementPolicy s; 15 managedBy s
JobStatus: 1 conditions []Condition; 2 startTime time; 3 completionTime time; 4 active i; 5 succeeded i; 6 failed i; 7 completedIndexes s; 8 uncountedTerminatedPods UncountedTerminatedPods; 9 ready i; 10 failedIndexes s; 11 terminating i
UncountedTerminatedPods: 1 succeeded []s; 2 failed []s
CronJob: 1 metadata ObjectMeta; 2 spec CronJobSpec; 3 status CronJobStatus
CronJobSpec: 1 schedule s; 2 startingDeadlineSeconds i; 3 concurrencyPolicy s; 4 suspend b; 5 jobTemplate JobTemplateSpec; 6 successfulJobsHistoryLimit i; 7 failedJobsHistoryLimit i; 8 timeZone s
JobTemplateSpec: 1 metadata ObjectMeta; 2 spec JobSpec
CronJobStatus: 1 active []ObjectReference; 4 lastScheduleTime time; 5 lastSuccessfulTime time
SelfSubjectAccessReview: 1 metadata ObjectMeta; 2 spec SelfSubjectAccessReviewSpec; 3 status SubjectAccessReviewStatus
SelfSubjectAccessReviewSpec: 1 resourceAttributes ResourceAttributes; 2 nonResourceAttributes NonResourceAttributes
SubjectAccessReview: 1 metadata ObjectMeta; 2 spec SubjectAccessReviewSpec; 3 status SubjectAccessReviewStatus
SubjectAccessReviewSpec: 1 resourceAttributes ResourceAttributes; 2 nonResourceAttributes NonResourceAttributes; 3 user s; 4 groups []s; 6 uid s
SubjectAccessReviewStatus: 1 allowed b; 2 reason s; 3 evaluationError s; 4 denied b
ResourceAttributes: 1 namespace s; 2 verb s; 3 group s; 4 version s; 5 resource s; 6 subresource s; 7 name s
NonResourceAttributes: 1 path s; 2 verb s
SelfSubjectRulesReview: 1 metadata ObjectMeta; 2 spec SelfSubjectRulesReviewSpec; 3 status SubjectRulesReviewStatus
SelfSubjectRulesReviewSpec: 1 namespace s
SubjectRulesReviewStatus: 1 resourceRules []ResourceRule; 2 nonResourceRules []NonResourceRule; 3 incomplete b; 4 evaluationError s
ResourceRule: 1 verbs []s; 2 apiGroups []s; 3 resources []s; 4 resourceNames []s
NonResourceRule: 1 verbs []s; 2 nonResourceURLs []s
TokenReview: 1 metadata ObjectMeta; 2 spec TokenReviewSpec; 3 status TokenReviewStatus
TokenReviewSpec: 1 token s; 2 audiences []s
TokenReviewStatus: 1 authenticated b; 2 user UserInfo; 3 error s; 4 audiences []s
UserInfo: 1 username s; 2 uid s; 3 groups []s
SelfSubjectReview: 1 metadata ObjectMeta; 2 status SelfSubjectReviewStatus
SelfSubjectReviewStatus: 1 userInfo UserInfo
Role: 1 metadata ObjectMeta; 2 rules []PolicyRule
ClusterRole: 1 metadata ObjectMeta; 2 rules []PolicyRule; 3 aggregationRule AggregationRule
AggregationRule: 1 clusterRoleSelectors []LabelSelector
PolicyRule: 1 verbs []s; 2 apiGroups []s; 3 resources []s; 4 resourceNames []s; 5 nonResourceURLs []s
RoleBinding: 1 metadata ObjectMeta; 2 subjects []Subject; 3 roleRef RoleRef
ClusterRoleBinding: 1 metadata ObjectMeta; 2 subjects []Subject; 3 roleRef RoleRef
Subject: 1 kind s; 2 apiGroup s; 3 name s; 4 namespace s
RoleRef: 1 apiGroup s; 2 kind s; 3 name s
PodDisruptionBudget: 1 metadata ObjectMeta; 2 spec PodDisruptionBudgetSpec; 3 status PodDisruptionBudgetStatus
PodDisruptionBudgetStatus: 1 observedGeneration i; 2 disruptedPods map:time; 3 disruptionsAllowed i; 4 currentHealthy i; 5 desiredHealthy i; 6 expectedPods i; 7 conditions []Condition
PodDisruptionBudgetSpec: 1 minAvailable ios; 2 selector LabelSelector; 3 maxUnavailable ios; 4 unhealthyPodEvictionPolicy s
ResourceQuota: 1 metadata ObjectMeta; 2 spec ResourceQuotaSpec; 3 status ResourceQuotaStatus
ResourceQuotaStatus: 1 hard map:q; 2 used map:q
ResourceQuotaSpec: 1 hard map:q; 2 scopes []s
Eviction: 1 metadata ObjectMeta; 2 deleteOptions DeleteOptions
TokenRequest: 1 metadata ObjectMeta; 2 spec TokenRequestSpec; 3 status TokenRequestStatus
TokenRequestSpec: 1 audiences []s; 3 boundObjectRef BoundObjectReference; 4 expirationSeconds i
BoundObjectReference: 1 kind s; 2 apiVersion s; 3 name s; 4 uid s
TokenRequestStatus: 1 token s; 2 expirationTimestamp time
Ingress: 1 metadata ObjectMeta; 2 spec IngressSpec; 3 status IngressStatus
IngressStatus: 1 loadBalancer IngressLoadBalancerStatus
IngressLoadBalancerStatus: 1 ingress []IngressLoadBalancerIngress
IngressLoadBalancerIngress: 1 ip s; 2 hostname s
IngressSpec: 1 defaultBackend IngressBackend; 2 tls []IngressTLS; 3 rules []IngressRule; 4 ingressClassName s
IngressTLS: 1 hosts []s; 2 secretName s
IngressRule: 1 host s; @2 ingressRuleValue IngressRuleValue
IngressRuleValue: 1 http HTTPIngressRuleValue
HTTPIngressRuleValue: 1 paths []HTTPIngressPath
HTTPIngressPath: 1 path s; 2 backend IngressBackend; 3 pathType s
IngressBackend: 3 resource TypedLocalObjectReference; 4 service IngressServiceBackend
TypedLocalObjectReference: 1 apiGroup s; 2 kind s; 3 name s
IngressServiceBackend: 1 name s; 2 port ServiceBackendPort
ServiceBackendPort: 1 name s; 2 number i
";

/// Pointer fields whose zero or false value is meaningful and kept.
const KEEP_ZERO: &[&str] = &[
    "replicas",
    "revisionHistoryLimit",
    "progressDeadlineSeconds",
    "terminationGracePeriodSeconds",
    "activeDeadlineSeconds",
    "parallelism",
    "completions",
    "backoffLimit",
    "ttlSecondsAfterFinished",
    "suspend",
    "automountServiceAccountToken",
    "immutable",
    "successfulJobsHistoryLimit",
    "failedJobsHistoryLimit",
    "startingDeadlineSeconds",
    "enableServiceLinks",
    "allowPrivilegeEscalation",
    "privileged",
    "runAsNonRoot",
    "readOnlyRootFilesystem",
    "runAsUser",
    "runAsGroup",
    "fsGroup",
    "allocateLoadBalancerNodePorts",
    "optional",
    "defaultMode",
    "priority",
    "shareProcessNamespace",
    "hostUsers",
    "setHostnameAsFQDN",
    "manualSelector",
    "backoffLimitPerIndex",
    "maxFailedIndexes",
    "controller",
    "blockOwnerDeletion",
    "gracePeriodSeconds",
    "orphanDependents",
    "deletionGracePeriodSeconds",
    "mode",
];

type Schema = HashMap<&'static str, HashMap<u64, Field>>;

fn schema() -> &'static Schema {
    static SCHEMA_TABLE: OnceLock<Schema> = OnceLock::new();
    SCHEMA_TABLE.get_or_init(|| {
        let mut out = HashMap::new();
        for line in SCHEMA.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let Some((message, fields)) = line.split_once(": ") else {
                continue;
            };
            let mut table = HashMap::new();
            for f in fields.split("; ") {
                let parts: Vec<&'static str> = f.split_whitespace().collect();
                let [number, name, ty] = parts.as_slice() else {
                    continue;
                };
                let (inline, number) = match number.strip_prefix('@') {
                    Some(n) => (true, n),
                    None => (false, *number),
                };
                let Ok(number) = number.parse::<u64>() else {
                    continue;
                };
                let (repeated, ty) = match ty.strip_prefix("[]") {
                    Some(t) => (true, t),
                    None => (false, *ty),
                };
                let (map, ty) = match ty.strip_prefix("map:") {
                    Some(t) => (true, t),
                    None => (false, ty),
                };
                let ty = match ty {
                    "s" => Ty::Str,
                    "i" => Ty::Int,
                    "b" => Ty::Bool,
                    "bytes" => Ty::Bytes,
                    "time" => Ty::Time,
                    "ios" => Ty::IntOrString,
                    "q" => Ty::Quantity,
                    other => Ty::Msg(other),
                };
                table.insert(
                    number,
                    Field {
                        name,
                        ty,
                        repeated,
                        map,
                        inline,
                    },
                );
            }
            out.insert(message, table);
        }
        out
    })
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.data.get(self.pos).ok_or_else(truncated)?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Error::bad_request("protobuf varint too long"))
    }

    fn bytes(&mut self) -> Result<&'a [u8]> {
        let len = usize::try_from(self.varint()?).map_err(|_| truncated())?;
        let end = self
            .pos
            .checked_add(len)
            .filter(|e| *e <= self.data.len())
            .ok_or_else(truncated)?;
        let slice = &self.data[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn done(&self) -> bool {
        self.pos >= self.data.len()
    }
}

fn truncated() -> Error {
    Error::bad_request("the protobuf body is truncated")
}

fn unsupported(what: String) -> Error {
    Error::UnsupportedMediaType(format!(
        "the simulated API server cannot decode this protobuf body ({what}); send application/json"
    ))
}

/// One decoded field value before it is placed in the JSON object.
enum Raw<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
}

fn scalar(ty: &Ty, raw: Raw<'_>, message: &str, name: &str) -> Result<Value> {
    Ok(match (ty, raw) {
        (Ty::Int, Raw::Varint(v)) => json!(v as i64),
        (Ty::Bool, Raw::Varint(v)) => json!(v != 0),
        (Ty::Str, Raw::Bytes(b)) => json!(String::from_utf8_lossy(b)),
        (Ty::Bytes, Raw::Bytes(b)) => json!(base64::engine::general_purpose::STANDARD.encode(b)),
        (Ty::Quantity, Raw::Bytes(b)) => {
            let mut r = Reader { data: b, pos: 0 };
            let mut text = String::new();
            while !r.done() {
                let tag = r.varint()?;
                if tag >> 3 == 1 && tag & 7 == 2 {
                    text = String::from_utf8_lossy(r.bytes()?).into_owned();
                } else {
                    return Err(unsupported(format!("Quantity field {}", tag >> 3)));
                }
            }
            json!(text)
        }
        (Ty::Time, Raw::Bytes(b)) => {
            let mut r = Reader { data: b, pos: 0 };
            let mut seconds = 0i64;
            while !r.done() {
                let tag = r.varint()?;
                match (tag >> 3, tag & 7) {
                    (1, 0) => seconds = r.varint()? as i64,
                    (2, 0) => {
                        r.varint()?;
                    }
                    (n, _) => return Err(unsupported(format!("Time field {n}"))),
                }
            }
            if seconds == 0 {
                Value::Null
            } else {
                jiff::Timestamp::from_second(seconds)
                    .map(|t| json!(t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()))
                    .unwrap_or(Value::Null)
            }
        }
        (Ty::IntOrString, Raw::Bytes(b)) => {
            let mut r = Reader { data: b, pos: 0 };
            let (mut kind, mut int, mut text) = (0u64, 0i64, String::new());
            while !r.done() {
                let tag = r.varint()?;
                match (tag >> 3, tag & 7) {
                    (1, 0) => kind = r.varint()?,
                    (2, 0) => int = r.varint()? as i32 as i64,
                    (3, 2) => text = String::from_utf8_lossy(r.bytes()?).into_owned(),
                    (n, _) => return Err(unsupported(format!("IntOrString field {n}"))),
                }
            }
            if kind == 1 { json!(text) } else { json!(int) }
        }
        (Ty::Msg(inner), Raw::Bytes(b)) => decode_message(inner, b)?,
        _ => {
            return Err(unsupported(format!(
                "{message}.{name} has an unexpected wire type"
            )));
        }
    })
}

fn decode_message(message: &str, data: &[u8]) -> Result<Value> {
    let table = schema()
        .get(message)
        .ok_or_else(|| unsupported(format!("message {message}")))?;
    let mut out = Map::new();
    let mut r = Reader { data, pos: 0 };
    while !r.done() {
        let tag = r.varint()?;
        let (number, wire) = (tag >> 3, tag & 7);
        let field = table
            .get(&number)
            .ok_or_else(|| unsupported(format!("{message} field {number}")))?;
        let raw = match wire {
            0 => Raw::Varint(r.varint()?),
            2 => Raw::Bytes(r.bytes()?),
            _ => {
                return Err(unsupported(format!(
                    "{message} field {number} wire type {wire}"
                )));
            }
        };
        if field.map {
            let Raw::Bytes(entry) = raw else {
                return Err(unsupported(format!("{message}.{} map entry", field.name)));
            };
            let mut er = Reader {
                data: entry,
                pos: 0,
            };
            let (mut key, mut value) = (String::new(), Value::Null);
            while !er.done() {
                let t = er.varint()?;
                match (t >> 3, t & 7) {
                    (1, 2) => key = String::from_utf8_lossy(er.bytes()?).into_owned(),
                    (2, 2) => {
                        value = scalar(&field.ty, Raw::Bytes(er.bytes()?), message, field.name)?
                    }
                    (2, 0) => {
                        value = scalar(&field.ty, Raw::Varint(er.varint()?), message, field.name)?
                    }
                    (n, _) => {
                        return Err(unsupported(format!(
                            "{message}.{} map entry field {n}",
                            field.name
                        )));
                    }
                }
            }
            if value.is_null() && field.ty == Ty::Str {
                value = json!("");
            }
            if value.is_null() && field.ty == Ty::Bytes {
                value = json!("");
            }
            let map = out.entry(field.name).or_insert_with(|| json!({}));
            if let Some(m) = map.as_object_mut() {
                m.insert(key, value);
            }
            continue;
        }
        // Packed repeated varints.
        if field.repeated && matches!(field.ty, Ty::Int | Ty::Bool) && wire == 2 {
            let Raw::Bytes(packed) = raw else { continue };
            let mut pr = Reader {
                data: packed,
                pos: 0,
            };
            let list = out.entry(field.name).or_insert_with(|| json!([]));
            while !pr.done() {
                let v = scalar(&field.ty, Raw::Varint(pr.varint()?), message, field.name)?;
                if let Some(a) = list.as_array_mut() {
                    a.push(v);
                }
            }
            continue;
        }
        let value = scalar(&field.ty, raw, message, field.name)?;
        if field.inline {
            if let Value::Object(inner) = value {
                out.extend(inner);
            }
            continue;
        }
        if field.repeated {
            let list = out.entry(field.name).or_insert_with(|| json!([]));
            if let Some(a) = list.as_array_mut() {
                a.push(value);
            }
            continue;
        }
        // Go's JSON encoding leaves out empty strings and unset times; protobuf always
        // carries non-pointer numbers and bools, so zeros are left out too unless the field
        // is a pointer where zero means something.
        let zero = value.as_i64() == Some(0) || value.as_bool() == Some(false);
        if value.is_null()
            || value.as_str() == Some("")
            || (zero && !KEEP_ZERO.contains(&field.name))
        {
            continue;
        }
        out.insert(field.name.into(), value);
    }
    Ok(Value::Object(out))
}

/// Decodes a `k8s\0`-prefixed protobuf body into the JSON object it carries.
pub fn decode(body: &[u8]) -> Result<Value> {
    let rest = body.strip_prefix(MAGIC).ok_or_else(|| {
        Error::bad_request("the protobuf body does not start with the Kubernetes magic prefix")
    })?;
    let envelope = decode_message("Unknown", rest)?;
    let api_version = envelope
        .pointer("/typeMeta/apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let kind = envelope
        .pointer("/typeMeta/kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let raw = envelope["raw"].as_str().unwrap_or("");
    let raw = base64::engine::general_purpose::STANDARD
        .decode(raw)
        .map_err(|_| Error::bad_request("the protobuf body's raw object is not readable"))?;
    let mut object = decode_message(&kind, &raw)?;
    if let Some(map) = object.as_object_mut() {
        let mut ordered = Map::new();
        ordered.insert("kind".into(), json!(kind));
        ordered.insert("apiVersion".into(), json!(api_version));
        ordered.extend(std::mem::take(map));
        *map = ordered;
    }
    Ok(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    fn field_bytes(number: u64, data: &[u8], out: &mut Vec<u8>) {
        varint(number << 3 | 2, out);
        varint(data.len() as u64, out);
        out.extend_from_slice(data);
    }

    fn secret_body() -> Vec<u8> {
        let mut meta = Vec::new();
        field_bytes(1, b"sh.helm.release.v1.x.v1", &mut meta);
        let mut labels = Vec::new();
        field_bytes(1, b"owner", &mut labels);
        field_bytes(2, b"helm", &mut labels);
        field_bytes(11, &labels, &mut meta);
        let mut secret = Vec::new();
        field_bytes(1, &meta, &mut secret);
        let mut entry = Vec::new();
        field_bytes(1, b"release", &mut entry);
        field_bytes(2, b"x", &mut entry);
        field_bytes(2, &entry, &mut secret);
        field_bytes(3, b"helm.sh/release.v1", &mut secret);
        let mut type_meta = Vec::new();
        field_bytes(1, b"v1", &mut type_meta);
        field_bytes(2, b"Secret", &mut type_meta);
        let mut unknown = Vec::new();
        field_bytes(1, &type_meta, &mut unknown);
        field_bytes(2, &secret, &mut unknown);
        let mut body = MAGIC.to_vec();
        body.extend(unknown);
        body
    }

    #[test]
    fn a_helm_release_secret_decodes_to_its_json() {
        let value = decode(&secret_body()).expect("decodes");
        assert_eq!(
            value,
            json!({"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "sh.helm.release.v1.x.v1", "labels": {"owner": "helm"}},
                "data": {"release": "eA=="}, "type": "helm.sh/release.v1"})
        );
    }

    #[test]
    fn an_unknown_field_is_refused_not_dropped() {
        let mut body = secret_body();
        // Append field 99 to the raw Secret: the envelope's raw length changes, so build anew.
        let mut secret = Vec::new();
        field_bytes(99, b"?", &mut secret);
        let mut unknown = Vec::new();
        let mut type_meta = Vec::new();
        field_bytes(1, b"v1", &mut type_meta);
        field_bytes(2, b"Secret", &mut type_meta);
        field_bytes(1, &type_meta, &mut unknown);
        field_bytes(2, &secret, &mut unknown);
        body.truncate(MAGIC.len());
        body.extend(unknown);
        let err = decode(&body).expect_err("unknown field");
        assert_eq!(err.code(), 415);
        assert!(err.to_string().contains("Secret field 99"), "{err}");
    }

    #[test]
    fn every_message_named_in_the_schema_is_described() {
        let s = schema();
        for table in s.values() {
            for f in table.values() {
                if let Ty::Msg(m) = &f.ty {
                    assert!(s.contains_key(m), "{m} is used but not described");
                }
            }
        }
    }
}
