//! Walks Kubernetes objects: every pod spec of every pod-bearing workload,
//! and every container in it, each with its JSON pointer.

use serde_json::Value;

use crate::Pointer;

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
    pub spec: &'a Value,
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
    pub value: &'a Value,
}

/// Where the pod spec sits in each pod-bearing kind.
fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "Pod" => Some(&["spec"]),
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "ReplicationController" | "Job" => {
            Some(&["spec", "template", "spec"])
        }
        "CronJob" => Some(&["spec", "jobTemplate", "spec", "template", "spec"]),
        "PodTemplate" => Some(&["template", "spec"]),
        _ => None,
    }
}

/// Every pod spec in `object`, including those of a `List`'s items.
pub fn pod_specs(object: &Value) -> Vec<PodSpec<'_>> {
    let mut found = Vec::new();
    collect_pod_specs(object, Pointer::root(), &mut found);
    found
}

fn collect_pod_specs<'a>(object: &'a Value, pointer: Pointer, found: &mut Vec<PodSpec<'a>>) {
    let Some(kind) = object.get("kind").and_then(Value::as_str) else { return };
    if kind.ends_with("List") {
        if let Some(items) = object.get("items").and_then(Value::as_array) {
            for (index, item) in items.iter().enumerate() {
                collect_pod_specs(item, pointer.key("items").index(index), found);
            }
        }
        return;
    }
    let Some(path) = pod_spec_path(kind) else { return };
    let mut spec = object;
    let mut spec_pointer = pointer.clone();
    for segment in path {
        match spec.get(segment) {
            Some(next) => spec = next,
            None => return,
        }
        spec_pointer = spec_pointer.key(segment);
    }
    if !spec.is_object() {
        return;
    }
    found.push(PodSpec {
        workload_kind: kind,
        workload_name: object.pointer("/metadata/name").and_then(Value::as_str),
        workload_pointer: pointer,
        pointer: spec_pointer,
        spec,
    });
}

impl<'a> PodSpec<'a> {
    /// The containers of the given lists, in list order then position.
    pub fn containers(&self, lists: &[ContainerList]) -> Vec<Container<'a>> {
        let mut containers = Vec::new();
        for &list in lists {
            let Some(items) = self.spec.get(list.field()).and_then(Value::as_array) else { continue };
            for (index, value) in items.iter().enumerate() {
                let name = value.get("name").and_then(Value::as_str).map_or_else(|| format!("#{index}"), str::to_owned);
                containers.push(Container { list, name, pointer: self.pointer.key(list.field()).index(index), value });
            }
        }
        containers
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_pod_specs_in_workloads_cronjobs_and_lists() {
        let cronjob = json!({"kind": "CronJob", "metadata": {"name": "nightly"},
            "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "job"}]}}}}}});
        let specs = pod_specs(&cronjob);
        assert_eq!(specs.len(), 1);
        assert_eq!(specs[0].pointer.as_str(), "/spec/jobTemplate/spec/template/spec");
        assert_eq!(specs[0].workload_name, Some("nightly"));

        let list = json!({"kind": "List", "items": [
            {"kind": "Service", "spec": {}},
            {"kind": "Pod", "spec": {"containers": []}}]});
        let specs = pod_specs(&list);
        assert_eq!(specs.len(), 1);
        assert_eq!(specs[0].pointer.as_str(), "/items/1/spec");

        assert!(pod_specs(&json!({"kind": "Deployment", "spec": {}})).is_empty());
    }

    #[test]
    fn lists_containers_with_pointers() {
        let pod = json!({"kind": "Pod", "spec": {
            "initContainers": [{"name": "migrate"}],
            "containers": [{"name": "web"}, {}]}});
        let specs = pod_specs(&pod);
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
}
