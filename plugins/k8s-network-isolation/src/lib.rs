//! # k8s-network-isolation
//!
//! Workloads are isolated on the network, and what faces outside the
//! cluster is deliberate:
//! - every namespace's workloads are selected by a NetworkPolicy (or a
//!   Cilium, Calico or Istio policy) among the project's documents;
//! - no Service of type LoadBalancer or NodePort exposes an administration
//!   or data port (SSH, databases, caches, brokers, the kubelet, ...);
//! - every Ingress serves its hosts over TLS.
//!
//! The plugin is project-scoped: policies usually live in another file
//! than the workloads they select. It relates them within one directory
//! tree and namespace, as the other cross-document practices do, and
//! across directories where a kustomization builds both (a policy in an
//! overlay or a component selects the workloads of the base it includes). A
//! missing policy is reported once per file and namespace, at its
//! first workload that no policy selects. Pods on the host network are not
//! judged: network policies do not apply to them.
//!
//! ## Why it matters
//! Kubernetes lets every pod reach every other pod by default. Without a
//! policy, one compromised pod (a vulnerable dependency, an SSRF) reaches
//! every database, cache and internal API of the cluster, and exfiltrates
//! freely. A LoadBalancer Service puts its ports on the internet: a
//! database or Redis port there is found by scanners within minutes. An
//! Ingress without TLS sends sessions and credentials in clear text.

use std::collections::HashMap;

use serde::Deserialize;
use tenken_sdk::kubernetes::{
    Object, PodSpec, TreeIndex, labels_match, objects_of_documents, same_namespace, selector_matches,
};
use tenken_sdk::kustomize::{BuildId, Kustomizations};
use tenken_sdk::ports::service_name;
use tenken_sdk::{Category, Document, Findings, Node, PluginInfo, Policy, Rule, Severity};

/// The plugin.
pub struct NetworkIsolation;

/// Settings, from `[settings.k8s-network-isolation]` in `tenken.toml`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Ports that no LoadBalancer or NodePort Service may expose. The default covers SSH, RDP,
    /// SMB, databases, caches, search, brokers, the Docker and etcd APIs and the kubelet.
    #[serde(default = "default_ports")]
    pub ports: Vec<u16>,
}

fn default_ports() -> Vec<u16> {
    tenken_sdk::ports::SENSITIVE_PORTS.to_vec()
}

const POLICY_FIX: &str = "Start each namespace from a default deny, then allow what each workload needs:
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: shop
spec:
  podSelector: {}               # every pod of the namespace
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-from-ingress
  namespace: shop
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}
      ports: [{port: 8080}]
```
Remember to allow DNS egress (UDP and TCP 53 to kube-dns) once egress is denied.";

const SERVICE_FIX: &str = "Keep the Service inside the cluster, or make its load balancer internal and \
restrict who may reach it:
```yaml
apiVersion: v1
kind: Service
metadata:
  name: postgres
spec:
  type: ClusterIP                # reach it from pods, or through kubectl port-forward
  selector: {app: postgres}
  ports: [{port: 5432}]
```
Where a load balancer is needed, annotate it as internal for your cloud (for example \
`service.beta.kubernetes.io/aws-load-balancer-scheme: internal`, \
`networking.gke.io/load-balancer-type: Internal`, \
`service.beta.kubernetes.io/azure-load-balancer-internal: \"true\"`) and set \
`loadBalancerSourceRanges` to your own networks.";

const TLS_FIX: &str = "Serve every host over TLS, with a certificate cert-manager keeps current:
```yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    cert-manager.io/cluster-issuer: letsencrypt
spec:
  tls:
    - hosts: [shop.example.com]
      secretName: shop-example-com-tls
  rules:
    - host: shop.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
```";

