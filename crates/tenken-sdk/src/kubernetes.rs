//! Walks Kubernetes objects: every object of a document (the document
//! itself, or each item of a `List`), every pod spec of every pod-bearing
//! workload, and every container in it, each with its JSON pointer.

use crate::Node;

use crate::Pointer;

/// The kind of a document that patches a Kubernetes object defined
/// elsewhere, such as a file a kustomization lists under `patches`. Only
/// plugins that list it among their kinds are given such documents. It
/// holds only what the patch changes, so a rule that reports something
/// *missing* must stay silent on it (see [`crate::Document::is_partial`]);
/// a rule that reports something *present and wrong* applies as usual.
pub const PATCH_KIND: &str = "kubernetes-patch";

/// The kinds of a plugin whose rules report settings that are present and
/// wrong, and so apply to patches too: whole objects and patches.
pub fn kinds_with_patches() -> Vec<String> {
    vec!["kubernetes".to_owned(), PATCH_KIND.to_owned()]
}

/// A Kubernetes object: a whole document, or an item of a `List`.
#[derive(Debug, Clone)]
pub struct Object<'a> {
    /// `kind`, e.g. `Deployment`.
    pub kind: &'a str,
    /// `metadata.name`, if set.
    pub name: Option<&'a str>,
    /// `metadata.namespace`, if set.
    pub namespace: Option<&'a str>,
    /// Pointer to the object.
    pub pointer: Pointer,
    /// The object.
    pub value: Node<'a>,
}

impl<'a> Object<'a> {
    /// `apiVersion`, if set.
    pub fn api_version(&self) -> Option<&'a str> {
        self.value.get("apiVersion").and_then(Node::as_str)
    }

    /// Whether the object is written against an API version clusters no
    /// longer serve (`extensions/v1beta1` Ingresses, `rbac.authorization.k8s.io/v1beta1`
    /// roles): no cluster accepts it, so practices leave it to the one
    /// finding that applies ([`crate::removed_api`]) and judge it once
    /// migrated.
    pub fn is_of_removed_api(&self) -> bool {
        self.api_version().is_some_and(|version| crate::removed_api::removed_api(version, self.kind).is_some())
    }

    /// `Deployment "web"`, for messages.
    pub fn describe(&self) -> String {
        describe(self.kind, self.name)
    }

    /// The value at `path` below the object, with its pointer.
    pub fn get(&self, path: &[&str]) -> (Option<Node<'a>>, Pointer) {
        let mut value = Some(self.value);
        let mut pointer = self.pointer.clone();
        for segment in path {
            value = value.and_then(|current| current.get(segment));
            pointer = pointer.key(segment);
        }
        (value, pointer)
    }

    /// The labels of the pods the object runs: its own for a Pod, its pod
    /// template's for a workload; none for other kinds.
    pub fn pod_labels(&self) -> Vec<(&'a str, &'a str)> {
        let Some(workload) = workload_kind(self.kind) else { return Vec::new() };
        // The pod spec sits under the template's `spec`; its labels under
        // the same template's `metadata`.
        let template = &workload.pod_spec[..workload.pod_spec.len() - 1];
        let path: Vec<&str> = template.iter().copied().chain(["metadata", "labels"]).collect();
        self.labels(&path)
    }

    /// `metadata.labels` (or, with `template`, the pod template's labels)
    /// as string pairs.
    pub fn labels(&self, path: &[&str]) -> Vec<(&'a str, &'a str)> {
        match self.get(path).0.and_then(Node::as_object) {
            Some(labels) => labels.iter().filter_map(|(key, value)| Some((key, value.as_str()?))).collect(),
            None => Vec::new(),
        }
    }
}

fn describe(kind: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{kind} \"{name}\""),
        None => kind.to_owned(),
    }
}

