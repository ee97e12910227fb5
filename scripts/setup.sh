#!/usr/bin/env bash
# Installs what building and testing need, only where it is missing or at the
# wrong version; quiet when everything is there. Run by `npm start`, `npm test`,
# `npm run build` and `npm run bench` before anything else.
#
#   bash scripts/setup.sh            # Rust target, wasm-bindgen-cli, wasm-pack, npm dev dependencies
#   bash scripts/setup.sh --browser  # ... and Debian chromium + chromium-driver for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130   # must equal the exact wasm-bindgen pin in Cargo.toml
WASM_PACK_VERSION=0.15.1
want_browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    *) echo "setup: unknown argument $arg" >&2; exit 2 ;;
  esac
done

say() { echo "setup: $*" >&2; }
export PATH="$HOME/.cargo/bin:$PATH"

if ! command -v cargo >/dev/null 2>&1; then
  say "cargo is missing: install Rust with rustup (https://rustup.rs), then run this again."
  exit 1
fi

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the Rust target wasm32-unknown-unknown…"
  rustup target add wasm32-unknown-unknown >&2
fi

# The release build (scripts/build.mjs) rebuilds the standard library for size on this
# pinned nightly (about 40 s to install); the tests run on stable. The date is a day after
# the compiler's: nightly-2026-05-19 has no wasm32 standard library.
NIGHTLY=nightly-2026-05-20
if ! rustup toolchain list 2>/dev/null | grep -q "^$NIGHTLY"; then
  say "installing the Rust toolchain $NIGHTLY (rust-src, wasm32) for the size-optimised release build (about 40 seconds)…"
  rustup toolchain install "$NIGHTLY" --profile minimal --component rust-src --target wasm32-unknown-unknown >&2
else
  installed=$(rustup component list --toolchain "$NIGHTLY" --installed 2>/dev/null)
  echo "$installed" | grep -q "^rust-src" || rustup component add rust-src --toolchain "$NIGHTLY" >&2
  echo "$installed" | grep -q "^rust-std-wasm32-unknown-unknown" || rustup target add wasm32-unknown-unknown --toolchain "$NIGHTLY" >&2
fi

# The CLI must match the crate's wasm-bindgen exactly (else a schema-version error).
# `--locked` fails against the registry mirror here, so it is not used.
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION with cargo (about 2.5 minutes)…"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force >&2
fi

# The npm package `wasm-pack` downloads from GitHub, which fails here: build it with cargo.
if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" != "$WASM_PACK_VERSION" ]; then
  say "installing wasm-pack $WASM_PACK_VERSION with cargo (about 4 minutes)…"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked --force >&2
fi

# npm dev dependencies (binaryen's wasm-opt, playwright-core, vite, miniflare, typescript).
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  say "installing npm dev dependencies (npm install, from package-lock.json)…"
  # Not `npm ci`: vite 8 lists an optional Windows-only dependency that the registry
  # here does not serve; `npm ci` then refuses the lock file, `npm install` skips it.
  npm install --no-audit --no-fund --loglevel=error >&2
  touch "$stamp"
fi

if [ "$want_browser" = 1 ]; then
  if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "installing Debian chromium and chromium-driver for the browser tests (about 1 minute)…"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2
      apt-get install -y -qq chromium chromium-driver >&2
    else
      say "the browser tests need Chromium and ChromeDriver on PATH."
      say "On Debian/Ubuntu run:  sudo apt-get install -y chromium chromium-driver"
      exit 1
    fi
  fi
fi
