//! `--kind GLOB=KIND`: the user's word on what a file is, when detection
//! guesses wrong or a file's name says nothing.

use tenken_formats::classify;

use crate::discover::InputFile;
use crate::kustomize::KustomizePatches;

/// The user's `--kind GLOB=KIND` mappings, and the kustomize patches met
/// so far, which are classified apart from whole objects.
pub(crate) struct KindMap {
    globs: globset::GlobSet,
    kinds: Vec<&'static str>,
    patches: KustomizePatches,
}

impl KindMap {
    /// No mappings: every file is classified by its name and content.
    pub(crate) fn empty() -> Self {
        Self { globs: globset::GlobSet::empty(), kinds: Vec::new(), patches: KustomizePatches::default() }
    }

    pub(crate) fn new(mappings: &[(String, String)]) -> anyhow::Result<Self> {
        let mut builder = globset::GlobSetBuilder::new();
        let mut kinds = Vec::with_capacity(mappings.len());
        for (glob, kind) in mappings {
            builder.add(globset::Glob::new(glob)?);
            kinds.push(static_kind(kind));
        }
        Ok(Self { globs: builder.build()?, kinds, patches: KustomizePatches::default() })
    }

    /// The kind of the last mapping whose glob matches `path`.
    fn kind_of(&self, path: &str) -> Option<&'static str> {
        self.globs.matches(path).into_iter().max().map(|index| self.kinds[index])
    }

    /// Classification hints for `file`, with the user's mapping applied.
    pub(crate) fn hints(&self, file: &InputFile) -> tenken_formats::Hints {
        let kind = self.kind_of(&file.display);
        // Only YAML files are patches that matter here, and a mapped kind
        // wins anyway.
        let yaml = matches!(classify::format_of_path(&file.path), Some(tenken_formats::Format::Yaml));
        let kustomize_patch = kind.is_none() && yaml && self.patches.is_patch(&file.path);
        let mut hints = tenken_formats::Hints { kind, kustomize_patch, ..tenken_formats::Hints::for_path(&file.path) };
        // A template Helm has rendered is YAML now, whatever text it holds.
        if let crate::discover::Content::Rendered(_) = file.content {
            hints.in_helm_templates = false;
        }
        hints
    }

    /// The file's format: from its name, else from the kind it is mapped
    /// to. Standard input without `--stdin-filename` is YAML, what `helm
    /// template`, `kustomize build` and `kubectl get -o yaml` print.
    pub(crate) fn format(&self, file: &InputFile) -> Option<tenken_formats::Format> {
        classify::format_of_path(&file.path)
            .or_else(|| self.kind_of(&file.display).and_then(classify::format_of_kind))
            .or_else(|| {
                (matches!(file.content, crate::discover::Content::Stdin(_)) && file.path == std::path::Path::new(STDIN))
                    .then_some(tenken_formats::Format::Yaml)
            })
    }
}

/// How standard input is named on the command line, and shown without
/// `--stdin-filename`.
pub(crate) const STDIN: &str = "-";

/// Documents carry `&'static str` kinds. Known kinds map to tenken's own
/// constants; a kind only a third-party plugin knows is leaked once, for
/// the few mappings a command line holds.
fn static_kind(kind: &str) -> &'static str {
    classify::KINDS.iter().find(|known| **known == kind).copied().unwrap_or_else(|| Box::leak(kind.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(path: &str) -> InputFile {
        InputFile {
            display: path.to_owned(),
            path: path.into(),
            not_read: None,
            explicit: false,
            content: crate::discover::Content::OnDisk,
        }
    }

    #[test]
    fn the_last_matching_mapping_wins() {
        let map = KindMap::new(&[
            ("deploy/**/*.yml".to_owned(), "kubernetes".to_owned()),
            ("deploy/legacy/*.yml".to_owned(), "yaml".to_owned()),
            ("*.k8s".to_owned(), "kubernetes".to_owned()),
        ])
        .unwrap();
        assert_eq!(map.kind_of("deploy/api/web.yml"), Some("kubernetes"));
        assert_eq!(map.kind_of("deploy/legacy/old.yml"), Some("yaml"));
        assert_eq!(map.kind_of("other.yml"), None);
        assert_eq!(map.format(&input("app.k8s")), Some(tenken_formats::Format::Yaml));
        assert_eq!(map.format(&input("notes.txt")), None);
    }

    #[test]
    fn plugin_specific_kinds_are_kept() {
        let map = KindMap::new(&[("*.rules".to_owned(), "falco-rules".to_owned())]).unwrap();
        assert_eq!(map.kind_of("x.rules"), Some("falco-rules"));
    }
}
