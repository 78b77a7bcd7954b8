//! What the kustomizations of a project do to the manifests they build.
//!
//! A kustomize base often holds a placeholder that every build replaces:
//! kubebuilder's `image: controller:latest`, which the kustomization sets
//! through `images:` or a patch. Judged on its own, the base "runs
//! :latest"; judged as kustomize renders it, it runs the image the
//! kustomization names. [`Kustomizations`] answers, for a file of the
//! project, which kustomizations build it and what they replace in it.
//!
//! Paths are the `/`-separated paths plugins see ([`Document::path`]),
//! compared lexically after `.` and `..` are applied.

use crate::Node;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::Document;
use crate::kubernetes::PATCH_KIND;

/// The document kind of a `kustomization.yaml`.
pub const KIND: &str = "kustomization";

/// The annotation `kustomize build` writes each object's file into when a
/// kustomization asks for `buildMetadata: [originAnnotations]`, as tenken
/// does when it builds overlays itself.
pub const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";

/// Whether `object` is what `kustomize build` made rather than an object
/// as written: the kustomizations that build its file have been applied
/// to it already, and must not be applied again.
pub fn is_built(object: &crate::kubernetes::Object<'_>) -> bool {
    object
        .value
        .get("metadata")
        .and_then(|metadata| metadata.get("annotations"))
        .and_then(|annotations| annotations.get(ORIGIN_ANNOTATION))
        .is_some()
}

/// How deep a chain of kustomizations including one another is followed:
/// real overlays are two or three levels deep; the bound keeps a cycle or a
/// crafted chain from costing more than it is worth.
const MAX_DEPTH: usize = 16;

/// One `images:` entry of a kustomization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageOverride<'a> {
    /// The kustomization that sets it.
    pub kustomization: &'a str,
    /// The image name it replaces (without tag or digest).
    pub name: &'a str,
    /// `newName`: the image name it puts in place, if any.
    pub new_name: Option<&'a str>,
    /// `newTag`, if any.
    pub new_tag: Option<&'a str>,
    /// `digest`, if any.
    pub digest: Option<&'a str>,
}

/// A kustomization of the project, as [`Kustomizations::builds_of`] names
/// it: only compared and hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BuildId(usize);

/// One kustomization of the project.
#[derive(Debug)]
struct Kustomization<'a> {
    path: &'a str,
    /// Resources, bases and components, resolved against its directory:
    /// manifest files or directories holding another kustomization.
    includes: Vec<String>,
    /// The patch files it lists, resolved.
    patches: Vec<String>,
    images: Vec<ImageOverride<'a>>,
}

/// The kustomizations among a project's documents, indexed by the paths
/// they list, so that a repository of thousands of kustomizations and
/// containers costs a lookup per container, not a scan.
#[derive(Debug, Default)]
pub struct Kustomizations<'a> {
    all: Vec<Kustomization<'a>>,
    /// For each path a kustomization lists (a resource file, a directory, a
    /// patch file), the kustomizations listing it.
    listing: HashMap<String, Vec<usize>>,
    /// The patch documents of the project, by normalized path.
    patch_documents: HashMap<String, Vec<&'a Document<'a>>>,
    /// The kustomizations building each file asked about, computed once.
    building: RefCell<HashMap<String, Rc<[usize]>>>,
}

