//! # dockerfile-non-root-user
//!
//! The final stage of a Dockerfile, the one that becomes the image, switches
//! to a non-root user with `USER`.
//!
//! ## Why it matters
//! A container's processes run as root unless the image or the runtime says
//! otherwise. Root inside a container is the same uid 0 as on the host: one
//! kernel or runtime escape, or one writable host mount, turns a compromised
//! application into a compromised node. Running as an unprivileged user is
//! the cheapest layer of defence in depth, and Kubernetes' `runAsNonRoot`
//! refuses to start images that do not declare one.
//!
//! The user is inherited through `FROM <earlier-stage>`, so a final stage
//! that builds on a stage with `USER app` passes.

use tenken_sdk::Node;
use tenken_sdk::{Category, Document, Findings, NoSettings, PluginInfo, Pointer, Policy, RuleFamily, Severity};

/// The plugin.
pub struct NonRootUser;

const REFERENCES: &[&str] = &[
    "https://docs.docker.com/reference/dockerfile/#user",
    "https://docs.docker.com/build/building/best-practices/#user",
    "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
];

const FIX: &str = "Create an unprivileged user in the final stage and switch to it before the entrypoint:
```dockerfile
FROM debian:bookworm-slim
RUN groupadd --system app && useradd --system --gid app --no-create-home app
COPY --chown=app:app ./bin/server /usr/local/bin/server
USER app
ENTRYPOINT [\"/usr/local/bin/server\"]
```
Distroless and Chainguard images ship a ready user: `USER nonroot` (uid 65532). A numeric uid such as `USER 10001` also works where the image has no passwd entry.";

impl Policy for NonRootUser {
    type Settings = NoSettings;

    fn info() -> PluginInfo {
        let family = RuleFamily::new(Category::Security).fix(FIX).references(REFERENCES);
        tenken_sdk::plugin_info!(
            "Container images run as a non-root user",
            "The final stage of every Dockerfile switches to an unprivileged USER, so a compromised \
             process is not root on a shared kernel.",
        )
        .kinds(["dockerfile"])
        .rules(vec![
            family.rule(
                "runs-as-root",
                Severity::High,
                "Switch the final stage to a non-root USER",
                "Without a USER instruction the image runs as root. Root in a container is uid 0 on the \
                     host kernel: one escape or writable host mount away from owning the node.",
            ),
            family.rule(
                "explicit-root-user",
                Severity::High,
                "Do not end the final stage as USER root",
                "The last USER of the final stage is root (or uid 0), so the application runs with full \
                     privileges. Switching to root for a build step is fine; switch back before the stage ends.",
            ),
        ])
    }

    fn check(document: &Document, _settings: &NoSettings, findings: &mut Findings) {
        let Some(stages) = document.tree.get("stages").and_then(Node::as_array) else { return };
        let stages: Vec<Node<'_>> = stages.iter().collect();
        let Some(last) = stages.len().checked_sub(1) else { return };
        let stages_pointer = Pointer::root().key("stages");
        match effective_user(&stages, last) {
            // The host has already expanded ARG and ENV values it could
            // resolve statically; a `$VAR` left over has no static value and
            // is given the benefit of the doubt.
            Some(user) if is_root(&user.name) => {
                let pointer = stages_pointer.key_index(user.stage, user.instruction).key("user");
                findings.report(
                    "explicit-root-user",
                    &pointer,
                    format!("the final stage runs as `{}`; switch to a non-root USER before it ends", user.name),
                );
            }
            Some(_) => {}
            None if base_image_runs_as_non_root(stages[last]) => {}
            None if steps_down_in_its_entrypoint(document.tree, last) => {}
            None => {
                findings.report(
                    "runs-as-root",
                    &stages_pointer.index(last).key("from"),
                    "the final stage never switches to a non-root USER",
                );
            }
        }
    }
}

/// Pointer to instruction `instruction` of stage `stage`.
trait StagePointer {
    fn key_index(&self, stage: usize, instruction: usize) -> Pointer;
}

impl StagePointer for Pointer {
    fn key_index(&self, stage: usize, instruction: usize) -> Pointer {
        self.index(stage).key("instructions").index(instruction)
    }
}

/// The last `USER` in effect for a stage.
struct EffectiveUser {
    name: String,
    stage: usize,
    instruction: usize,
}