/// Every object in a document: the document itself, or each item of a
/// `List` (any kind ending in `List` with `items`), in order. Documents
/// without a string `kind` hold no objects.
pub fn objects(document: Node<'_>) -> Vec<Object<'_>> {
    let mut found = Vec::new();
    let Some(kind) = document.get("kind").and_then(Node::as_str) else { return found };
    let items = document.get("items").and_then(Node::as_array).filter(|_| kind.ends_with("List"));
    match items {
        Some(items) => {
            for (index, item) in items.iter().enumerate() {
                if let Some(object) = object(item, Pointer::root().key("items").index(index)) {
                    found.push(object);
                }
            }
        }
        None => found.extend(object(document, Pointer::root())),
    }
    found
}

/// Every object of every document of a project call, each with the index
/// of its document (for [`crate::Findings::in_document`]), in order.
pub fn objects_of_documents<'a>(documents: &[crate::Document<'a>]) -> Vec<(usize, Object<'a>)> {
    documents
        .iter()
        .enumerate()
        .flat_map(|(index, document)| objects(document.tree).into_iter().map(move |object| (index, object)))
        .collect()
}

fn object(value: Node<'_>, pointer: Pointer) -> Option<Object<'_>> {
    let kind = value.get("kind").and_then(Node::as_str)?;
    Some(Object {
        kind,
        name: value.pointer("/metadata/name").and_then(Node::as_str),
        namespace: value.pointer("/metadata/namespace").and_then(Node::as_str),
        pointer,
        value,
    })
}

/// A pod spec inside a Kubernetes object.
#[derive(Debug, Clone)]
pub struct PodSpec<'a> {
    /// The object's kind, e.g. `Deployment`.
    pub workload_kind: &'a str,
    /// The object's `metadata.name`, if set.
    pub workload_name: Option<&'a str>,
    /// Pointer to the object (the root, or an item of a `List`).
    pub workload_pointer: Pointer,
    /// Pointer to the pod spec.
    pub pointer: Pointer,
    /// The pod spec.
    pub spec: Node<'a>,
}

/// Which container list a container is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerList {
    /// `containers`: the workload itself.
    Containers,
    /// `initContainers`: run to completion before the others start.
    InitContainers,
    /// `ephemeralContainers`: debugging containers added at runtime.
    EphemeralContainers,
}

impl ContainerList {
    /// Every list, in the order the pod spec declares them.
    pub const ALL: &'static [ContainerList] =
        &[ContainerList::Containers, ContainerList::InitContainers, ContainerList::EphemeralContainers];

    /// The lists a pod template declares up front. Ephemeral containers,
    /// added to a running pod to debug it, can set neither resources nor
    /// probes nor most of a security context.
    pub const DECLARED: &'static [ContainerList] = &[ContainerList::Containers, ContainerList::InitContainers];

    /// The field name in the pod spec.
    pub fn field(self) -> &'static str {
        match self {
            ContainerList::Containers => "containers",
            ContainerList::InitContainers => "initContainers",
            ContainerList::EphemeralContainers => "ephemeralContainers",
        }
    }

    /// How to name a container of this list in a message.
    pub fn noun(self) -> &'static str {
        match self {
            ContainerList::Containers => "container",
            ContainerList::InitContainers => "init container",
            ContainerList::EphemeralContainers => "ephemeral container",
        }
    }
}

/// A container of a pod spec.
#[derive(Debug, Clone)]
pub struct Container<'a> {
    /// Which list it is in.
    pub list: ContainerList,
    /// Its `name`, or `#<index>` when unnamed.
    pub name: String,
    /// Pointer to the container.
    pub pointer: Pointer,
    /// The container.
    pub value: Node<'a>,
}

/// A kind of object that runs pods, as every Kubernetes practice sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkloadKind {
    /// `kind`, e.g. `Deployment`.
    pub kind: &'static str,
    /// Where the pod spec sits in an object of this kind.
    pub pod_spec: &'static [&'static str],
    /// Whether `spec.replicas` sets how many copies serve, so that
    /// replica counts, disruption budgets and spreading apply.
    pub replicated: bool,
}

const TEMPLATE: &[&str] = &["spec", "template", "spec"];

