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
            mask(excerpt, file_regions);
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
}
