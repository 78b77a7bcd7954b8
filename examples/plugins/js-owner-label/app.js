// owner-label, in JavaScript: every Kubernetes Deployment carries an
// `owner` label, so that alerts, costs and findings reach a team.
//
// Built into a WebAssembly component with jco (componentize-js); tenken
// runs it in the same sandbox as its Rust plugins. See README.md.

const RULE = "missing-owner";

/** An RFC 6901 JSON pointer from path segments. */
function pointer(...segments) {
  return segments.map((segment) => "/" + String(segment).replaceAll("~", "~0").replaceAll("/", "~1")).join("");
}

/** The Kubernetes objects of a document: itself, or each item of a List. */
function objects(tree) {
  if (tree === null || typeof tree !== "object") return [];
  if (typeof tree.kind === "string" && tree.kind.endsWith("List") && Array.isArray(tree.items)) {
    return tree.items.map((item, index) => [item, pointer("items", index)]).filter(([item]) => item && typeof item === "object");
  }
  return [[tree, ""]];
}

export const policy = {
  info() {
    return {
      id: "js-owner-label",
      version: "0.1.0",
      title: "Deployments name their owning team",
      summary: "Every Deployment has an `owner` label, so alerts and incidents reach a team.",
      kinds: ["kubernetes"],
      scope: "file",
      rules: [
        {
          id: RULE,
          title: "Label Deployments with their owner",
          defaultSeverity: "low",
          category: "reliability",
          rationale: "An alert on a workload nobody owns pages nobody.",
          fix: "Add `metadata.labels.owner: <team>` to the Deployment.",
          references: [],
          sensitive: false,
        },
      ],
      settingsSchema: undefined,
      // Documents arrive as JSON text; the compact tree is read by the Rust
      // SDK only.
      treeEncoding: "json",
    };
  },

  configure(settings) {
    if (!["", "{}"].includes(settings.trim())) {
      throw "js-owner-label takes no settings";
    }
  },

  check(settings, documents) {
    const findings = [];
    const utf8 = new TextDecoder();
    documents.forEach((document, index) => {
      for (const [object, at] of objects(JSON.parse(utf8.decode(document.tree)))) {
        if (object.kind !== "Deployment") continue;
        const metadata = object.metadata ?? {};
        if (!("owner" in (metadata.labels ?? {}))) {
          findings.push({
            rule: RULE,
            message: `Deployment "${metadata.name ?? "?"}" has no owner label`,
            document: index,
            pointer: at + pointer("metadata", "labels", "owner"),
          });
        }
      }
    });
    return findings;
  },
};