impl Policy for NetworkIsolation {
    type Settings = Settings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Kubernetes workloads are isolated on the network",
            "A NetworkPolicy selects every workload, no LoadBalancer or NodePort Service exposes an \
             admin or data port, and every Ingress serves TLS.",
        )
        .kinds(["kubernetes", tenken_sdk::kustomize::KIND])
        .project_scoped()
        .rules(vec![
            Rule::new(
                "no-network-policy",
                Category::Security,
                Severity::Low,
                "Select every workload with a NetworkPolicy",
            )
            .rationale(
                "Kubernetes lets every pod reach every other pod by default: without a policy, one \
                 compromised pod reaches every database and internal API of the cluster.",
            )
            .fix(POLICY_FIX)
            .references(&[
                "https://kubernetes.io/docs/concepts/services-networking/network-policies/",
                "https://kubernetes.io/docs/concepts/security/security-checklist/#network-security",
            ]),
            Rule::new(
                "exposed-sensitive-port",
                Category::Security,
                Severity::High,
                "Do not expose admin or data ports through a LoadBalancer or NodePort Service",
            )
            .rationale(
                "A LoadBalancer Service puts its ports on the internet unless told otherwise; scanners find \
                 an open database, cache or SSH port within minutes, and exposed data stores are the most \
                 common source of public data leaks.",
            )
            .fix(SERVICE_FIX)
            .references(&[
                "https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types",
                "https://kubernetes.io/docs/tasks/access-application-cluster/configure-cloud-provider-firewall/",
            ]),
            Rule::new("ingress-without-tls", Category::Security, Severity::Medium, "Serve every Ingress host over TLS")
                .rationale(
                    "Without TLS, sessions, credentials and personal data cross the internet in clear text, \
                     readable and alterable by anyone on the path.",
                )
                .fix(TLS_FIX)
                .references(&[
                    "https://kubernetes.io/docs/concepts/services-networking/ingress/#tls",
                    "https://cert-manager.io/docs/usage/ingress/",
                ]),
        ])
    }

    fn check_all(documents: &[Document<'_>], settings: &Settings, findings: &mut Findings) {
        // Objects of removed API versions are left to k8s-removed-api.
        let all: Vec<(usize, Object<'_>)> =
            objects_of_documents(documents).into_iter().filter(|(_, object)| !object.is_of_removed_api()).collect();
        for (index, object) in &all {
            match object.kind {
                "Service" => check_service(object, &settings.ports, findings.in_document(*index)),
                "Ingress" => check_ingress(object, findings.in_document(*index)),
                _ => {}
            }
        }
        check_policies(documents, &all, findings);
    }
}

/// One network policy, of whichever engine, and whom it selects.
struct IsolationPolicy<'a> {
    namespace: Option<&'a str>,
    selects: Selection<'a>,
}

enum Selection<'a> {
    /// Every pod of its namespace, or of every namespace when cluster-wide.
    Everything { cluster_wide: bool },
    /// Pods that match this label selector (`matchLabels`,
    /// `matchExpressions`).
    Selector(Node<'a>),
    /// Pods that carry every label of this plain map.
    Labels(Node<'a>),
}

/// The policy an object is, if it is one. Calico's selectors are an
/// expression language of their own; a Calico policy is taken to select
/// its whole namespace, giving it the benefit of the doubt.
fn network_policy<'a>(object: &Object<'a>) -> Option<IsolationPolicy<'a>> {
    let group = object.api_version().unwrap_or_default().split('/').next().unwrap_or_default();
    let spec = object.value.get("spec");
    let selection = match (object.kind, group) {
        ("NetworkPolicy", "networking.k8s.io") => match spec.and_then(|spec| spec.get("podSelector")) {
            Some(selector) => label_selection(selector),
            None => Selection::Everything { cluster_wide: false },
        },
        ("CiliumNetworkPolicy", _) => match spec.and_then(|spec| spec.get("endpointSelector")) {
            Some(selector) => label_selection(selector),
            // A policy of several `specs` selects through each of them.
            None => Selection::Everything { cluster_wide: false },
        },
        ("CiliumClusterwideNetworkPolicy" | "GlobalNetworkPolicy", _) => Selection::Everything { cluster_wide: true },
        ("NetworkPolicy", "crd.projectcalico.org" | "projectcalico.org") => {
            Selection::Everything { cluster_wide: false }
        }
        ("AuthorizationPolicy", "security.istio.io") => {
            match spec.and_then(|spec| spec.get("selector")).and_then(|selector| selector.get("matchLabels")) {
                Some(labels) => Selection::Labels(labels),
                None => Selection::Everything { cluster_wide: false },
            }
        }
        _ => return None,
    };
    Some(IsolationPolicy { namespace: object.namespace, selects: selection })
}

/// An empty selector (`{}`) selects every pod of the namespace.
fn label_selection(selector: Node<'_>) -> Selection<'_> {
    if selector.as_object().is_some_and(|fields| fields.is_empty()) || selector.is_null() {
        Selection::Everything { cluster_wide: false }
    } else {
        Selection::Selector(selector)
    }
}

impl IsolationPolicy<'_> {
    fn selects(&self, namespace: Option<&str>, labels: &[(&str, &str)]) -> bool {
        match &self.selects {
            Selection::Everything { cluster_wide: true } => true,
            Selection::Everything { cluster_wide: false } => same_namespace(self.namespace, namespace),
            Selection::Selector(selector) => {
                same_namespace(self.namespace, namespace) && selector_matches(*selector, labels)
            }
            Selection::Labels(wanted) => same_namespace(self.namespace, namespace) && labels_match(*wanted, labels),
        }
    }
}

