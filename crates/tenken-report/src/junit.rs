//! JUnit XML, for CI systems that show test reports (GitLab, Jenkins).
//!
//! Each plugin is a test suite. Each finding is a failed test case whose
//! `classname` is the rule id and whose `name` is the location, so CI
//! systems that dedupe on (classname, name) see one case per (rule,
//! location). A plugin without findings has one passing case, so it shows
//! as green rather than absent. Files that could not be checked are error
//! cases in a `tenken` suite.

use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};

use crate::Report;

/// Writes the report as JUnit XML. The XML's header counts every case, so
/// the whole report is built before any of it is written.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut junit = JunitReport::new("tenken");
    for plugin in &report.plugins {
        let mut suite = TestSuite::new(plugin.id.as_str());
        let findings: Vec<_> = report.active_findings().filter(|finding| *finding.rule.plugin == *plugin.id).collect();
        for finding in &findings {
            let at = &finding.location;
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(&*finding.message);
            status.set_type(finding.severity.as_str());
            status.set_description(format!(
                "{}:{}:{}: {} {}\n{}\nSee `tenken explain {}`.",
                at.path, at.line, at.column, finding.severity, finding.message, finding.rule.title, finding.rule.id
            ));
            let mut case = TestCase::new(format!("{}:{}:{}", at.path, at.line, at.column), status);
            case.set_classname(&*finding.rule.id);
            suite.add_test_case(case);
        }
        if findings.is_empty() {
            let mut case = TestCase::new("no findings", TestCaseStatus::success());
            case.set_classname(plugin.id.as_str());
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    if !report.errors.is_empty() {
        let mut suite = TestSuite::new("tenken");
        for problem in &report.errors {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(problem.full_message());
            status.set_type(format!("{:?}", problem.kind).to_lowercase());
            let name = match problem.line {
                Some(line) => format!("{}:{line}", problem.path),
                None => problem.path.clone(),
            };
            let mut case = TestCase::new(name, status);
            case.set_classname(match &problem.plugin {
                Some(plugin) => format!("tenken.plugin.{plugin}"),
                None => format!("tenken.{:?}", problem.kind).to_lowercase(),
            });
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    junit.serialize(out).map_err(std::io::Error::other)
}
