//! Wheelhouse's own chart (`deploy/helm/wheelhouse`) with the real helm and kubectl: linted,
//! rendered and checked, applied with a server-side dry run, installed into the sim; then the
//! console runs as the chart's service account (with a token the sim made for it) and does its
//! work with exactly the rights the chart grants, while each person sees only their own.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::TestServer;
use common::browser::Browser;
use kube::config::Kubeconfig;
use serde_json::{Value, json};
use wheelhouse_server::ServerConfig;
use wheelhouse_server::session::{LoginConfig, LoginMode};
use wheelhouse_sim::{Scenario, Sim, SimConfig};

const CHART: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/helm/wheelhouse");
const NAMESPACE: &str = "wheelhouse";
const ACCOUNT: &str = "wh-wheelhouse";

/// The real helm and kubectl, with a kubeconfig for the sim's admin and homes of their own.
struct Tools {
    helm: PathBuf,
    kubectl: PathBuf,
    dir: tempfile::TempDir,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Tools {
    fn find() -> Option<Self> {
        let helm = common::find_tool("WHEELHOUSE_HELM", "helm")?;
        let kubectl = common::find_tool("WHEELHOUSE_KUBECTL", "kubectl")?;
        Some(Self {
            helm,
            kubectl,
            dir: tempfile::tempdir().expect("temp dir"),
        })
    }

    fn for_sim(self, sim: &Sim) -> Self {
        std::fs::write(self.kubeconfig(), sim.kubeconfig_yaml("admin")).expect("kubeconfig");
        self
    }

    fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("admin.kubeconfig")
    }

    async fn run(&self, bin: &Path, args: &[&str], stdin: Option<&str>) -> Run {
        let home = self.dir.path().join("home");
        let mut child = tokio::process::Command::new(bin)
            .args(args)
            .env("KUBECONFIG", self.kubeconfig())
            .env("HOME", &home)
            .env("KUBECACHEDIR", home.join(".kube/cache"))
            .env("HELM_CACHE_HOME", home.join("helm/cache"))
            .env("HELM_CONFIG_HOME", home.join("helm/config"))
            .env("HELM_DATA_HOME", home.join("helm/data"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the tool starts");
        if let Some(mut pipe) = child.stdin.take() {
            use tokio::io::AsyncWriteExt as _;
            pipe.write_all(stdin.unwrap_or_default().as_bytes())
                .await
                .expect("stdin");
        }
        let output = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
            .await
            .expect("the tool finishes within 2 minutes")
            .expect("the tool runs");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    async fn helm(&self, args: &[&str]) -> Run {
        self.run(&self.helm, args, None).await
    }

    async fn kubectl(&self, args: &[&str], stdin: Option<&str>) -> Run {
        self.run(&self.kubectl, args, stdin).await
    }

    /// `helm template` of the chart with `--set` values; the documents by `kind/name`.
    async fn render(&self, sets: &[&str]) -> Vec<Value> {
        let mut args = vec!["template", "wh", CHART, "--namespace", NAMESPACE];
        for set in sets {
            args.extend(["--set", set]);
        }
        let run = self.helm(&args).await;
        assert_eq!(run.code, 0, "helm template failed: {}", run.stderr);
        serde_yaml::Deserializer::from_str(&run.stdout)
            .filter_map(|document| serde::Deserialize::deserialize(document).ok())
            .filter(|value: &Value| value.is_object())
            .collect()
    }
}

/// The first document of `kind` that is the console's, not the alerter's.
fn find<'a>(documents: &'a [Value], kind: &str) -> Option<&'a Value> {
    documents
        .iter()
        .find(|d| d["kind"] == kind && !is_alerter(d))
}

fn is_alerter(document: &Value) -> bool {
    document["metadata"]["name"]
        .as_str()
        .is_some_and(|name| name.ends_with("-alerter") || name.ends_with("-alerter-lease"))
}

fn ok(run: &Run, what: &str) {
    assert_eq!(
        run.code, 0,
        "{what} failed:\n{}\n{}",
        run.stdout, run.stderr
    );
}

#[tokio::test]
async fn the_chart_lints_renders_a_restricted_pod_and_refuses_bad_values() {
    let Some(tools) = Tools::find() else { return };
    ok(&tools.helm(&["lint", "--strict", CHART]).await, "helm lint");

    let documents = tools.render(&[]).await;
    let deployment = find(&documents, "Deployment").expect("a Deployment");
    assert_eq!(deployment["spec"]["replicas"], 2);
    let pod = &deployment["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    // The restricted Pod Security Standard.
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    assert_eq!(
        container["securityContext"]["allowPrivilegeEscalation"],
        false
    );
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(
        container["securityContext"]["capabilities"]["drop"],
        json!(["ALL"])
    );
    // Probes that need no headers, and resources from measured figures.
    for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
        assert_eq!(container[probe]["httpGet"]["path"], path);
        assert!(container[probe]["httpGet"].get("httpHeaders").is_none());
    }
    assert!(container["resources"]["limits"]["memory"].is_string());
    let args: Vec<&str> = container["args"]
        .as_array()
        .expect("args")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(args.contains(&"--login=token"), "{args:?}");
    assert!(
        args.contains(&"--allowed-host=wh-wheelhouse.wheelhouse.svc"),
        "{args:?}"
    );
    assert!(find(&documents, "PodDisruptionBudget").is_some());
    assert!(
        find(&documents, "NetworkPolicy").is_none(),
        "optional, off by default"
    );
    assert!(
        find(&documents, "Ingress").is_none(),
        "optional, off by default"
    );
    // Impersonation only in proxy mode.
    let impersonates = |documents: &[Value]| {
        find(documents, "ClusterRole").expect("a ClusterRole")["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .any(|rule| {
                rule["verbs"]
                    .as_array()
                    .is_some_and(|v| v.contains(&json!("impersonate")))
            })
    };
    assert!(!impersonates(&documents));
    let proxied = tools
        .render(&["login.modes={proxy}", "login.proxy.secret.name=proxy"])
        .await;
    assert!(impersonates(&proxied));

