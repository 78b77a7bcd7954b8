//! Helm charts checked as they deploy.
//!
//! A chart template is Go template text, not YAML: what reaches a cluster
//! is what `helm template` renders from it with the chart's values. Where
//! `helm` is on PATH, each chart among the inputs is rendered once, and
//! each of its templates is checked as the YAML it renders to ([`render`]).
//! Findings are then moved back into the template, to the line that
//! writes the node they point at ([`relocate`]), since that is where the
//! fix goes; each says that it was found in the rendered output.
//!
//! Without `helm`, templates are skipped with the command that renders
//! them, and `helm template … | tenken check -` checks the output with
//! each finding naming its template (Helm's `# Source:` comments, read in
//! `tenken_formats`).

mod template_lines;

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use tenken_formats::Limits;
use tenken_formats::span::{LineIndex, Span};
use tenken_report::{Finding, Problem, ProblemKind};

use crate::cli::RenderCharts;
use crate::discover::{Content, InputFile};
use crate::external::{display, shell_word};

/// The most bytes of `helm template` output read for one chart, in files
/// of the size limit: a chart renders many templates, each bounded by the
/// limit again when it is parsed.
const RENDERED_FILES_PER_CHART: u64 = 16;

/// What the command line asks of chart rendering.
pub(crate) struct HelmOptions {
    pub(crate) mode: RenderCharts,
    pub(crate) values: Vec<PathBuf>,
    pub(crate) set: Vec<String>,
}

/// The templates rendered in a run, by display path: what moving their
/// findings back into them needs.
#[derive(Default)]
pub(crate) struct Rendered {
    templates: HashMap<String, RenderedTemplate>,
}

struct RenderedTemplate {
    /// The template on disk.
    path: PathBuf,
    /// Its own chart's directory (a subchart's, for a subchart's
    /// template), whose `values.yaml` holds the defaults it reads.
    chart: PathBuf,
    /// The command that rendered it, for the findings' notes.
    command: Arc<str>,
    /// The Kubernetes kind of each rendered document, which tells apart
    /// the documents of a template that writes several.
    kinds: Vec<Option<String>>,
}

/// Renders the charts whose templates are among `files` and gives each
/// template its rendered text. A chart that cannot be rendered gets a
/// warning, and its templates stay as they were (skipped, with the command
/// to run). Runs helm on the current rayon pool.
pub(crate) fn render(
    files: &mut [InputFile],
    options: &HelmOptions,
    limits: &Limits,
    announce: bool,
    warnings: &mut Vec<Problem>,
) -> anyhow::Result<Rendered> {
    let mut rendered = Rendered::default();
    if options.mode == RenderCharts::Never {
        return Ok(rendered);
    }
    let charts_and_templates = templates_by_chart(files);
    if charts_and_templates.is_empty() {
        return Ok(rendered);
    }
    let Ok(helm) = which::which("helm") else {
        if options.mode == RenderCharts::Always {
            let chart = charts_and_templates.keys().next().map(|chart| display(chart)).unwrap_or_default();
            anyhow::bail!(
                "--render-charts always: `helm` is not on PATH, so the chart {chart} cannot be rendered; install \
                 Helm 3, or pass --render-charts auto to skip chart templates"
            );
        }
        return Ok(rendered);
    };
    let output_limit = limits.max_file_bytes.saturating_mul(RENDERED_FILES_PER_CHART);
    // Charts render side by side: helm takes tens of milliseconds to start.
    let outputs: Vec<Result<String, String>> =
        charts_and_templates.par_iter().map(|(chart, _)| run_helm(&helm, chart, options, output_limit)).collect();
    for ((chart, templates), output) in charts_and_templates.iter().zip(outputs) {
        let command = command_line(chart, options);
        let output = match output {
            Ok(output) => output,
            Err(message) => {
                let message = format!("`{command}` failed, so its templates are skipped: {message}");
                warnings.push(Problem {
                    kind: ProblemKind::Read,
                    path: display(chart),
                    line: None,
                    column: None,
                    plugin: None,
                    message,
                    excerpt: None,
                });
                continue;
            }
        };
        let command: Arc<str> = command.into();
        let by_template = split_by_source(&output, chart);
        let mut count = 0;
        for &index in templates {
            let file = &mut files[index];
            match by_template.get(&file.path) {
                Some(text) => {
                    let kinds = text.documents.clone();
                    rendered.templates.insert(
                        file.display.clone(),
                        RenderedTemplate {
                            path: file.path.clone(),
                            // A subchart's template reads the subchart's
                            // own values (which its parent may override).
                            chart: template_chart(&file.path).unwrap_or_else(|| chart.clone()),
                            command: command.clone(),
                            kinds,
                        },
                    );
                    file.content = Content::Rendered(text.text.as_bytes().into());
                    count += 1;
                }
                // A template for other templates (`_helpers.tpl`), or one
                // a condition switches off with these values.
                None if is_yaml(&file.path) => file.not_read = Some(RENDERS_NOTHING),
                None => {}
            }
        }
        if announce {
            let templates = if count == 1 { "template" } else { "templates" };
            // The chart's path and values come from the repository and the
            // command line: escaped like any untrusted text.
            let line = format!("rendered {} with `{command}`: {count} {templates} checked as rendered", display(chart));
            eprintln!("tenken: {}", tenken_report::untrusted::one_line(&line));
        }
    }
    Ok(rendered)
}

