#!/usr/bin/env bash
# Runs each fuzz property under libFuzzer (with AddressSanitizer) for SECONDS (default 60) per target.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (targets: the folders of Fuzz/corpus/)
# New interesting inputs go to a scratch corpus under .build-fuzz/; crashes to Fuzz/artifacts/. Commit a crash
# reproducer into Fuzz/corpus/TARGET/ once it is fixed: `make test` replays those folders on every run.
set -euo pipefail
cd "$(dirname "$0")/../Fuzz"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(ls corpus))
# gold crashes on the sanitizer-instrumented link; lld ships with the Swift toolchain.
swift build -c release --scratch-path ../.build-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
  -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld
binary=../.build-fuzz/release/clue-fuzz
mkdir -p artifacts
status=0
for target in "${targets[@]}"; do
  echo "== $target ($seconds s)"
  mkdir -p "../.build-fuzz/corpus/$target"
  if ! FUZZ_TARGET=$target "$binary" "../.build-fuzz/corpus/$target" "corpus/$target" \
    -max_total_time="$seconds" -max_len=65536 -artifact_prefix="artifacts/$target-" -print_final_stats=1 \
    > "../.build-fuzz/$target.log" 2>&1; then
    status=1
    echo "FINDING in $target: see Fuzz/artifacts/ and .build-fuzz/$target.log"
  fi
  grep -E "^(stat::|Done|SUMMARY)" "../.build-fuzz/$target.log" || true
done
exit $status