fn check_policies(documents: &[Document<'_>], all: &[(usize, Object<'_>)], findings: &mut Findings) {
    let path = |index: usize| documents[index].path;
    let policies: Vec<(&str, IsolationPolicy<'_>)> =
        all.iter().filter_map(|(index, object)| network_policy(object).map(|policy| (path(*index), policy))).collect();
    let policies_by_tree = TreeIndex::new(policies.iter().map(|(path, policy)| (*path, policy)));
    // A policy applies where it deploys: in the workload's directory tree,
    // or in an overlay or component that kustomize builds with it.
    let kustomizations = Kustomizations::from_documents(documents);
    let mut policies_by_build: HashMap<BuildId, Vec<&IsolationPolicy<'_>>> = HashMap::new();
    for (policy_path, policy) in &policies {
        for build in kustomizations.builds_of(policy_path) {
            policies_by_build.entry(build).or_default().push(policy);
        }
    }
    // (file, namespace) pairs already reported: one finding each. Per file
    // rather than per directory, so that where the finding lands does not
    // depend on which other files a run names (a pre-commit hook names only
    // the changed ones).
    let mut reported: Vec<(&str, Option<&str>)> = Vec::new();
    for (index, object) in all {
        let Some(pod) = PodSpec::of(object) else { continue };
        if pod.spec.get("hostNetwork").and_then(Node::as_bool) == Some(true) {
            continue;
        }
        let labels = object.pod_labels();
        let selects = |policy: &IsolationPolicy<'_>| policy.selects(object.namespace, &labels);
        let in_tree = policies_by_tree.related(path(*index)).any(|policy| selects(policy));
        let built_with = !policies_by_build.is_empty()
            && kustomizations
                .builds_of(path(*index))
                .iter()
                .filter_map(|build| policies_by_build.get(build))
                .flatten()
                .any(|policy| selects(policy));
        if in_tree || built_with {
            continue;
        }
        if reported.contains(&(path(*index), object.namespace)) {
            continue;
        }
        reported.push((path(*index), object.namespace));
        let namespace = match object.namespace {
            Some(namespace) => format!("namespace \"{namespace}\""),
            None => "its namespace".to_owned(),
        };
        findings.in_document(*index).report(
            "no-network-policy",
            &object.pointer.key("metadata").key("name"),
            format!(
                "no NetworkPolicy selects {} in {namespace}: every pod can reach it, and it can reach every pod",
                pod.workload()
            ),
        );
    }
}

/// Annotations that keep a cloud load balancer inside the network.
const INTERNAL_LOAD_BALANCER: &[(&str, &str)] = &[
    ("service.beta.kubernetes.io/aws-load-balancer-internal", ""),
    ("service.beta.kubernetes.io/aws-load-balancer-scheme", "internal"),
    ("networking.gke.io/load-balancer-type", "internal"),
    ("cloud.google.com/load-balancer-type", "internal"),
    ("service.beta.kubernetes.io/azure-load-balancer-internal", "true"),
    ("service.beta.kubernetes.io/oci-load-balancer-internal", "true"),
    ("service.beta.kubernetes.io/openstack-internal-load-balancer", "true"),
    ("service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type", "private"),
];

/// Whether a Service's load balancer is internal (an annotation above;
/// an empty expected value accepts any value but `false`), or its source
/// ranges keep the internet out.
fn is_internal(service: &Object<'_>) -> bool {
    let annotations = service.value.pointer("/metadata/annotations").and_then(Node::as_object);
    let annotated = annotations.is_some_and(|annotations| {
        INTERNAL_LOAD_BALANCER.iter().any(|(key, expected)| {
            let value = annotations.get(key).map(|value| match value.as_str() {
                Some(text) => text.to_ascii_lowercase(),
                None => value.to_value().to_string(),
            });
            value.is_some_and(|value| if expected.is_empty() { value != "false" } else { value == *expected })
        })
    });
    let ranges = service
        .value
        .pointer("/spec/loadBalancerSourceRanges")
        .and_then(Node::as_array)
        .map(|ranges| ranges.iter().filter_map(Node::as_str).collect::<Vec<_>>())
        .unwrap_or_default();
    annotated || (!ranges.is_empty() && ranges.iter().all(|range| !is_public_range(range)))
}

/// `0.0.0.0/0`, `::/0`, or any range outside the private, loopback and
/// link-local blocks.
fn is_public_range(range: &str) -> bool {
    let address = range.split('/').next().unwrap_or(range).trim();
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => !(v4.is_private() || v4.is_loopback() || v4.is_link_local()),
        // Unique local (fc00::/7) and loopback; everything else is routable.
        Ok(std::net::IpAddr::V6(v6)) => !(v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00),
        // A template or a name: not judged.
        Err(_) => false,
    }
}

