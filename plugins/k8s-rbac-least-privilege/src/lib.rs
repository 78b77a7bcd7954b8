//! # k8s-rbac-least-privilege
//!
//! Roles grant what their users need and no more, and no application runs
//! with a powerful role:
//! - Role and ClusterRole rules use no wildcard (`*`) API groups, nor
//!   wildcard verbs or resources in Kubernetes' own API groups (an
//!   operator's `*` over the resources of its own API group is how it
//!   manages them, and is not reported);
//! - they do not grant reading Secrets, exec or attach into pods,
//!   `impersonate`, `escalate` or `bind`, or `nodes/proxy`, unless that
//!   is the role's purpose (then an exception says so);
//! - `cluster-admin` is bound to no one outside the control plane, and
//!   `admin`/`edit` are bound cluster-wide or to service accounts nowhere;
//! - no workload's service account is bound, in the project, to a role that
//!   grants any of the above.
//!
//! The plugin is project-scoped: bindings, roles and workloads usually sit
//! in different files. It relates them within one directory tree and
//! namespace, as the other cross-document practices do. Roles of the
//! control plane (`system:*`) and aggregated ClusterRoles (whose rules a
//! controller fills) are not judged; subjects of the control plane
//! (`system:masters`, `system:kube-*`, nodes) are not reported, while the
//! groups of every service account or every authenticated user are.
//!
//! ## Why it matters
//! A service account token is mounted into every pod that uses it. Whoever
//! gets code execution in the pod (a dependency, an SSRF, a deserialization
//! bug) holds the role: `*` on `*` or `cluster-admin` is the whole cluster;
//! reading Secrets is every database password and cloud key in the
//! namespace; `pods/exec` is every other workload; `escalate`, `bind` and
//! `impersonate` turn a narrow role into any role; `nodes/proxy` reaches the
//! kubelet API, which runs commands in any pod on the node.

use std::collections::HashMap;

use tenken_sdk::kubernetes::{Object, PodSpec, TreeIndex, objects_of_documents, same_namespace, same_tree};
use tenken_sdk::{Category, Document, Findings, NoSettings, Node, PluginInfo, Pointer, Policy, RuleFamily, Severity};

/// The plugin.
pub struct RbacLeastPrivilege;

const FIX: &str = "Grant the verbs and resources the application uses, by name, and bind the role \
to the one service account that needs it:
```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: web-config-reader
  namespace: shop
rules:
  - apiGroups: [\"\"]
    resources: [\"configmaps\"]
    resourceNames: [\"web-config\"]     # only what the app reads
    verbs: [\"get\", \"watch\"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: web-config-reader
  namespace: shop
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: web-config-reader}
subjects:
  - {kind: ServiceAccount, name: web, namespace: shop}
```
A workload that needs no API access sets `automountServiceAccountToken: false`. Where a grant \
is the role's purpose (an operator that manages Secrets), keep it and record an exception with \
the reason.";

const REFERENCES: &[&str] = &[
    "https://kubernetes.io/docs/concepts/security/rbac-good-practices/",
    "https://kubernetes.io/docs/reference/access-authn-authz/rbac/",
];

