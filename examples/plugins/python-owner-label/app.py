"""owner-label, in Python: every Kubernetes Deployment carries an `owner`
label, so that alerts, costs and findings reach a team.

Built into a WebAssembly component with componentize-py; tenken runs it in
the same sandbox as its Rust plugins. See README.md.
"""

import json

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports.types import (
    Category,
    Document,
    Finding,
    PluginInfo,
    Rule,
    Scope,
    Severity,
    TreeEncoding,
)

RULE = "missing-owner"


def pointer(*segments):
    """An RFC 6901 JSON pointer from path segments."""
    escaped = (str(segment).replace("~", "~0").replace("/", "~1") for segment in segments)
    return "".join("/" + segment for segment in escaped)


def objects(tree):
    """The Kubernetes objects of a document, with their pointers: the
    document itself, or each item of a List."""
    if not isinstance(tree, dict):
        return []
    kind = tree.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(tree.get("items"), list):
        return [(item, pointer("items", index)) for index, item in enumerate(tree["items"]) if isinstance(item, dict)]
    return [(tree, "")]


class Policy(exports.Policy):
    def info(self) -> PluginInfo:
        return PluginInfo(
            id="python-owner-label",
            version="0.1.0",
            title="Deployments name their owning team",
            summary="Every Deployment has an `owner` label, so alerts and incidents reach a team.",
            kinds=["kubernetes"],
            scope=Scope.FILE,
            rules=[
                Rule(
                    id=RULE,
                    title="Label Deployments with their owner",
                    default_severity=Severity.LOW,
                    category=Category.RELIABILITY,
                    rationale="An alert on a workload nobody owns pages nobody.",
                    fix="Add `metadata.labels.owner: <team>` to the Deployment.",
                    references=[],
                    sensitive=False,
                )
            ],
            settings_schema=None,
            # Documents arrive as JSON text; the compact tree is read by the
            # Rust SDK only.
            tree_encoding=TreeEncoding.JSON,
        )

    def configure(self, settings: str) -> None:
        if settings.strip() not in ("", "{}"):
            raise Err("python-owner-label takes no settings")

    def check(self, settings: str, documents: list[Document]) -> list[Finding]:
        findings = []
        for index, document in enumerate(documents):
            for obj, at in objects(json.loads(document.tree)):
                if obj.get("kind") != "Deployment":
                    continue
                labels = (obj.get("metadata") or {}).get("labels") or {}
                if "owner" not in labels:
                    name = (obj.get("metadata") or {}).get("name", "?")
                    findings.append(
                        Finding(
                            rule=RULE,
                            message=f'Deployment "{name}" has no owner label',
                            document=index,
                            pointer=at + pointer("metadata", "labels", "owner"),
                        )
                    )
        return findings
