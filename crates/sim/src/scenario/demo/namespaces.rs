//! The demo's application namespaces: `shop` (a web shop with a crash-looping, an image-pulling
//! and a memory-hungry service), `data` (a database, Jobs that complete, run in parallel and
//! fail, a worker that cannot be scheduled), `monitoring` and `team-a`.

use super::*;

pub(super) fn shop(now: Timestamp) -> Vec<Value> {
    let mut out = Vec::new();
    let mut frontend = template(
        json!({"app": "frontend", "tier": "web"}),
        vec![container(
            "nginx",
            "nginx:1.27.5",
            Some((80, "http")),
            ("100m", "500m"),
            ("64Mi", "256Mi"),
        )],
    );
    frontend["spec"]["containers"][0]["readinessProbe"] = json!({"httpGet": {"path": "/", "port": "http", "scheme": "HTTP"}, "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3});
    out.push(aged(
        deployment("shop", "frontend", 3, frontend),
        now,
        days(6),
    ));
    let mut api = template(
        json!({"app": "api", "tier": "backend"}),
        vec![container(
            "api",
            "ghcr.io/wheelhouse-demo/api:2.4.1",
            Some((8080, "http")),
            ("200m", "1"),
            ("256Mi", "512Mi"),
        )],
    );
    api["spec"]["containers"][0]["envFrom"] = json!([{"configMapRef": {"name": "api-config"}}, {"secretRef": {"name": "api-credentials"}}]);
    api["spec"]["serviceAccountName"] = json!("shop-api");
    out.push(aged(deployment("shop", "api", 2, api), now, days(6)));
    let cart = template(
        json!({"app": "cart", "tier": "backend"}),
        vec![container(
            "cart",
            "ghcr.io/wheelhouse-demo/cart:1.3.0",
            Some((8080, "http")),
            ("100m", "500m"),
            ("128Mi", "256Mi"),
        )],
    );
    out.push(aged(deployment("shop", "cart", 2, cart), now, days(5)));
    let checkout = with_annotations(
        template(
            json!({"app": "checkout", "tier": "backend"}),
            vec![container(
                "checkout",
                "ghcr.io/wheelhouse-demo/checkout:1.8.0",
                Some((8080, "http")),
                ("100m", "500m"),
                ("128Mi", "256Mi"),
            )],
        ),
        json!({CRASH_ANNOTATION: "true"}),
    );
    out.push(aged(
        deployment("shop", "checkout", 1, checkout),
        now,
        days(2),
    ));
    let recs = template(
        json!({"app": "recommendations", "tier": "backend"}),
        vec![container(
            "recommendations",
            "ghcr.io/wheelhouse-demo/recommendations:does-not-exist",
            Some((8080, "http")),
            ("100m", "500m"),
            ("128Mi", "256Mi"),
        )],
    );
    out.push(aged(
        deployment("shop", "recommendations", 1, recs),
        now,
        days(1),
    ));
    let payments = with_annotations(
        template(
            json!({"app": "payments", "tier": "backend"}),
            vec![container(
                "payments",
                "ghcr.io/wheelhouse-demo/payments:3.0.2",
                Some((8443, "https")),
                ("250m", "1"),
                ("384Mi", "512Mi"),
            )],
        ),
        json!({HUNGRY_ANNOTATION: "true"}),
    );
    out.push(aged(
        deployment("shop", "payments", 1, payments),
        now,
        days(4),
    ));

    let mut lb = service(
        "shop",
        "frontend",
        "LoadBalancer",
        "frontend",
        "10.96.120.15",
        &[("http", 80, json!("http"))],
    );
    lb["spec"]["ports"][0]["nodePort"] = json!(31380);
    lb["spec"]["externalTrafficPolicy"] = json!("Cluster");
    lb["spec"]["allocateLoadBalancerNodePorts"] = json!(true);
    lb["status"] = json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.10", "ipMode": "VIP"}]}});
    out.push(aged(lb, now, days(6)));
    out.push(aged(
        service(
            "shop",
            "api",
            "ClusterIP",
            "api",
            "10.96.120.20",
            &[("http", 8080, json!("http"))],
        ),
        now,
        days(6),
    ));
    let mut np = service(
        "shop",
        "cart",
        "NodePort",
        "cart",
        "10.96.120.30",
        &[("http", 8080, json!("http"))],
    );
    np["spec"]["ports"][0]["nodePort"] = json!(30080);
    np["spec"]["externalTrafficPolicy"] = json!("Cluster");
    out.push(aged(np, now, days(5)));
    out.push(aged(
        service(
            "shop",
            "checkout",
            "ClusterIP",
            "checkout",
            "10.96.120.40",
            &[("http", 8080, json!("http"))],
        ),
        now,
        days(2),
    ));
    out.push(aged(
        service(
            "shop",
            "payments",
            "ClusterIP",
            "payments",
            "10.96.120.50",
            &[("https", 443, json!("https"))],
        ),
        now,
        days(4),
    ));

    let mut ing = object(
        "networking.k8s.io/v1",
        "Ingress",
        "shop",
        "shop",
        json!({"app": "frontend"}),
    );
    ing["metadata"]["generation"] = json!(1);
    ing["metadata"]["annotations"] = json!({"nginx.ingress.kubernetes.io/proxy-body-size": "8m"});
    ing["spec"] = json!({
        "ingressClassName": "nginx",
        "tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
        "rules": [{"host": "shop.example.com", "http": {"paths": [
            {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "frontend", "port": {"number": 80}}}},
            {"path": "/api", "pathType": "Prefix", "backend": {"service": {"name": "api", "port": {"name": "http"}}}},
        ]}}],
    });
    ing["status"] = json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}});
    out.push(aged(ing, now, days(6)));

    let mut cm = object(
        "v1",
        "ConfigMap",
        "shop",
        "api-config",
        json!({"app": "api"}),
    );
    cm["data"] = json!({"LOG_LEVEL": "info", "CART_URL": "http://cart:8080", "PAYMENTS_URL": "https://payments:443", "FEATURE_FLAGS": "new-checkout=false,recommendations=true"});
    out.push(aged(cm, now, days(6)));
    let mut secret = object(
        "v1",
        "Secret",
        "shop",
        "api-credentials",
        json!({"app": "api"}),
    );
    secret["type"] = json!("Opaque");
    secret["data"] = json!({"DATABASE_URL": b64("postgres://shop:s3cr3t@postgres.data:5432/shop"), "JWT_SECRET": b64("demo-only-not-a-real-secret")});
    out.push(aged(secret, now, days(6)));
    let mut tls = object("v1", "Secret", "shop", "shop-tls", json!({}));
    tls["type"] = json!("kubernetes.io/tls");
    tls["data"] = json!({
        "tls.crt": b64("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZGVtby1vbmx5LW5vdC1hLXJlYWwtY2VydDAKBggqhkjOPQQDAjAb\nMRkwFwYDVQQDDBBzaG9wLmV4YW1wbGUuY29tMB4XDTI2MTEwMTAwMDAwMFoXDTI3MDIw\n-----END CERTIFICATE-----\n"),
        "tls.key": b64("-----BEGIN EC PRIVATE KEY-----\nZGVtby1vbmx5LW5vdC1hLXJlYWwta2V5\n-----END EC PRIVATE KEY-----\n"),
    });
    out.push(aged(tls, now, days(6)));
    let mut sa = object(
        "v1",
        "ServiceAccount",
        "shop",
        "shop-api",
        json!({"app": "api"}),
    );
    sa["automountServiceAccountToken"] = json!(true);
    out.push(aged(sa, now, days(6)));

    let mut pdb = object(
        "policy/v1",
        "PodDisruptionBudget",
        "shop",
        "frontend",
        json!({"app": "frontend"}),
    );
    pdb["metadata"]["generation"] = json!(1);
    pdb["spec"] = json!({"minAvailable": 2, "selector": {"matchLabels": {"app": "frontend"}}});
    pdb["status"] = json!({"currentHealthy": 3, "desiredHealthy": 2, "disruptionsAllowed": 1, "expectedPods": 3, "observedGeneration": 1});
    out.push(aged(pdb, now, days(6)));
    let mut netpol = object(
        "networking.k8s.io/v1",
        "NetworkPolicy",
        "shop",
        "api-from-frontend",
        json!({}),
    );
    netpol["metadata"]["generation"] = json!(1);
    netpol["spec"] = json!({
        "podSelector": {"matchLabels": {"app": "api"}},
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "frontend"}}}], "ports": [{"protocol": "TCP", "port": 8080}]}],
    });
    out.push(aged(netpol, now, days(6)));
    out
}

