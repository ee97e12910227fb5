#!/usr/bin/env bash
# Where the wasm's bytes go: the release wasm (as scripts/build.mjs makes it), run
# through wasm-bindgen and wasm-opt with the same flags but keeping the name section
# (-g), then `twiggy top` / `twiggy dominators` on it. Needs `cargo install twiggy`.
#
#   bash bench/twiggy.sh [top|dominators|garbage|paths ...] [twiggy args...]
#   (the named wasm is left in target/twiggy/named.wasm)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
out=target/twiggy
mkdir -p "$out"
cargo build --release --target wasm32-unknown-unknown --lib -q
wasm-bindgen --target web --out-dir "$out" --out-name named target/wasm32-unknown-unknown/release/cdf_workflow_retry.wasm
# The flags of [package.metadata.wasm-pack.profile.release] in Cargo.toml, plus -g.
flags=$(sed -n '/^\[package.metadata.wasm-pack.profile.release\]/,/^\[/p' Cargo.toml | grep '^wasm-opt' | grep -o '"[^"]*"' | tr -d '"' | tr '\n' ' ')
# shellcheck disable=SC2086
wasm-opt $flags -g "$out/named_bg.wasm" -o "$out/named.wasm"
echo "named wasm: $(wc -c < "$out/named.wasm") bytes (with names); shipped size is without the name section" >&2
cmd=${1:-top}
shift || true
twiggy "$cmd" "$out/named.wasm" "$@"