impl Policy for RbacLeastPrivilege {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        let family = RuleFamily::new(Category::Security).fix(FIX).references(REFERENCES);
        tenken_sdk::plugin_info!(
            "Kubernetes RBAC grants least privilege",
            "Roles name the verbs and resources they need, powerful grants are bound to no application, \
             and no workload's service account holds cluster-wide or secret-reading power.",
        )
        .kinds(["kubernetes"])
        .project_scoped()
        .rules(vec![
            family.rule(
                "wildcard-permissions",
                Severity::High,
                "Do not use `*` in a role's verbs, resources or API groups",
                "A wildcard grants everything that exists now and everything added later (new resources, \
                 CRDs, subresources such as pods/exec), so nobody can say what the role allows.",
            ),
            family.rule(
                "reads-secrets",
                Severity::Medium,
                "Do not let a role read Secrets it does not name",
                "get, list or watch on secrets hands over every password, token and key in its scope; \
                 list alone returns their values.",
            ),
            family.rule(
                "exec-into-pods",
                Severity::Medium,
                "Do not let a role exec or attach into pods",
                "pods/exec and pods/attach run commands in other workloads' containers, with their \
                 service accounts, secrets and network access.",
            ),
            family.rule(
                "escalation-verbs",
                Severity::High,
                "Do not grant impersonate, escalate or bind",
                "These verbs exist to step around RBAC: impersonate acts as any user or service account, \
                 escalate and bind create or bind roles with more than the holder has.",
            ),
            family.rule(
                "node-proxy",
                Severity::High,
                "Do not grant nodes/proxy",
                "nodes/proxy reaches the kubelet API, which runs commands in every pod on the node and \
                 bypasses admission control and audit of pod exec.",
            ),
            family.rule(
                "broad-role-binding",
                Severity::High,
                "Do not bind cluster-admin, or admin/edit cluster-wide or to service accounts",
                "cluster-admin is every permission on every resource; admin and edit read every Secret and \
                 exec into every pod of their scope. Bound to an application or cluster-wide, a single \
                 compromised pod or user owns the cluster or the namespace.",
            ),
            family.rule(
                "workload-has-powerful-role",
                Severity::High,
                "Do not run a workload with a service account bound to a powerful role",
                "The service account's token is mounted in the pod: code execution in the container, \
                 through any dependency, becomes the role's power over the cluster.",
            ),
        ])
    }

    fn check_all(documents: &[Document<'_>], _settings: &NoSettings, findings: &mut Findings) {
        let all: Vec<(usize, Object<'_>)> = objects_of_documents(documents)
            .into_iter()
            // Objects of removed API versions are left to k8s-removed-api.
            .filter(|(_, object)| !object.is_of_removed_api())
            .collect();
        let path = |index: usize| documents[index].path;

        let mut roles: Vec<Role<'_>> = Vec::new();
        for (index, object) in &all {
            if !matches!(object.kind, "Role" | "ClusterRole") || is_exempt_role(object) {
                continue;
            }
            let role = Role::read(*index, object);
            role.report(findings);
            roles.push(role);
        }
        let roles_by_tree = TreeIndex::new(roles.iter().map(|role| (path(role.document), role)));

        let mut bindings = Vec::new();
        for (index, object) in &all {
            if !matches!(object.kind, "RoleBinding" | "ClusterRoleBinding") {
                continue;
            }
            let Some(binding) = Binding::read(*index, object) else { continue };
            binding.report_broad(findings);
            bindings.push(binding);
        }

        // Which service accounts hold which powers, through which binding:
        // by the account's name, and for groups of every service account.
        let mut account_grants: HashMap<&str, Vec<Grant<'_>>> = HashMap::new();
        let mut group_grants: Vec<Grant<'_>> = Vec::new();
        for binding in &bindings {
            let powers = binding.powers(|name, cluster_role| {
                roles_by_tree
                    .related(path(binding.document))
                    .filter(|role| role.name == Some(name) && role.cluster_scoped == cluster_role)
                    .filter(|role| cluster_role || same_namespace(role.namespace, binding.namespace))
                    .flat_map(|role| role.powers.iter().map(|power| power.summary))
                    .collect()
            });
            if powers.is_empty() {
                continue;
            }
            for subject in &binding.subjects {
                match *subject {
                    Subject::ServiceAccount { name, namespace } => {
                        account_grants.entry(name).or_default().push(Grant {
                            binding,
                            powers: powers.clone(),
                            namespace,
                        });
                    }
                    Subject::AllServiceAccounts { namespace } => {
                        group_grants.push(Grant { binding, powers: powers.clone(), namespace });
                    }
                    Subject::Other { .. } => {}
                }
            }
        }

        for (index, object) in &all {
            let Some(pod) = PodSpec::of(object) else { continue };
            // Without a mounted token the pod holds none of the account's
            // power.
            if pod.spec.get("automountServiceAccountToken").and_then(Node::as_bool) == Some(false) {
                continue;
            }
            let account_field =
                ["serviceAccountName", "serviceAccount"].into_iter().find(|field| pod.spec.get(field).is_some());
            let account = account_field.and_then(|field| pod.spec.get(field)).and_then(Node::as_str);
            let account_name = account.unwrap_or("default");
            let related = |grant: &&Grant<'_>| {
                same_tree(path(grant.binding.document), path(*index))
                    && same_namespace(grant.namespace, object.namespace)
            };
            let by_name = account_grants.get(account_name).into_iter().flatten();
            let Some(grant) = by_name.chain(&group_grants).find(related) else { continue };
            let pointer = match account_field {
                Some(field) => pod.pointer.key(field),
                None => pod.pointer.clone(),
            };
            findings.in_document(*index).report(
                "workload-has-powerful-role",
                &pointer,
                format!(
                    "{} runs as service account \"{account_name}\", which {} binds to {} ({})",
                    pod.workload(),
                    grant.binding.object.describe(),
                    grant.binding.role_description(),
                    grant.powers.join(", ")
                ),
            );
        }
    }
}

