//! `tenken plugin inspect FILE`: the documents a plugin would receive for a
//! file, as JSON, so plugin authors write pointers against the real shape.

use anyhow::Context as _;

use crate::cli::InspectArgs;
use crate::discover::InputFile;
use crate::kinds::KindMap;

pub(crate) fn run(args: &InspectArgs) -> anyhow::Result<u8> {
    let kinds = KindMap::new(&args.kinds)?;
    let display = args.file.to_string_lossy().replace('\\', "/");
    let file = InputFile {
        display: display.clone(),
        path: args.file.clone(),
        not_read: None,
        explicit: true,
        content: crate::discover::Content::OnDisk,
    };
    let Some(format) = kinds.format(&file) else {
        anyhow::bail!("{display} is not a config file tenken reads; map it with --kind GLOB=KIND");
    };
    let bytes = crate::read::read_bounded(&args.file, tenken_formats::Limits::default().max_file_bytes)
        .with_context(|| format!("cannot read {display}"))?;
    let parsed =
        tenken_formats::parse_file(&display, &bytes, format, &tenken_formats::Limits::default(), &kinds.hints(&file))
            .map_err(|skip| anyhow::anyhow!("{display} is not parsed: {skip}"))?;
    let documents: Vec<serde_json::Value> = parsed
        .documents
        .iter()
        .map(|document| {
            serde_json::json!({
                "path": display,
                "index": document.index,
                "kind": document.kind,
                "format": document.format.as_str(),
                "tree": document.tree,
            })
        })
        .collect();
    crate::output::print(&format!("{}\n", serde_json::to_string_pretty(&documents)?))?;
    for diagnostic in &parsed.diagnostics {
        eprintln!("tenken: {}", tenken_report::untrusted::one_line(&format!("{display}: {}", diagnostic.message)));
    }
    Ok(if parsed.diagnostics.iter().any(|d| d.level == tenken_formats::DiagnosticLevel::Error) { 2 } else { 0 })
}
