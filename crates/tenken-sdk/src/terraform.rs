//! Walks Terraform configurations in their JSON shape (see
//! docs/plugin-contract.md): `.tf` and `.tf.json` files give
//! `{"resource": {"<type>": {"<name>": {...}}}}`, and plan files
//! (`terraform show -json`) give `planned_values` with each resource's
//! `values`. Both come out as the same [`Resource`].

use crate::Node;
use crate::Shape;

use crate::{Document, Pointer};

/// A resource (or data source) of a configuration or a plan.
#[derive(Debug, Clone)]
pub struct Resource<'a> {
    /// The resource type, e.g. `aws_s3_bucket`.
    pub kind: &'a str,
    /// The resource name, e.g. `logs` (a plan's `name`).
    pub name: &'a str,
    /// Pointer to the resource's arguments.
    pub pointer: Pointer,
    /// The arguments.
    pub body: Node<'a>,
}

impl<'a> Resource<'a> {
    /// `aws_s3_bucket.logs`, as Terraform addresses it.
    pub fn address(&self) -> String {
        format!("{}.{}", self.kind, self.name)
    }

    /// An argument.
    pub fn get(&self, name: &str) -> Option<Node<'a>> {
        self.body.get(name)
    }

    /// The blocks named `name`: nested blocks are lists of objects in the
    /// JSON shape, but a plan or hand-written JSON may give one object.
    pub fn blocks(&self, name: &str) -> Vec<(Pointer, Node<'a>)> {
        blocks(self.body, &self.pointer, name)
    }

    /// Whether the block `name` is written as `dynamic "name" { ... }`:
    /// built from variables, so a plugin gives it the benefit of the
    /// doubt.
    pub fn has_dynamic_block(&self, name: &str) -> bool {
        has_dynamic_block(self.body, name)
    }

    /// Whether `value` refers to this resource: a reference such as
    /// `${aws_s3_bucket.logs.id}`, or, for a plain string, equality with
    /// this resource's `identifying` argument (e.g. the bucket name).
    pub fn is_referenced_by(&self, value: Node<'_>, identifying: &str) -> bool {
        let Some(text) = value.as_str() else { return false };
        let reference = format!("{}.{}", self.kind, self.name);
        let referenced = text.match_indices(&reference).any(|(at, _)| {
            let after = &text[at + reference.len()..];
            let before = &text[..at];
            !before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '.')
                && !after.starts_with(|c: char| c.is_alphanumeric() || c == '_')
        });
        referenced || self.get(identifying).and_then(Node::as_str).is_some_and(|own| own == text)
    }
}

/// The nested blocks `name` of `body`, with their pointers.
pub fn blocks<'a>(body: Node<'a>, pointer: &Pointer, name: &str) -> Vec<(Pointer, Node<'a>)> {
    let Some(block) = body.get(name) else { return Vec::new() };
    match block.shape() {
        Shape::Array(items) => {
            items.iter().enumerate().map(|(index, item)| (pointer.key(name).index(index), item)).collect()
        }
        Shape::Object(_) => vec![(pointer.key(name), block)],
        _ => Vec::new(),
    }
}

/// The first nested block `name` of `body`: for blocks Terraform allows
/// once (`settings`, `vpc_config`, `metadata_options`).
pub fn block<'a>(body: Node<'a>, pointer: &Pointer, name: &str) -> Option<(Pointer, Node<'a>)> {
    blocks(body, pointer, name).into_iter().next()
}

/// Every managed resource of a document, of any type.
pub fn resources<'a>(document: &Document<'a>) -> Vec<Resource<'a>> {
    match document.kind {
        "terraform-plan" => plan_resources(document.tree, "managed"),
        _ => config_resources(document.tree, "resource"),
    }
}

/// Every data source of a configuration (`data "type" "name"`).
pub fn data_sources<'a>(document: &Document<'a>) -> Vec<Resource<'a>> {
    match document.kind {
        "terraform-plan" => plan_resources(document.tree, "data"),
        _ => config_resources(document.tree, "data"),
    }
}

