//! Command-line interface definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Checks infrastructure and application configs against reliability and
/// security practices, encoded as sandboxed WebAssembly plugins.
#[derive(Debug, Parser)]
#[command(name = "tenken", version, about, long_about = None)]
#[command(after_help = "Exit codes: 0 no findings at or above --fail-on; 1 findings; \
2 usage or config error, or something could not be checked (a parse error or a plugin failure).")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check files and directories.
    Check(Box<CheckArgs>),
    /// List the loaded plugins, their rules and the kinds they apply to.
    Plugins(PluginArgs),
    /// List every rule id, tenken's own included, with its severity and
    /// whether it runs under the nearest tenken.toml (or the default set).
    Rules(RulesArgs),
    /// Print a rule's documentation: why it matters and how to fix it.
    Explain(ExplainArgs),
    /// Develop plugins.
    #[command(subcommand)]
    Plugin(PluginCommand),
    /// Inspect the configuration (tenken.toml).
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Write a commented starter tenken.toml for the repository in DIR.
    Init(InitArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The repository's root.
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,

    /// Replace an existing tenken.toml.
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration, after `extends`, with the file
    /// and line each value comes from.
    Show(ConfigShowArgs),
}

#[derive(Debug, Args)]
pub struct ConfigShowArgs {
    /// A file or directory: show the tenken.toml that judges it, the
    /// nearest one from its directory up, as `tenken check` picks it.
    /// Defaults to the current directory.
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,

    /// The config file, instead of the nearest one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Run a built plugin in the sandbox over its fixtures and compare its
    /// findings with the `# expect: <rule>` annotations in them. Builds
    /// nothing: build the plugin first.
    Test(PluginTestArgs),
    /// Print the documents a plugin receives for a file (kind, format and
    /// tree, as JSON), to write JSON pointers against.
    Inspect(InspectArgs),
    /// Create a standalone Rust plugin project, with a fixture and a test.
    New(PluginNewArgs),
    /// Write the rule reference (one Markdown page per plugin) into DIR,
    /// or with --check, fail if the pages there are out of date.
    Docs(PluginDocsArgs),
}

#[derive(Debug, Args)]
pub struct PluginDocsArgs {
    /// The directory of the reference, e.g. docs/rules.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// Change nothing; exit 1 if any page differs from what would be written.
    #[arg(long)]
    pub check: bool,

    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

#[derive(Debug, Args)]
pub struct PluginNewArgs {
    /// The plugin's id and crate name, in kebab-case.
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Where to create the project directory.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,

    /// The language of the plugin.
    #[arg(long, value_enum, default_value = "rust")]
    pub lang: Language,
}

/// The languages `tenken plugin new` writes projects in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Language {
    /// Rust, with the tenken SDK.
    Rust,
    /// Python, built with componentize-py.
    Python,
    /// JavaScript, built with jco (componentize-js).
    Js,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The config file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Treat files matching a glob as a kind, as `tenken check --kind`.
    #[arg(long = "kind", value_name = "GLOB=KIND", value_parser = parse_kind_mapping)]
    pub kinds: Vec<(String, String)>,
}

#[derive(Debug, Args)]
pub struct PluginTestArgs {
    /// The plugin's project directory.
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,

    /// The component to test. Defaults to the one .wasm file found in
    /// DIR/target/wasm32-wasip2/release, DIR/dist, DIR/build or DIR.
    #[arg(long, value_name = "FILE")]
    pub component: Option<PathBuf>,

    /// The fixture directory. Defaults to DIR/tests/fixtures.
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,

    /// Also print every finding, located, one per line.
    #[arg(long)]
    pub list_findings: bool,

    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to check. Directories are walked, honouring
    /// .gitignore. `-` reads standard input. Defaults to the current
    /// directory.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// The name of what `-` reads from standard input, e.g.
    /// `k8s/deploy.yaml`: its kind is detected from it, findings name it,
    /// and its tenken.toml is found from it. It need not exist. Without
    /// it, standard input is read as YAML and shown as `-`.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,

    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,

    /// Also write the report to a file, as `<format>=<path>`, e.g.
    /// `sarif=results.sarif` or `junit=report.xml`. Repeatable.
    #[arg(long = "output", short = 'o', value_name = "FORMAT=PATH", value_parser = parse_output)]
    pub outputs: Vec<(OutputFormat, PathBuf)>,

    /// Lowest severity that makes the run fail (exit code 1).
    #[arg(long, value_enum, default_value_t = SeverityArg::Low)]
    pub fail_on: SeverityArg,

    /// Exit with 0 even when there are findings. Errors (files or plugins
    /// that could not be checked) still exit with 2.
    #[arg(long)]
    pub exit_zero: bool,

    /// Check only files changed against a git revision (and untracked
    /// files), among the given paths. See --base.
    #[arg(long)]
    pub changed: bool,

    /// The revision --changed compares with: the merge base of it and HEAD.
    /// Defaults to HEAD, i.e. uncommitted changes.
    #[arg(long, value_name = "REF", requires = "changed")]
    pub base: Option<String>,

