//! JUnit XML, for CI systems that show test reports (GitLab, Jenkins).
//!
//! Each plugin is a test suite. Each finding is a failed test case whose
//! `classname` is the rule id and whose `name` is the location, so CI
//! systems that dedupe on (classname, name) see one case per (rule,
//! location). A plugin without findings has one passing case, so it shows
//! as green rather than absent. A `tenken` suite holds the findings of
//! tenken's own rules (such as files that do not parse), the files that
//! could not be checked as error cases, and one skipped case per reason
//! files were skipped for.
//!
//! The XML is written case by case with `quick-xml`, in the layout
//! `quick-junit` gives, whose `XmlString` cleans every text of what XML
//! cannot hold. `quick-junit` itself builds a whole report before writing
//! it, which for a large repository's findings is hundreds of megabytes.

use std::collections::HashMap;
use std::io;

use quick_junit::XmlString;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::{Finding, Problem, Report};

/// Writes the report as JUnit XML, one test case at a time.
pub fn write(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    // Each plugin's findings, in report order.
    let mut by_plugin: HashMap<&str, Vec<&Finding>> = HashMap::new();
    for finding in report.active_findings() {
        by_plugin.entry(&finding.rule.plugin).or_default().push(finding);
    }
    let suites: Vec<(&str, &[&Finding])> = report
        .plugins
        .iter()
        .map(|plugin| (plugin.id.as_str(), by_plugin.get(plugin.id.as_str()).map_or(&[][..], Vec::as_slice)))
        .collect();
    // tenken's own rules (files that do not parse, stale exceptions) have
    // no plugin; their findings go with the errors into a `tenken` suite,
    // and each reason files were skipped for is a skipped case there.
    let own: &[&Finding] = by_plugin.get("tenken").map_or(&[][..], Vec::as_slice);
    let skipped = report.skipped_by_reason();
    let own_tests = own.len() + report.errors.len() + skipped.len();
    let failures: usize = suites.iter().map(|(_, findings)| findings.len()).sum::<usize>() + own.len();
    // A plugin without findings has one passing case.
    let tests = suites.iter().map(|(_, findings)| findings.len().max(1)).sum::<usize>() + own_tests;

    let mut writer = Writer::new_with_indent(out, b' ', 4);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut root = BytesStart::new("testsuites");
    root.push_attribute(("name", "tenken"));
    push_counts(
        &mut root,
        &[("tests", tests), ("skipped", skipped.len()), ("failures", failures), ("errors", report.errors.len())],
    );
    writer.write_event(Event::Start(root))?;

    for (plugin, findings) in suites {
        let counts = SuiteCounts { tests: findings.len().max(1), skipped: 0, errors: 0, failures: findings.len() };
        start_suite(&mut writer, plugin, counts)?;
        if findings.is_empty() {
            let mut case = BytesStart::new("testcase");
            case.push_attribute(("name", "no findings"));
            case.push_attribute(("classname", XmlString::new(plugin).as_str()));
            writer.write_event(Event::Empty(case))?;
        }
        for finding in findings {
            write_finding(&mut writer, finding)?;
        }
        writer.write_event(Event::End(BytesEnd::new("testsuite")))?;
    }
    if own_tests > 0 {
        let counts =
            SuiteCounts { tests: own_tests, skipped: skipped.len(), errors: report.errors.len(), failures: own.len() };
        start_suite(&mut writer, "tenken", counts)?;
        for finding in own {
            write_finding(&mut writer, finding)?;
        }
        for problem in &report.errors {
            write_error(&mut writer, problem)?;
        }
        for (reason, count) in skipped {
            write_skipped(&mut writer, reason, count)?;
        }
        writer.write_event(Event::End(BytesEnd::new("testsuite")))?;
    }
    writer.write_event(Event::End(BytesEnd::new("testsuites")))?;
    // A trailing newline.
    writer.write_indent()
}

fn push_counts(tag: &mut BytesStart<'_>, counts: &[(&str, usize)]) {
    for (name, count) in counts {
        tag.push_attribute((*name, count.to_string().as_str()));
    }
}

struct SuiteCounts {
    tests: usize,
    skipped: usize,
    errors: usize,
    failures: usize,
}

fn start_suite<W: io::Write>(writer: &mut Writer<W>, name: &str, counts: SuiteCounts) -> io::Result<()> {
    let mut suite = BytesStart::new("testsuite");
    suite.push_attribute(("name", XmlString::new(name).as_str()));
    let SuiteCounts { tests, skipped, errors, failures } = counts;
    push_counts(&mut suite, &[("tests", tests), ("skipped", skipped), ("errors", errors), ("failures", failures)]);
    writer.write_event(Event::Start(suite))
}

