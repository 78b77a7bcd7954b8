//! Walks GitLab CI configs: jobs, as opposed to the global keywords that
//! share the top level with them.

use crate::Node;

use crate::Pointer;

/// Top-level keys that are not jobs.
const GLOBAL_KEYWORDS: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "types",
];

/// One job of a pipeline.
#[derive(Debug, Clone)]
pub struct Job<'a> {
    /// The job's name.
    pub name: &'a str,
    /// Whether it is a hidden template (`.name`), only used via `extends`.
    pub hidden: bool,
    /// Pointer to the job.
    pub pointer: Pointer,
    /// The job.
    pub value: Node<'a>,
}

/// Every job (hidden templates included), in file order.
pub fn jobs(config: Node<'_>) -> Vec<Job<'_>> {
    let Some(top) = config.as_object() else { return Vec::new() };
    top.iter()
        .filter(|(name, value)| !GLOBAL_KEYWORDS.contains(name) && value.is_object())
        .map(|(name, value)| Job { name, hidden: name.starts_with('.'), pointer: Pointer::root().key(name), value })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn jobs_exclude_global_keywords() {
        let config = crate::OwnedTree::new(
            &json!({"stages": ["test"], "variables": {}, "default": {}, ".base": {}, "test": {"script": ["x"]}}),
        );
        let jobs = jobs(config.root());
        assert_eq!(
            jobs.iter().map(|job| (job.name, job.hidden)).collect::<Vec<_>>(),
            vec![(".base", true), ("test", false)]
        );
    }
}