/// Roles of the control plane, which Kubernetes reconciles itself, and
/// aggregated ClusterRoles, whose rules a controller assembles from other
/// roles (each judged on its own).
fn is_exempt_role(role: &Object<'_>) -> bool {
    role.name.is_some_and(|name| name.starts_with("system:")) || role.value.get("aggregationRule").is_some()
}

/// One thing a role allows that this practice reports.
#[derive(Debug, Clone)]
struct Power {
    rule: &'static str,
    /// For messages about workloads: "every verb on every resource".
    summary: &'static str,
    pointer: Pointer,
    message: String,
}

/// A Role or ClusterRole and the powers its rules grant.
struct Role<'a> {
    document: usize,
    name: Option<&'a str>,
    namespace: Option<&'a str>,
    cluster_scoped: bool,
    powers: Vec<Power>,
}

impl<'a> Role<'a> {
    fn read(document: usize, object: &Object<'a>) -> Self {
        let (rules, pointer) = object.get(&["rules"]);
        let powers = rules
            .and_then(Node::as_array)
            .map(|rules| {
                rules
                    .iter()
                    .enumerate()
                    .flat_map(|(index, rule)| rule_powers(object, rule, &pointer.index(index)))
                    .collect()
            })
            .unwrap_or_default();
        Role {
            document,
            name: object.name,
            namespace: object.namespace,
            cluster_scoped: object.kind == "ClusterRole",
            powers,
        }
    }

    fn report(&self, findings: &mut Findings) {
        for power in &self.powers {
            findings.in_document(self.document).report(power.rule, &power.pointer, power.message.clone());
        }
    }
}

/// The strings of a rule's list field.
fn strings<'a>(rule: Node<'a>, field: &str) -> Vec<&'a str> {
    rule.get(field)
        .and_then(Node::as_array)
        .map(|items| items.iter().filter_map(Node::as_str).collect())
        .unwrap_or_default()
}

/// What one policy rule grants that is reported, each at most once.
fn rule_powers(role: &Object<'_>, rule: Node<'_>, pointer: &Pointer) -> Vec<Power> {
    let verbs = strings(rule, "verbs");
    let resources = strings(rule, "resources");
    let groups = strings(rule, "apiGroups");
    let named = !strings(rule, "resourceNames").is_empty();
    let describe = role.describe();
    let mut powers = Vec::new();
    // Rules for non-resource URLs (`/healthz`, `/metrics`) grant no access
    // to objects.
    if resources.is_empty() {
        return powers;
    }

    // A wildcard over an operator's own API group (`*` on every resource
    // of `monitoring.coreos.com`) is how operators manage their own
    // resources; one that reaches Kubernetes' own API reaches Secrets,
    // pods/exec and RBAC itself.
    let reaches_kubernetes = groups.iter().any(|group| *group == "*" || BUILT_IN_GROUPS.contains(group));
    let is_wildcard = |value: &&str| *value == "*" || value.starts_with("*/");
    let wildcard_field = [("verbs", &verbs), ("resources", &resources), ("apiGroups", &groups)]
        .into_iter()
        .filter(|(field, _)| *field == "apiGroups" || reaches_kubernetes)
        .find(|(_, values)| values.iter().any(is_wildcard));
    if let Some((field, _)) = wildcard_field {
        let summary = if verbs.contains(&"*") && resources.contains(&"*") && groups.contains(&"*") {
            "every verb on every resource"
        } else {
            "wildcard permissions"
        };
        powers.push(Power {
            rule: "wildcard-permissions",
            summary,
            pointer: pointer.key(field),
            message: format!(
                "{describe} grants {} on {} in API groups {}",
                list(&verbs),
                list(&resources),
                list(&groups)
            ),
        });
        // What a wildcard grants is reported once, as the wildcard.
        return powers;
    }

    let core_group = groups.iter().any(|group| group.is_empty());
    let reads = verbs.iter().any(|verb| matches!(*verb, "get" | "list" | "watch"));
    // `get` on Secrets the rule names is how least privilege reads a
    // Secret; `list` and `watch` return every Secret whatever the names.
    let reads_unnamed = verbs.iter().any(|verb| matches!(*verb, "list" | "watch")) || !named;
    if core_group && resources.contains(&"secrets") && reads && reads_unnamed {
        powers.push(Power {
            rule: "reads-secrets",
            summary: "read Secrets",
            pointer: pointer.key("verbs"),
            message: format!("{describe} can {} Secrets", list(&verbs)),
        });
    }
    let exec = resources.iter().find(|resource| matches!(**resource, "pods/exec" | "pods/attach"));
    if let Some(exec) = exec.filter(|_| core_group && verbs.iter().any(|verb| matches!(*verb, "create" | "get"))) {
        powers.push(Power {
            rule: "exec-into-pods",
            summary: "exec into pods",
            pointer: pointer.key("resources"),
            message: format!("{describe} can {} {exec}", list(&verbs)),
        });
    }
    let escalation: Vec<&str> =
        verbs.iter().copied().filter(|verb| matches!(*verb, "impersonate" | "escalate" | "bind")).collect();
    if !escalation.is_empty() {
        powers.push(Power {
            rule: "escalation-verbs",
            summary: "escalate its privileges",
            pointer: pointer.key("verbs"),
            message: format!("{describe} grants {} on {}", list(&escalation), list(&resources)),
        });
    }
    if core_group && resources.contains(&"nodes/proxy") {
        powers.push(Power {
            rule: "node-proxy",
            summary: "reach the kubelet API",
            pointer: pointer.key("resources"),
            message: format!("{describe} can {} nodes/proxy", list(&verbs)),
        });
    }
    powers
}

