//! # k8s-service-account-token
//!
//! Pods do not mount a service account token unless they say they need
//! one. A pod passes when its spec sets `automountServiceAccountToken`
//! (`false`, or `true` as a deliberate choice for a pod that calls the
//! Kubernetes API), or when the ServiceAccount it runs as, among the
//! project's documents, sets `automountServiceAccountToken: false`. The pod
//! spec's field overrides the ServiceAccount's, as in Kubernetes.
//!
//! A pod whose service account a RoleBinding or ClusterRoleBinding of its
//! directory tree grants a role calls the API by design: its token is
//! needed, and it passes too. Names written as deploy-time placeholders
//! with a default (`${SERVICE_ACCOUNT_NAME:-default}`) are read as their
//! default.
//!
//! This plugin is project-scoped: it reads every Kubernetes document of the
//! project together, so that a ServiceAccount in another file counts.
//!
//! ## Why it matters
//! By default every pod gets a token for its service account mounted at
//! `/var/run/secrets/kubernetes.io/serviceaccount`. Most applications never
//! call the Kubernetes API, but an attacker who gets code execution or a
//! file-read bug in them can use the token to list secrets, create pods or
//! move sideways, as far as the account's RBAC allows (and the `default`
//! account is often given more than intended). A token that is not mounted
//! cannot be stolen.

use tenken_sdk::Node;
use tenken_sdk::kubernetes::{PodSpec, objects, placeholder_default, same_namespace, same_tree};
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct ServiceAccountToken;

/// A ServiceAccount, by namespace and name: one that turns automounting
/// off, or one that a role binding grants permissions (with the path of
/// the binding's file).
struct Account<'a> {
    namespace: Option<&'a str>,
    name: &'a str,
    path: &'a str,
}

impl Account<'_> {
    fn is(&self, name: &str, namespace: Option<&str>) -> bool {
        self.name == name && same_namespace(self.namespace, namespace)
    }
}

/// The service accounts that the subjects of a RoleBinding or
/// ClusterRoleBinding name.
fn bound_accounts<'a>(binding: &tenken_sdk::kubernetes::Object<'a>, path: &'a str) -> Vec<Account<'a>> {
    let subjects = binding.value.get("subjects").and_then(Node::as_array).into_iter().flatten();
    subjects
        .filter(|subject| subject.get("kind").and_then(Node::as_str) == Some("ServiceAccount"))
        .filter_map(|subject| {
            let name = placeholder_default(subject.get("name")?.as_str()?);
            // A RoleBinding's subject without a namespace is in the binding's own.
            let namespace = subject.get("namespace").and_then(Node::as_str).or(binding.namespace);
            Some(Account { namespace: namespace.map(placeholder_default), name, path })
        })
        .collect()
}

impl Policy for ServiceAccountToken {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Kubernetes pods mount an API token only when they need it",
            "Pods that do not call the Kubernetes API do not get a service account token, so a \
             compromised application has no credentials for the cluster.",
        )
        .kinds(["kubernetes"])
        .project_scoped()
        .rules(vec![
                Rule::new(
                    "token-automounted",
                    Category::Security,
                    Severity::Low,
                    "Set automountServiceAccountToken: false unless the pod calls the Kubernetes API",
                )
                .rationale(
                    "A mounted service account token lets whoever compromises the application act on the \
                     cluster with the account's permissions: list secrets, start pods, move sideways.",
                )
                .fix(
                    "Turn the token off in the pod spec, or once on the ServiceAccount:
```yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
automountServiceAccountToken: false
---
# ...and in the Deployment's pod template:
spec:
  serviceAccountName: web
  automountServiceAccountToken: false   # or true, deliberately, for pods that call the API
```",
                )
                .references(&[
                    "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting",
                    "https://kubernetes.io/docs/concepts/security/service-accounts/",
                ]),
            ])
    }

    fn check_all(documents: &[Document], _settings: &NoSettings, findings: &mut Findings) {
        let mut opted_out = Vec::new();
        let mut bound = Vec::new();
        for document in documents {
            for object in objects(document.tree) {
                let automount = object.value.get("automountServiceAccountToken").and_then(Node::as_bool);
                if object.kind == "ServiceAccount"
                    && automount == Some(false)
                    && let Some(name) = object.name
                {
                    opted_out.push(Account {
                        namespace: object.namespace.map(placeholder_default),
                        name: placeholder_default(name),
                        path: document.path,
                    });
                }
                if matches!(object.kind, "RoleBinding" | "ClusterRoleBinding") {
                    bound.extend(bound_accounts(&object, document.path));
                }
            }
        }
        for (index, document) in documents.iter().enumerate() {
            for object in objects(document.tree) {
                let Some(pod) = PodSpec::of(&object) else { continue };
                if pod.spec.get("automountServiceAccountToken").is_some_and(Node::is_boolean) {
                    continue;
                }
                let written = ["serviceAccountName", "serviceAccount"]
                    .iter()
                    .find_map(|field| pod.spec.get(field).and_then(Node::as_str))
                    .unwrap_or("default");
                let (account, namespace) = (placeholder_default(written), object.namespace.map(placeholder_default));
                let covered = opted_out.iter().any(|out| out.is(account, namespace));
                let calls_the_api =
                    bound.iter().any(|grant| grant.is(account, namespace) && same_tree(grant.path, document.path));
                if !covered && !calls_the_api {
                    findings.in_document(index).report(
                        "token-automounted",
                        &pod.pointer.key("automountServiceAccountToken"),
                        format!(
                            "{} mounts the token of service account \"{written}\", which no role binding \
                             grants permissions; nothing turns it off",
                            pod.workload()
                        ),
                    );
                }
            }
        }
    }
}

tenken_sdk::export_policy!(ServiceAccountToken);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;
    use tenken_sdk::check_documents;

    fn run(trees: Vec<Value>) -> Vec<(usize, String)> {
        let documents = trees.into_iter().enumerate().map(|(index, tree)| (format!("{index}.yaml"), tree)).collect();
        let findings = check_documents::<ServiceAccountToken>("kubernetes", documents, &NoSettings::default());
        findings.into_iter().map(|f| (f.document as usize, f.pointer)).collect()
    }

    #[test]
    fn a_service_account_in_another_document_opts_its_pods_out() {
        let account = json!({"kind": "ServiceAccount", "metadata": {"name": "web", "namespace": "shop"},
            "automountServiceAccountToken": false});
        let deployment = json!({"kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"template": {"spec": {"serviceAccountName": "web", "containers": []}}}});
        let other_namespace = json!({"kind": "Deployment", "metadata": {"name": "web", "namespace": "other"},
            "spec": {"template": {"spec": {"serviceAccountName": "web", "containers": []}}}});
        assert_eq!(
            run(vec![account, deployment, other_namespace]),
            vec![(2, "/spec/template/spec/automountServiceAccountToken".to_owned())]
        );
    }

    #[test]
    fn the_pod_spec_decides_when_it_says_anything() {
        let explicit = json!({"kind": "Pod", "metadata": {"name": "operator"},
            "spec": {"automountServiceAccountToken": true, "containers": []}});
        assert!(run(vec![explicit]).is_empty());
    }
}
