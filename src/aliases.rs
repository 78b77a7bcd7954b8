//! Rule ids that were renamed, and the names they had.
//!
//! The four image-pinning plugins spelled one practice three ways
//! (`latest-tag`, `latest-image`, `latest-base-image`); they now share one
//! spelling. A team's tenken.toml, exceptions and baseline written with an
//! old id keep working: old ids are read as the new ones wherever a user
//! writes a rule id (selectors in tenken.toml and on the command line,
//! `tenken:ignore` comments and annotations, `tenken explain`), and a
//! baseline entry recorded under the old id still matches. The list is the
//! changelog in docs/rules/README.md.

/// (old id, current id).
pub(crate) const RENAMED: &[(&str, &str)] = &[
    ("compose-pinned-images/latest-image", "compose-pinned-images/latest-tag"),
    ("compose-pinned-images/untagged-image", "compose-pinned-images/missing-tag"),
    ("compose-pinned-images/image-without-digest", "compose-pinned-images/missing-digest"),
    ("gitlab-pinned-images/latest-image", "gitlab-pinned-images/latest-tag"),
    ("gitlab-pinned-images/untagged-image", "gitlab-pinned-images/missing-tag"),
    ("gitlab-pinned-images/image-without-digest", "gitlab-pinned-images/missing-digest"),
    ("dockerfile-pinned-base-image/latest-base-image", "dockerfile-pinned-base-image/latest-tag"),
    ("dockerfile-pinned-base-image/untagged-base-image", "dockerfile-pinned-base-image/missing-tag"),
    ("dockerfile-pinned-base-image/base-image-without-digest", "dockerfile-pinned-base-image/missing-digest"),
];

/// The current id of a rule named `id`, which may be an old one. Ids that
/// were never renamed, plugin ids and other selectors are returned as they
/// are.
pub(crate) fn current(id: &str) -> &str {
    RENAMED.iter().find(|(old, _)| *old == id).map_or(id, |(_, new)| new)
}

/// The old ids of the rule now named `id`.
pub(crate) fn former(id: &str) -> impl Iterator<Item = &'static str> + '_ {
    RENAMED.iter().filter(move |(_, new)| *new == id).map(|(old, _)| *old)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_ids_read_as_new_ones_and_the_rest_is_untouched() {
        assert_eq!(current("compose-pinned-images/latest-image"), "compose-pinned-images/latest-tag");
        assert_eq!(current("k8s-image-pinning/latest-tag"), "k8s-image-pinning/latest-tag");
        assert_eq!(current("compose-pinned-images"), "compose-pinned-images");
        assert_eq!(
            former("gitlab-pinned-images/missing-digest").collect::<Vec<_>>(),
            ["gitlab-pinned-images/image-without-digest"]
        );
        for (old, new) in RENAMED {
            assert_eq!(old.split('/').next(), new.split('/').next(), "a rename stays within its plugin");
        }
    }
}