/// The API groups Kubernetes itself serves (`""` is the core group). The
/// metrics groups are left out: they are read-only.
const BUILT_IN_GROUPS: &[&str] = &[
    "",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "extensions",
    "flowcontrol.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
];

/// `[get, list]`, as the manifest writes it.
fn list(values: &[&str]) -> String {
    let quoted: Vec<String> =
        values.iter().map(|value| if value.is_empty() { "\"\"".to_owned() } else { (*value).to_owned() }).collect();
    format!("[{}]", quoted.join(", "))
}

/// A subject of a binding.
enum Subject<'a> {
    ServiceAccount {
        name: &'a str,
        namespace: Option<&'a str>,
    },
    /// `system:serviceaccounts` (every namespace: `None`) or
    /// `system:serviceaccounts:<namespace>`.
    AllServiceAccounts {
        namespace: Option<&'a str>,
    },
    /// A user or group; `control_plane` for Kubernetes' own.
    Other {
        control_plane: bool,
    },
}

impl Subject<'_> {
    fn is_control_plane(&self) -> bool {
        matches!(self, Subject::Other { control_plane: true })
    }
}

fn subject<'a>(value: Node<'a>, binding_namespace: Option<&'a str>) -> Option<Subject<'a>> {
    let kind = value.get("kind").and_then(Node::as_str)?;
    let name = value.get("name").and_then(Node::as_str)?;
    if kind == "ServiceAccount" {
        let namespace = value.get("namespace").and_then(Node::as_str).or(binding_namespace);
        return Some(Subject::ServiceAccount { name, namespace });
    }
    if let Some(rest) = name.strip_prefix("system:serviceaccounts") {
        if rest.is_empty() {
            return Some(Subject::AllServiceAccounts { namespace: None });
        }
        if let Some(namespace) = rest.strip_prefix(':') {
            return Some(Subject::AllServiceAccounts { namespace: Some(namespace) });
        }
    }
    // Every user, signed in or not, is no part of the control plane.
    let everyone = matches!(name, "system:authenticated" | "system:unauthenticated" | "system:anonymous");
    Some(Subject::Other { control_plane: name.starts_with("system:") && !everyone })
}

/// A RoleBinding or ClusterRoleBinding.
struct Binding<'o, 'a> {
    document: usize,
    object: &'o Object<'a>,
    namespace: Option<&'a str>,
    role_kind: &'a str,
    role_name: &'a str,
    subjects: Vec<Subject<'a>>,
}

/// Kubernetes' user-facing roles, whose rules are not in the project.
fn built_in_powers(role: &str) -> Vec<&'static str> {
    match role {
        "cluster-admin" => vec!["every verb on every resource"],
        "admin" | "edit" => vec!["read Secrets", "exec into pods"],
        _ => Vec::new(),
    }
}

