//! Keeps secrets out of reports. Rules marked `sensitive` point at values
//! that are secrets; their text is masked with `*` in every code frame and
//! snippet that shows it, the finding's own and any other finding's whose
//! excerpt happens to include that line.

use std::collections::BTreeMap;
use std::sync::Arc;

use tenken_report::{Excerpt, Finding};

/// A stretch of one source line to mask: (line, first column, end column),
/// columns 1-based in characters, end exclusive.
type Region = (u32, u32, u32);

/// Masks the regions that sensitive findings point at, in every excerpt of
/// the same file. `is_sensitive` says whether a rule id is sensitive.
pub(crate) fn redact(findings: &mut [Finding], is_sensitive: impl Fn(&str) -> bool) {
    let mut regions: BTreeMap<Arc<str>, Vec<Region>> = BTreeMap::new();
    for finding in findings.iter().filter(|finding| is_sensitive(&finding.rule.id)) {
        let location = &finding.location;
        let end = if location.end_line == location.line { location.end_column } else { u32::MAX };
        regions.entry(location.path.clone()).or_default().push((location.line, location.column, end));
    }
    if regions.is_empty() {
        return;
    }
    for finding in findings.iter_mut() {
        let Some(file_regions) = regions.get(&finding.location.path) else { continue };
        if let Some(excerpt) = &mut finding.excerpt {
            mask(Arc::make_mut(excerpt), file_regions);
        }
    }
}

/// Replaces every character of `regions` shown in `excerpt` with `*`,
/// keeping the highlight on the same characters.
fn mask(excerpt: &mut Excerpt, regions: &[Region]) {
    let mut text = String::with_capacity(excerpt.text.len());
    let mut highlight = excerpt.highlight.clone();
    let mut offset = 0; // byte offset of the current line in the original text
    for (index, line) in excerpt.text.split('\n').enumerate() {
        if index > 0 {
            text.push('\n');
        }
        let number = excerpt.first_line + index as u32;
        for (position, ch) in line.chars().enumerate() {
            let column = position as u32 + 1;
            let masked = regions.iter().any(|(line, first, end)| *line == number && column >= *first && column < *end);
            let original = offset + line.char_indices().nth(position).map_or(0, |(byte, _)| byte);
            // Keep the highlight's ends on the same characters.
            if excerpt.highlight.start == original {
                highlight.start = text.len();
            }
            if excerpt.highlight.end == original {
                highlight.end = text.len();
            }
            text.push(if masked { '*' } else { ch });
        }
        if excerpt.highlight.start == offset + line.len() {
            highlight.start = text.len();
        }
        if excerpt.highlight.end == offset + line.len() {
            highlight.end = text.len();
        }
        offset += line.len() + 1;
    }
    excerpt.text = text;
    excerpt.highlight = highlight;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_the_region_and_keeps_the_highlight() {
        let mut excerpt = Excerpt {
            first_line: 4,
            text: "user: app\npassword: hünter2".to_owned(),
            highlight: 20..28, // `hünter2` (ü is two bytes)
        };
        mask(&mut excerpt, &[(5, 11, 18)]);
        assert_eq!(excerpt.text, "user: app\npassword: *******");
        assert_eq!(&excerpt.text[excerpt.highlight.clone()], "*******");
    }

    #[test]
    fn other_lines_and_files_are_untouched() {
        let mut excerpt = Excerpt { first_line: 1, text: "a: 1\nb: 2".to_owned(), highlight: 8..9 };
        mask(&mut excerpt, &[(3, 1, 5)]);
        assert_eq!(excerpt.text, "a: 1\nb: 2");
        assert_eq!(excerpt.highlight, 8..9);
    }

    #[test]
    fn a_code_frame_shared_with_another_file_is_masked_only_where_the_secret_is() {
        use tenken_report::{Category, Location, RuleLabel, Severity};
        // Files made from one template get one shared code frame.
        let frame = Arc::new(Excerpt { first_line: 1, text: "password: hunter2".to_owned(), highlight: 10..17 });
        let finding = |path: &str, rule: &str| Finding {
            rule: RuleLabel::new(rule, "p", ""),
            severity: Severity::High,
            category: Category::Security,
            message: "m".into(),
            location: Location { path: path.into(), line: 1, column: 11, end_line: 1, end_column: 18 },
            document: 0,
            pointer: "/password".into(),
            excerpt: Some(frame.clone()),
            suppressed: None,
            note: None,
            rendered_from: None,
        };
        let mut findings = [finding("a.yaml", "p/secret"), finding("b.yaml", "p/other")];
        redact(&mut findings, |rule| rule == "p/secret");
        let text = |finding: &Finding| finding.excerpt.as_ref().map(|excerpt| excerpt.text.clone());
        assert_eq!(text(&findings[0]).as_deref(), Some("password: *******"));
        assert_eq!(text(&findings[1]).as_deref(), Some("password: hunter2"), "b.yaml has no sensitive finding");
        assert_eq!(frame.text, "password: hunter2", "the shared frame itself is not changed");
    }
}
