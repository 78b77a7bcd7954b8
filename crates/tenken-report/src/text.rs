//! Terminal output: one rustc-style diagnostic per finding, with a code
//! frame, then a summary line.

use std::fmt::Write as _;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::{Excerpt, FileStatus, Finding, Problem, RenderOptions, Report, Severity, untrusted};

/// Writes findings, errors and the summary, one diagnostic at a time.
pub fn write(report: &Report, options: RenderOptions, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let renderer = if options.color { Renderer::styled() } else { Renderer::plain() };
    for finding in report.active_findings() {
        writeln!(out, "{}\n", renderer.render(&finding_report(finding)))?;
    }
    for problem in &report.errors {
        writeln!(out, "{}\n", renderer.render(&problem_report(Level::ERROR, problem)))?;
    }
    for problem in &report.warnings {
        writeln!(out, "{}\n", renderer.render(&problem_report(Level::WARNING, problem)))?;
    }
    if options.quiet {
        return Ok(());
    }
    for line in skipped(report, options.each_skipped_file) {
        writeln!(out, "{line}")?;
    }
    writeln!(out, "{}", summary(report))
}

/// What was skipped and why: one line per reason, e.g. `3 files skipped:
/// not a config file`, or with `each_file` one line per file, so that no
/// file goes unchecked without the user being told.
pub fn skipped(report: &Report, each_file: bool) -> Vec<String> {
    if each_file {
        let skipped = report.files.iter().filter_map(|file| match &file.status {
            FileStatus::Skipped { reason } => Some((&file.path, reason)),
            _ => None,
        });
        return skipped.map(|(path, reason)| format!("{}: skipped: {reason}", untrusted::path(path))).collect();
    }
    report
        .skipped_by_reason()
        .into_iter()
        .map(|(reason, count)| format!("{count} {} skipped: {reason}", plural(count, "file", "files")))
        .collect()
}

fn level_of(severity: Severity) -> Level<'static> {
    let level = match severity {
        Severity::Critical | Severity::High => Level::ERROR,
        Severity::Medium | Severity::Low => Level::WARNING,
        Severity::Info => Level::INFO,
    };
    level.with_name(severity.as_str())
}

/// The excerpt's lines with the highlight underlined, every line shown.
/// The source is the user's file, so it is escaped like any untrusted text.
fn code_frame<'a>(excerpt: &'a Excerpt, path: &'a str) -> Snippet<'a, annotate_snippets::Annotation<'a>> {
    let (text, highlight) = untrusted::code_frame(&excerpt.text, excerpt.highlight.clone());
    Snippet::source(text)
        .line_start(excerpt.first_line as usize)
        .path(untrusted::one_line(path))
        .fold(false)
        .annotation(AnnotationKind::Primary.span(highlight))
}

fn finding_report(finding: &Finding) -> Vec<Group<'_>> {
    let location = &finding.location;
    let title = level_of(finding.severity)
        .primary_title(untrusted::one_line(&finding.message))
        .id(untrusted::one_line(&finding.rule.id));
    let group = match &finding.excerpt {
        Some(excerpt) => title.element(code_frame(excerpt, &location.path)),
        None => title
            .element(annotate_snippets::Origin::path(untrusted::one_line(&location.path)).line(location.line as usize)),
    };
    let help = Level::HELP.secondary_title(
        untrusted::one_line(&format!("{}; see `tenken explain {}`", finding.rule.title, finding.rule.id)).into_owned(),
    );
    let mut groups = vec![group];
    if let Some(template) = &finding.rendered_from {
        let note = format!("rendered from {}: fix it there", untrusted::one_line(template));
        groups.push(Group::with_title(Level::NOTE.secondary_title(note)));
    }
    if let Some(note) = &finding.note {
        groups.push(Group::with_title(Level::NOTE.secondary_title(untrusted::one_line(note))));
    }
    groups.push(Group::with_title(help));
    groups
}

/// An error or warning: its first line as the title, at its location; any
/// further lines (such as a crashed plugin's stderr) as a note.
fn problem_report<'a>(level: Level<'static>, problem: &'a Problem) -> Vec<Group<'a>> {
    let full = problem.full_message();
    let (first, rest) = full.split_once('\n').unwrap_or((&full, ""));
    let title = level.primary_title(untrusted::one_line(first).into_owned());
    let first = match &problem.excerpt {
        Some(excerpt) => title.element(code_frame(excerpt, &problem.path)),
        None => {
            let mut origin = annotate_snippets::Origin::path(untrusted::one_line(&problem.path));
            if let Some(line) = problem.line {
                origin = origin.line(line as usize);
                if let Some(column) = problem.column {
                    origin = origin.char_column(column as usize);
                }
            }
            title.element(origin)
        }
    };
    let mut groups = vec![first];
    // Further lines (a crashed plugin's stderr) each stay a line of their
    // own, escaped, and none can begin like a CI command.
    let detail: Vec<&str> = rest.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
    if !detail.is_empty() {
        groups.push(Group::with_title(Level::NOTE.secondary_title(untrusted::lines(&detail.join("\n")))));
    }
    groups
}

/// The closing line, e.g. `3 findings (1 high, 2 medium) in 5 files checked
/// by 2 plugins; 1 file skipped (0.02s)`.
pub fn summary(report: &Report) -> String {
    let (checked, skipped, errored) = report.file_counts();
    let mut line = String::new();
    let total = report.active_count();
    let _ = write!(line, "{} {}", total, plural(total, "finding", "findings"));
    let by_severity: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|&severity| {
            let count = report.count(severity);
            (count > 0).then(|| format!("{count} {severity}"))
        })
        .collect();
    if !by_severity.is_empty() {
        let _ = write!(line, " ({})", by_severity.join(", "));
    }
    let plugins = report.plugins.len();
    let _ = write!(
        line,
        " in {checked} {} checked by {plugins} {}",
        plural(checked, "file", "files"),
        plural(plugins, "plugin", "plugins")
    );
    let suppressed = report.suppressed_count();
    if suppressed > 0 {
        let _ = write!(line, "; {suppressed} {} suppressed", plural(suppressed, "finding", "findings"));
    }
    if skipped > 0 {
        let _ = write!(line, "; {skipped} {} skipped", plural(skipped, "file", "files"));
    }
    if let Some(unmatched) = report.baseline_unmatched.filter(|unmatched| *unmatched > 0) {
        let _ = write!(
            line,
            "; {unmatched} baseline {} no longer {} (write the baseline again to prune)",
            plural(unmatched, "entry", "entries"),
            plural(unmatched, "matches", "match")
        );
    }
    let errors = report.errors.len();
    if errors > 0 {
        let _ = write!(line, "; {errors} {}", plural(errors, "error", "errors"));
    }
    if errored > 0 {
        let _ = write!(line, "; {errored} {} not fully checked", plural(errored, "file", "files"));
    }
    if let Some(elapsed) = report.elapsed {
        let _ = write!(line, " ({:.2}s)", elapsed.as_secs_f64());
    }
    line
}

fn plural<'a>(count: usize, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 { one } else { many }
}
