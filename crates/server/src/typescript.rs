//! The API's types as TypeScript declarations (ts-rs), in the order `web/src/lib/api/generated.ts`
//! lists them; `tests/typescript.rs` writes that file and fails when it is stale.
//!
//! Every type the API sends or receives as JSON is here, from every crate that defines one
//! (model, cluster, apps, and this crate's own answers). A type another one refers to must be
//! listed too: the test says which one is missing.

use ts_rs::{Config, TS};

/// One declaration: the type's TypeScript name, its `type … = …;` text, and the names of the
/// declared types it refers to.
#[derive(Debug, Clone)]
pub struct Declaration {
    pub name: String,
    pub text: String,
    pub refers_to: Vec<String>,
}

fn declaration<T: TS + 'static + ?Sized>(config: &Config) -> Declaration {
    Declaration {
        name: T::ident(config),
        text: T::decl(config),
        refers_to: T::dependencies(config)
            .into_iter()
            .map(|d| d.ts_name)
            .collect(),
    }
}

/// How the JSON is: the API's integers are JSON numbers, not `bigint`.
pub fn config() -> Config {
    Config::new().with_large_int("number")
}

/// Every declaration, grouped as the web app's modules use them.
pub fn declarations(config: &Config) -> Vec<Declaration> {
    use wheelhouse_apps as apps;
    use wheelhouse_cluster as cluster;
    use wheelhouse_model as model;
    vec![
        // Every failed request, and a part of an answer that could not be given.
        declaration::<crate::error::Body<'static>>(config),
        declaration::<crate::error::ErrorBody<'static>>(config),
        declaration::<model::warning::WarningReason>(config),
        declaration::<model::warning::Warning>(config),
        // The cluster, the session, the kinds.
        declaration::<crate::cluster::ClusterResponse>(config),
        declaration::<cluster::ConnectionProblem>(config),
        declaration::<cluster::ProblemReason>(config),
        declaration::<crate::session::SessionMode>(config),
        declaration::<crate::session::SignInMethod>(config),
        declaration::<crate::session::SessionAnswer>(config),
        declaration::<crate::session::PersonAnswer>(config),
        declaration::<crate::session::TokenSignIn>(config),
        declaration::<crate::kinds::KindsAnswer<'static>>(config),
        declaration::<crate::kinds::KindEntry<'static>>(config),
        // The overview.
        declaration::<crate::overview::OverviewAnswer>(config),
        declaration::<model::overview::Overview>(config),
        declaration::<model::overview::NodeSummary>(config),
        declaration::<model::overview::NodeItem>(config),
        declaration::<model::overview::PodSummary>(config),
        declaration::<model::overview::PhaseCounts>(config),
        declaration::<model::overview::ProblemPod>(config),
        declaration::<model::overview::NamespaceSummary>(config),
        declaration::<model::overview::WarningEvent>(config),
        declaration::<model::overview::ObjectName>(config),
        // Lists: columns, rows and their cells, and their live views.
        declaration::<crate::resources::ListAnswer<'static>>(config),
        declaration::<crate::resources::ListState>(config),
        declaration::<model::rows::ColumnType>(config),
        declaration::<model::rows::Severity>(config),
        declaration::<model::rows::Column>(config),
        declaration::<model::rows::RowShape>(config),
        declaration::<model::rows::ColumnValue>(config),
        declaration::<model::rows::CellValue>(config),
        declaration::<model::rows::StatusCell<'static>>(config),
        declaration::<model::rows::RestartsCell>(config),
        declaration::<model::rows::DurationCell>(config),
        declaration::<model::rows::UsageCell>(config),
        declaration::<model::rows::UsageBase>(config),
        declaration::<crate::live::LiveRequest>(config),
        declaration::<crate::terminal::TerminalControl>(config),
        declaration::<crate::terminal::TerminalEvent>(config),
        declaration::<crate::run::RunRequest>(config),
        declaration::<crate::run::RunEvent>(config),
        declaration::<crate::run::RunTarget>(config),
        declaration::<crate::live::LiveMessageShape>(config),
        declaration::<crate::live::AnyEvent>(config),
        declaration::<crate::live::LiveEventShape>(config),
        declaration::<crate::live::RowChange<'static>>(config),
        declaration::<crate::live::Resync>(config),
        // Logs.
        declaration::<crate::logs::LogEvent>(config),
        declaration::<crate::logs::LogLine>(config),
        declaration::<crate::logs::LogEnd>(config),
        declaration::<crate::logs::WorkloadLogs>(config),
        // Metrics.
        declaration::<crate::metrics::StatusAnswer>(config),
        declaration::<cluster::metrics::SourceStatus>(config),
        declaration::<cluster::metrics::prometheus::PrometheusStatus>(config),
        declaration::<cluster::metrics::SourceState>(config),
        declaration::<cluster::metrics::SourceKind>(config),
        declaration::<cluster::metrics::RangeOption>(config),
        declaration::<cluster::metrics::TargetMetrics>(config),
        declaration::<cluster::metrics::view::TargetName>(config),
        declaration::<cluster::metrics::view::Amounts>(config),
        declaration::<cluster::metrics::view::Current>(config),
        declaration::<cluster::metrics::view::SeriesView>(config),
        declaration::<cluster::metrics::view::ContainerView>(config),
        declaration::<cluster::metrics::view::Top>(config),
        declaration::<cluster::metrics::view::TopPod>(config),
        declaration::<cluster::metrics::view::TopNode>(config),
        // Objects: a detail, its permissions, actions, revisions, applying YAML, operations.
        declaration::<crate::object::DetailAnswer>(config),
        declaration::<crate::object::KindRef>(config),
        declaration::<crate::object::DetailMetadata>(config),
        declaration::<model::detail::Condition>(config),
        declaration::<model::detail::DetailEvent>(config),
        declaration::<model::detail::ObjectLink>(config),
        declaration::<model::detail::RelatedGroup>(config),
        declaration::<model::detail::Summary>(config),
        declaration::<model::detail::PodDetail>(config),
        declaration::<model::detail::WorkloadDetail>(config),
        declaration::<model::detail::Replicas>(config),
        declaration::<model::detail::ServiceDetail>(config),
        declaration::<model::detail::ServicePort>(config),
        declaration::<model::detail::NodeDetail>(config),
        declaration::<model::detail::Container>(config),
        declaration::<model::detail::ContainerState>(config),
        declaration::<model::detail::ContainerPort>(config),
        declaration::<model::detail::EnvVar>(config),
        declaration::<model::detail::EnvSource>(config),
        declaration::<model::detail::EnvSourceKind>(config),
        declaration::<model::detail::EnvFrom>(config),
        declaration::<model::detail::ContainerResources>(config),
        declaration::<model::detail::Probes>(config),
        declaration::<model::detail::Probe>(config),
        declaration::<model::detail::Mount>(config),
        declaration::<model::detail::Volume>(config),
        declaration::<crate::object::PermissionsAnswer>(config),
        declaration::<cluster::access::Decision>(config),
        declaration::<crate::object::ActionAnswer>(config),
        declaration::<crate::object::RevisionsAnswer>(config),
        declaration::<crate::object::Revision>(config),
        declaration::<crate::object::ApplyAnswer>(config),
        declaration::<crate::object::ApplyResult>(config),
        declaration::<crate::object::Applied>(config),
        declaration::<crate::object::ApplyError>(config),
        declaration::<cluster::calls::Cause>(config),
        declaration::<crate::object::Operation>(config),
        declaration::<crate::object::OperationTarget>(config),
        declaration::<crate::object::OperationState>(config),
        declaration::<crate::object::Progress>(config),
        declaration::<crate::object::DrainProgress>(config),
        declaration::<crate::object::DrainPod>(config),
        declaration::<crate::object::DrainPodState>(config),
        // The app store.
        declaration::<apps::helm::HelmStatus>(config),
        declaration::<apps::helm::HelmProblem>(config),
        declaration::<crate::namespaces::NamespacesAnswer>(config),
        declaration::<crate::namespaces::NamespaceSource>(config),
        declaration::<crate::apps::RepositoryList>(config),
        declaration::<crate::apps::Repository>(config),
        declaration::<crate::apps::RepositoryPermissions>(config),
        declaration::<apps::repository::RepoKind>(config),
        declaration::<apps::repository::SecretRef>(config),
        declaration::<apps::repository::RepoStatus>(config),
        declaration::<apps::repository::SyncState>(config),
        declaration::<crate::apps::CreateRequest>(config),
        declaration::<crate::apps::ChartList>(config),
        declaration::<apps::index::ChartSummary>(config),
        declaration::<crate::apps::ChartDetail>(config),
        declaration::<apps::index::Maintainer>(config),
        declaration::<apps::index::Dependency>(config),
        declaration::<crate::apps::ChartVersionSummary>(config),
        declaration::<apps::chart::JsonSchema>(config),
        declaration::<crate::apps::IngressSupport>(config),
        declaration::<crate::apps::InstallAvailability>(config),
        declaration::<crate::apps::ReleaseList>(config),
        declaration::<apps::release::ReleaseSummary>(config),
        declaration::<apps::release::Protection>(config),
        declaration::<crate::apps::ReleaseDetail>(config),
        declaration::<apps::release::HistoryEntry>(config),
        declaration::<crate::apps::ReleaseResource>(config),
        declaration::<crate::apps::LiveStatus>(config),
        declaration::<apps::manifest::AccessUrl>(config),
        declaration::<crate::apps::ReleaseDiff>(config),
        declaration::<crate::apps::InstallRequest>(config),
        declaration::<crate::apps::UpgradeRequest>(config),
        declaration::<crate::apps::RollbackRequest>(config),
        declaration::<crate::apps::HelmProgress>(config),
        declaration::<crate::apps::FailedResource>(config),
        declaration::<crate::apps::FailedEvent>(config),
        // Image registries: where they come from, browsing, what runs an image, deploying one.
        declaration::<crate::registries::RegistryList>(config),
        declaration::<crate::registries::Registry>(config),
        declaration::<crate::registries::RegistrySource>(config),
        declaration::<crate::registries::RegistryRequest>(config),
        declaration::<crate::registries::ImageRepositoryList>(config),
        declaration::<crate::registries::ImageRepository>(config),
        declaration::<crate::registries::TagPage>(config),
        declaration::<crate::registries::TagRow>(config),
        declaration::<crate::registries::ImageDetail>(config),
        declaration::<crate::registries::DeletedTag>(config),
        declaration::<apps::images::PlatformManifest>(config),
        declaration::<apps::images::ImageConfig>(config),
        declaration::<apps::images::Layer>(config),
        declaration::<crate::registries::ImageUsage>(config),
        declaration::<crate::registries::UsageRow>(config),
        declaration::<crate::registries::UsageMatch>(config),
        declaration::<crate::registries::WorkloadImages>(config),
        declaration::<crate::registries::WorkloadImage>(config),
        declaration::<crate::registries::DeployRequest>(config),
        declaration::<crate::registries::DeployEnv>(config),
        declaration::<crate::registries::DeployYaml>(config),
        // What the server tells the web app at page load.
        declaration::<crate::web::AppConfig<'static>>(config),
    ]
}