/// Every kind that runs pods: the one table the Kubernetes practices share,
/// so a kind added here (OpenShift's DeploymentConfig, Argo Rollouts'
/// Rollout) is seen by all of them at once.
pub const WORKLOAD_KINDS: &[WorkloadKind] = &[
    WorkloadKind { kind: "Pod", pod_spec: &["spec"], replicated: false },
    WorkloadKind { kind: "Deployment", pod_spec: TEMPLATE, replicated: true },
    WorkloadKind { kind: "StatefulSet", pod_spec: TEMPLATE, replicated: true },
    // OpenShift's (apps.openshift.io) and Argo Rollouts' (argoproj.io)
    // replacements for Deployment, with the same pod template.
    WorkloadKind { kind: "DeploymentConfig", pod_spec: TEMPLATE, replicated: true },
    WorkloadKind { kind: "Rollout", pod_spec: TEMPLATE, replicated: true },
    WorkloadKind { kind: "DaemonSet", pod_spec: TEMPLATE, replicated: false },
    // Usually owned by a Deployment, which is where replicas are set.
    WorkloadKind { kind: "ReplicaSet", pod_spec: TEMPLATE, replicated: false },
    WorkloadKind { kind: "ReplicationController", pod_spec: TEMPLATE, replicated: false },
    WorkloadKind { kind: "Job", pod_spec: TEMPLATE, replicated: false },
    WorkloadKind { kind: "CronJob", pod_spec: &["spec", "jobTemplate", "spec", "template", "spec"], replicated: false },
    WorkloadKind { kind: "PodTemplate", pod_spec: &["template", "spec"], replicated: false },
];

/// What tenken knows about `kind` as a workload, if it runs pods.
pub fn workload_kind(kind: &str) -> Option<&'static WorkloadKind> {
    WORKLOAD_KINDS.iter().find(|workload| workload.kind == kind)
}

/// Whether `spec.replicas` of `kind` sets how many copies serve:
/// Deployments, StatefulSets, DeploymentConfigs and Rollouts.
pub fn is_replicated(kind: &str) -> bool {
    workload_kind(kind).is_some_and(|workload| workload.replicated)
}

/// Every pod spec in a document, including those of a `List`'s items.
pub fn pod_specs(document: Node<'_>) -> Vec<PodSpec<'_>> {
    objects(document).into_iter().filter_map(|object| PodSpec::of(&object)).collect()
}

/// Visits every container in `lists` of every pod spec of a document, with
/// its pod: the walk most Kubernetes practices make.
pub fn each_container<'a>(
    document: Node<'a>,
    lists: &[ContainerList],
    mut visit: impl FnMut(&PodSpec<'a>, &Container<'a>),
) {
    for pod in pod_specs(document) {
        for container in pod.containers(lists) {
            visit(&pod, &container);
        }
    }
}

impl<'a> PodSpec<'a> {
    /// The pod spec of a pod-bearing object, if it has one. An object of
    /// a removed API version (`extensions/v1beta1` Deployments) has none
    /// for the practices: no cluster accepts it, and
    /// [`crate::removed_api`] is the one finding that applies.
    pub fn of(object: &Object<'a>) -> Option<Self> {
        let path = workload_kind(object.kind)?.pod_spec;
        if object.is_of_removed_api() {
            return None;
        }
        let (spec, pointer) = object.get(path);
        let spec = spec.filter(|spec| spec.is_object())?;
        Some(PodSpec {
            workload_kind: object.kind,
            workload_name: object.name,
            workload_pointer: object.pointer.clone(),
            pointer,
            spec,
        })
    }

    /// `Deployment "web"`, for messages.
    pub fn workload(&self) -> String {
        describe(self.workload_kind, self.workload_name)
    }

    /// Whether the pod runs to completion rather than serving: Jobs,
    /// CronJobs, and pods that are not restarted when they exit.
    pub fn runs_to_completion(&self) -> bool {
        matches!(self.workload_kind, "Job" | "CronJob")
            || matches!(self.spec.get("restartPolicy").and_then(Node::as_str), Some("Never" | "OnFailure"))
    }

    /// Whether the pod runs on Windows nodes (`spec.os.name: windows`),
    /// where Linux-only settings such as seccomp and `runAsNonRoot` do not
    /// apply.
    pub fn is_windows(&self) -> bool {
        self.spec.pointer("/os/name").and_then(Node::as_str) == Some("windows")
    }

    /// The containers of the given lists, in list order then position.
    pub fn containers(&self, lists: &[ContainerList]) -> Vec<Container<'a>> {
        let mut containers = Vec::new();
        for &list in lists {
            let Some(items) = self.spec.get(list.field()).and_then(Node::as_array) else { continue };
            for (index, value) in items.iter().enumerate() {
                let name = value.get("name").and_then(Node::as_str).map_or_else(|| format!("#{index}"), str::to_owned);
                containers.push(Container { list, name, pointer: self.pointer.key(list.field()).index(index), value });
            }
        }
        containers
    }
}

