//! Walks Compose files: the services and what they depend on.

use crate::{Node, Pointer, Shape};

/// One service of a Compose file.
#[derive(Debug, Clone)]
pub struct Service<'a> {
    /// The service's key under `services`.
    pub name: &'a str,
    /// Pointer to the service.
    pub pointer: Pointer,
    /// The service.
    pub value: Node<'a>,
}

/// Every service, in file order.
pub fn services(tree: Node<'_>) -> Vec<Service<'_>> {
    let Some(services) = tree.get("services").and_then(Node::as_object) else { return Vec::new() };
    services
        .iter()
        .filter(|(_, value)| value.is_object())
        .map(|(name, value)| Service { name, pointer: Pointer::root().key("services").key(name), value })
        .collect()
}

/// One entry of a service's `depends_on`.
#[derive(Debug, Clone)]
pub struct Dependency<'a> {
    /// The service depended on.
    pub service: &'a str,
    /// The `condition`, if the long form gives one.
    pub condition: Option<&'a str>,
    /// Pointer to the entry.
    pub pointer: Pointer,
}

impl<'a> Service<'a> {
    /// The service's `depends_on`, in either the list or the map form.
    pub fn dependencies(&self) -> Vec<Dependency<'a>> {
        let pointer = self.pointer.key("depends_on");
        match self.value.get("depends_on").map(Node::shape) {
            Some(Shape::Array(names)) => names
                .iter()
                .enumerate()
                .filter_map(|(index, name)| {
                    Some(Dependency { service: name.as_str()?, condition: None, pointer: pointer.index(index) })
                })
                .collect(),
            Some(Shape::Object(entries)) => entries
                .iter()
                .map(|(name, entry)| Dependency {
                    service: name,
                    condition: entry.get("condition").and_then(Node::as_str),
                    pointer: pointer.key(name),
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OwnedTree;
    use serde_json::json;

    #[test]
    fn reads_services_and_both_dependency_forms() {
        let tree = OwnedTree::new(&json!({"services": {
            "web": {"depends_on": ["db"]},
            "worker": {"depends_on": {"db": {"condition": "service_healthy"}}},
            "db": {}}}));
        let services = services(tree.root());
        assert_eq!(services.iter().map(|service| service.name).collect::<Vec<_>>(), vec!["web", "worker", "db"]);
        let web = services[0].dependencies();
        assert_eq!(
            (web[0].service, web[0].condition, web[0].pointer.as_str()),
            ("db", None, "/services/web/depends_on/0")
        );
        let worker = services[1].dependencies();
        assert_eq!(
            (worker[0].condition, worker[0].pointer.as_str()),
            (Some("service_healthy"), "/services/worker/depends_on/db")
        );
    }
}
