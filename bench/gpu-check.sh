#!/usr/bin/env bash
# The GPU check (issue 26, item 8), for a Linux x86-64 machine with a GPU and its Vulkan driver
# (NVIDIA's), PyTorch with CUDA, no Node.js and no network. Run from the repository root with
# gpu-bundle/ present (bash bench/gpu-bundle.sh builds it, <= 64 MiB):
#   bash bench/gpu-check.sh
# It unpacks the bundled node and project into a temporary folder, uses the bundled Vulkan
# loader only when the system has none, and prints
#   1. the WebGPU adapter Dawn finds (vendor, architecture, device, description) and the ICDs;
#   2. training step times on webgpu (npm run bench's own step): LeNet-5-Caffe, and the VGG-like
#      at k = 1 and batch 100, in micro-batches of 25 (bench model vgg-full, as wasm needs) and
#      as one batch of 100;
#   3. PyTorch's step times for the same networks on the same GPU (torch_ref.py --device cuda);
#   4. one epoch of configs/vgg-cifar10.yaml --backend webgpu on generated CIFAR-10 files
#      (ZCA fit included), with its time and test error;
# then a short summary. The JSON lines of each part are printed as they come; with $OUT set,
# everything also goes to $OUT/gpu-check.txt and the JSON lines to $OUT/gpu-check.jsonl.
# Knobs (environment):
#   GPU_CHECK_QUICK=1        2 steps, 400 evaluated images, the VGG-like at k = 0.125, an epoch of 200 images (to try it on lavapipe)
#   GPU_CHECK_ADAPTER=NAME   SVD_WEBGPU_ADAPTER: the adapter whose name contains NAME
#   GPU_CHECK_PARTS=LIST     which of adapter,bench,torch,epoch to run (default: all)
#   GPU_CHECK_TORCH_DEVICE=D torch_ref.py's --device (default cuda; cpu tries this part without a GPU)
#   GPU_CHECK_STEPS=N        timed steps per model (default 30; quick 2)
#   GPU_CHECK_TRAIN=N        training images of the epoch (default 50000; quick 200)
#   GPU_CHECK_LOADER=bundled the bundled Vulkan loader even where the system has one (to test it)
#   GPU_CHECK_KEEP=1         keep the temporary folder (node, project, data, the epoch's run) instead of removing it
#   GPU_BUNDLE=DIR           the bundle (default: gpu-bundle/ beside bench/)
#   TMPDIR=DIR               where it unpacks (default /tmp; node runs from there, so not a noexec mount)
# A part that fails is reported and the next one runs; the exit code is 1 when any failed.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bundle=${GPU_BUNDLE:-$repo/gpu-bundle}
quick=${GPU_CHECK_QUICK:-0}
parts=",${GPU_CHECK_PARTS:-adapter,bench,torch,epoch},"
if [ "$quick" = 1 ]; then steps=${GPU_CHECK_STEPS:-2}; warmup=1; evals=400; train=${GPU_CHECK_TRAIN:-200}; test_n=100; width=0.125
else steps=${GPU_CHECK_STEPS:-30}; warmup=5; evals=2000; train=${GPU_CHECK_TRAIN:-50000}; test_n=10000; width=1; fi
work=$(mktemp -d "${TMPDIR:-/tmp}/svd-gpu-check.XXXXXX")
jsonl=$work/gpu-check.jsonl
: > "$jsonl"
if [ -n "${OUT:-}" ]; then
  mkdir -p "$OUT"
  exec > >(tee "$OUT/gpu-check.txt") 2>&1
  tee_pid=$!
fi
failed=()
say() { printf '%s\n' "$*"; }
section() { say ""; say "== $* ($(date -u +%H:%M:%S))"; }
fail() { say "FAILED: $*"; failed+=("$1"); }
# Prints a command's output and keeps its JSON lines.
keep_json() { while IFS= read -r line; do say "$line"; case $line in '{'*) say "$line" >> "$jsonl";; esac; done; }
at_exit() {
  if [ -n "${OUT:-}" ]; then cp "$jsonl" "$OUT/gpu-check.jsonl"; fi
  if [ "${GPU_CHECK_KEEP:-0}" != 1 ]; then rm -rf "$work"; fi
  # the copy in $OUT is complete when the script ends
  if [ -n "${tee_pid:-}" ]; then exec >&- 2>&-; wait "$tee_pid" 2>/dev/null; fi
}
trap at_exit EXIT
want() { [[ $parts == *",$1,"* ]]; }