    // A self-made certificate: kept in the chart's empty Secret, which is the one Secret the
    // console may update; probes over HTTPS.
    let self_signed = tools.render(&["tls.mode=selfSigned"]).await;
    let container = &find(&self_signed, "Deployment").expect("a Deployment")["spec"]["template"]["spec"]
        ["containers"][0];
    let args = container["args"].to_string();
    assert!(args.contains("\"--tls-self-signed\""), "{args}");
    assert!(
        args.contains("\"--tls-secret=wheelhouse/wh-wheelhouse-tls-self\""),
        "{args}"
    );
    assert_eq!(container["readinessProbe"]["httpGet"]["scheme"], "HTTPS");
    let role = self_signed
        .iter()
        .find(|d| d["kind"] == "Role" && d["metadata"]["name"] == "wh-wheelhouse-tls-self")
        .expect("the certificate's Role");
    assert_eq!(
        role["rules"],
        json!([{"apiGroups": [""], "resources": ["secrets"],
            "resourceNames": ["wh-wheelhouse-tls-self"], "verbs": ["get", "update"]}])
    );
    assert!(
        self_signed.iter().any(|d| d["kind"] == "Secret"
            && d["metadata"]["name"] == "wh-wheelhouse-tls-self"
            && d.get("data").is_none()),
        "the chart never writes the certificate's Secret's data"
    );