    /// The config file for every file checked. Without it, each file is
    /// judged by the nearest tenken.toml from its directory up.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Ignore any tenken.toml: every bundled rule, default settings.
    #[arg(long)]
    pub no_config: bool,

    /// Run only the rules these selectors name, replacing tenken.toml's
    /// selection: rule ids (`k8s-probes/missing-liveness-probe`), plugin
    /// ids (`k8s-probes`), categories (`security`), severities (`high`) or
    /// `*`. Comma-separated or repeated.
    #[arg(long, value_name = "SELECTOR", value_delimiter = ',')]
    pub select: Option<Vec<String>>,

    /// Run these rules as well as those selected, including rules off by
    /// default. Comma-separated or repeated.
    #[arg(long, value_name = "SELECTOR", value_delimiter = ',')]
    pub extend_select: Vec<String>,

    /// Do not run the rules these selectors name. Wins over tenken.toml,
    /// and over --select and --extend-select selectors no more specific.
    /// Comma-separated or repeated.
    #[arg(long, value_name = "SELECTOR", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Report only findings that are not in this baseline file (see
    /// --write-baseline); recorded ones are listed as suppressed.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,

    /// Record today's findings in a baseline file and exit 0 (2 if
    /// something could not be checked).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Treat files matching a glob as a kind, when detection guesses wrong,
    /// e.g. `--kind 'deploy/**/*.yml=kubernetes'` or `--kind '*.k8s=kubernetes'`.
    /// Repeatable; the last matching mapping wins.
    #[arg(long = "kind", value_name = "GLOB=KIND", value_parser = parse_kind_mapping)]
    pub kinds: Vec<(String, String)>,

    /// Whether Helm charts among the inputs are rendered with `helm
    /// template` and their templates checked as rendered: `auto` when
    /// `helm` is on PATH, `always` (an error without helm), or `never`.
    /// A template that is not rendered is skipped, with the command to run.
    #[arg(long, value_enum, default_value_t = RenderCharts::Auto)]
    pub render_charts: RenderCharts,

    /// Whether kustomize overlays among the inputs are built with
    /// `kustomize build` (or `kubectl kustomize`) and the files they build
    /// from checked as built: `auto` when either is on PATH, `always` (an
    /// error without them), or `never` (files are checked as written,
    /// patches as partial objects).
    #[arg(long, value_enum, default_value_t = RenderCharts::Auto)]
    pub render_overlays: RenderCharts,

    /// A values file for the charts tenken renders, as `helm template
    /// --values` takes it. Repeatable; later files win.
    #[arg(long = "helm-values", value_name = "FILE")]
    pub helm_values: Vec<PathBuf>,

    /// A value for the charts tenken renders, as `helm template --set`
    /// takes it, e.g. `--helm-set image.tag=1.4.2`. Repeatable.
    #[arg(long = "helm-set", value_name = "KEY=VALUE")]
    pub helm_set: Vec<String>,

    /// Largest file checked, in bytes or with a unit (`16MiB`, `500KB`).
    /// A larger file is not read and is reported under
    /// `tenken/file-too-large`. Overrides `max-file-size` in tenken.toml;
    /// defaults to 8MiB.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,

    /// Most findings one run reports, before baselines and selection are
    /// applied. Findings past it are counted and reported as an error
    /// (exit 2), never dropped silently. Defaults to 2,000,000, about 250 MB
    /// of findings.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_findings: Option<u64>,

    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Number of files checked in parallel. Defaults to the number of CPUs.
    /// Output is identical for any value.
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,

    /// Print plugin loading, compile-cache use and plugin output to stderr.
    #[arg(long, short = 'v', conflicts_with = "quiet")]
    pub verbose: bool,

    /// Print findings, errors and warnings only: no skipped-file lines,
    /// no summary, no notices on stderr. The exit code is unchanged.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Print how many findings each rule has, most first, instead of the
    /// findings (as text, or with --format json as JSON). The exit code is
    /// unchanged.
    #[arg(long)]
    pub statistics: bool,

    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

/// When `tenken check` renders Helm charts or builds kustomize overlays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenderCharts {
    /// When the tool is on PATH.
    Auto,
    /// Always; an error without the tool on PATH.
    Always,
    /// Never.
    Never,
}

/// Settings for the plugin runtime, shared by every command that loads
/// plugins.
#[derive(Debug, Args, Clone)]
pub struct RuntimeArgs {
    /// Directory for compiled plugins. Defaults to $TENKEN_CACHE_DIR, else
    /// the user's cache directory (e.g. ~/.cache/tenken).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Compile plugins on every run instead of caching them.
    #[arg(long)]
    pub no_cache: bool,

    /// Memory limit for each plugin instance, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub plugin_memory: usize,

    /// Time limit for each plugin call, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub plugin_timeout: u64,

    /// Time all plugin calls of a run may take together, in seconds,
    /// summed over plugins and threads. Past it no plugin is called again,
    /// and the run says which files were not checked.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub plugin_time_budget: u64,