impl<'o, 'a> Binding<'o, 'a> {
    fn read(document: usize, object: &'o Object<'a>) -> Option<Self> {
        let role_ref = object.value.get("roleRef")?;
        let subjects = object
            .value
            .get("subjects")
            .and_then(Node::as_array)
            .map(|subjects| subjects.iter().filter_map(|value| subject(value, object.namespace)).collect())
            .unwrap_or_default();
        Some(Binding {
            document,
            object,
            namespace: object.namespace,
            role_kind: role_ref.get("kind").and_then(Node::as_str).unwrap_or("ClusterRole"),
            role_name: role_ref.get("name").and_then(Node::as_str)?,
            subjects,
        })
    }

    fn role_description(&self) -> String {
        format!("{} \"{}\"", self.role_kind, self.role_name)
    }

    /// The powers of the bound role: a built-in role's, or those of the
    /// project's roles of that name (`find(name, is_cluster_role)`).
    fn powers(&self, find: impl Fn(&str, bool) -> Vec<&'static str>) -> Vec<&'static str> {
        let cluster_role = self.role_kind == "ClusterRole";
        let mut powers = if cluster_role { built_in_powers(self.role_name) } else { Vec::new() };
        if powers.is_empty() {
            powers = find(self.role_name, cluster_role);
        }
        powers.sort_unstable();
        powers.dedup();
        powers
    }

    /// `cluster-admin` bound to anyone outside the control plane; `admin`
    /// or `edit` bound cluster-wide, or to service accounts. A RoleBinding
    /// of `admin` or `edit` to people in one namespace is what those roles
    /// are for.
    fn report_broad(&self, findings: &mut Findings) {
        if self.role_kind != "ClusterRole" || !matches!(self.role_name, "cluster-admin" | "admin" | "edit") {
            return;
        }
        let subjects = self.object.value.get("subjects").and_then(Node::as_array);
        for (index, subject) in self.subjects.iter().enumerate() {
            if subject.is_control_plane() {
                continue;
            }
            let to_accounts = matches!(subject, Subject::ServiceAccount { .. } | Subject::AllServiceAccounts { .. });
            let broad = self.role_name == "cluster-admin" || self.object.kind == "ClusterRoleBinding" || to_accounts;
            if !broad {
                continue;
            }
            let name = subjects
                .and_then(|subjects| subjects.get(index))
                .and_then(|subject| subject.get("name"))
                .and_then(Node::as_str)
                .unwrap_or("");
            let scope = match (self.object.kind, self.namespace) {
                ("RoleBinding", Some(namespace)) => format!("in namespace \"{namespace}\""),
                ("RoleBinding", None) => "in its namespace".to_owned(),
                _ => "across the cluster".to_owned(),
            };
            findings.in_document(self.document).report(
                "broad-role-binding",
                &self.object.pointer.key("subjects").index(index),
                format!("{} gives \"{name}\" {} {scope}", self.object.describe(), self.role_description()),
            );
        }
    }
}

/// A binding that gives service accounts powers: one account, or every
/// account of a namespace (`namespace`: where the subject lives; `None`
/// when it does not say).
struct Grant<'b> {
    binding: &'b Binding<'b, 'b>,
    powers: Vec<&'static str>,
    namespace: Option<&'b str>,
}