    // The optional Ingress names its host, which the console then answers for; the optional
    // NetworkPolicy opens only the console's port to the peers listed.
    let exposed = tools
        .render(&[
            "ingress.enabled=true",
            "ingress.host=console.example.com",
            "ingress.tls.secretName=console-tls",
            "networkPolicy.enabled=true",
            "networkPolicy.from[0].namespaceSelector.matchLabels.team=ops",
        ])
        .await;
    let ingress = find(&exposed, "Ingress").expect("an Ingress");
    assert_eq!(ingress["spec"]["rules"][0]["host"], "console.example.com");
    assert_eq!(ingress["spec"]["tls"][0]["secretName"], "console-tls");
    let args = find(&exposed, "Deployment").expect("a Deployment")["spec"]["template"]["spec"]
        ["containers"][0]["args"]
        .to_string();
    assert!(
        args.contains("--allowed-host=console.example.com"),
        "{args}"
    );
    let policy = find(&exposed, "NetworkPolicy").expect("a NetworkPolicy");
    assert_eq!(
        policy["spec"]["ingress"],
        json!([{"ports": [{"port": "http", "protocol": "TCP"}],
            "from": [{"namespaceSelector": {"matchLabels": {"team": "ops"}}}]}])
    );

    // The alerter: a Deployment apart from the console's, restricted too, its own selector.
    let alerter = documents
        .iter()
        .find(|d| d["kind"] == "Deployment" && is_alerter(d))
        .expect("the alerter's Deployment");
    let alerter_pod = &alerter["spec"]["template"]["spec"];
    assert_eq!(alerter_pod["containers"][0]["args"][0], "alerter");
    assert_eq!(alerter_pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        alerter_pod["containers"][0]["securityContext"]["readOnlyRootFilesystem"],
        true
    );
    assert_ne!(
        alerter["spec"]["selector"], deployment["spec"]["selector"],
        "the console's Service never selects the alerter"
    );
    let samples = |documents: &[Value]| -> Vec<String> {
        documents
            .iter()
            .filter(|d| d["kind"] == "AlertRule")
            .filter_map(|d| d["metadata"]["name"].as_str().map(String::from))
            .collect()
    };
    assert_eq!(samples(&documents).len(), 5);
    let fewer = tools
        .render(&[
            "alerting.sampleRules.job-failed=false",
            "alerting.certificates=false",
        ])
        .await;
    assert_eq!(samples(&fewer).len(), 4);
    assert!(!samples(&fewer).contains(&"job-failed".to_string()));
    let fewer_alerter = fewer
        .iter()
        .find(|d| d["kind"] == "Deployment" && is_alerter(d))
        .expect("the alerter");
    assert!(
        fewer_alerter["spec"]["template"]["spec"]["containers"][0]["args"]
            .as_array()
            .is_some_and(|a| a.contains(&json!("--without-tls-secrets")))
    );
    let none = tools.render(&["alerting.enabled=false"]).await;
    assert!(
        none.iter()
            .all(|d| !is_alerter(d) && d["kind"] != "AlertRule")
    );

    // Values the schema refuses change nothing: helm says which and why.
    let refused = tools
        .helm(&["template", "wh", CHART, "--set", "replicaCount=abc"])
        .await;
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("replicaCount"),
        "{}",
        refused.stderr
    );
    let refused = tools
        .helm(&["template", "wh", CHART, "--set", "login.modes={oidc}"])
        .await;
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("login.oidc.issuerUrl"),
        "{}",
        refused.stderr
    );
}

