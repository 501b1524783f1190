//! `--tls-cert`/`--tls-key` and `--tls-self-signed`: which certificate the console serves, and
//! the loop that keeps it current — files read again when they change, a self-made certificate
//! renewed when a third of its life is left and, with `--tls-secret`, shared through a Secret so
//! every replica serves the same one.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use serde_json::{Value, json};
use wheelhouse_cluster::calls::{Calls, Failure};
use wheelhouse_tls::serving::{Renewal, SelfMade, Served};

use crate::cli::ServeArgs;

/// Where the certificate comes from.
pub enum Source {
    Files {
        cert: PathBuf,
        key: PathBuf,
    },
    SelfMade {
        names: Vec<String>,
        secret: Option<(String, String)>,
    },
}

impl Source {
    /// The source the flags ask for, or `None` for plain HTTP. `hosts` are the `--allowed-host`
    /// names (a wildcard cannot be in a certificate made here and is left out).
    pub fn of(args: &ServeArgs) -> Option<Self> {
        if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
            return Some(Self::Files {
                cert: cert.clone(),
                key: key.clone(),
            });
        }
        if !args.tls_self_signed {
            return None;
        }
        let mut names: Vec<String> = Vec::new();
        let loopback = ["localhost", "127.0.0.1", "::1"].map(String::from);
        let listen = (!args.listen.ip().is_unspecified()).then(|| args.listen.ip().to_string());
        let asked = args.tls_names.iter().chain(&args.allowed_hosts);
        for name in asked.cloned().chain(listen).chain(loopback) {
            if !name.contains('*') && !names.contains(&name) {
                names.push(name);
            }
        }
        let secret = args.tls_secret.as_deref().and_then(|text| {
            text.split_once('/')
                .map(|(namespace, name)| (namespace.to_string(), name.to_string()))
        });
        Some(Self::SelfMade { names, secret })
    }
}

/// Loads (or makes) the certificate, and starts the task that keeps it current; the task ends
/// with the process.
pub async fn start(
    source: Source,
    calls: Calls,
    interval: Duration,
) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    wheelhouse_tls::install_crypto_provider();
    let served = match source {
        Source::Files { cert, key } => {
            let (chain, private) = read_pair(&cert, &key)?;
            let served = Served::from_pem(&chain, &private).with_context(|| {
                format!("cannot serve {} with {}", cert.display(), key.display())
            })?;
            tokio::spawn(watch_files(
                served.clone(),
                cert,
                key,
                (chain, private),
                interval,
            ));
            served
        }
        Source::SelfMade { names, secret } => {
            let store = Store { calls, secret };
            let made = store.current(&names, Timestamp::now(), None).await?;
            tracing::info!(
                names = ?names,
                not_after = ?made.not_after(),
                kept_in = store.describe(),
                "serving a self-made certificate"
            );
            let served = Served::from_pem(made.cert.as_bytes(), made.key.as_bytes())
                .context("the self-made certificate cannot be served")?;
            tokio::spawn(keep_renewed(served.clone(), store, names, made, interval));
            served
        }
    };
    Ok(served.server_config())
}

fn read_pair(cert: &PathBuf, key: &PathBuf) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    let chain = std::fs::read(cert)
        .with_context(|| format!("cannot read --tls-cert {}", cert.display()))?;
    let private =
        std::fs::read(key).with_context(|| format!("cannot read --tls-key {}", key.display()))?;
    Ok((chain, private))
}

/// Reads the files every `interval`; a changed pair that serves is swapped in, one that does not
/// is logged and the current one kept.
async fn watch_files(
    served: Arc<Served>,
    cert: PathBuf,
    key: PathBuf,
    mut last: (Vec<u8>, Vec<u8>),
    interval: Duration,
) {
    loop {
        tokio::time::sleep(interval).await;
        let pair = match read_pair(&cert, &key) {
            Ok(pair) => pair,
            Err(error) => {
                tracing::warn!("{error:#}; still serving the certificate read before");
                continue;
            }
        };
        if pair == last {
            continue;
        }
        match served.replace(&pair.0, &pair.1) {
            Ok(()) => tracing::info!(cert = %cert.display(), "serving the changed certificate"),
            // A certificate and key are often written one after the other: the next check sees
            // the pair complete.
            Err(error) => tracing::warn!(
                cert = %cert.display(),
                %error,
                "the changed certificate cannot be served yet; still serving the one before"
            ),
        }
        last = pair;
    }
}

