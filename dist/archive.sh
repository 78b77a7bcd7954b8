#!/usr/bin/env bash
# Builds tenken for one target triple and packs it the way a release ships
# it: dist/out/tenken-<version>-<target>.tar.gz (.zip for Windows) and, next
# to it, <archive>.sha256 in `sha256sum` format. Used by
# .github/workflows/release.yml on each platform and by .ci/run for the
# static Linux binary.
#
#   dist/archive.sh x86_64-unknown-linux-musl
set -euo pipefail
target=${1:?usage: dist/archive.sh <target-triple>}
cd "$(dirname "$0")/.."

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
rustup target add "$target" wasm32-wasip2
cargo build --release --locked --target "$target"

name="tenken-$version-$target"
staging="dist/out/$name"
rm -rf "$staging"
mkdir -p "$staging"
binary=tenken
case "$target" in *windows*) binary=tenken.exe ;; esac
cp "target/$target/release/$binary" "$staging/"
cp README.md "$staging/"

cd dist/out
case "$target" in
    *windows*)
        archive="$name.zip"
        7z a -tzip "$archive" "$name" >/dev/null
        ;;
    *)
        archive="$name.tar.gz"
        tar -czf "$archive" "$name"
        ;;
esac
rm -rf "$name"
if command -v sha256sum >/dev/null; then
    sha256sum "$archive" > "$archive.sha256"
else
    shasum -a 256 "$archive" > "$archive.sha256"
fi
echo "dist/out/$archive"