/// The last USER of stage `index`, or, if it has none and builds `FROM` an
/// earlier stage, that stage's user.
fn effective_user(stages: &[Node<'_>], index: usize) -> Option<EffectiveUser> {
    let mut current = index;
    // Each step moves to an earlier stage, so this ends.
    loop {
        let stage = stages[current];
        let instructions: Vec<Node<'_>> =
            stage.get("instructions").and_then(Node::as_array).into_iter().flatten().collect();
        let last_user = instructions.iter().enumerate().rev().find_map(|(position, instruction)| {
            let is_user = instruction.get("instruction").and_then(Node::as_str) == Some("USER");
            let name = instruction.get("user").and_then(Node::as_str)?;
            is_user.then(|| EffectiveUser { name: name.to_owned(), stage: current, instruction: position })
        });
        if last_user.is_some() {
            return last_user;
        }
        let image = stage.pointer("/from/image").and_then(Node::as_str)?;
        current = stages[..current].iter().rposition(|earlier| {
            earlier.get("name").and_then(Node::as_str).is_some_and(|name| name.eq_ignore_ascii_case(image))
        })?;
    }
}

/// Tools an entrypoint script uses to drop from root to the service's
/// user once it has prepared volumes and files as root.
const STEP_DOWN_TOOLS: &[&str] = &["gosu", "su-exec"];

/// Whether the final stage (or a stage it builds on) installs gosu or
/// su-exec and the image has an ENTRYPOINT: the pattern of the official
/// database and server images, whose entrypoint fixes permissions as root
/// and then runs the server as its own user. The process that serves runs
/// unprivileged, so there is no USER to ask for.
fn steps_down_in_its_entrypoint(tree: Node<'_>, last: usize) -> bool {
    let stages = tenken_sdk::dockerfile::stages(tree);
    let mut chain = vec![last];
    while let Some(parent) = chain.last().and_then(|&index| stages[index].parent(&stages)) {
        chain.push(parent);
    }
    let instructions: Vec<_> = chain.iter().flat_map(|&index| stages[index].instructions()).collect();
    let mentions_tool = |text: &str| {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '/'))
            .any(|word| STEP_DOWN_TOOLS.iter().any(|tool| word == *tool || word.ends_with(&format!("/{tool}"))))
    };
    let installs_tool = instructions.iter().any(|instruction| match instruction.keyword {
        "RUN" => mentions_tool(&instruction.command_text()),
        "COPY" => instruction.value.to_string().contains("gosu") || instruction.value.to_string().contains("su-exec"),
        _ => false,
    });
    installs_tool && instructions.iter().any(|instruction| instruction.keyword == "ENTRYPOINT")
}

fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user).trim();
    name == "root" || name.trim_start_matches('0').is_empty() && !name.is_empty()
}

/// Images that are built to run unprivileged by default (distroless and
/// Chainguard `nonroot` variants).
fn base_image_runs_as_non_root(stage: Node<'_>) -> bool {
    let image = stage.pointer("/from/image").and_then(Node::as_str).unwrap_or_default();
    let without_digest = image.split('@').next().unwrap_or(image);
    let tag = without_digest.rsplit_once(':').map(|(_, tag)| tag).unwrap_or_default();
    tag == "nonroot" || tag.ends_with("-nonroot") || tag.starts_with("nonroot-")
}

tenken_sdk::export_policy!(NonRootUser);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;
    use tenken_sdk::check_tree;

    fn stage(name: Option<&str>, image: &str, instructions: Value) -> Value {
        json!({"name": name, "from": {"instruction": "FROM", "image": image}, "instructions": instructions})
    }

    fn user(name: &str) -> Value {
        json!({"instruction": "USER", "user": name})
    }

    fn check(stages: Vec<Value>) -> Vec<(String, String, String)> {
        check_tree::<NonRootUser>("dockerfile", json!({"args": [], "stages": stages}))
    }

    #[test]
    fn final_stage_without_user_is_flagged_at_its_from() {
        let findings = check(vec![
            stage(Some("build"), "golang:1.22", json!([user("builder")])),
            stage(None, "alpine:3.20", json!([])),
        ]);
        assert_eq!(findings.len(), 1);
        assert_eq!((findings[0].0.as_str(), findings[0].1.as_str()), ("runs-as-root", "/stages/1/from"));
    }

    #[test]
    fn user_is_inherited_from_an_earlier_stage() {
        assert!(
            check(vec![stage(Some("base"), "alpine", json!([user("app")])), stage(None, "BASE", json!([]))]).is_empty()
        );
    }

    #[test]
    fn ending_as_root_is_flagged_at_the_user() {
        let findings = check(vec![stage(None, "alpine", json!([user("app"), {"instruction": "RUN"}, user("0:0")]))]);
        assert_eq!(findings[0].0, "explicit-root-user");
        assert_eq!(findings[0].1, "/stages/0/instructions/2/user");
    }

    #[test]
    fn a_user_without_a_static_value_is_not_flagged() {
        assert!(check(vec![stage(None, "alpine", json!([user("$APP_USER")]))]).is_empty());
    }

    #[test]
    fn nonroot_base_images_pass() {
        assert!(check(vec![stage(None, "gcr.io/distroless/static:nonroot", json!([]))]).is_empty());
        assert!(check(vec![stage(None, "scratch", json!([]))]).len() == 1);
    }

    #[test]
    fn root_names() {
        assert!(is_root("root"));
        assert!(is_root("0"));
        assert!(is_root("00:0"));
        assert!(!is_root("10001"));
        assert!(!is_root("app"));
        assert!(!is_root(""));
    }
}