/// Every `interval`: the Secret's certificate when another replica renewed it, or a renewal.
async fn keep_renewed(
    served: Arc<Served>,
    store: Store,
    names: Vec<String>,
    mut current: SelfMade,
    interval: Duration,
) {
    loop {
        tokio::time::sleep(interval).await;
        match store
            .current(&names, Timestamp::now(), Some(&current))
            .await
        {
            Ok(made) if made != current => match served
                .replace(made.cert.as_bytes(), made.key.as_bytes())
            {
                Ok(()) => {
                    tracing::info!(not_after = ?made.not_after(), "serving the renewed self-made certificate");
                    current = made;
                }
                Err(error) => tracing::warn!(%error, "the renewed certificate cannot be served"),
            },
            Ok(_) => {}
            Err(error) => tracing::warn!("{error:#}; still serving the current certificate"),
        }
    }
}

/// Where the self-made certificate is kept: a Secret, or (`None`) this process's memory.
struct Store {
    calls: Calls,
    secret: Option<(String, String)>,
}

impl Store {
    fn describe(&self) -> String {
        match &self.secret {
            Some((namespace, name)) => format!("Secret {namespace}/{name}"),
            None => "memory (a restart makes a new one)".to_string(),
        }
    }

    /// The certificate to serve at `now`: the kept one (in the Secret, else `served`, the one
    /// being served) while it holds, else a renewal, written back when kept in a Secret. Of two
    /// replicas renewing at once, one writes and the other reads what it wrote.
    async fn current(
        &self,
        names: &[String],
        now: Timestamp,
        served: Option<&SelfMade>,
    ) -> anyhow::Result<SelfMade> {
        let Some((namespace, name)) = &self.secret else {
            return Ok(match (renewal(served, names, now)?, served) {
                (Some(made), _) => made,
                (None, Some(made)) => made.clone(),
                (None, None) => SelfMade::make(names, now)?,
            });
        };
        for _ in 0..3 {
            let secret = self.calls.secret(namespace, name).await.map_err(|failure| {
                anyhow::anyhow!(
                    "cannot read the Secret {namespace}/{name} that keeps the self-made certificate \
                     (the chart creates it; Wheelhouse needs get and update on it): {}",
                    failure.message
                )
            })?;
            let kept = kept(&secret);
            let next = match (renewal(kept.as_ref(), names, now)?, kept.as_ref()) {
                (Some(made), _) => made,
                (None, Some(made)) => return Ok(made.clone()),
                (None, None) => SelfMade::make(names, now)?,
            };
            match self
                .calls
                .replace_secret(namespace, name, &with(secret, &next))
                .await
            {
                Ok(_) => {
                    tracing::info!(secret = %format!("{namespace}/{name}"), renewed = kept.is_some(), "wrote the self-made certificate");
                    return Ok(next);
                }
                // Another replica wrote first: read what it wrote.
                Err(Failure { code: 409, .. }) => continue,
                Err(failure) => bail!(
                    "cannot write the self-made certificate to the Secret {namespace}/{name}: {}",
                    failure.message
                ),
            }
        }
        bail!("the Secret {namespace}/{name} kept changing while the certificate was written")
    }
}

/// What must replace `kept` at `now` for `names`: nothing (`None`) while it holds, a renewed
/// serving certificate, or a new CA and certificate (also when nothing is kept).
fn renewal(
    kept: Option<&SelfMade>,
    names: &[String],
    now: Timestamp,
) -> Result<Option<SelfMade>, wheelhouse_tls::serving::Error> {
    match kept.map(|made| (made, made.due(names, now))) {
        Some((_, Renewal::Nothing)) => Ok(None),
        Some((made, Renewal::Serving)) => made.renew_serving(names, now).map(Some),
        Some((_, Renewal::All)) | None => SelfMade::make(names, now).map(Some),
    }
}

/// The CA and certificate a Secret holds, when it holds all four entries.
fn kept(secret: &Value) -> Option<SelfMade> {
    let entry = |key: &str| -> Option<String> {
        let text = secret.get("data")?.get(key)?.as_str()?;
        String::from_utf8(STANDARD.decode(text).ok()?).ok()
    };
    Some(SelfMade {
        ca_cert: entry("ca.crt")?,
        ca_key: entry("ca.key")?,
        cert: entry("tls.crt")?,
        key: entry("tls.key")?,
    })
}

/// The Secret (its metadata, with its resourceVersion, as read) holding `made`.
fn with(mut secret: Value, made: &SelfMade) -> Value {
    let encode = |text: &str| Value::String(STANDARD.encode(text));
    secret["data"] = json!({
        "ca.crt": encode(&made.ca_cert),
        "ca.key": encode(&made.ca_key),
        "tls.crt": encode(&made.cert),
        "tls.key": encode(&made.key),
    });
    if let Some(metadata) = secret.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
    }
    secret
}