impl<'a> Kustomizations<'a> {
    /// Reads the documents of kind [`KIND`], and indexes those of kind
    /// [`PATCH_KIND`]; others are ignored.
    pub fn from_documents(documents: &'a [Document]) -> Self {
        let all: Vec<Kustomization<'a>> = documents.iter().filter(|document| document.kind == KIND).map(read).collect();
        let mut listing: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, kustomization) in all.iter().enumerate() {
            for path in kustomization.includes.iter().chain(&kustomization.patches) {
                let entry = listing.entry(path.clone()).or_default();
                if entry.last() != Some(&index) {
                    entry.push(index);
                }
            }
        }
        let mut patch_documents: HashMap<String, Vec<&'a Document<'a>>> = HashMap::new();
        if !all.is_empty() {
            for document in documents.iter().filter(|document| document.kind == PATCH_KIND) {
                patch_documents.entry(normalize(document.path)).or_default().push(document);
            }
        }
        Self { all, listing, patch_documents, building: RefCell::default() }
    }

    /// Whether the project holds no kustomization.
    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// The kustomizations whose build includes `file`: those that list it
    /// (as a resource or a patch), or list a directory whose kustomization
    /// includes it, up to [`MAX_DEPTH`] levels.
    fn building(&self, file: &str) -> Rc<[usize]> {
        let file = normalize(file);
        if let Some(known) = self.building.borrow().get(&file) {
            return Rc::clone(known);
        }
        let mut building: Vec<usize> = self.listing.get(&file).cloned().unwrap_or_default();
        let mut frontier = building.clone();
        for _ in 0..MAX_DEPTH {
            let mut next = Vec::new();
            for &index in &frontier {
                let directory = parent(&normalize(self.all[index].path)).to_owned();
                for &other in self.listing.get(&directory).into_iter().flatten() {
                    if !building.contains(&other) {
                        building.push(other);
                        next.push(other);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        let building: Rc<[usize]> = building.into();
        self.building.borrow_mut().insert(file, Rc::clone(&building));
        building
    }

    /// The `images:` entry that replaces image `name` in `file`'s build, if
    /// any. With several builds, the first found: overlays of one base
    /// usually agree on how they pin, and any one of them shows the base
    /// is a placeholder.
    pub fn image_override(&self, file: &str, name: &str) -> Option<&ImageOverride<'a>> {
        self.building(file).iter().flat_map(|&index| &self.all[index].images).find(|image| image.name == name)
    }

    /// The kustomizations whose build includes `file`. Two files with one
    /// build in common deploy together: a NetworkPolicy in an overlay or a
    /// component applies to the workloads of the base it includes. Index
    /// one side by its builds rather than comparing every pair of files.
    pub fn builds_of(&self, file: &str) -> Vec<BuildId> {
        self.building(file).iter().map(|&index| BuildId(index)).collect()
    }

    /// The patch files applied in `file`'s builds.
    pub fn patches_for(&self, file: &str) -> Vec<&str> {
        self.building(file).iter().flat_map(|&index| self.all[index].patches.iter().map(String::as_str)).collect()
    }

    /// Whether a patch applied in `file`'s builds sets the image of
    /// container `container` of the object `kind`/`name`: the file's own
    /// image for it is then a placeholder.
    pub fn patches_container_image(&self, file: &str, kind: &str, name: &str, container: &str) -> bool {
        self.patches_for(file)
            .into_iter()
            .flat_map(|patch| self.patch_documents.get(patch).into_iter().flatten())
            .flat_map(|document| crate::kubernetes::objects(document.tree))
            .filter(|object| object.kind == kind && object.name == Some(name))
            .filter_map(|object| crate::kubernetes::PodSpec::of(&object))
            .flat_map(|pod| pod.containers(crate::kubernetes::ContainerList::ALL))
            .any(|patched| patched.name == container && patched.value.get("image").is_some_and(Node::is_string))
    }
}

/// The path of `target` as seen from the directory of `file`, for
/// messages that name one file from another whatever directory tenken ran
/// in: `kustomization.yaml`, `../default/kustomization.yaml`.
pub fn relative_path(file: &str, target: &str) -> String {
    let (from, target) = (normalize(file), normalize(target));
    let from: Vec<&str> = parent(&from).split('/').filter(|part| !part.is_empty()).collect();
    let to: Vec<&str> = target.split('/').collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts = vec![".."; from.len() - common];
    parts.extend(&to[common..]);
    parts.join("/")
}

fn read<'a>(document: &Document<'a>) -> Kustomization<'a> {
    let tree = document.tree;
    let directory = parent(&normalize(document.path)).to_owned();
    let resolve = |relative: &str| normalize(&join(&directory, relative));
    let entries = |key: &str| tree.get(key).and_then(Node::as_array).into_iter().flatten();
    let includes = ["resources", "bases", "components"]
        .into_iter()
        .flat_map(entries)
        .filter_map(Node::as_str)
        // Remote bases (`github.com/...?ref=`, `https://`) are not in the project.
        .filter(|reference| !reference.contains("://") && !reference.contains('?'))
        .map(resolve)
        .collect();
    let by_path = entries("patches").chain(entries("patchesJson6902")).filter_map(|entry| entry.get("path")?.as_str());
    let strategic_merge = entries("patchesStrategicMerge").filter_map(Node::as_str).filter(|text| !text.contains('\n'));
    let patches = by_path.chain(strategic_merge).map(resolve).collect();
    let images = entries("images")
        .filter_map(|entry| {
            let field = |key: &str| entry.get(key).and_then(Node::as_str).filter(|value| !value.is_empty());
            Some(ImageOverride {
                kustomization: document.path,
                name: field("name")?,
                new_name: field("newName"),
                new_tag: field("newTag"),
                digest: field("digest"),
            })
        })
        .collect();
    Kustomization { path: document.path, includes, patches, images }
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(directory, _)| directory)
}

