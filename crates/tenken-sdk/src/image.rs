//! Container image references, as written in Dockerfiles, Kubernetes pod
//! specs, Compose files and CI configs.

/// An image reference split into the parts that pinning is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// Everything before the tag and digest: `registry:port/path/name`.
    pub name: &'a str,
    /// The tag, if any.
    pub tag: Option<&'a str>,
    /// The digest (`sha256:...`), if any.
    pub digest: Option<&'a str>,
}

/// How firmly an image reference names the bytes that will run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pinning {
    /// No tag and no digest: the registry serves `latest`.
    Untagged,
    /// The `latest` tag, which moves with every push.
    Latest,
    /// A tag other than `latest`: fixed by intent, but a tag can be moved.
    Tag,
    /// A digest: these exact bytes.
    Digest,
}

impl<'a> ImageRef<'a> {
    /// Splits `registry:port/path/name:tag@digest`. The tag is after the
    /// last `:` of the last path segment, so a registry port is not a tag.
    pub fn parse(image: &'a str) -> Self {
        let image = image.trim();
        let (name_and_tag, digest) = match image.split_once('@') {
            Some((name, digest)) => (name, Some(digest)),
            None => (image, None),
        };
        let segment_start = name_and_tag.rfind('/').map_or(0, |slash| slash + 1);
        match name_and_tag[segment_start..].split_once(':') {
            Some((_, tag)) => {
                let name = &name_and_tag[..name_and_tag.len() - tag.len() - 1];
                ImageRef { name, tag: Some(tag), digest }
            }
            None => ImageRef { name: name_and_tag, tag: None, digest },
        }
    }

    /// How firmly the reference is pinned.
    pub fn pinning(&self) -> Pinning {
        match (self.tag, self.digest) {
            (_, Some(_)) => Pinning::Digest,
            (Some(tag), None) if tag.eq_ignore_ascii_case("latest") => Pinning::Latest,
            (Some(_), None) => Pinning::Tag,
            (None, None) => Pinning::Untagged,
        }
    }
}

impl std::fmt::Display for ImageRef<'_> {
    /// The reference as written: `name[:tag][@digest]`.
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        out.write_str(self.name)?;
        if let Some(tag) = self.tag {
            write!(out, ":{tag}")?;
        }
        if let Some(digest) = self.digest {
            write!(out, "@{digest}")?;
        }
        Ok(())
    }
}

/// The settings of every image-pinning plugin, under
/// `[settings.<plugin>]` in `tenken.toml`.
#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PinningSettings {
    /// Require every image to be pinned by digest (`image:tag@sha256:...`), not only by tag.
    #[serde(default)]
    pub require_digest: bool,
}

/// What is wrong with how an image is pinned: one judgement, one rule id
/// and one message shape for every stack that names images (Dockerfiles,
/// Kubernetes, Compose, CI), so `latest-tag` means the same everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unpinned {
    /// The `latest` tag: rule `latest-tag`.
    LatestTag,
    /// Neither tag nor digest, which means `latest`: rule `missing-tag`.
    MissingTag,
    /// A tag without a digest, where digests are required: rule
    /// `missing-digest`.
    MissingDigest,
}

