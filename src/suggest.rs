//! "Did you mean" for names people type: rule and plugin ids, selectors,
//! directives.

/// How alike two names must be (Jaro-Winkler, 0 to 1) for one to be
/// suggested for the other: close enough for a dropped, doubled or swapped
/// letter in an id like `k8s-resource-limits/missing-memory-limit`, far
/// enough that unrelated ids are not offered.
const THRESHOLD: f64 = 0.85;

/// The candidate most like `typed`, if one is alike enough.
pub(crate) fn closest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(typed, candidate), candidate))
        .filter(|(score, _)| *score >= THRESHOLD)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_suggested_and_strangers_are_not() {
        let ids = ["k8s-resource-limits/missing-memory-limit", "k8s-resource-limits", "k8s-probes", "security"];
        assert_eq!(closest("k8s-resource-limit/missing-memory-limit", ids), Some(ids[0]));
        assert_eq!(closest("k8s-probe", ids), Some("k8s-probes"));
        assert_eq!(closest("securty", ids), Some("security"));
        assert_eq!(closest("terraform", ids), None);
    }
}
