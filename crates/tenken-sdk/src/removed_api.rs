//! Kubernetes API versions the API server no longer serves.
//!
//! An object written against a removed API version (`extensions/v1beta1`
//! Deployments, `batch/v1beta1` CronJobs) is refused by every supported
//! cluster: `kubectl apply` fails before any of its settings matter. Such
//! objects are usually inputs to a tool, archived samples, or manifests a
//! team has not deployed in years. The one finding that helps is "move to
//! the served version"; the workload practices leave these objects alone
//! ([`crate::kubernetes::PodSpec::of`]) and judge them once migrated.
//!
//! The table follows the Kubernetes deprecated API migration guide, for
//! the versions removed up to 1.32.

/// A removed API version, and what to write instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemovedApi {
    /// The Kubernetes release that stopped serving it, e.g. `1.16`.
    pub removed_in: &'static str,
    /// The API version to use instead, if the kind lives on.
    pub use_instead: Option<&'static str>,
}

/// (apiVersion, kinds, removed in, use instead). An empty kind list covers
/// every kind of the version.
type Entry = (&'static str, &'static [&'static str], &'static str, Option<&'static str>);

const WORKLOADS: &[&str] = &["Deployment", "DaemonSet", "ReplicaSet", "StatefulSet"];

const REMOVED: &[Entry] = &[
    ("extensions/v1beta1", WORKLOADS, "1.16", Some("apps/v1")),
    ("extensions/v1beta1", &["NetworkPolicy"], "1.16", Some("networking.k8s.io/v1")),
    ("extensions/v1beta1", &["PodSecurityPolicy"], "1.16", Some("policy/v1beta1")),
    ("extensions/v1beta1", &["Ingress"], "1.22", Some("networking.k8s.io/v1")),
    ("apps/v1beta1", &[], "1.16", Some("apps/v1")),
    ("apps/v1beta2", &[], "1.16", Some("apps/v1")),
    ("batch/v2alpha1", &[], "1.21", Some("batch/v1")),
    ("networking.k8s.io/v1beta1", &[], "1.22", Some("networking.k8s.io/v1")),
    ("apiextensions.k8s.io/v1beta1", &[], "1.22", Some("apiextensions.k8s.io/v1")),
    ("admissionregistration.k8s.io/v1beta1", &[], "1.22", Some("admissionregistration.k8s.io/v1")),
    ("apiregistration.k8s.io/v1beta1", &[], "1.22", Some("apiregistration.k8s.io/v1")),
    ("authentication.k8s.io/v1beta1", &[], "1.22", Some("authentication.k8s.io/v1")),
    ("authorization.k8s.io/v1beta1", &[], "1.22", Some("authorization.k8s.io/v1")),
    ("certificates.k8s.io/v1beta1", &[], "1.22", Some("certificates.k8s.io/v1")),
    ("coordination.k8s.io/v1beta1", &[], "1.22", Some("coordination.k8s.io/v1")),
    ("rbac.authorization.k8s.io/v1beta1", &[], "1.22", Some("rbac.authorization.k8s.io/v1")),
    ("scheduling.k8s.io/v1beta1", &[], "1.22", Some("scheduling.k8s.io/v1")),
    (
        "storage.k8s.io/v1beta1",
        &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
        "1.22",
        Some("storage.k8s.io/v1"),
    ),
    ("batch/v1beta1", &["CronJob"], "1.25", Some("batch/v1")),
    ("discovery.k8s.io/v1beta1", &[], "1.25", Some("discovery.k8s.io/v1")),
    ("events.k8s.io/v1beta1", &[], "1.25", Some("events.k8s.io/v1")),
    ("autoscaling/v2beta1", &[], "1.25", Some("autoscaling/v2")),
    ("policy/v1beta1", &["PodDisruptionBudget"], "1.25", Some("policy/v1")),
    // Replaced by Pod Security Admission, not by another version.
    ("policy/v1beta1", &["PodSecurityPolicy"], "1.25", None),
    ("node.k8s.io/v1beta1", &[], "1.25", Some("node.k8s.io/v1")),
    ("autoscaling/v2beta2", &[], "1.26", Some("autoscaling/v2")),
    ("flowcontrol.apiserver.k8s.io/v1beta1", &[], "1.26", Some("flowcontrol.apiserver.k8s.io/v1")),
    ("storage.k8s.io/v1beta1", &["CSIStorageCapacity"], "1.27", Some("storage.k8s.io/v1")),
    ("flowcontrol.apiserver.k8s.io/v1beta2", &[], "1.29", Some("flowcontrol.apiserver.k8s.io/v1")),
    ("flowcontrol.apiserver.k8s.io/v1beta3", &[], "1.32", Some("flowcontrol.apiserver.k8s.io/v1")),
];

/// Whether `kind` at `api_version` is no longer served, and since when.
pub fn removed_api(api_version: &str, kind: &str) -> Option<RemovedApi> {
    REMOVED
        .iter()
        .find(|(version, kinds, _, _)| *version == api_version && (kinds.is_empty() || kinds.contains(&kind)))
        .map(|(_, _, removed_in, use_instead)| RemovedApi { removed_in, use_instead: *use_instead })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_versions_are_told_from_served_ones() {
        assert_eq!(
            removed_api("apps/v1beta1", "Deployment"),
            Some(RemovedApi { removed_in: "1.16", use_instead: Some("apps/v1") })
        );
        assert_eq!(removed_api("extensions/v1beta1", "Ingress").unwrap().removed_in, "1.22");
        assert_eq!(removed_api("policy/v1beta1", "PodSecurityPolicy").unwrap().use_instead, None);
        for (version, kind) in [("apps/v1", "Deployment"), ("batch/v1", "CronJob"), ("argoproj.io/v1alpha1", "Rollout")]
        {
            assert_eq!(removed_api(version, kind), None, "{version} {kind}");
        }
    }
}
