#!/usr/bin/env bash
# Builds gpu-bundle/ (ignored by git): what bench/gpu-check.sh needs on a Linux x86-64 GPU machine
# that has no Node.js and no network, in at most 64 MiB:
#   node.xz           this machine's Node.js binary, xz-compressed (reused while the binary is unchanged)
#   project.tar.xz    the project pruned to what trains and benchmarks (bench/bundle-files.ts)
#   libvulkan/        Debian's Vulkan loader (libvulkan1, unpacked from its .deb), for machines without one
#   torch_ref.py      the PyTorch reference (../shared/bench/torch_ref.py), when present here
#   MANIFEST.txt      what each part is, and its size
# Usage: bash bench/gpu-bundle.sh          (GPU_BUNDLE_NO_BUILD=1: use dist/ as it is, without npm run build)
# Fails (exit 1) when something is missing or the bundle is over 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT=$((64 * 1024 * 1024))
OUT_DIR=gpu-bundle
die() { echo "gpu-bundle: $*" >&2; exit 1; }
command -v xz >/dev/null || die "xz is needed (apt-get install xz-utils)"
[ "$(uname -sm)" = "Linux x86_64" ] || die "the bundle carries this machine's node and binaries: build it on Linux x86-64 (this is $(uname -sm))"
node_bin=$(command -v node) || die "no node on PATH"
mkdir -p "$OUT_DIR"
start=$(date +%s)

if [ "${GPU_BUNDLE_NO_BUILD:-0}" != 1 ]; then npm run --silent build; fi
[ -f dist/bench/bench.js ] && [ -f dist/bench/bundle-files.js ] || die "dist/ is not built (npm run build)"
[ -f node_modules/webgpu/dist/linux-x64/dawn.node ] || die "node_modules/webgpu/dist/linux-x64/dawn.node is missing (npm install webgpu)"

# Node: xz takes most of a minute on two cores, so the compressed binary is kept while the binary is the same.
node_id="$("$node_bin" --version) $(sha256sum "$node_bin" | cut -d' ' -f1)"
if [ ! -f "$OUT_DIR/node.xz" ] || [ "$(cat "$OUT_DIR/node.id" 2>/dev/null)" != "$node_id" ]; then
  xz -T2 -6 -c "$node_bin" > "$OUT_DIR/node.xz.part" && mv "$OUT_DIR/node.xz.part" "$OUT_DIR/node.xz"
  echo "$node_id" > "$OUT_DIR/node.id"
fi

# The project, pruned.
list=$(mktemp)
trap 'rm -f "$list"' EXIT
node dist/bench/bundle-files.js . > "$list"
grep -q '^node_modules/webgpu/dist/linux-x64/dawn.node$' "$list" || die "the file list lacks dawn.node for linux-x64"
if grep -E '^node_modules/webgpu/dist/' "$list" | grep -qv '/linux-x64/'; then die "the file list carries another platform's Dawn binary"; fi
tar -cf - --owner=0 --group=0 -T "$list" | xz -T2 -6 > "$OUT_DIR/project.tar.xz.part"
mv "$OUT_DIR/project.tar.xz.part" "$OUT_DIR/project.tar.xz"

# Vulkan's loader: Debian's libvulkan1 .deb (the bookworm-backports one when that suite is configured), unpacked.
if [ ! -f "$OUT_DIR/libvulkan/libvulkan.so.1" ]; then
  work=$(mktemp -d)
  if (cd "$work" && { apt-get download -t bookworm-backports libvulkan1 >/dev/null 2>&1 || apt-get download libvulkan1 >/dev/null 2>&1; }); then
    dpkg-deb -x "$work"/libvulkan1_*.deb "$work/root"
    deb=$(basename "$work"/libvulkan1_*.deb)
  else
    die "apt-get download libvulkan1 failed (no network or no apt here)"
  fi
  so=$(find "$work/root" -name 'libvulkan.so.1.*' -type f | head -1)
  [ -n "$so" ] || die "no libvulkan.so.1.* in $deb"
  mkdir -p "$OUT_DIR/libvulkan"
  cp "$so" "$OUT_DIR/libvulkan/libvulkan.so.1"
  echo "$deb" > "$OUT_DIR/libvulkan/FROM"
  rm -rf "$work"
fi

rm -f "$OUT_DIR/torch_ref.py"
if [ -f ../shared/bench/torch_ref.py ]; then install -m 0644 ../shared/bench/torch_ref.py "$OUT_DIR/torch_ref.py"; fi

{
  echo "gpu-bundle, built $(date -u +%Y-%m-%dT%H:%M:%SZ) from $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "node: $("$node_bin" --version) ($node_bin), $(stat -c %s "$OUT_DIR/node.xz") bytes compressed"
  echo "project: $(wc -l < "$list") files, $(tr '\n' '\0' < "$list" | du -cb --files0-from=- | tail -1 | cut -f1) bytes, $(stat -c %s "$OUT_DIR/project.tar.xz") compressed"
  echo "webgpu: $(node -p "require('./node_modules/webgpu/package.json').version"), linux-x64 dawn.node only"
  echo "libvulkan: $(cat "$OUT_DIR/libvulkan/FROM")"
  if [ -f "$OUT_DIR/torch_ref.py" ]; then echo "torch_ref.py: from ../shared/bench/"; else echo "torch_ref.py: not found at ../shared/bench/torch_ref.py, not bundled"; fi
} > "$OUT_DIR/MANIFEST.txt"

size=$(du -cb "$OUT_DIR" | tail -1 | cut -f1)
echo "size: $size bytes ($((size / 1024 / 1024)) MiB of at most 64 MiB)" >> "$OUT_DIR/MANIFEST.txt"
cat "$OUT_DIR/MANIFEST.txt"
echo "built in $(( $(date +%s) - start )) s"
if [ "$size" -gt "$LIMIT" ]; then
  echo "gpu-bundle: FAILED: $OUT_DIR is $size bytes, over the 64 MiB ($LIMIT bytes) that may travel" >&2
  exit 1
fi