section "svd GPU check$([ "$quick" = 1 ] && echo ' (quick)') on $(uname -n), $(date -u +%Y-%m-%d)"
say "repository $repo, bundle $bundle, work folder $work"
[ -f "$bundle/node.xz" ] && [ -f "$bundle/project.tar.xz" ] || { say "no bundle at $bundle: build it with bash bench/gpu-bundle.sh on a machine with Node.js"; exit 1; }
[ -f "$bundle/MANIFEST.txt" ] && sed 's/^/  /' "$bundle/MANIFEST.txt"

# xz, or Python's lzma where xz is not installed.
unxz_to_stdout() {
  if command -v xz >/dev/null 2>&1; then xz -dc "$1"; return; fi
  local p
  for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import lzma' 2>/dev/null; then
      "$p" -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$1"; return
    fi
  done
  say "neither xz nor a python3 with lzma is here to unpack $1"; return 1
}
node=$work/node
unxz_to_stdout "$bundle/node.xz" > "$node" && chmod +x "$node" || { say "cannot unpack node"; exit 1; }
mkdir -p "$work/svd"
unxz_to_stdout "$bundle/project.tar.xz" | tar -xf - -C "$work/svd" || { say "cannot unpack the project"; exit 1; }
say "node $("$node" --version), project unpacked in $work/svd"