/// What to do about a chart template that was not rendered. One reason
/// for every chart, so that a repository of many charts gets one line in
/// the summary; the file's path names its chart.
pub(crate) const HOW_TO_RENDER: &str =
    "check it as rendered by putting helm on PATH, or with `helm template CHART | tenken check -`";

/// Why a template with no rendered documents is not checked.
const RENDERS_NOTHING: &str = "Helm chart template that renders no documents with the chart's values";

/// The charts whose templates are among the inputs, each with the indices
/// of its templates in `files`. A subchart unpacked under a chart's
/// `charts/` is rendered with its parent, as Helm deploys it.
fn templates_by_chart(files: &[InputFile]) -> BTreeMap<PathBuf, Vec<usize>> {
    let mut by_chart: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
    for (index, file) in files.iter().enumerate() {
        if file.content != Content::OnDisk || file.not_read.is_some() {
            continue;
        }
        let Some(chart) = template_chart(&file.path).map(outermost_chart) else { continue };
        by_chart.entry(chart).or_default().push(index);
    }
    by_chart
}

/// The chart whose `templates/` holds `path`, at any depth.
fn template_chart(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .skip(1)
        .find(|dir| dir.file_name().is_some_and(|name| name == "templates") && dir.parent().is_some_and(is_chart))
        .and_then(Path::parent)
        .map(Path::to_path_buf)
}

fn is_chart(dir: &Path) -> bool {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    dir.join("Chart.yaml").is_file()
}

/// The chart that deploys `chart`: itself, or the parent whose `charts/`
/// holds it.
fn outermost_chart(mut chart: PathBuf) -> PathBuf {
    while let Some(parent) = chart.parent().filter(|dir| dir.file_name().is_some_and(|name| name == "charts"))
        && let Some(owner) = parent.parent().filter(|owner| is_chart(owner))
    {
        chart = owner.to_path_buf();
    }
    chart
}

fn is_yaml(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension == "yaml" || extension == "yml")
}

/// `helm template CHART` with the values the command line gives, as shown
/// to users and as they could run it.
fn command_line(chart: &Path, options: &HelmOptions) -> String {
    let mut command = format!("helm template {}", shell_word(&display(chart)));
    for values in &options.values {
        command.push_str(&format!(" --values {}", shell_word(&values.to_string_lossy())));
    }
    for set in &options.set {
        command.push_str(&format!(" --set {}", shell_word(set)));
    }
    command
}

