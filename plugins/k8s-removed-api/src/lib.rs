//! # k8s-removed-api
//!
//! Every Kubernetes object names an API version that clusters still
//! serve: no `extensions/v1beta1` Deployment, no `batch/v1beta1` CronJob,
//! no `policy/v1beta1` PodDisruptionBudget. The removed versions are those
//! of the Kubernetes deprecated API migration guide, up to 1.32.
//!
//! The workload practices (resources, probes, security context...) leave
//! objects of removed versions to this one: until the object is migrated
//! no cluster accepts it, and once it is they judge it as usual.
//!
//! ## Why it matters
//! The API server refuses an object of a version it no longer serves:
//! `kubectl apply` fails with "no matches for kind", a Helm upgrade or a
//! GitOps sync stops, and the manifest that looked fine in review blocks
//! the next deploy, often during a cluster upgrade, when time is shortest.
//! A manifest still written against such a version is usually one nobody
//! has deployed in years, and whatever it says about the workload is
//! untested against today's cluster.

use tenken_sdk::kubernetes::objects;
use tenken_sdk::removed_api::removed_api;
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct RemovedApi;

impl Policy for RemovedApi {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Kubernetes objects use API versions that clusters still serve",
            "Objects are written against served API versions, so applying them does not fail on the \
             next deploy or cluster upgrade.",
        )
        .kinds(["kubernetes"])
        .rules(vec![
            Rule::new(
                "removed-api-version",
                Category::Reliability,
                Severity::High,
                "Use an API version the cluster still serves",
            )
            .rationale(
                "The API server refuses objects of removed versions: applying the manifest fails, and \
                     the deploy or the GitOps sync that carries it stops.",
            )
            .fix(
                "Move the object to the version that replaced it, and add the fields that version \
                     requires. `kubectl convert` (a kubectl plugin) rewrites a file:
```yaml
apiVersion: apps/v1          # was extensions/v1beta1 or apps/v1beta1
kind: Deployment
metadata:
  name: web
spec:
  selector:                  # required since apps/v1
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
```
Pod Security Policies have no successor version: use Pod Security Admission labels on the namespace.",
            )
            .references(&[
                "https://kubernetes.io/docs/reference/using-api/deprecation-guide/",
                "https://kubernetes.io/docs/reference/using-api/deprecation-policy/",
            ]),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        for object in objects(document.tree) {
            let Some(version) = object.api_version() else { continue };
            let Some(removed) = removed_api(version, object.kind) else { continue };
            let instead = match removed.use_instead {
                Some(replacement) => format!("; use {replacement}"),
                None => " with no successor version".to_owned(),
            };
            let (_, pointer) = object.get(&["apiVersion"]);
            findings.report(
                "removed-api-version",
                &pointer,
                format!(
                    "{} uses {version}, which Kubernetes {} stopped serving{instead}",
                    object.describe(),
                    removed.removed_in
                ),
            );
        }
    }
}

tenken_sdk::export_policy!(RemovedApi);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_tree;

    #[test]
    fn served_versions_pass_and_removed_ones_name_their_successor() {
        let served = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}});
        assert!(check_tree::<RemovedApi>("kubernetes", served).is_empty());
        let removed = json!({"apiVersion": "apps/v1beta1", "kind": "Deployment", "metadata": {"name": "web"}});
        let found = check_tree::<RemovedApi>("kubernetes", removed);
        assert_eq!(found[0].1, "/apiVersion");
        assert!(found[0].2.contains("Kubernetes 1.16 stopped serving; use apps/v1"), "{}", found[0].2);
    }

    #[test]
    fn an_object_without_a_version_is_left_to_schema_tools() {
        let tree = json!({"kind": "Deployment", "metadata": {"name": "web"}});
        assert!(check_tree::<RemovedApi>("kubernetes", tree).is_empty());
    }
}