# Vulkan's loader: the system's when it has one, else the bundled one.
has_loader() {
  { command -v ldconfig >/dev/null 2>&1 && ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q 'libvulkan\.so\.1 ' && return 0
  for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /lib/x86_64-linux-gnu; do [ -e "$d/libvulkan.so.1" ] && return 0; done
  return 1
}
if [ "${GPU_CHECK_LOADER:-auto}" != bundled ] && has_loader; then say "Vulkan loader: the system's"
else export LD_LIBRARY_PATH="$bundle/libvulkan${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; say "Vulkan loader: bundled ($(cat "$bundle/libvulkan/FROM" 2>/dev/null))"; fi
say "Vulkan drivers (ICD files): $(ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null | grep json | tr '\n' ' ')"
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>&1 | sed 's/^/  /'
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then export XDG_RUNTIME_DIR=$work/xdg; mkdir -m 700 -p "$XDG_RUNTIME_DIR"; fi
if [ -n "${GPU_CHECK_ADAPTER:-}" ]; then export SVD_WEBGPU_ADAPTER=$GPU_CHECK_ADAPTER; fi
cd "$work/svd" || exit 1

if want adapter; then
  section "1. WebGPU adapter"
  "$node" dist/bench/gpu-adapter.js webgpu 2>&1 | grep -v 'artificially reduced' | keep_json
  rc=${PIPESTATUS[0]}; [ "$rc" = 0 ] || fail adapter "webgpu does not start here (above)"
fi

bench() { # LABEL ARGS...: one run of npm run bench on webgpu
  local label=$1; shift
  say "-- $label: bench.js --backends webgpu $* --steps $steps --warmup $warmup"
  "$node" dist/bench/bench.js --backends webgpu "$@" --steps "$steps" --warmup "$warmup" --seconds 120 --eval-samples "$evals" 2>&1 | grep -v 'artificially reduced' | keep_json
  local rc=${PIPESTATUS[0]}; [ "$rc" = 0 ] || fail "bench $label" "exit $rc"
}
if want bench; then
  section "2. training steps on webgpu (batch 100)"
  vgg_sets=(); [ "$width" != 1 ] && vgg_sets=(--set "model.width=$width")
  bench lenet5 --models lenet5
  bench "vgg k=$width, micro-batches of 25" --models vgg-full "${vgg_sets[@]}"
  bench "vgg k=$width, one batch of 100" --models vgg-full "${vgg_sets[@]}" --set training.microBatch=null
fi

if want torch; then
  section "3. PyTorch on the same GPU"
  torch_device=${GPU_CHECK_TORCH_DEVICE:-cuda}
  ref=""
  for f in "$repo/../shared/bench/torch_ref.py" "$bundle/torch_ref.py"; do [ -f "$f" ] && { ref=$f; break; }; done
  py=""
  for p in /usr/bin/python3 python3; do command -v "$p" >/dev/null 2>&1 && "$p" -c 'import torch' 2>/dev/null && { py=$p; break; }; done
  if [ -z "$ref" ]; then say "torch_ref.py not found (../shared/bench/torch_ref.py or $bundle/torch_ref.py): no PyTorch figures"
  elif [ -z "$py" ]; then say "PyTorch not found (/usr/bin/python3 or python3 with torch): no PyTorch figures"
  elif [ "$torch_device" = cuda ] && ! "$py" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    say "PyTorch $("$py" -c 'import torch; print(torch.__version__)') ($py) has no CUDA device here: no PyTorch figures"
  else
    if [ "$torch_device" = cuda ]; then say "PyTorch $("$py" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda, "on", torch.cuda.get_device_name(0))') ($py)"
    else say "PyTorch $("$py" -c 'import torch; print(torch.__version__)') ($py) on $torch_device"; fi
    "$py" "$ref" --device "$torch_device" --models lenet5 --steps "$steps" --warmup "$warmup" 2>&1 | keep_json
    rc=${PIPESTATUS[0]}; [ "$rc" = 0 ] || fail "torch lenet5" "torch_ref.py exited $rc"
    "$py" "$ref" --device "$torch_device" --models vgg --width "$width" --steps "$steps" --warmup "$warmup" 2>&1 | keep_json
    rc=${PIPESTATUS[0]}; [ "$rc" = 0 ] || fail "torch vgg" "torch_ref.py exited $rc"
  fi
fi

if want epoch; then
  section "4. one epoch of configs/vgg-cifar10.yaml --backend webgpu ($train generated training images, $test_n test)"
  data=$work/data
  "$node" dist/bench/cifar-synthetic.js "$data" --train "$train" --test "$test_n" >/dev/null || fail epoch "cannot write CIFAR files"
  sets=(--set training.epochs=1 --set "data.root=$data" --set "model.width=$width" --set "data.trainLimit=$train" --set "data.testLimit=$test_n")
  t0=$(date +%s)
  "$node" bin/svd.js run configs/vgg-cifar10.yaml --backend webgpu "${sets[@]}" --runs-dir "$work/runs" > "$work/epoch.out" 2> "$work/epoch.err"
  code=$?
  seconds=$(( $(date +%s) - t0 ))
  grep -v 'artificially reduced' "$work/epoch.err" | tr '\r' '\n' | grep -v -e '^\s*$' -e '^ *next:' -e '^ *svd report ' -e '^ *svd export ' | tail -n 6 | sed 's/^/  /'
  run_dir=$(tail -n 1 "$work/epoch.out")
  if [ "$code" = 0 ] && [ -f "$run_dir/summary.json" ]; then
    "$node" -e '
      const fs = require("fs"); const dir = process.argv[1];
      const s = JSON.parse(fs.readFileSync(dir + "/summary.json", "utf8"));
      const m = fs.readFileSync(dir + "/metrics.jsonl", "utf8").trim().split("\n").map((l) => JSON.parse(l)).pop();
      const env = JSON.parse(fs.readFileSync(dir + "/env.json", "utf8"));
      console.log(JSON.stringify({ check: "epoch", wallSeconds: Number(process.argv[2]), status: s.status, epochs: s.epochs, testError: m.testError, testNll: m.testNll, trainLoss: m.trainLoss, epochSeconds: m.seconds, backend: env.backend.name, adapter: env.backend.adapter?.description }));
    ' "$run_dir" "$seconds" | keep_json
  else
    fail epoch "svd run exited $code after $seconds s"
    tail -n 20 "$work/epoch.err" | sed 's/^/  /'
  fi
fi

section "summary"
"$node" dist/bench/gpu-summary.js "$jsonl" || fail summary "gpu-summary.js failed"
if [ ${#failed[@]} -gt 0 ]; then say "failed: ${failed[*]}"; exit 1; fi
say "all parts ran"