/// A skipped case for the files skipped for one reason.
fn write_skipped<W: io::Write>(writer: &mut Writer<W>, reason: &str, count: usize) -> io::Result<()> {
    let mut case = BytesStart::new("testcase");
    case.push_attribute(("name", XmlString::new(reason).as_str()));
    case.push_attribute(("classname", "tenken/skipped"));
    writer.write_event(Event::Start(case))?;
    let mut skipped = BytesStart::new("skipped");
    let files = if count == 1 { "file" } else { "files" };
    skipped.push_attribute(("message", XmlString::new(format!("{count} {files} skipped: {reason}")).as_str()));
    writer.write_event(Event::Empty(skipped))?;
    writer.write_event(Event::End(BytesEnd::new("testcase")))
}

fn write_finding<W: io::Write>(writer: &mut Writer<W>, finding: &Finding) -> io::Result<()> {
    let at = &finding.location;
    let mut case = BytesStart::new("testcase");
    case.push_attribute(("name", XmlString::new(format!("{}:{}:{}", at.path, at.line, at.column)).as_str()));
    case.push_attribute(("classname", XmlString::new(&*finding.rule.id).as_str()));
    writer.write_event(Event::Start(case))?;
    let mut failure = BytesStart::new("failure");
    failure.push_attribute(("message", XmlString::new(&*finding.message).as_str()));
    failure.push_attribute(("type", finding.severity.as_str()));
    writer.write_event(Event::Start(failure))?;
    let rendered_from =
        finding.rendered_from.as_ref().map(|template| format!("\nRendered from {template}.")).unwrap_or_default();
    let description = XmlString::new(format!(
        "{}:{}:{}: {} {}{rendered_from}\n{}\nSee `tenken explain {}`.",
        at.path, at.line, at.column, finding.severity, finding.message, finding.rule.title, finding.rule.id
    ));
    writer.write_event(Event::Text(BytesText::new(description.as_str())))?;
    writer.write_event(Event::End(BytesEnd::new("failure")))?;
    writer.write_event(Event::End(BytesEnd::new("testcase")))
}

fn write_error<W: io::Write>(writer: &mut Writer<W>, problem: &Problem) -> io::Result<()> {
    let name = match problem.line {
        Some(line) => format!("{}:{line}", problem.path),
        None => problem.path.clone(),
    };
    let classname = match &problem.plugin {
        Some(plugin) => format!("tenken.plugin.{plugin}"),
        None => format!("tenken.{:?}", problem.kind).to_lowercase(),
    };
    let mut case = BytesStart::new("testcase");
    case.push_attribute(("name", XmlString::new(name).as_str()));
    case.push_attribute(("classname", XmlString::new(classname).as_str()));
    writer.write_event(Event::Start(case))?;
    let mut error = BytesStart::new("error");
    error.push_attribute(("message", XmlString::new(problem.full_message()).as_str()));
    error.push_attribute(("type", format!("{:?}", problem.kind).to_lowercase().as_str()));
    writer.write_event(Event::Empty(error))?;
    writer.write_event(Event::End(BytesEnd::new("testcase")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Category, Location, PluginSummary, RuleLabel, Severity};

    fn finding(message: &str) -> Finding {
        Finding {
            rule: RuleLabel::new("noisy/rule", "noisy", "Do the thing"),
            severity: Severity::High,
            category: Category::Security,
            message: message.into(),
            location: Location { path: "a.yaml".into(), line: 3, column: 5, end_line: 3, end_column: 9 },
            document: 0,
            pointer: "/a".into(),
            excerpt: None,
            suppressed: None,
            note: None,
            rendered_from: None,
        }
    }

    fn plugin(id: &str) -> PluginSummary {
        PluginSummary { id: id.to_owned(), version: "1".to_owned(), sha256: String::new() }
    }

    #[test]
    fn counts_every_case_and_keeps_text_that_xml_cannot_hold_out() {
        let report = Report {
            findings: vec![finding("\u{1b}[31mred\u{1b}[0m <b> & \"q\"\u{1}"), finding("second")],
            plugins: vec![plugin("quiet"), plugin("noisy")],
            ..Report::default()
        };
        let xml = crate::render(&report, crate::OutputFormat::Junit, crate::RenderOptions::default(), "0");
        assert!(xml.contains(r#"<testsuites name="tenken" tests="3" skipped="0" failures="2" errors="0">"#), "{xml}");
        assert!(xml.contains(r#"<testsuite name="quiet" tests="1" skipped="0" errors="0" failures="0">"#), "{xml}");
        assert!(xml.contains(r#"<testcase name="no findings" classname="quiet"/>"#), "{xml}");
        assert!(xml.contains(r#"<testsuite name="noisy" tests="2" skipped="0" errors="0" failures="2">"#), "{xml}");
        assert!(xml.contains(r#"<failure message="red &lt;b&gt; &amp; &quot;q&quot;" type="high">"#), "{xml}");
        assert!(!xml.contains(['\u{1b}', '\u{1}']), "control characters are not XML: {xml:?}");
        assert!(xml.ends_with("</testsuites>\n"), "{xml}");
    }
}