fn check_service(service: &Object<'_>, sensitive: &[u16], findings: &mut Findings) {
    let service_type = service.value.pointer("/spec/type").and_then(Node::as_str).unwrap_or("ClusterIP");
    if !matches!(service_type, "LoadBalancer" | "NodePort") || is_internal(service) {
        return;
    }
    let (ports, pointer) = service.get(&["spec", "ports"]);
    let Some(ports) = ports.and_then(Node::as_array) else { return };
    for (index, port) in ports.iter().enumerate() {
        let Some((field, number)) = ["port", "targetPort"].into_iter().find_map(|field| {
            let number = port.get(field).and_then(Node::as_u64).and_then(|number| u16::try_from(number).ok())?;
            sensitive.contains(&number).then_some((field, number))
        }) else {
            continue;
        };
        let reach = if service_type == "LoadBalancer" { "a load balancer" } else { "every node's address" };
        findings.report(
            "exposed-sensitive-port",
            &pointer.index(index).key(field),
            format!(
                "{} ({service_type}) exposes port {number} ({}) on {reach}",
                service.describe(),
                service_name(number)
            ),
        );
    }
}

/// Annotations under which a controller provisions the Ingress' TLS
/// itself, without a `tls` section.
const MANAGED_CERTIFICATE: &[&str] = &[
    "alb.ingress.kubernetes.io/certificate-arn",
    "networking.gke.io/managed-certificates",
    "kubernetes.io/tls-acme",
    "cert-manager.io/cluster-issuer",
    "cert-manager.io/issuer",
    "service.beta.kubernetes.io/aws-load-balancer-ssl-cert",
];

/// Hosts that never leave a developer's machine or the cluster.
fn is_local_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost"
        || [".localhost", ".local", ".test", ".internal", ".cluster.local"].iter().any(|suffix| host.ends_with(suffix))
}

/// Whether `pattern` (a TLS host, possibly `*.example.com`) covers `host`.
/// A wildcard covers exactly one label, as in certificates.
fn covers(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(domain) => host.split_once('.').is_some_and(|(label, rest)| !label.is_empty() && rest == domain),
        None => pattern.eq_ignore_ascii_case(host),
    }
}

fn check_ingress(ingress: &Object<'_>, findings: &mut Findings) {
    let annotations = ingress.value.pointer("/metadata/annotations").and_then(Node::as_object);
    if annotations.is_some_and(|annotations| MANAGED_CERTIFICATE.iter().any(|key| annotations.contains_key(key))) {
        return;
    }
    let (rules, rules_pointer) = ingress.get(&["spec", "rules"]);
    let rules = rules.and_then(Node::as_array);
    let hosts: Vec<(usize, &str)> = rules
        .iter()
        .flat_map(|rules| rules.iter().enumerate())
        .filter_map(|(index, rule)| Some((index, rule.get("host").and_then(Node::as_str)?)))
        .collect();
    if !hosts.is_empty() && hosts.iter().all(|(_, host)| is_local_host(host)) {
        return;
    }
    let tls = ingress.value.pointer("/spec/tls").and_then(Node::as_array).filter(|tls| !tls.is_empty());
    let Some(tls) = tls else {
        // Without rules, the default backend answers every host.
        let pointer = if rules.is_some() { rules_pointer } else { ingress.pointer.key("spec") };
        findings.report("ingress-without-tls", &pointer, format!("{} serves HTTP without TLS", ingress.describe()));
        return;
    };
    // A `tls` entry without hosts covers the controller's default
    // certificate for every host.
    if tls.iter().any(|entry| entry.get("hosts").and_then(Node::as_array).is_none_or(|hosts| hosts.is_empty())) {
        return;
    }
    let tls_hosts: Vec<&str> = tls
        .iter()
        .filter_map(|entry| entry.get("hosts").and_then(Node::as_array))
        .flat_map(|hosts| hosts.iter().filter_map(Node::as_str))
        .collect();
    for (index, host) in hosts {
        if is_local_host(host) || tls_hosts.iter().any(|pattern| covers(pattern, host)) {
            continue;
        }
        findings.report(
            "ingress-without-tls",
            &rules_pointer.index(index).key("host"),
            format!("{} serves host {host} without TLS: no tls entry names it", ingress.describe()),
        );
    }
}