/// Runs `helm template` on `chart`, bounded in time and output.
fn run_helm(helm: &Path, chart: &Path, options: &HelmOptions, limit: u64) -> Result<String, String> {
    let mut command = Command::new(helm);
    command.arg("template").arg(if chart.as_os_str().is_empty() { Path::new(".") } else { chart });
    for values in &options.values {
        command.arg("--values").arg(values);
    }
    for set in &options.set {
        command.arg("--set").arg(set);
    }
    crate::external::run_bounded(command, limit)
}

/// The rendered documents of one template, in the order Helm wrote them.
#[derive(Default)]
struct TemplateText {
    text: String,
    /// The Kubernetes kind of each document.
    documents: Vec<Option<String>>,
}

/// Splits `helm template` output into each template's documents, by the
/// `# Source: CHART/templates/…` comment above each, keyed by the
/// template's path under `chart`.
fn split_by_source(output: &str, chart: &Path) -> BTreeMap<PathBuf, TemplateText> {
    let mut by_template: BTreeMap<PathBuf, TemplateText> = BTreeMap::new();
    for document in documents(output) {
        let source = document.lines().find_map(|line| line.strip_prefix("# Source: ")).map(str::trim);
        // `CHART/templates/x.yaml`: the first part is the chart's name,
        // which need not be its directory's.
        let Some((_, within_chart)) = source.and_then(|source| source.split_once('/')) else { continue };
        let path = chart.join(within_chart);
        let entry = by_template.entry(path).or_default();
        if !entry.text.is_empty() && !entry.text.ends_with('\n') {
            entry.text.push('\n');
        }
        entry.text.push_str("---\n");
        entry.text.push_str(document);
        entry.documents.push(kind_of(document));
    }
    by_template
}

/// The documents of a YAML stream, without their `---` lines.
pub(crate) fn documents(stream: &str) -> impl Iterator<Item = &str> {
    let mut rest = stream;
    std::iter::from_fn(move || {
        while !rest.is_empty() {
            let end = rest.find("\n---\n").map_or(rest.len(), |at| at + 1);
            let document = &rest[..end];
            rest = rest.get(end + 4..).unwrap_or_default();
            let document = document.strip_prefix("---\n").unwrap_or(document);
            if !document.trim().is_empty() {
                return Some(document);
            }
        }
        None
    })
}

/// The top-level `kind:` of a rendered document.
fn kind_of(document: &str) -> Option<String> {
    document.lines().find_map(|line| line.strip_prefix("kind:")).map(|kind| kind.trim().trim_matches('"').to_owned())
}