impl Container<'_> {
    /// `container "web"` or `init container "migrate"`, for messages.
    pub fn describe(&self) -> String {
        format!("{} \"{}\"", self.list.noun(), self.name)
    }

    /// Whether the container runs for the pod's lifetime: regular
    /// containers, and native sidecars (init containers with
    /// `restartPolicy: Always`).
    pub fn is_long_running(&self) -> bool {
        match self.list {
            ContainerList::Containers => true,
            ContainerList::InitContainers => self.value.get("restartPolicy").and_then(Node::as_str) == Some("Always"),
            ContainerList::EphemeralContainers => false,
        }
    }
}

/// Whether two objects' namespaces are the same, for relating objects across
/// documents. An unset namespace matches any: manifests often get theirs
/// from kubectl or Kustomize at deploy time.
pub fn same_namespace(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// The value a deploy-time placeholder stands for when its variable is
/// unset: `${NAME:-web}` and `${NAME-web}` read as `web`, as envsubst and
/// the shell expand them. Any other text is returned as it is.
pub fn placeholder_default(text: &str) -> &str {
    let Some(inner) = text.strip_prefix("${").and_then(|rest| rest.strip_suffix('}')) else { return text };
    let name_end = inner.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(inner.len());
    let (name, rest) = inner.split_at(name_end);
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return text;
    }
    rest.strip_prefix(":-")
        .or_else(|| rest.strip_prefix('-'))
        .filter(|default| !default.contains(['}', '$']))
        .unwrap_or(text)
}

/// Whether two files sit in one directory tree: the same directory, or one
/// inside the other. Cross-document practices relate a workload only to
/// the budgets and autoscalers of its own application: in a repository of
/// many samples or services, an autoscaler that happens to target the same
/// name in another application's directory says nothing about this one.
pub fn same_tree(a: &str, b: &str) -> bool {
    let (a, b) = (directory_of(a), directory_of(b));
    let inside = |inner: &str, outer: &str| {
        outer.is_empty() || inner.strip_prefix(outer).is_some_and(|rest| rest.starts_with('/'))
    };
    a == b || inside(a, b) || inside(b, a)
}

/// Items filed by the directory of the file they come from, to find the
/// ones [`same_tree`] relates to a path without comparing every pair: a
/// project call over a monorepo holds thousands of workloads and budgets,
/// and pairwise matching ran past the plugins' deadline.
#[derive(Debug)]
pub struct TreeIndex<'a, T> {
    by_directory: std::collections::BTreeMap<&'a str, Vec<T>>,
}

impl<'a, T> TreeIndex<'a, T> {
    /// Files each item under the directory of its file's path.
    pub fn new(items: impl IntoIterator<Item = (&'a str, T)>) -> Self {
        let mut by_directory: std::collections::BTreeMap<&'a str, Vec<T>> = std::collections::BTreeMap::new();
        for (path, item) in items {
            by_directory.entry(directory_of(path)).or_default().push(item);
        }
        Self { by_directory }
    }

    /// The items whose files sit in one directory tree with `path` (see
    /// [`same_tree`]): in its directory, above it, or below it. Items of
    /// one directory come in the order they were filed.
    pub fn related<'s>(&'s self, path: &'s str) -> impl Iterator<Item = &'s T> + 's {
        let directory = directory_of(path);
        // The directory itself and every directory above it, root first (an
        // absolute path's leading `/` is the root, not a directory above).
        let ancestors = std::iter::once("")
            .chain(directory.match_indices('/').filter(|(at, _)| *at > 0).map(move |(at, _)| &directory[..at]))
            .chain((!directory.is_empty()).then_some(directory))
            .filter_map(|ancestor| self.by_directory.get(ancestor));
        // Every directory below it: the keys from `directory/` on that
        // start with it. From the root, every key but the root's own.
        let (start, prefix) = match directory {
            "" => (std::ops::Bound::Excluded(String::new()), String::new()),
            _ => {
                let prefix = format!("{directory}/");
                (std::ops::Bound::Included(prefix.clone()), prefix)
            }
        };
        let below = self
            .by_directory
            .range::<str, _>((start.as_ref().map(String::as_str), std::ops::Bound::Unbounded))
            .take_while(move |(key, _)| key.starts_with(&prefix))
            .map(|(_, items)| items);
        ancestors.chain(below).flatten()
    }
}