    /// Load an extra plugin: a `.wasm` component, or a directory of them.
    /// Repeatable.
    #[arg(long = "plugin", value_name = "PATH")]
    pub plugins: Vec<PathBuf>,

    /// Settings for a plugin, as `<plugin-id>=<JSON object>`. Repeatable.
    #[arg(long = "plugin-settings", value_name = "ID=JSON", value_parser = parse_plugin_settings)]
    pub plugin_settings: Vec<(String, serde_json::Value)>,
}

fn parse_plugin_settings(text: &str) -> Result<(String, serde_json::Value), String> {
    let (id, json) = text.split_once('=').ok_or("expected <plugin-id>=<JSON object>")?;
    let value: serde_json::Value = serde_json::from_str(json).map_err(|err| format!("invalid JSON: {err}"))?;
    if !value.is_object() {
        return Err("the settings must be a JSON object".to_owned());
    }
    Ok((id.to_owned(), value))
}

#[derive(Debug, Args)]
pub struct PluginArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,

    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,

    /// Print only the rule ids, one per line.
    #[arg(long, conflicts_with = "format")]
    pub ids: bool,

    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule id, `<plugin>/<rule>`, or a plugin id to explain all its rules.
    pub rule: String,

    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Diagnostics with code frames, for people.
    Text,
    /// One line per finding: path:line:col: severity rule message.
    Concise,
    /// The versioned JSON report, for tools.
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// JUnit XML, for CI test reports.
    Junit,
    /// GitHub Actions annotations.
    Github,
}

impl From<OutputFormat> for tenken_report::OutputFormat {
    fn from(value: OutputFormat) -> Self {
        match value {
            OutputFormat::Text => Self::Text,
            OutputFormat::Concise => Self::Concise,
            OutputFormat::Json => Self::Json,
            OutputFormat::Sarif => Self::Sarif,
            OutputFormat::Junit => Self::Junit,
            OutputFormat::Github => Self::Github,
        }
    }
}

fn parse_kind_mapping(text: &str) -> Result<(String, String), String> {
    let (glob, kind) = text.rsplit_once('=').ok_or("expected <glob>=<kind>, e.g. '*.k8s=kubernetes'")?;
    globset::Glob::new(glob).map_err(|err| format!("invalid glob `{glob}`: {err}"))?;
    let kebab = !kind.is_empty()
        && kind
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    if !kebab {
        return Err(format!(
            "kind `{kind}` is not kebab-case; known kinds: {}",
            tenken_formats::classify::KINDS.join(", ")
        ));
    }
    Ok((glob.to_owned(), kind.to_owned()))
}

/// A size in bytes: a whole number, optionally followed by a unit (`B`,
/// `KB`/`MB`/`GB` in powers of 1000, `KiB`/`MiB`/`GiB` in powers of 1024).
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number.parse().map_err(|_| format!("`{text}` is not a size, e.g. 8388608, 500KB or 16MiB"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1000,
        "kib" => 1 << 10,
        "mb" | "m" => 1000 * 1000,
        "mib" => 1 << 20,
        "gb" | "g" => 1000 * 1000 * 1000,
        "gib" => 1 << 30,
        other => return Err(format!("unknown size unit `{other}`; use B, KB, MB, GB, KiB, MiB or GiB")),
    };
    number.checked_mul(factor).ok_or_else(|| format!("`{text}` is too large"))
}

fn parse_output(text: &str) -> Result<(OutputFormat, PathBuf), String> {
    let (format, path) = text.split_once('=').ok_or("expected <format>=<path>, e.g. sarif=results.sarif")?;
    let format = OutputFormat::from_str(format, true)
        .map_err(|_| format!("unknown format `{format}`; expected one of text, concise, json, sarif, junit, github"))?;
    if path.is_empty() {
        return Err("the path after `=` is empty".to_owned());
    }
    Ok((format, PathBuf::from(path)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// For people.
    Text,
    /// For tools: each plugin's origin, sha256 and full info.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal, unless NO_COLOR is set; FORCE_COLOR
    /// or CLICOLOR_FORCE force it on.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl From<SeverityArg> for tenken_report::Severity {
    fn from(value: SeverityArg) -> Self {
        match value {
            SeverityArg::Critical => Self::Critical,
            SeverityArg::High => Self::High,
            SeverityArg::Medium => Self::Medium,
            SeverityArg::Low => Self::Low,
            SeverityArg::Info => Self::Info,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_decimal_and_binary_units() {
        assert_eq!(parse_size("8388608"), Ok(8_388_608));
        assert_eq!(parse_size("16MiB"), Ok(16 << 20));
        assert_eq!(parse_size("500KB"), Ok(500_000));
        assert_eq!(parse_size("2 GiB"), Ok(2 << 30));
        assert!(parse_size("16XB").unwrap_err().contains("unknown size unit"));
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("99999999999999GiB").unwrap_err().contains("too large"));
    }
}