#[test]
fn every_value_is_in_the_schema_and_the_readme() {
    let values: Value = serde_yaml::from_str(
        &std::fs::read_to_string(format!("{CHART}/values.yaml")).expect("values"),
    )
    .expect("values.yaml parses");
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{CHART}/values.schema.json")).expect("schema"),
    )
    .expect("values.schema.json parses");
    let readme = std::fs::read_to_string(format!("{CHART}/README.md")).expect("README");
    // Every value down to those the schema takes as a whole (`resources`, `podAnnotations`).
    fn leaves(value: &Value, schema: &Value, path: String, out: &mut Vec<String>) {
        match (value.as_object(), schema.get("properties")) {
            (Some(map), Some(properties)) if !map.is_empty() => {
                for (key, inner) in map {
                    let joined = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    leaves(inner, &properties[key], joined, out);
                }
            }
            _ => out.push(path),
        }
    }
    let mut paths = Vec::new();
    leaves(&values, &schema, String::new(), &mut paths);
    assert!(paths.len() > 40, "{paths:?}");
    for path in paths {
        let pointer = format!("/properties/{}", path.replace('.', "/properties/"));
        let described = schema
            .pointer(&pointer)
            .and_then(|s| s["description"].as_str());
        assert!(
            described.is_some_and(|d| !d.is_empty()),
            "{path} has no description in values.schema.json"
        );
        assert!(
            readme.contains(&format!("| `{path}` |")),
            "{path} is not in the chart's README"
        );
    }
    // The chart's version is the console's.
    let chart: Value = serde_yaml::from_str(
        &std::fs::read_to_string(format!("{CHART}/Chart.yaml")).expect("Chart.yaml"),
    )
    .expect("Chart.yaml parses");
    assert_eq!(chart["appVersion"], env!("CARGO_PKG_VERSION"));
    assert_eq!(chart["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn installed_into_the_sim_the_console_works_as_its_service_account_and_people_see_only_theirs()
 {
    let Some(tools) = Tools::find() else { return };
    let sim = Sim::start(SimConfig::default().scenario(Scenario::Demo))
        .await
        .expect("the sim starts");
    let tools = tools.for_sim(&sim);

    // The rendered manifests, CRDs included, pass the API server's validation.
    ok(
        &tools
            .kubectl(&["create", "namespace", NAMESPACE], None)
            .await,
        "create namespace",
    );
    let rendered = tools
        .helm(&[
            "template",
            "wh",
            CHART,
            "--namespace",
            NAMESPACE,
            "--include-crds",
        ])
        .await;
    ok(&rendered, "helm template");
    ok(
        &tools
            .kubectl(
                &["apply", "--dry-run=server", "-f", "-"],
                Some(&rendered.stdout),
            )
            .await,
        "kubectl apply --dry-run=server",
    );

    // Installed with the real helm, CRD included.
    ok(
        &tools
            .kubectl(
                &[
                    "delete",
                    "customresourcedefinition",
                    "chartrepositories.wheelhouse.dev",
                ],
                None,
            )
            .await,
        "delete the demo's CRD",
    );
    ok(
        &tools
            .helm(&["install", "wh", CHART, "--namespace", NAMESPACE])
            .await,
        "helm install",
    );
    let get = |args: &'static [&'static str]| {
        let tools = &tools;
        async move {
            let run = tools.kubectl(args, None).await;
            ok(&run, &args.join(" "));
            serde_json::from_str::<Value>(&run.stdout).expect("kubectl -o json")
        }
    };
    let deployment = get(&[
        "get",
        "deployment",
        "wh-wheelhouse",
        "-n",
        "wheelhouse",
        "-o",
        "json",
    ])
    .await;
    assert_eq!(
        deployment["spec"]["template"]["spec"]["serviceAccountName"],
        ACCOUNT
    );
    let binding = get(&["get", "clusterrolebinding", "wh-wheelhouse", "-o", "json"]).await;
    assert_eq!(
        binding["subjects"],
        json!([{"kind": "ServiceAccount", "name": ACCOUNT, "namespace": NAMESPACE}])
    );
    let crd = get(&[
        "get",
        "customresourcedefinition",
        "chartrepositories.wheelhouse.dev",
        "-o",
        "json",
    ])
    .await;
    assert_eq!(crd["spec"]["group"], "wheelhouse.dev");
    // The alerter's sample rules, cluster-wide in the release's namespace.
    let rules = get(&["get", "alertrules", "-n", NAMESPACE, "-o", "json"]).await;
    let names: Vec<&str> = rules["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|r| r["metadata"]["name"].as_str())
        .collect();
    assert!(
        names.contains(&"crash-looping-pods") && names.contains(&"certificate-expiring"),
        "{names:?}"
    );

    // The console, as the chart's service account.
    let token = tools
        .kubectl(
            &["create", "token", ACCOUNT, "--namespace", NAMESPACE],
            None,
        )
        .await;
    ok(&token, "kubectl create token");
    let token = token.stdout.trim().to_string();
    let as_account = sim.kubeconfig_yaml("admin");
    assert!(as_account.contains("admin-token"));
    let as_account =
        Kubeconfig::from_yaml(&as_account.replace("admin-token", &token)).expect("kubeconfig");
    let login = LoginConfig {
        mode: LoginMode::Login {
            token: true,
            oidc: None,
        },
        ..LoginConfig::default()
    };
    let server =
        TestServer::with_kubeconfig(as_account, ServerConfig::default().login(login)).await;
    server.wait_ready().await;

    // The admin sees everything: lists from the account's caches, details, metrics, the app store.
    let mut admin = Browser::new(&server);
    assert_eq!(admin.sign_in("admin-token").await.status(), 200);
    let (status, pods) = admin
        .list("api/v1/resources/core/v1/pods?pageSize=500")
        .await;
    assert_eq!(status, 200, "{pods}");
    assert_eq!(pods["state"], "ready");
    let namespaces: std::collections::BTreeSet<&str> = pods["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|pod| pod["namespace"].as_str())
        .collect();
    assert!(
        namespaces.contains("team-a") && namespaces.len() > 1,
        "{namespaces:?}"
    );
    let first = &pods["items"][0];
    let (status, detail) = admin
        .get(&format!(
            "api/v1/resources/core/v1/pods/{}?namespace={}",
            first["name"].as_str().expect("name"),
            first["namespace"].as_str().expect("namespace")
        ))
        .await;
    assert_eq!(status, 200, "{detail}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (status, cluster) = admin.get("api/v1/metrics/cluster?range=15m").await;
        if status == 200 && cluster["current"]["cpu"]["usage"].is_number() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no cluster metrics: {status} {cluster}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let (status, charts) = admin.get("api/v1/apps/charts?q=wheelhouse").await;
    assert_eq!(status, 200, "{charts}");
    assert!(
        charts.to_string().contains("\"wheelhouse\""),
        "the chart is in the built-in repository: {charts}"
    );
    let (status, releases) = admin.get("api/v1/apps/releases").await;
    assert_eq!(status, 200, "{releases}");
    assert!(releases.to_string().contains("\"wh\""), "{releases}");

    // A person without rights in a namespace sees nothing of it.
    let mut restricted = Browser::new(&server);
    assert_eq!(restricted.sign_in("restricted-token").await.status(), 200);
    let (status, theirs) = restricted
        .list("api/v1/resources/core/v1/pods?pageSize=500")
        .await;
    assert_eq!(status, 200, "{theirs}");
    assert!(theirs["total"].as_u64() > Some(0));
    assert!(
        theirs["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|pod| pod["namespace"] == "team-a"),
        "{theirs}"
    );
    let (status, _) = restricted
        .get("api/v1/resources/core/v1/pods?namespace=wheelhouse")
        .await;
    assert_eq!(status, 403);
    let (status, _) = restricted
        .get("api/v1/resources/core/v1/secrets?namespace=team-a")
        .await;
    assert_eq!(
        status, 403,
        "the account may read Secrets, the person may not: the console answers as the person"
    );

    // The account itself may read, and change nothing (asked as kubectl asks, impersonating it).
    let account = format!("system:serviceaccount:{NAMESPACE}:{ACCOUNT}");
    for (verb, resource, namespace, expected) in [
        ("watch", "pods", "--all-namespaces", "yes"),
        ("list", "secrets", "--namespace=team-a", "yes"),
        ("delete", "pods", "--namespace=team-a", "no"),
        // Node shells a crash left behind are swept there, and only there.
        ("delete", "pods", "--namespace=kube-system", "yes"),
        ("create", "deployments", "--namespace=default", "no"),
        ("impersonate", "users", "--all-namespaces", "no"),
    ] {
        let answer = tools
            .kubectl(
                &["auth", "can-i", verb, resource, namespace, "--as", &account],
                None,
            )
            .await;
        assert_eq!(
            answer.stdout.trim(),
            expected,
            "{verb} {resource} {namespace}: {}",
            answer.stderr
        );
    }
    drop(server);
    sim.shutdown().await;
}
