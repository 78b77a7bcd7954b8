//! `tenken init`: writes a commented starter `tenken.toml` that fits the
//! repository: it says which kinds of config are present and which bundled
//! practices apply to them, with their settings and defaults to adjust.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::Context as _;

use crate::cli::InitArgs;
use crate::config::FILE_NAME;
use crate::discover::discover;
use crate::kinds::KindMap;
use crate::plugins;

pub(crate) fn run(args: &InitArgs) -> anyhow::Result<u8> {
    let target = args.dir.join(FILE_NAME);
    if target.exists() && !args.force {
        eprintln!("tenken: {} already exists; use --force to replace it", target.display());
        return Ok(2);
    }
    let kinds = count_kinds(&args.dir);
    let plugins = plugins::load(&plugins::Runtime::from(&args.runtime))?;
    let text = starter(&kinds, &plugins.loaded);
    std::fs::write(&target, &text).with_context(|| format!("cannot write {}", target.display()))?;
    let found: Vec<String> = kinds.iter().map(|(kind, files)| format!("{kind} ({files})")).collect();
    eprintln!(
        "tenken: wrote {}{}",
        target.display(),
        if found.is_empty() { String::new() } else { format!(" for {}", found.join(", ")) }
    );
    Ok(0)
}

/// Files per document kind under `dir`, as `tenken check` would see them.
fn count_kinds(dir: &std::path::Path) -> BTreeMap<&'static str, usize> {
    let map = KindMap::empty();
    let (files, _) = discover(&[dir.to_path_buf()]);
    let mut counts = BTreeMap::new();
    for file in files.iter().filter(|file| file.not_read.is_none()) {
        let Some(format) = map.format(file) else { continue };
        let Ok(bytes) = crate::read::read_bounded(&file.path, tenken_formats::Limits::default().max_file_bytes) else {
            continue;
        };
        let Ok(parsed) = tenken_formats::parse_file(
            &file.display,
            &bytes,
            format,
            &tenken_formats::Limits::default(),
            &map.hints(file),
        ) else {
            continue;
        };
        let mut kinds: Vec<&'static str> = parsed.documents.iter().map(|document| document.kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        for kind in kinds {
            *counts.entry(kind).or_default() += 1;
        }
    }
    counts
}

fn starter(kinds: &BTreeMap<&'static str, usize>, plugins: &[tenken_host::LoadedPlugin]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# tenken.toml, written by `tenken init`. Every bundled practice applies by default;");
    let _ = writeln!(out, "# uncomment and adjust what this repository needs. See docs/configuration.md.");
    if kinds.is_empty() {
        let _ = writeln!(out, "#\n# No config files were found yet.");
    } else {
        let found: Vec<String> = kinds
            .iter()
            .map(|(kind, files)| format!("{kind} ({files} {})", if *files == 1 { "file" } else { "files" }))
            .collect();
        let _ = writeln!(out, "#\n# Found here: {}.", found.join(", "));
    }
    out.push_str(
        "\n# Inherit your SRE team's baseline, then override below:\n\
         # extends = [\"../platform/tenken-base.toml\"]\n\
         \n# Which rules run: rule ids, plugin ids, categories (security, reliability) or severities.\n\
         # select = [\"security\", \"reliability\"]\n\
         # ignore = [\"low\"]\n\
         \n# [severity]\n\
         # \"k8s-probes/missing-liveness-probe\" = \"high\"\n\
         \n# [per-path-ignores]\n\
         # \"examples/**\" = [\"k8s-image-pinning\"]\n",
    );
    let applicable: Vec<&tenken_host::LoadedPlugin> =
        plugins.iter().filter(|plugin| kinds.keys().any(|kind| plugin.info.applies_to(kind))).collect();
    if !applicable.is_empty() {
        let _ = writeln!(out, "\n# The practices that apply to what is here:");
        for plugin in &applicable {
            let _ = writeln!(out, "#   {:<28} {}", plugin.info.id, plugin.info.title);
        }
    }
    for plugin in applicable {
        let Some(properties) =
            plugin.info.settings_schema.as_ref().and_then(|schema| schema.get("properties")?.as_object())
        else {
            continue;
        };
        let _ = writeln!(out, "\n# [settings.{}]", plugin.info.id);
        for (name, property) in properties {
            if let Some(description) = property.get("description").and_then(|d| d.as_str()) {
                for line in description.lines() {
                    let _ = writeln!(out, "# {line}");
                }
            }
            let default = property.get("default").map_or_else(|| "...".to_owned(), ToString::to_string);
            let _ = writeln!(out, "# {name} = {default}");
        }
    }
    out
}