fn config_resources<'a>(tree: Node<'a>, section: &str) -> Vec<Resource<'a>> {
    let mut found = Vec::new();
    // `.tf.json` may also give a list of objects at any level.
    let sections: Vec<(Pointer, Node<'_>)> = blocks(tree, &Pointer::root(), section);
    for (section_pointer, by_type) in sections {
        let Some(by_type) = by_type.as_object() else { continue };
        for (kind, by_name) in by_type {
            let Some(by_name) = by_name.as_object() else { continue };
            for (name, body) in by_name {
                let pointer = section_pointer.key(kind).key(name);
                match body.shape() {
                    Shape::Object(_) => found.push(Resource { kind, name, pointer, body }),
                    Shape::Array(bodies) => {
                        for (index, body) in bodies.iter().enumerate() {
                            found.push(Resource { kind, name, pointer: pointer.index(index), body });
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    found
}

fn plan_resources<'a>(tree: Node<'a>, mode: &str) -> Vec<Resource<'a>> {
    let mut found = Vec::new();
    if let Some(root) = tree.pointer("/planned_values/root_module") {
        plan_module(root, Pointer::root().key("planned_values").key("root_module"), mode, &mut found);
    }
    found
}

fn plan_module<'a>(module: Node<'a>, pointer: Pointer, mode: &str, found: &mut Vec<Resource<'a>>) {
    if let Some(resources) = module.get("resources").and_then(Node::as_array) {
        for (index, resource) in resources.iter().enumerate() {
            let (Some(kind), Some(name), Some(body)) = (
                resource.get("type").and_then(Node::as_str),
                resource.get("name").and_then(Node::as_str),
                resource.get("values").filter(|values| values.is_object()),
            ) else {
                continue;
            };
            if resource.get("mode").and_then(Node::as_str).unwrap_or("managed") == mode {
                found.push(Resource { kind, name, pointer: pointer.key("resources").index(index).key("values"), body });
            }
        }
    }
    if let Some(children) = module.get("child_modules").and_then(Node::as_array) {
        for (index, child) in children.iter().enumerate() {
            plan_module(child, pointer.key("child_modules").index(index), mode, found);
        }
    }
}

/// A `module` block of a configuration: a call of another module.
#[derive(Debug, Clone)]
pub struct ModuleCall<'a> {
    /// The module's name in the calling configuration (`module "db"`).
    pub name: &'a str,
    /// The `source` argument, when it is a literal.
    pub source: Option<&'a str>,
    /// Pointer to the block.
    pub pointer: Pointer,
    /// The block's arguments: the module's inputs, and `source`,
    /// `version`, `count`, `for_each`...
    pub body: Node<'a>,
}

impl<'a> ModuleCall<'a> {
    /// An input (or meta-argument) of the call.
    pub fn get(&self, name: &str) -> Option<Node<'a>> {
        self.body.get(name)
    }

    /// The first input of `names` the call gives, with its pointer: for
    /// an input that a module's major versions name differently
    /// (`cluster_endpoint_public_access`, `endpoint_public_access`).
    pub fn input(&self, names: &[&str]) -> Option<(Pointer, Node<'a>)> {
        names.iter().find_map(|name| Some((self.pointer.key(name), self.body.get(name)?)))
    }

    /// The `namespace/name/provider` of a module from a registry, e.g.
    /// `terraform-aws-modules/rds/aws`, whatever registry host prefixes
    /// it; `None` for local and absolute paths, git, URL and VCS-host
    /// sources (`github.com/org/repo`), and for a submodule
    /// (`.../aws//modules/x`), which is another module.
    pub fn registry_module(&self) -> Option<&'a str> {
        let source = self.source?;
        let not_registry = [".", "/"].iter().any(|start| source.starts_with(start))
            || ["//", "::", "?"].iter().any(|part| source.contains(part));
        if not_registry {
            return None;
        }
        let parts: Vec<&str> = source.split('/').collect();
        let address = match parts.as_slice() {
            // A host in first place (`github.com/org/repo`) is a VCS source.
            [namespace, _, _] if !namespace.contains('.') => source,
            [_host, _, _, _] => source.split_once('/')?.1,
            _ => return None,
        };
        address.split('/').all(|part| !part.is_empty() && !part.contains(':')).then_some(address)
    }
}