tenken_sdk::export_policy!(RbacLeastPrivilege);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use tenken_sdk::check_documents;

    fn run(trees: Vec<(&str, Value)>) -> Vec<(String, usize, String)> {
        let documents = trees.into_iter().map(|(path, tree)| (path.to_owned(), tree)).collect();
        let findings = check_documents::<RbacLeastPrivilege>("kubernetes", documents, &NoSettings::default());
        findings.into_iter().map(|f| (f.rule, f.document as usize, f.pointer)).collect()
    }

    fn role(kind: &str, name: &str, rules: Value) -> Value {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind,
            "metadata": {"name": name, "namespace": "shop"}, "rules": rules})
    }

    fn binding(kind: &str, role_kind: &str, role: &str, subjects: Value) -> Value {
        json!({"kind": kind, "metadata": {"name": "b", "namespace": "shop"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
            "subjects": subjects})
    }

    #[test]
    fn rules_that_grant_too_much() {
        let rules = json!([
            {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
            {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]},
            {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["web-tls"], "verbs": ["get"]},
            {"apiGroups": [""], "resources": ["pods", "pods/exec"], "verbs": ["create"]},
            {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind", "get"]},
            {"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]},
            {"nonResourceURLs": ["*"], "verbs": ["*"]},
            {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "watch"]}
        ]);
        assert_eq!(
            run(vec![("k8s/role.yaml", role("ClusterRole", "ops", rules))]),
            vec![
                ("wildcard-permissions".into(), 0, "/rules/0/verbs".into()),
                ("reads-secrets".into(), 0, "/rules/1/verbs".into()),
                ("exec-into-pods".into(), 0, "/rules/3/resources".into()),
                ("escalation-verbs".into(), 0, "/rules/4/verbs".into()),
                ("node-proxy".into(), 0, "/rules/5/resources".into()),
            ]
        );
        let system = role(
            "ClusterRole",
            "system:controller:foo",
            json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]),
        );
        assert!(run(vec![("k8s/role.yaml", system)]).is_empty());
    }

    #[test]
    fn bindings_of_built_in_roles() {
        let people = json!([{"kind": "Group", "name": "shop-developers"}]);
        let account = json!([{"kind": "ServiceAccount", "name": "web", "namespace": "shop"}]);
        let control_plane = json!([{"kind": "Group", "name": "system:masters"}]);
        assert!(run(vec![("b.yaml", binding("RoleBinding", "ClusterRole", "edit", people.clone()))]).is_empty());
        assert_eq!(
            run(vec![("b.yaml", binding("ClusterRoleBinding", "ClusterRole", "edit", people))]),
            vec![("broad-role-binding".into(), 0, "/subjects/0".into())]
        );
        assert_eq!(
            run(vec![("b.yaml", binding("RoleBinding", "ClusterRole", "admin", account))]),
            vec![("broad-role-binding".into(), 0, "/subjects/0".into())]
        );
        assert!(
            run(vec![("b.yaml", binding("ClusterRoleBinding", "ClusterRole", "cluster-admin", control_plane))])
                .is_empty()
        );
        let everyone = json!([{"kind": "Group", "name": "system:authenticated"}]);
        assert_eq!(
            run(vec![("b.yaml", binding("ClusterRoleBinding", "ClusterRole", "cluster-admin", everyone))]),
            vec![("broad-role-binding".into(), 0, "/subjects/0".into())]
        );
    }

    #[test]
    fn workloads_are_related_to_the_roles_of_their_service_accounts() {
        let deployment = |account: Option<&str>, automount: bool| {
            let mut spec = json!({"containers": [{"name": "web", "image": "web:1.0"}]});
            if let Some(account) = account {
                spec["serviceAccountName"] = json!(account);
            }
            if !automount {
                spec["automountServiceAccountToken"] = json!(false);
            }
            json!({"kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
                "spec": {"template": {"spec": spec}}})
        };
        let reader =
            role("Role", "secret-reader", json!([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}]));
        let bound = binding("RoleBinding", "Role", "secret-reader", json!([{"kind": "ServiceAccount", "name": "web"}]));
        let findings = run(vec![
            ("app/deploy.yaml", deployment(Some("web"), true)),
            ("app/rbac.yaml", reader.clone()),
            ("app/binding.yaml", bound.clone()),
        ]);
        assert_eq!(
            findings,
            vec![
                ("reads-secrets".into(), 1, "/rules/0/verbs".into()),
                ("workload-has-powerful-role".into(), 0, "/spec/template/spec/serviceAccountName".into()),
            ]
        );
        // Another account, no mounted token, or another application's
        // directory: the workload holds none of it.
        for (path, workload) in [
            ("app/deploy.yaml", deployment(Some("api"), true)),
            ("app/deploy.yaml", deployment(Some("web"), false)),
            ("other/deploy.yaml", deployment(Some("web"), true)),
            ("app/deploy.yaml", deployment(None, true)),
        ] {
            let findings =
                run(vec![(path, workload), ("app/rbac.yaml", reader.clone()), ("app/binding.yaml", bound.clone())]);
            assert_eq!(findings.len(), 1, "{findings:?}");
        }
        // Every service account of the namespace, bound to cluster-admin.
        let all_accounts = binding(
            "ClusterRoleBinding",
            "ClusterRole",
            "cluster-admin",
            json!([{"kind": "Group", "name": "system:serviceaccounts:shop"}]),
        );
        let findings = run(vec![("app/deploy.yaml", deployment(None, true)), ("app/binding.yaml", all_accounts)]);
        assert_eq!(
            findings,
            vec![
                ("broad-role-binding".into(), 1, "/subjects/0".into()),
                ("workload-has-powerful-role".into(), 0, "/spec/template/spec".into()),
            ]
        );
    }
}