impl Unpinned {
    /// The rule ids, as every image-pinning plugin declares them.
    pub const RULES: [&'static str; 3] = ["latest-tag", "missing-tag", "missing-digest"];

    /// How `image` falls short, if it does; a tag is enough unless
    /// `require_digest`.
    pub fn judge(image: &str, require_digest: bool) -> Option<Self> {
        Self::of(&ImageRef::parse(image), require_digest)
    }

    /// [`Unpinned::judge`] for a reference already parsed.
    pub fn of(image: &ImageRef<'_>, require_digest: bool) -> Option<Self> {
        match image.pinning() {
            Pinning::Latest => Some(Unpinned::LatestTag),
            Pinning::Untagged => Some(Unpinned::MissingTag),
            Pinning::Tag if require_digest => Some(Unpinned::MissingDigest),
            Pinning::Tag | Pinning::Digest => None,
        }
    }

    /// Whether the image can change under the same reference at every
    /// pull (`latest`, or no tag at all), not only by someone moving a tag.
    pub fn is_floating(self) -> bool {
        matches!(self, Unpinned::LatestTag | Unpinned::MissingTag)
    }

    /// The id of the rule it breaks.
    pub fn rule(self) -> &'static str {
        match self {
            Unpinned::LatestTag => Self::RULES[0],
            Unpinned::MissingTag => Self::RULES[1],
            Unpinned::MissingDigest => Self::RULES[2],
        }
    }

    /// The finding's message: `subject` says who runs what ("service
    /// `web` runs", "stage 2 builds FROM") and `shown` is the image as the
    /// user should recognise it, usually in backticks.
    pub fn message(self, subject: &str, shown: &str) -> String {
        match self {
            Unpinned::LatestTag => format!("{subject} {shown}"),
            Unpinned::MissingTag => format!("{subject} {shown} without a tag, which means :latest"),
            Unpinned::MissingDigest => format!("{subject} {shown}, pinned by tag but not by digest"),
        }
    }

    /// Reports it at `pointer`; see [`Unpinned::message`].
    pub fn report(self, findings: &mut crate::Findings, pointer: &crate::Pointer, subject: &str, shown: &str) {
        findings.report(self.rule(), pointer, self.message(subject, shown));
    }
}

/// Whether an image reference is assembled at build or deploy time
/// (`$VAR`, `${VAR}`, `$(VAR)`, `{{ .Values.image }}`), so its final form
/// is not known from the file. `$` and `{{` never appear in a reference.
pub fn is_templated(image: &str) -> bool {
    image.contains('$') || image.contains("{{") || is_upper_case_placeholder(image)
}

/// `CONTAINER_IMAGE`, `registry/MY_APP`: image names are lower case by the
/// reference grammar, so an upper-case name is a placeholder that a script
/// or a tool replaces before deploying, not an image. Only the last path
/// component counts: in `REGION-docker.pkg.dev/PROJECT_ID/app:latest` the
/// placeholders are the registry's and the project's, and the image and
/// its tag are real.
fn is_upper_case_placeholder(image: &str) -> bool {
    let name = ImageRef::parse(image).name;
    let last = name.rsplit('/').next().unwrap_or(name);
    last.chars().any(|c| c.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_references_and_grades_pinning() {
        let cases = [
            ("nginx", "nginx", None, None, Pinning::Untagged),
            ("registry:5000/team/app", "registry:5000/team/app", None, None, Pinning::Untagged),
            ("registry:5000/team/app:1.2", "registry:5000/team/app", Some("1.2"), None, Pinning::Tag),
            ("app:LATEST", "app", Some("LATEST"), None, Pinning::Latest),
            ("app@sha256:abc", "app", None, Some("sha256:abc"), Pinning::Digest),
            ("app:1@sha256:abc", "app", Some("1"), Some("sha256:abc"), Pinning::Digest),
        ];
        for (image, name, tag, digest, pinning) in cases {
            let parsed = ImageRef::parse(image);
            assert_eq!(
                (parsed.name, parsed.tag, parsed.digest, parsed.pinning()),
                (name, tag, digest, pinning),
                "{image}"
            );
        }
        assert!(is_templated("${REGISTRY}/app") && is_templated("$IMAGE") && is_templated("{{ .Values.image }}"));
        assert!(is_templated("CONTAINER_IMAGE") && is_templated("registry.example.com/team/MY_APP:1"));
        assert!(!is_templated("REGION-docker.pkg.dev/PROJECT_ID/gke-llm/app:latest") && !is_templated("nginx:Latest"));
        assert!(!is_templated("app:1.2"));
    }
}