fn join(directory: &str, relative: &str) -> String {
    if directory.is_empty() || relative.starts_with('/') {
        relative.to_owned()
    } else {
        format!("{directory}/{relative}")
    }
}

/// `path` with `\` read as `/`, without `.` components and empty segments,
/// and with `..` applied where it can be. Lexical: links are not resolved.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|last| *last != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn document(path: &str, kind: &str, tree: serde_json::Value) -> crate::OwnedDocument {
        crate::OwnedDocument::new(path, kind, "yaml", &tree)
    }

    fn views(documents: &[crate::OwnedDocument]) -> Vec<Document<'_>> {
        documents.iter().map(crate::OwnedDocument::view).collect()
    }

    #[test]
    fn paths_are_compared_however_they_are_spelled() {
        assert_eq!(normalize("./config/../config/manager//manager.yaml"), "config/manager/manager.yaml");
        assert_eq!(normalize("../base/x.yaml"), "../base/x.yaml");
        assert_eq!(normalize("a\\b.yaml"), "a/b.yaml");
    }

    #[test]
    fn overrides_reach_bases_through_every_level_of_overlays() {
        let documents = vec![
            document("config/manager/kustomization.yaml", KIND, json!({"resources": ["manager.yaml"]})),
            document(
                "config/default/kustomization.yaml",
                KIND,
                json!({"resources": ["../manager", "https://example.com/remote?ref=v1"],
                       "patches": [{"path": "image_patch.yaml"}]}),
            ),
            document(
                "overlays/prod/kustomization.yaml",
                KIND,
                json!({"resources": ["../../config/default"], "images": [{"name": "controller", "newTag": "v1.2.0"}]}),
            ),
            document(
                "other/kustomization.yaml",
                KIND,
                json!({"images": [{"name": "unrelated", "digest": "sha256:1"}]}),
            ),
        ];
        let views = views(&documents);
        let kustomizations = Kustomizations::from_documents(&views);
        let image = kustomizations.image_override("config/manager/manager.yaml", "controller").unwrap();
        assert_eq!((image.kustomization, image.new_tag), ("overlays/prod/kustomization.yaml", Some("v1.2.0")));
        assert!(kustomizations.image_override("config/manager/manager.yaml", "unrelated").is_none());
        assert!(kustomizations.image_override("elsewhere/manager.yaml", "controller").is_none());
        assert_eq!(kustomizations.patches_for("config/manager/manager.yaml"), ["config/default/image_patch.yaml"]);
        let builds = kustomizations.builds_of("config/manager/manager.yaml");
        assert_eq!(builds.len(), 3, "its own, config/default's and the overlay's");
        let patch_builds = kustomizations.builds_of("config/default/image_patch.yaml");
        assert!(patch_builds.iter().all(|build| builds.contains(build)));
        assert!(kustomizations.builds_of("other/x.yaml").is_empty());
    }

    #[test]
    fn files_are_named_from_one_another() {
        assert_eq!(relative_path("c/manager/m.yaml", "c/manager/kustomization.yaml"), "kustomization.yaml");
        assert_eq!(
            relative_path("/r/c/manager/m.yaml", "/r/o/prod/kustomization.yaml"),
            "../../o/prod/kustomization.yaml"
        );
        assert_eq!(relative_path("m.yaml", "o/kustomization.yaml"), "o/kustomization.yaml");
    }

    #[test]
    fn a_cycle_of_kustomizations_ends() {
        let documents = vec![
            document("a/kustomization.yaml", KIND, json!({"resources": ["../b", "x.yaml"]})),
            document(
                "b/kustomization.yaml",
                KIND,
                json!({"resources": ["../a"], "images": [{"name": "x", "newTag": "1"}]}),
            ),
        ];
        let views = views(&documents);
        let kustomizations = Kustomizations::from_documents(&views);
        assert_eq!(kustomizations.image_override("a/x.yaml", "x").unwrap().new_tag, Some("1"));
    }
}
