#!/usr/bin/env bash
# Builds the Python wheel, which holds the tenken binary alone (maturin,
# `bindings = "bin"`, see pyproject.toml), for one target triple, into a
# directory. The release workflow runs it on each platform; .ci/run builds
# and installs the Linux one.
#
#   dist/wheel.sh x86_64-unknown-linux-musl dist/out
#
# $MATURIN names the maturin to run; by default pipx runs the pinned one.
set -euo pipefail
target=${1:?usage: dist/wheel.sh <target-triple> <out-dir>}
out=${2:?usage: dist/wheel.sh <target-triple> <out-dir>}
cd "$(dirname "$0")/.."
read -r -a maturin <<<"${MATURIN:-pipx run maturin==1.16.0}"

rustup target add "$target" wasm32-wasip2
compatibility=()
case "$target" in
    # The musl binary is static: it runs on every Linux of its
    # architecture, glibc or musl, so one wheel carries both tags and pip
    # installs it anywhere.
    *-linux-musl) compatibility=(--compatibility manylinux2014 --compatibility musllinux_1_2) ;;
esac
"${maturin[@]}" build --release --locked --target "$target" "${compatibility[@]}" --out "$out"