fn directory_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(directory, _)| directory)
}

/// Whether every label of `wanted`, a plain label map as a Service's
/// selector or a `matchLabels` is, has its value among `labels`. A map that
/// is not an object matches nothing.
pub fn labels_match(wanted: Node<'_>, labels: &[(&str, &str)]) -> bool {
    let Some(wanted) = wanted.as_object() else { return false };
    wanted
        .iter()
        .all(|(key, value)| labels.iter().find(|(name, _)| *name == key).map(|(_, value)| *value) == value.as_str())
}

/// Whether a label selector (`matchLabels` and `matchExpressions`) selects
/// an object with `labels`. An empty selector selects everything, as in
/// `policy/v1` PodDisruptionBudgets; a selector that is not an object, or
/// holds an operator this function does not know, selects nothing.
pub fn selector_matches(selector: Node<'_>, labels: &[(&str, &str)]) -> bool {
    let Some(selector) = selector.as_object() else { return false };
    let label = |key: &str| labels.iter().find(|(name, _)| *name == key).map(|(_, value)| *value);
    if let Some(match_labels) = selector.get("matchLabels")
        && !labels_match(match_labels, labels)
    {
        return false;
    }
    let mut expressions = selector.get("matchExpressions").and_then(Node::as_array).into_iter().flatten();
    expressions.all(|expression| {
        let Some(key) = expression.get("key").and_then(Node::as_str) else { return false };
        let values: Vec<&str> = expression
            .get("values")
            .and_then(Node::as_array)
            .map(|values| values.iter().filter_map(Node::as_str).collect())
            .unwrap_or_default();
        match expression.get("operator").and_then(Node::as_str) {
            Some("In") => label(key).is_some_and(|value| values.contains(&value)),
            Some("NotIn") => label(key).is_none_or(|value| !values.contains(&value)),
            Some("Exists") => label(key).is_some(),
            Some("DoesNotExist") => label(key).is_none(),
            _ => false,
        }
    })
}

/// A `securityContext` field in effect for a container, and where it is set.
#[derive(Debug, Clone)]
pub struct SecuritySetting<'a> {
    /// The value in effect.
    pub value: Node<'a>,
    /// Where it is set: the container's or the pod's `securityContext`.
    pub pointer: Pointer,
    /// Whether it comes from the pod's `securityContext`.
    pub from_pod: bool,
}

/// The value of `field` in effect for `container`: its own
/// `securityContext.<field>` if set, else the pod's, as Kubernetes applies
/// them. Only for fields both levels have (`runAsUser`, `runAsNonRoot`,
/// `seccompProfile`, ...); see [`container_security_setting`] for the rest.
pub fn security_setting<'a>(pod: &PodSpec<'a>, container: &Container<'a>, field: &str) -> Option<SecuritySetting<'a>> {
    let own = container.value.get("securityContext").and_then(|context| context.get(field));
    if let Some(value) = own.filter(|value| !value.is_null()) {
        let pointer = container.pointer.key("securityContext").key(field);
        return Some(SecuritySetting { value, pointer, from_pod: false });
    }
    let inherited = pod.spec.get("securityContext").and_then(|context| context.get(field));
    inherited.filter(|value| !value.is_null()).map(|value| SecuritySetting {
        value,
        pointer: pod.pointer.key("securityContext").key(field),
        from_pod: true,
    })
}

/// The value of a field only containers have (`privileged`,
/// `allowPrivilegeEscalation`, `readOnlyRootFilesystem`, `capabilities`):
/// a pod-level one would be ignored by Kubernetes, so it is ignored here.
pub fn container_security_setting<'a>(container: &Container<'a>, field: &str) -> Option<SecuritySetting<'a>> {
    let value = container.value.get("securityContext").and_then(|context| context.get(field))?;
    (!value.is_null()).then(|| SecuritySetting {
        value,
        pointer: container.pointer.key("securityContext").key(field),
        from_pod: false,
    })
}