pub(super) fn data(now: Timestamp) -> Vec<Value> {
    let mut out = Vec::new();
    let mut pg_template = template(
        json!({"app": "postgres"}),
        vec![container(
            "postgres",
            "postgres:17.2",
            Some((5432, "postgres")),
            ("250m", "2"),
            ("512Mi", "2Gi"),
        )],
    );
    pg_template["spec"]["containers"][0]["env"] = json!([
        {"name": "POSTGRES_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "postgres-credentials", "key": "password"}}},
        {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"},
    ]);
    pg_template["spec"]["containers"][0]["volumeMounts"] =
        json!([{"name": "data", "mountPath": "/var/lib/postgresql/data"}]);
    let mut pg = object(
        "apps/v1",
        "StatefulSet",
        "data",
        "postgres",
        json!({"app": "postgres"}),
    );
    pg["metadata"]["generation"] = json!(1);
    pg["spec"] = json!({
        "replicas": 2,
        "serviceName": "postgres",
        "podManagementPolicy": "OrderedReady",
        "selector": {"matchLabels": {"app": "postgres"}},
        "template": pg_template,
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        "revisionHistoryLimit": 10,
        "volumeClaimTemplates": [{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard", "resources": {"requests": {"storage": "10Gi"}}, "volumeMode": "Filesystem"}}],
        "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
    });
    out.push(aged(pg, now, days(9)));
    out.push(aged(
        service(
            "data",
            "postgres",
            "ClusterIP",
            "postgres",
            "None",
            &[("postgres", 5432, json!(5432))],
        ),
        now,
        days(9),
    ));
    let mut redis = object(
        "apps/v1",
        "StatefulSet",
        "data",
        "redis",
        json!({"app": "redis"}),
    );
    redis["metadata"]["generation"] = json!(1);
    redis["spec"] = json!({
        "replicas": 1, "serviceName": "redis", "podManagementPolicy": "OrderedReady",
        "selector": {"matchLabels": {"app": "redis"}},
        "template": template(json!({"app": "redis"}), vec![container("redis", "redis:7.4.5", Some((6379, "redis")), ("100m", "500m"), ("128Mi", "512Mi"))]),
        "updateStrategy": {"type": "RollingUpdate"}, "revisionHistoryLimit": 10,
    });
    out.push(aged(redis, now, days(9)));
    out.push(aged(
        service(
            "data",
            "redis",
            "ClusterIP",
            "redis",
            "10.96.130.20",
            &[("redis", 6379, json!("redis"))],
        ),
        now,
        days(9),
    ));

    let mut migrate = template(
        json!({"app": "db-migrate"}),
        vec![container(
            "migrate",
            "ghcr.io/wheelhouse-demo/migrate:2.4.1",
            None,
            ("100m", ""),
            ("64Mi", ""),
        )],
    );
    migrate["spec"]["restartPolicy"] = json!("Never");
    migrate["metadata"]["annotations"] = json!({RUN_SECONDS_ANNOTATION: "8"});
    let mut job = object(
        "batch/v1",
        "Job",
        "data",
        "db-migrate",
        json!({"app": "db-migrate"}),
    );
    job["metadata"]["generation"] = json!(1);
    job["spec"] = json!({"completions": 1, "parallelism": 1, "backoffLimit": 6, "completionMode": "NonIndexed", "suspend": false, "template": migrate});
    out.push(aged(job, now, SignedDuration::from_mins(30)));
    // A parallel Job (4 completions, 2 at a time) and one that fails for good.
    let mut reindex_pod = template(
        json!({"app": "reindex"}),
        vec![container(
            "reindex",
            "ghcr.io/wheelhouse-demo/search-indexer:0.4.2",
            None,
            ("200m", ""),
            ("256Mi", "512Mi"),
        )],
    );
    reindex_pod["spec"]["restartPolicy"] = json!("Never");
    reindex_pod["metadata"]["annotations"] = json!({RUN_SECONDS_ANNOTATION: "12"});
    let mut reindex = object(
        "batch/v1",
        "Job",
        "data",
        "reindex",
        json!({"app": "reindex"}),
    );
    reindex["metadata"]["generation"] = json!(1);
    reindex["spec"] = json!({"completions": 4, "parallelism": 2, "backoffLimit": 6, "completionMode": "NonIndexed", "suspend": false, "template": reindex_pod});
    out.push(aged(reindex, now, SignedDuration::from_mins(5)));
    let mut import_pod = template(
        json!({"app": "import-legacy"}),
        vec![container(
            "import",
            "busybox:1.37",
            None,
            ("50m", ""),
            ("32Mi", ""),
        )],
    );
    import_pod["spec"]["restartPolicy"] = json!("Never");
    import_pod["spec"]["containers"][0]["command"] =
        json!(["sh", "-c", "echo importing legacy orders; exit 1"]);
    let mut import = object(
        "batch/v1",
        "Job",
        "data",
        "import-legacy",
        json!({"app": "import-legacy"}),
    );
    import["metadata"]["generation"] = json!(1);
    import["spec"] = json!({"completions": 1, "parallelism": 1, "backoffLimit": 1, "completionMode": "NonIndexed", "suspend": false, "template": import_pod});
    out.push(aged(import, now, SignedDuration::from_mins(50)));

    let mut backup_pod = template(
        json!({"app": "db-backup"}),
        vec![container(
            "backup",
            "postgres:17.2",
            None,
            ("50m", ""),
            ("64Mi", ""),
        )],
    );
    backup_pod["spec"]["restartPolicy"] = json!("OnFailure");
    backup_pod["spec"]["containers"][0]["command"] = json!([
        "sh",
        "-c",
        "pg_dump -h postgres shop | gzip > /backup/shop.sql.gz"
    ]);
    backup_pod["metadata"]["annotations"] = json!({RUN_SECONDS_ANNOTATION: "6"});
    for (name, schedule, suspend) in [
        ("db-backup", "*/5 * * * *", false),
        ("report-nightly", "0 2 * * *", true),
    ] {
        let mut cj = object("batch/v1", "CronJob", "data", name, json!({"app": name}));
        cj["metadata"]["generation"] = json!(1);
        let mut t = backup_pod.clone();
        t["metadata"]["labels"]["app"] = json!(name);
        cj["spec"] = json!({
            "schedule": schedule, "suspend": suspend, "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
            "jobTemplate": {"spec": {"backoffLimit": 2, "template": t}},
        });
        out.push(aged(cj, now, days(9)));
    }
    let worker = template(
        json!({"app": "analytics-worker"}),
        vec![container(
            "worker",
            "ghcr.io/wheelhouse-demo/analytics:0.9.0",
            None,
            ("16", "16"),
            ("4Gi", "8Gi"),
        )],
    );
    out.push(aged(
        deployment("data", "analytics-worker", 1, worker),
        now,
        SignedDuration::from_hours(3),
    ));

    let mut secret = object(
        "v1",
        "Secret",
        "data",
        "postgres-credentials",
        json!({"app": "postgres"}),
    );
    secret["type"] = json!("Opaque");
    secret["data"] = json!({"username": b64("postgres"), "password": b64("demo-password")});
    out.push(aged(secret, now, days(9)));
    let mut pv = object(
        "v1",
        "PersistentVolume",
        "",
        "pv-uploads",
        json!({"type": "local"}),
    );
    pv["spec"] = json!({
        "capacity": {"storage": "20Gi"}, "accessModes": ["ReadWriteMany"], "persistentVolumeReclaimPolicy": "Retain",
        "storageClassName": "standard", "volumeMode": "Filesystem", "hostPath": {"path": "/mnt/uploads", "type": ""},
        "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": "uploads", "namespace": "data"},
    });
    pv["status"] = json!({"phase": "Bound"});
    out.push(aged(pv, now, days(9)));
    let mut pvc = object(
        "v1",
        "PersistentVolumeClaim",
        "data",
        "uploads",
        json!({"app": "api"}),
    );
    pvc["spec"] = json!({"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "20Gi"}}, "storageClassName": "standard", "volumeMode": "Filesystem", "volumeName": "pv-uploads"});
    pvc["status"] = json!({"phase": "Bound", "accessModes": ["ReadWriteMany"], "capacity": {"storage": "20Gi"}});
    out.push(aged(pvc, now, days(9)));
    let mut pending_pvc = object("v1", "PersistentVolumeClaim", "data", "scratch", json!({}));
    pending_pvc["spec"] = json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "100Gi"}}, "storageClassName": "fast-ssd", "volumeMode": "Filesystem"});
    pending_pvc["status"] = json!({"phase": "Pending"});
    out.push(aged(pending_pvc, now, days(1)));
    let mut quota = object("v1", "ResourceQuota", "data", "data-quota", json!({}));
    quota["spec"] = json!({"hard": {"requests.cpu": "24", "requests.memory": "48Gi", "limits.memory": "96Gi", "pods": "40", "persistentvolumeclaims": "10"}});
    quota["status"] = json!({"hard": quota["spec"]["hard"].clone(), "used": {"requests.cpu": "16750m", "requests.memory": "4992Mi", "limits.memory": "13056Mi", "pods": "6", "persistentvolumeclaims": "4"}});
    out.push(aged(quota, now, days(9)));
    let mut limits = object("v1", "LimitRange", "data", "data-limits", json!({}));
    limits["spec"] = json!({"limits": [{"type": "Container", "default": {"cpu": "500m", "memory": "512Mi"}, "defaultRequest": {"cpu": "100m", "memory": "128Mi"}, "max": {"cpu": "16", "memory": "16Gi"}}]});
    out.push(aged(limits, now, days(9)));
    out
}

pub(super) fn monitoring(now: Timestamp) -> Vec<Value> {
    let mut out = Vec::new();
    let mut exporter = template(
        json!({"app": "node-exporter"}),
        vec![container(
            "node-exporter",
            "quay.io/prometheus/node-exporter:v1.9.1",
            Some((9100, "metrics")),
            ("50m", "200m"),
            ("32Mi", "64Mi"),
        )],
    );
    exporter["spec"]["tolerations"] = json!([{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}]);
    exporter["spec"]["hostNetwork"] = json!(true);
    let mut ds = object(
        "apps/v1",
        "DaemonSet",
        "monitoring",
        "node-exporter",
        json!({"app": "node-exporter"}),
    );
    ds["metadata"]["generation"] = json!(1);
    ds["spec"] = json!({"selector": {"matchLabels": {"app": "node-exporter"}}, "template": exporter, "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}, "revisionHistoryLimit": 10});
    out.push(aged(ds, now, days(8)));
    let mut prom = template(
        json!({"app": "prometheus"}),
        vec![container(
            "prometheus",
            "quay.io/prometheus/prometheus:v3.5.0",
            Some((9090, "web")),
            ("500m", "2"),
            ("1Gi", "2Gi"),
        )],
    );
    prom["spec"]["containers"][0]["args"] = json!([
        "--config.file=/etc/prometheus/prometheus.yml",
        "--storage.tsdb.retention.time=15d"
    ]);
    prom["spec"]["volumes"] =
        json!([{"name": "config", "configMap": {"name": "prometheus-config"}}]);
    prom["spec"]["containers"][0]["volumeMounts"] =
        json!([{"name": "config", "mountPath": "/etc/prometheus"}]);
    out.push(aged(
        deployment("monitoring", "prometheus", 1, prom),
        now,
        days(8),
    ));
    let mut grafana = template(
        json!({"app": "grafana"}),
        vec![container(
            "grafana",
            "grafana/grafana:12.1.0",
            Some((3000, "http")),
            ("100m", "500m"),
            ("128Mi", "256Mi"),
        )],
    );
    grafana["spec"]["initContainers"] = json!([container(
        "init-chown-data",
        "busybox:1.37",
        None,
        ("", ""),
        ("", "")
    )]);
    grafana["spec"]["initContainers"][0]["command"] =
        json!(["chown", "-R", "472:472", "/var/lib/grafana"]);
    out.push(aged(
        deployment("monitoring", "grafana", 1, grafana),
        now,
        days(8),
    ));
    out.push(aged(
        service(
            "monitoring",
            "prometheus",
            "ClusterIP",
            "prometheus",
            "10.96.140.10",
            &[("web", 9090, json!("web"))],
        ),
        now,
        days(8),
    ));
    let mut g = service(
        "monitoring",
        "grafana",
        "NodePort",
        "grafana",
        "10.96.140.20",
        &[("http", 80, json!("http"))],
    );
    g["spec"]["ports"][0]["nodePort"] = json!(30300);
    g["spec"]["externalTrafficPolicy"] = json!("Cluster");
    out.push(aged(g, now, days(8)));
    let mut cm = object(
        "v1",
        "ConfigMap",
        "monitoring",
        "prometheus-config",
        json!({"app": "prometheus"}),
    );
    cm["data"] = json!({"prometheus.yml": "global:\n  scrape_interval: 30s\nscrape_configs:\n  - job_name: node-exporter\n    kubernetes_sd_configs:\n      - role: endpoints\n        namespaces:\n          names: [monitoring]\n"});
    out.push(aged(cm, now, days(8)));
    out
}

pub(super) fn team_a(now: Timestamp) -> Vec<Value> {
    let mut out = Vec::new();
    let hello = template(
        json!({"app": "hello"}),
        vec![container(
            "hello",
            "ghcr.io/wheelhouse-demo/hello:1.0.0",
            Some((8080, "http")),
            ("50m", "200m"),
            ("32Mi", "64Mi"),
        )],
    );
    let mut d = deployment("team-a", "hello", 2, hello);
    d["metadata"]["annotations"] = json!({"kubernetes.io/change-cause": "initial release"});
    out.push(aged(d, now, days(3)));
    out.push(aged(
        service(
            "team-a",
            "hello",
            "ClusterIP",
            "hello",
            "10.96.150.10",
            &[("http", 80, json!("http"))],
        ),
        now,
        days(3),
    ));
    let mut sa = object("v1", "ServiceAccount", "team-a", "builder", json!({}));
    sa["automountServiceAccountToken"] = json!(false);
    out.push(aged(sa, now, days(3)));
    let mut role = object(
        "rbac.authorization.k8s.io/v1",
        "Role",
        "team-a",
        "developer",
        json!({}),
    );
    role["rules"] = json!([
        {"apiGroups": ["", "apps", "batch"], "resources": ["pods", "pods/log", "deployments", "replicasets", "jobs", "services", "configmaps"], "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]},
    ]);
    out.push(aged(role, now, days(3)));
    let mut rb = object(
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        "team-a",
        "developers",
        json!({}),
    );
    rb["roleRef"] =
        json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "developer"});
    rb["subjects"] = json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "team-a-developers"}, {"kind": "ServiceAccount", "name": "builder", "namespace": "team-a"}]);
    out.push(aged(rb, now, days(3)));
    out
}