/// Every `module` block of a configuration.
pub fn module_calls<'a>(document: &Document<'a>) -> Vec<ModuleCall<'a>> {
    if document.kind == "terraform-plan" {
        return Vec::new();
    }
    let mut found = Vec::new();
    for (section_pointer, by_name) in blocks(document.tree, &Pointer::root(), "module") {
        let Some(by_name) = by_name.as_object() else { continue };
        for (name, body) in by_name {
            let pointer = section_pointer.key(name);
            let bodies: Vec<(Pointer, Node<'_>)> = match body.shape() {
                Shape::Object(_) => vec![(pointer, body)],
                Shape::Array(items) => {
                    items.iter().enumerate().map(|(index, item)| (pointer.index(index), item)).collect()
                }
                _ => Vec::new(),
            };
            for (pointer, body) in bodies {
                let source = body.get("source").and_then(Node::as_str).filter(|source| !source.contains("${"));
                found.push(ModuleCall { name, source, pointer, body });
            }
        }
    }
    found
}

/// Whether `body` (a resource's or a nested block's) writes the block
/// `name` as `dynamic "name" { ... }`.
pub fn has_dynamic_block(body: Node<'_>, name: &str) -> bool {
    body.get("dynamic").and_then(|dynamic| dynamic.get(name)).is_some()
}

/// Whether a value is a Terraform expression (a variable, a reference, a
/// function call), which `.tf` files give as `${...}` text: known only at
/// plan time, so plugins judge it as neither good nor bad.
pub fn is_expression(value: Option<Node<'_>>) -> bool {
    value.and_then(Node::as_str).is_some_and(|text| text.contains("${"))
}

/// The directory of a document's path: the Terraform module it belongs to.
pub fn module_dir<'a>(document: &Document<'a>) -> &'a str {
    document.path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// A JSON document an argument holds, such as an IAM, bucket or domain
/// policy: JSON text in a configuration (a heredoc, or `jsonencode` of
/// literals, which the host turns into JSON text), the object itself in a
/// plan.
#[derive(Debug)]
pub enum JsonArgument<'a> {
    /// The object itself.
    Tree(Node<'a>),
    /// JSON text, decoded.
    Text(crate::OwnedTree),
}

impl JsonArgument<'_> {
    /// The document's root.
    pub fn root(&self) -> Node<'_> {
        match self {
            JsonArgument::Tree(node) => *node,
            JsonArgument::Text(tree) => tree.root(),
        }
    }
}