tenken_sdk::export_policy!(NetworkIsolation);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use tenken_sdk::check_documents;

    fn run(trees: Vec<(&str, Value)>) -> Vec<(String, usize, String)> {
        let documents = trees.into_iter().map(|(path, tree)| (path.to_owned(), tree)).collect();
        let settings = Settings { ports: default_ports() };
        let findings = check_documents::<NetworkIsolation>("kubernetes", documents, &settings);
        findings.into_iter().map(|f| (f.rule, f.document as usize, f.pointer)).collect()
    }

    fn deployment(name: &str) -> Value {
        json!({"kind": "Deployment", "metadata": {"name": name, "namespace": "shop"},
            "spec": {"template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": name, "image": "app:1.0"}]}}}})
    }

    fn policy(selector: Value) -> Value {
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "p", "namespace": "shop"}, "spec": {"podSelector": selector}})
    }

    #[test]
    fn one_finding_per_file_and_namespace_without_a_policy() {
        assert_eq!(
            run(vec![("app/web.yaml", deployment("web")), ("app/api.yaml", deployment("api"))]),
            vec![
                ("no-network-policy".into(), 0, "/metadata/name".into()),
                ("no-network-policy".into(), 1, "/metadata/name".into())
            ]
        );
        let list = json!({"kind": "List", "items": [deployment("web"), deployment("api")]});
        assert_eq!(
            run(vec![("app/all.yaml", list)]),
            vec![("no-network-policy".into(), 0, "/items/0/metadata/name".into())]
        );
        let only_web = policy(json!({"matchLabels": {"app": "web"}}));
        assert_eq!(
            run(vec![
                ("app/web.yaml", deployment("web")),
                ("app/api.yaml", deployment("api")),
                ("app/p.yaml", only_web)
            ]),
            vec![("no-network-policy".into(), 1, "/metadata/name".into())]
        );
        let deny_all = policy(json!({}));
        assert!(run(vec![("app/web.yaml", deployment("web")), ("app/p.yaml", deny_all.clone())]).is_empty());
        // A policy of another application's directory isolates nothing here.
        assert_eq!(run(vec![("app/web.yaml", deployment("web")), ("other/p.yaml", deny_all)]).len(), 1);
    }

    #[test]
    fn load_balancers_that_expose_data_ports() {
        let service = |annotations: Value, ranges: Value| {
            json!({"kind": "Service", "metadata": {"name": "db", "annotations": annotations},
                "spec": {"type": "LoadBalancer", "loadBalancerSourceRanges": ranges,
                    "ports": [{"port": 443, "targetPort": 8443}, {"port": 5432}]}})
        };
        assert_eq!(
            run(vec![("db.yaml", service(json!({}), json!([])))]),
            vec![("exposed-sensitive-port".into(), 0, "/spec/ports/1/port".into())]
        );
        let internal = json!({"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"});
        assert!(run(vec![("db.yaml", service(internal, json!([])))]).is_empty());
        assert!(run(vec![("db.yaml", service(json!({}), json!(["10.0.0.0/8"])))]).is_empty());
        assert_eq!(run(vec![("db.yaml", service(json!({}), json!(["0.0.0.0/0"])))]).len(), 1);
    }

    #[test]
    fn ingress_hosts_need_tls() {
        let ingress = |tls: Value| {
            json!({"kind": "Ingress", "metadata": {"name": "web"}, "spec": {"tls": tls,
                "rules": [{"host": "shop.example.com"}, {"host": "api.example.com"}, {"host": "web.local"}]}})
        };
        assert_eq!(
            run(vec![("i.yaml", ingress(json!([])))]),
            vec![("ingress-without-tls".into(), 0, "/spec/rules".into())]
        );
        assert_eq!(
            run(vec![("i.yaml", ingress(json!([{"hosts": ["shop.example.com"], "secretName": "s"}])))]),
            vec![("ingress-without-tls".into(), 0, "/spec/rules/1/host".into())]
        );
        assert!(run(vec![("i.yaml", ingress(json!([{"hosts": ["*.example.com"], "secretName": "s"}])))]).is_empty());
        assert!(covers("*.example.com", "api.example.com"));
        assert!(!covers("*.example.com", "a.b.example.com"));
        assert!(!covers("*.example.com", "example.com"));
    }
}