/// Moves findings in rendered templates back into the templates, to the
/// line that writes the node each points at, and notes that they were
/// found in the rendered output. Code frames, where shown, become the
/// template's lines.
///
/// Plugins that read a chart's values (`reads_values` says which rules are
/// theirs) report conventional keys such as `image.tag` in `values.yaml`
/// itself, for charts that are not rendered. For a rendered chart, what
/// renders decides: a rendered finding whose template line reads a
/// `values.yaml` line where the same rule is reported is dropped, since
/// the values' finding says where the fix goes; a values' finding that no
/// rendered finding confirms is dropped too (the template does not use
/// the key, or `--helm-set`/`--helm-values` override it).
pub(crate) fn relocate(
    findings: &mut Vec<Finding>,
    rendered: &Rendered,
    limits: &Limits,
    reads_values: impl Fn(&str) -> bool,
) {
    if rendered.templates.is_empty() {
        return;
    }
    let rendered_values: HashSet<String> =
        rendered.templates.values().map(|template| display(&template.chart.join("values.yaml"))).collect();
    // (rule, values file, line) of each values' finding of a rendered chart.
    let in_values: HashSet<(String, String, u32)> = findings
        .iter()
        .filter(|finding| reads_values(&finding.rule.id) && rendered_values.contains(&shown(&finding.location.path)))
        .map(|finding| (finding.rule.id.to_string(), shown(&finding.location.path), finding.location.line))
        .collect();
    let mut confirmed: HashSet<(String, String, u32)> = HashSet::new();
    let mut explained = vec![false; findings.len()];
    // Each template read once, as a file without documents: its text and
    // line index are what locating and code frames need.
    let mut sources: HashMap<&Path, Option<tenken_formats::ParsedFile>> = HashMap::new();
    let mut values: HashMap<&Path, Option<tenken_formats::ParsedFile>> = HashMap::new();
    for (position, finding) in findings.iter_mut().enumerate() {
        let Some(template) = rendered.templates.get(&*finding.location.path) else { continue };
        // The finding is in the template now; naming it again is noise.
        finding.rendered_from = None;
        let source = sources.entry(&template.path).or_insert_with(|| {
            let bytes = crate::read::read_bounded(&template.path, limits.max_file_bytes).ok()?;
            let text = tenken_formats::decode(&bytes).ok()?;
            let lines = LineIndex::new(&text);
            Some(tenken_formats::ParsedFile {
                source: tenken_formats::SourceFile { path: Arc::clone(&finding.location.path), text, lines },
                format: tenken_formats::Format::Yaml,
                documents: Vec::new(),
                diagnostics: Vec::new(),
            })
        });
        let rendered_line = finding.location.line;
        let kind = template.kinds.get(finding.document as usize).cloned().flatten();
        let at = source.as_ref().and_then(|parsed| {
            template_lines::locate(&parsed.source.text, finding.document as usize, kind.as_deref(), &finding.pointer)
        });
        let (line, column, written) = match at {
            Some((line, column)) => (line, column, true),
            None => (1, 1, false),
        };
        let note = if written {
            let values = values.entry(&template.chart).or_insert_with(|| chart_values(&template.chart, limits));
            let (from_values, read) = source
                .as_ref()
                .map(|parsed| values_note(&parsed.source.text, line, &template.chart, values.as_ref()))
                .unwrap_or_default();
            for (path, line) in read {
                let key = (finding.rule.id.to_string(), shown(&path), line);
                if in_values.contains(&key) {
                    explained[position] = true;
                    confirmed.insert(key);
                }
            }
            format!(
                "found in what `{}` renders: line {rendered_line} of this template's output{from_values}",
                template.command
            )
        } else {
            format!(
                "found in what `{}` renders, at line {rendered_line} of this template's output; the template does \
                 not write that node out literally",
                template.command
            )
        };
        finding.note = Some(match finding.note.take() {
            Some(earlier) => format!("{earlier}; {note}").into(),
            None => note.into(),
        });
        let Some(parsed) = source else {
            finding.location.line = line;
            finding.location.column = column;
            finding.location.end_line = line;
            finding.location.end_column = column;
            finding.excerpt = None;
            continue;
        };
        let (text, lines) = (&parsed.source.text, &parsed.source.lines);
        let range = lines.line_range(text, line);
        let start = (range.start + column as usize - 1).min(range.end);
        let span = Span::new(start, range.end);
        let end = lines.line_column(text, span.end);
        finding.location.line = line;
        finding.location.column = column;
        finding.location.end_line = end.line;
        finding.location.end_column = end.column;
        if finding.excerpt.is_some() {
            finding.excerpt = Some(Arc::new(crate::locate::excerpt(parsed, span)));
        }
    }
    let mut position = 0;
    findings.retain(|finding| {
        position += 1;
        let key = (finding.rule.id.to_string(), shown(&finding.location.path), finding.location.line);
        let unconfirmed = in_values.contains(&key) && !confirmed.contains(&key);
        !explained[position - 1] && !unconfirmed
    });
}

/// A displayed path without a leading `./`, to compare paths shown by
/// different parts of the run.
fn shown(path: &str) -> String {
    path.strip_prefix("./").unwrap_or(path).to_owned()
}

/// The chart's `values.yaml`, parsed, to say where the values a template
/// line uses are set.
fn chart_values(chart: &Path, limits: &Limits) -> Option<tenken_formats::ParsedFile> {
    let path = chart.join("values.yaml");
    let bytes = crate::read::read_bounded(&path, limits.max_file_bytes).ok()?;
    let hints = tenken_formats::Hints::default();
    tenken_formats::parse_file(&display(&path), &bytes, tenken_formats::Format::Yaml, limits, &hints).ok()
}