/// The JSON document `value` holds, when it is known here: an object, or
/// the JSON text of one. A reference (`${data.aws_iam_policy_document.x.json}`)
/// or text that is not JSON gives `None`.
pub fn json_argument(value: Option<Node<'_>>) -> Option<JsonArgument<'_>> {
    let value = value?;
    if value.is_object() {
        return Some(JsonArgument::Tree(value));
    }
    let text = value.as_str().filter(|text| text.trim_start().starts_with('{'))?;
    let decoded: serde_json::Value = serde_json::from_str(text).ok()?;
    Some(JsonArgument::Text(crate::OwnedTree::new(&decoded)))
}

/// A boolean argument, reading `true`/`false` strings as Terraform does.
pub fn as_bool(value: Option<Node<'_>>) -> Option<bool> {
    match value?.shape() {
        Shape::Bool(flag) => Some(flag),
        Shape::String("true") => Some(true),
        Shape::String("false") => Some(false),
        _ => None,
    }
}

/// A whole-number argument, reading numeric strings as Terraform does.
pub fn as_u64(value: Option<Node<'_>>) -> Option<u64> {
    match value?.shape() {
        Shape::Number(number) => number.as_u64(),
        Shape::String(text) => text.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn document(kind: &str, tree: serde_json::Value) -> crate::OwnedDocument {
        crate::OwnedDocument::new("infra/main.tf", kind, "hcl", &tree)
    }

    #[test]
    fn walks_configuration_and_plan_resources_alike() {
        let config = document(
            "terraform",
            json!({"resource": {"aws_s3_bucket": {"logs": {"bucket": "shop-logs",
            "versioning": [{"enabled": true}]}}}}),
        );
        let found = resources(&config.view());
        assert_eq!(
            (found[0].address(), found[0].pointer.as_str()),
            ("aws_s3_bucket.logs".to_owned(), "/resource/aws_s3_bucket/logs")
        );
        assert_eq!(found[0].blocks("versioning")[0].0.as_str(), "/resource/aws_s3_bucket/logs/versioning/0");
        assert_eq!(module_dir(&config.view()), "infra");
        assert!(!found[0].has_dynamic_block("versioning"));
        let dynamic = document(
            "terraform",
            json!({"resource": {"aws_instance": {"app": {"dynamic": {"metadata_options": [{}]}}}}}),
        );
        assert!(resources(&dynamic.view())[0].has_dynamic_block("metadata_options"));
        assert!(is_expression(Some(crate::OwnedTree::new(&json!("${var.tokens}")).root())));
        assert!(!is_expression(Some(crate::OwnedTree::new(&json!("required")).root())));

        let plan = document(
            "terraform-plan",
            json!({"planned_values": {"root_module": {"child_modules": [{"resources": [
            {"mode": "managed", "type": "aws_sqs_queue", "name": "jobs", "values": {"name": "jobs"}},
            {"mode": "data", "type": "aws_caller_identity", "name": "me", "values": {}}]}]}}}),
        );
        let found = resources(&plan.view());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].pointer.as_str(), "/planned_values/root_module/child_modules/0/resources/0/values");
    }

    #[test]
    fn module_calls_name_their_registry_module() {
        let config = document(
            "terraform",
            json!({"module": {
                "db": {"source": "terraform-aws-modules/rds/aws", "version": "6.10.0", "deletion_protection": false},
                "hosted": {"source": "app.terraform.example/acme/rds/aws"},
                "local": {"source": "./modules/db"},
                "sub": {"source": "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"},
                "git": {"source": "git::https://example.com/modules.git?ref=v1"},
                "github": {"source": "github.com/acme/terraform-modules"},
                "absolute": {"source": "/opt/modules/db/aws"},
                "computed": {"source": "${var.source}"}
            }}),
        );
        let calls = module_calls(&config.view());
        let registry: Vec<Option<&str>> = calls.iter().map(ModuleCall::registry_module).collect();
        assert_eq!(
            registry,
            [Some("terraform-aws-modules/rds/aws"), Some("acme/rds/aws"), None, None, None, None, None, None]
        );
        let (pointer, value) = calls[0].input(&["missing", "deletion_protection"]).unwrap();
        assert_eq!((pointer.as_str(), value.as_bool()), ("/module/db/deletion_protection", Some(false)));
    }

    #[test]
    fn json_arguments_read_from_text_or_objects() {
        let text = crate::OwnedTree::new(&json!("{\"Statement\": []}"));
        let decoded = json_argument(Some(text.root())).unwrap();
        assert!(decoded.root().get("Statement").is_some());
        let object = crate::OwnedTree::new(&json!({"Version": "2012-10-17"}));
        assert!(json_argument(Some(object.root())).unwrap().root().get("Version").is_some());
        let reference = crate::OwnedTree::new(&json!("${data.aws_iam_policy_document.x.json}"));
        assert!(json_argument(Some(reference.root())).is_none());
        assert!(json_argument(Some(crate::OwnedTree::new(&json!("{not json")).root())).is_none());
    }

    #[test]
    fn references_match_whole_addresses() {
        let config = document("terraform", json!({"resource": {"aws_s3_bucket": {"logs": {"bucket": "shop-logs"}}}}));
        let bucket = &resources(&config.view())[0];
        assert!(bucket.is_referenced_by(crate::OwnedTree::new(&json!("${aws_s3_bucket.logs.id}")).root(), "bucket"));
        assert!(bucket.is_referenced_by(crate::OwnedTree::new(&json!("shop-logs")).root(), "bucket"));
        assert!(!bucket.is_referenced_by(crate::OwnedTree::new(&json!("${aws_s3_bucket.logs2.id}")).root(), "bucket"));
        assert!(
            !bucket.is_referenced_by(crate::OwnedTree::new(&json!("${data.aws_s3_bucket.logs.id}")).root(), "bucket")
        );
    }
}