/// Where a missing `securityContext.<field>` belongs: the container's
/// `securityContext` if it has one, else the container.
pub fn security_context_pointer(container: &Container<'_>) -> Pointer {
    if container.value.get("securityContext").is_some_and(Node::is_object) {
        container.pointer.key("securityContext")
    } else {
        container.pointer.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OwnedTree;

    #[test]
    fn placeholders_read_as_their_default() {
        assert_eq!(placeholder_default("${SERVICE_ACCOUNT_NAME:-default}"), "default");
        assert_eq!(placeholder_default("${NS-shop}"), "shop");
        for text in ["${NAME}", "web", "${1:-x}", "prefix-${NAME:-x}", "${A:-${B}}"] {
            assert_eq!(placeholder_default(text), text);
        }
    }
    use serde_json::json;

    #[test]
    fn finds_pod_specs_in_workloads_cronjobs_and_lists() {
        let cronjob = OwnedTree::new(&json!({"kind": "CronJob", "metadata": {"name": "nightly"},
            "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "job"}]}}}}}}));
        let specs = pod_specs(cronjob.root());
        assert_eq!(specs.len(), 1);
        assert_eq!(specs[0].pointer.as_str(), "/spec/jobTemplate/spec/template/spec");
        assert_eq!(specs[0].workload_name, Some("nightly"));

        let list = OwnedTree::new(&json!({"kind": "List", "items": [
            {"kind": "Service", "spec": {}},
            {"kind": "Pod", "spec": {"containers": []}}]}));
        let specs = pod_specs(list.root());
        assert_eq!(specs.len(), 1);
        assert_eq!(specs[0].pointer.as_str(), "/items/1/spec");

        assert!(pod_specs(crate::OwnedTree::new(&json!({"kind": "Deployment", "spec": {}})).root()).is_empty());
    }

    #[test]
    fn deployment_replacements_are_replicated_workloads() {
        let template = json!({"spec": {"containers": [{"name": "web"}]}});
        for kind in ["DeploymentConfig", "Rollout"] {
            let document =
                OwnedTree::new(&json!({"kind": kind, "metadata": {"name": "web"}, "spec": {"template": template}}));
            let specs = pod_specs(document.root());
            assert_eq!(specs.len(), 1, "{kind}");
            assert_eq!(specs[0].pointer.as_str(), "/spec/template/spec");
            assert!(is_replicated(kind), "{kind}");
        }
        assert!(is_replicated("Deployment") && is_replicated("StatefulSet"));
        assert!(!is_replicated("DaemonSet") && !is_replicated("Job") && !is_replicated("Service"));
        let kinds: std::collections::BTreeSet<&str> = WORKLOAD_KINDS.iter().map(|workload| workload.kind).collect();
        assert_eq!(kinds.len(), WORKLOAD_KINDS.len(), "each kind once");
    }

    #[test]
    fn container_settings_override_pod_settings() {
        let pod = OwnedTree::new(
            &json!({"kind": "Pod", "spec": {"securityContext": {"runAsNonRoot": true, "runAsUser": 1000},
            "containers": [{"name": "a", "securityContext": {"runAsNonRoot": false}}, {"name": "b"}]}}),
        );
        let specs = pod_specs(pod.root());
        let containers = specs[0].containers(&[ContainerList::Containers]);
        let own = security_setting(&specs[0], &containers[0], "runAsNonRoot").unwrap();
        assert_eq!(
            (own.value, own.pointer.as_str(), own.from_pod),
            (crate::OwnedTree::new(&json!(false)).root(), "/spec/containers/0/securityContext/runAsNonRoot", false)
        );
        let inherited = security_setting(&specs[0], &containers[1], "runAsNonRoot").unwrap();
        assert_eq!(
            (inherited.value, inherited.pointer.as_str(), inherited.from_pod),
            (crate::OwnedTree::new(&json!(true)).root(), "/spec/securityContext/runAsNonRoot", true)
        );
        assert!(security_setting(&specs[0], &containers[1], "privileged").is_none());
        assert!(container_security_setting(&containers[1], "runAsNonRoot").is_none());
        assert!(container_security_setting(&containers[0], "runAsNonRoot").is_some());
        assert_eq!(security_context_pointer(&containers[0]).as_str(), "/spec/containers/0/securityContext");
        assert_eq!(security_context_pointer(&containers[1]).as_str(), "/spec/containers/1");
    }

    #[test]
    fn objects_flatten_lists_and_describe_themselves() {
        let list = OwnedTree::new(
            &json!({"kind": "ConfigMapList", "items": [{"kind": "ConfigMap", "metadata": {"name": "a", "namespace": "ns"}}, 3]}),
        );
        let found = objects(list.root());
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].describe(), found[0].namespace, found[0].pointer.as_str()),
            ("ConfigMap \"a\"".to_owned(), Some("ns"), "/items/0")
        );
        assert!(objects(crate::OwnedTree::new(&json!({"apiVersion": "v1"})).root()).is_empty());
    }

    #[test]
    fn related_files_share_a_directory_tree() {
        assert!(same_tree("app/deploy.yaml", "app/hpa.yaml"));
        assert!(same_tree("app/deploy.yaml", "app/autoscaling/hpa.yaml"));
        assert!(same_tree("app/overlays/prod/deploy.yaml", "app/pdb.yaml"));
        assert!(same_tree("deploy.yaml", "any/where/pdb.yaml"));
        assert!(!same_tree("samples/a/deploy.yaml", "samples/b/hpa.yaml"));
        assert!(!same_tree("app/deploy.yaml", "application/hpa.yaml"));
    }

    #[test]
    fn selectors_match_labels_and_expressions() {
        let labels = [("app", "web"), ("tier", "front")];
        assert!(selector_matches(crate::OwnedTree::new(&json!({"matchLabels": {"app": "web"}})).root(), &labels));
        assert!(!selector_matches(crate::OwnedTree::new(&json!({"matchLabels": {"app": "api"}})).root(), &labels));
        assert!(selector_matches(crate::OwnedTree::new(&json!({})).root(), &labels));
        assert!(!selector_matches(crate::OwnedTree::new(&json!(null)).root(), &labels));
        let expressions = OwnedTree::new(&json!({"matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["front", "edge"]},
            {"key": "canary", "operator": "DoesNotExist"},
            {"key": "app", "operator": "NotIn", "values": ["db"]}]}));
        assert!(selector_matches(expressions.root(), &labels));
        assert!(!selector_matches(
            crate::OwnedTree::new(&json!({"matchExpressions": [{"key": "app", "operator": "Gt"}]})).root(),
            &labels
        ));
    }

    #[test]
    fn lists_containers_with_pointers() {
        let pod = OwnedTree::new(&json!({"kind": "Pod", "spec": {
            "initContainers": [{"name": "migrate"}],
            "containers": [{"name": "web"}, {}]}}));
        let specs = pod_specs(pod.root());
        let containers = specs[0].containers(&[ContainerList::Containers, ContainerList::InitContainers]);
        let summary: Vec<(String, String)> =
            containers.iter().map(|c| (c.name.clone(), c.pointer.to_string())).collect();
        assert_eq!(
            summary,
            vec![
                ("web".to_owned(), "/spec/containers/0".to_owned()),
                ("#1".to_owned(), "/spec/containers/1".to_owned()),
                ("migrate".to_owned(), "/spec/initContainers/0".to_owned()),
            ]
        );
    }

    #[test]
    fn a_tree_index_finds_what_same_tree_relates() {
        let paths = [
            "a.yaml",
            "svc/a.yaml",
            "svc/x/b.yaml",
            "svc-2/c.yaml",
            "svc/x/y/d.yaml",
            "other/e.yaml",
            "svc.d/f.yaml",
            "/root.yaml",
            "/abs/g.yaml",
            "/abs/deep/h.yaml",
        ];
        let index = TreeIndex::new(paths.iter().map(|path| (*path, *path)));
        let probes = [
            "svc/x/z.yaml",
            "svc/p.yaml",
            "top.yaml",
            "svc-2/q.yaml",
            "other/deep/r.yaml",
            "svc.d/s.yaml",
            "/abs/deep/i.yaml",
        ];
        for probe in probes {
            let mut found: Vec<&str> = index.related(probe).copied().collect();
            found.sort_unstable();
            let mut wanted: Vec<&str> = paths.iter().copied().filter(|path| same_tree(probe, path)).collect();
            wanted.sort_unstable();
            assert_eq!(found, wanted, "{probe}");
        }
    }
}