/// `; it uses `.Values.image.tag` (chart/values.yaml:5)`: the values
/// that template line `line` reads (on it, or in the template actions
/// nested under it, as `toYaml .Values.resources` is under `resources:`),
/// with where the chart's `values.yaml` sets each. Empty when it reads none.
/// Also returns the `values.yaml` lines named, with the file's path.
fn values_note(
    template: &str,
    line: u32,
    chart: &Path,
    values: Option<&tenken_formats::ParsedFile>,
) -> (String, Vec<(String, u32)>) {
    let mut lines = template.lines().skip(line as usize - 1);
    let Some(first) = lines.next() else { return (String::new(), Vec::new()) };
    let indent = |text: &str| text.len() - text.trim_start().len();
    let nested = lines.take_while(|text| {
        let content = text.trim();
        content.starts_with("{{") && content.ends_with("}}") && indent(text) > indent(first)
    });
    let mut references: Vec<&str> = Vec::new();
    for text in std::iter::once(first).chain(nested) {
        for (at, _) in text.match_indices(".Values.") {
            let rest = &text[at + ".Values.".len()..];
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')).unwrap_or(rest.len());
            let key = rest[..end].trim_end_matches('.');
            if !key.is_empty() && !references.contains(&key) {
                references.push(key);
            }
        }
    }
    if references.is_empty() {
        return (String::new(), Vec::new());
    }
    let values_path = display(&chart.join("values.yaml"));
    let mut read = Vec::new();
    let described: Vec<String> = references
        .iter()
        .map(|key| match values.and_then(|values| value_line(values, key)) {
            Some(at) => {
                read.push((values_path.clone(), at));
                format!("`.Values.{key}` ({values_path}:{at})")
            }
            None => format!("`.Values.{key}`"),
        })
        .collect();
    (format!("; it uses {}", described.join(", ")), read)
}

/// The line of `values.yaml` that sets `key` (`image.tag`), if it does.
fn value_line(values: &tenken_formats::ParsedFile, key: &str) -> Option<u32> {
    let document = values.documents.first()?;
    let pointer: String =
        key.split('.').map(|part| format!("/{}", part.replace('~', "~0").replace('/', "~1"))).collect();
    let resolved = tenken_formats::span::resolve_pointer(&document.tree, &document.spans, &pointer);
    resolved.exact.then(|| values.source.lines.line_column(&values.source.text, resolved.span.start).line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_output_is_split_by_template() {
        let output = "---\n# Source: shop/templates/service.yaml\napiVersion: v1\nkind: Service\n---\n\
                      # Source: shop/templates/deployment.yaml\nkind: Deployment\n---\n\
                      # Source: shop/templates/service.yaml\nkind: Service\nmetadata:\n  name: b\n";
        let split = split_by_source(output, Path::new("charts/shop-chart"));
        let paths: Vec<_> = split.keys().map(|path| display(path)).collect();
        assert_eq!(paths, ["charts/shop-chart/templates/deployment.yaml", "charts/shop-chart/templates/service.yaml"]);
        let services = &split[Path::new("charts/shop-chart/templates/service.yaml")];
        assert_eq!(services.documents, [Some("Service".to_owned()), Some("Service".to_owned())]);
        assert_eq!(
            services.text,
            "---\n# Source: shop/templates/service.yaml\napiVersion: v1\nkind: Service\n---\n\
             # Source: shop/templates/service.yaml\nkind: Service\nmetadata:\n  name: b\n"
        );
    }

    #[test]
    fn commands_are_shown_as_a_shell_reads_them() {
        let options = HelmOptions {
            mode: RenderCharts::Auto,
            values: vec![PathBuf::from("values prod.yaml")],
            set: vec!["image.tag=1.4".to_owned(), "name=it's".to_owned()],
        };
        assert_eq!(
            command_line(Path::new("charts/shop"), &options),
            r"helm template charts/shop --values 'values prod.yaml' --set image.tag=1.4 --set 'name=it'\''s'"
        );
    }
}
