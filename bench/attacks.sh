#!/usr/bin/env bash
# The hostile inputs of docs/design.md ("Bounded on hostile input"), at
# full size, each run once under /usr/bin/time -v: peak RSS, wall time and
# exit code, one table row per attack. The tests under tests/ reproduce the
# same attacks at sizes that suit CI; this script is for the figures in
# docs/performance.md.
#
#   bench/attacks.sh [path/to/tenken]    (default: target/release/tenken)
set -euo pipefail
cd "$(dirname "$0")/.."
tenken=$(realpath "${1:-target/release/tenken}")
guest=$(realpath target/wasm-test-guests/wasm32-wasip2/release/hostile.wasm 2>/dev/null || true)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TENKEN_CACHE_DIR="$work/cache"

printf '| attack | exit | peak RSS | wall |\n|---|---|---|---|\n'

# Runs tenken in directory $1 with the remaining arguments; prints a row.
attack() {
    local name=$1 dir=$2
    shift 2
    local stats="$work/time.txt"
    set +e
    (cd "$dir" && /usr/bin/time -v "$tenken" "$@" >/dev/null 2>"$stats.err")
    local code=$?
    set -e
    # /usr/bin/time writes its report at the end of stderr.
    local rss wall
    rss=$(grep 'Maximum resident set size' "$stats.err" | awk '{print $NF}')
    wall=$(grep 'Elapsed (wall clock)' "$stats.err" | awk '{print $NF}')
    printf '| %s | %s | %s MB | %s |\n' "$name" "$code" "$((rss / 1024))" "$wall"
}

fresh() {
    local dir="$work/$1"
    rm -rf "$dir"
    mkdir -p "$dir"
    echo "$dir"
}

# Warm the compile cache, so no row pays for compiling plugins.
dir=$(fresh warm)
printf 'kind: ConfigMap\n' >"$dir/a.yaml"
(cd "$dir" && "$tenken" check --no-config a.yaml >/dev/null 2>&1) || true

# 1,000 documents, each expanding aliases to 81,000 nodes.
dir=$(fresh alias-documents)
python3 - "$dir/bomb.yaml" <<'PY'
import sys
doc = ["a: &a [" + ", ".join(["x"] * 9) + "]"]
for level, name in enumerate("bcde"):
    prev = "abcd"[level]
    doc.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
doc.append("f: [" + ", ".join(["*e"] * 9) + "]")
open(sys.argv[1], "w").write("---\n".join(["\n".join(doc) + "\n"] * 1000))
PY
attack "1,000 YAML documents of 81k alias nodes each ($(du -k "$dir/bomb.yaml" | cut -f1) KB)" "$dir" check --no-config .

# A sparse 6 GB file: judged by its size, never read.
dir=$(fresh huge)
truncate -s 6G "$dir/huge.yaml"
attack "a 6 GB YAML file" "$dir" check --no-config .

# Config files that are devices, FIFOs, lattices and long chains.
dir=$(fresh dev-zero)
printf 'kind: ConfigMap\n' >"$dir/a.yaml"
printf 'extends = ["/dev/zero"]\n' >"$dir/tenken.toml"
attack 'extends = ["/dev/zero"]' "$dir" check a.yaml
printf '[[plugins]]\npath = "/dev/zero"\n' >"$dir/tenken.toml"
attack '[[plugins]] path = "/dev/zero"' "$dir" check a.yaml
mkfifo "$dir/fifo.toml"
printf 'extends = ["fifo.toml"]\n' >"$dir/tenken.toml"
attack 'extends = a FIFO' "$dir" check a.yaml

dir=$(fresh diamond)
printf 'kind: ConfigMap\n' >"$dir/a.yaml"
for level in $(seq 0 24); do
    next=""
    [ "$level" -lt 24 ] && next="\"l$((level + 1))a.toml\", \"l$((level + 1))b.toml\""
    for side in a b; do printf 'extends = [%s]\n' "$next" >"$dir/l$level$side.toml"; done
done
printf 'extends = ["l0a.toml", "l0b.toml"]\n' >"$dir/tenken.toml"
attack "an extends diamond 25 levels deep" "$dir" check a.yaml

dir=$(fresh chain)
printf 'kind: ConfigMap\n' >"$dir/a.yaml"
for link in $(seq 0 9999); do printf 'extends = ["c%d.toml"]\n' $((link + 1)) >"$dir/c$link.toml"; done
printf 'extends = ["c0.toml"]\n' >"$dir/tenken.toml"
attack "an extends chain of 10,000 files" "$dir" check a.yaml

# 80,000 keys in one object, in every format.
dir=$(fresh wide)
python3 - "$dir" <<'PY'
import sys, json, os
d = sys.argv[1]
keys = [f"k{i}" for i in range(80000)]
open(os.path.join(d, "wide.yaml"), "w").write("".join(f"{k}: 1\n" for k in keys))
open(os.path.join(d, "wide.json"), "w").write(json.dumps({k: 1 for k in keys}))
open(os.path.join(d, "wide.toml"), "w").write("".join(f"{k} = 1\n" for k in keys))
open(os.path.join(d, "wide.tf"), "w").write("locals {\n" + "".join(f"  {k} = 1\n" for k in keys) + "}\n")
open(os.path.join(d, ".env"), "w").write("".join(f"{k.upper()}=1\n" for k in keys))
open(os.path.join(d, "wide.ini"), "w").write("[s]\n" + "".join(f"{k} = 1\n" for k in keys))
PY
for file in wide.yaml wide.json wide.toml wide.tf .env wide.ini; do
    attack "one object of 80,000 keys ($file)" "$dir" check --no-config "$file"
done

# Thousands of Deployments, each with an exception annotation.
for count in 2000 7840; do
    dir=$(fresh "exceptions-$count")
    python3 - "$dir/deploy.yaml" "$count" <<'PY'
import sys
doc = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{i}
  annotations:
    tenken.dev/ignore: "k8s-probes: batch worker"
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web-{i}}}}}
  template:
    metadata: {{labels: {{app: web-{i}}}}}
    spec:
      containers:
      - name: app
        image: nginx:1.27
"""
open(sys.argv[1], "w").write("---\n".join(doc.format(i=i) for i in range(int(sys.argv[2]))))
PY
    attack "$count Deployments with exceptions in one file" "$dir" check --no-config .
done

# A plugin that loops on every one of 64 files.
if [ -n "$guest" ]; then
    dir=$(fresh loop)
    for file in $(seq 1 64); do printf 'kind: ConfigMap\nmetadata: {name: c%d}\n' "$file" >"$dir/c$file.yaml"; done
    attack "a plugin that loops, 64 files" "$dir" check --no-config . --plugin "$guest" \
        --plugin-settings 'hostile={"mode":"loop"}'
else
    echo "(no hostile test guest built: run cargo test -p tenken-host first for the looping-plugin row)" >&2
fi
