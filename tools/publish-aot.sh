#!/usr/bin/env bash
# Publishes the NativeAOT deepsharp for linux-x64 and checks it:
#   - the publish gives no warning at all (the build treats warnings as errors; this also counts the log's);
#   - `deepsharp info` reports NativeAOT and the vector width the instruction set promises (Vector512 for x86-64-v4);
#   - `train mlp --epochs 1` runs, and its samples/s is printed beside the JIT build's (two runs each, alternating, best
#     of each) with their ratio; timings are printed, never asserted (these machines are shared and noisy);
#   - `deepsharp check-saving` saves and reloads an MLP, CNNs, LSTM, GRU and a functional model inside the binary.
# Installs clang and zlib's headers with apt when missing (NativeAOT links with them).
#
# Usage: tools/publish-aot.sh [--isa x86-64-v4|x86-64-v3|x86-64-v2] [--out DIR] [--no-smoke]
#   --isa   the instruction set compiled in (default: x86-64-v4, AVX-512, when this CPU has it, else x86-64-v3; an
#           x86-64-v4 binary does not start on a CPU without AVX-512; x86-64-v3 runs on any AVX2 CPU with 256-bit
#           kernels, x86-64-v2 anywhere with 128-bit ones)
#   --out   where the binary goes (default artifacts/aot); it is named deepsharp
set -euo pipefail
cd "$(dirname "$0")/.."

isa='' out=artifacts/aot smoke=1
while (( $# )); do
  case "$1" in
    --isa) isa="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-smoke) smoke=0; shift ;;
    *) echo "publish-aot.sh: unknown argument '$1' (expected --isa LEVEL, --out DIR or --no-smoke)" >&2; exit 2 ;;
  esac
done
if [[ -z "$isa" ]]; then
  # The smoke run must start here: a machine without AVX-512 checks the AVX2 build instead of failing.
  if grep -qw avx512f /proc/cpuinfo; then isa=x86-64-v4; else isa=x86-64-v3; echo "This CPU has no AVX-512: publishing for x86-64-v3"; fi
fi
case "$isa" in
  x86-64-v4) width=Vector512 ;;
  x86-64-v3) width=Vector256 ;;
  x86-64-v2) width=Vector128 ;;
  *) echo "publish-aot.sh: --isa must be x86-64-v4, x86-64-v3 or x86-64-v2; got '$isa'" >&2; exit 2 ;;
esac
if [[ "$isa" == x86-64-v4 ]] && (( smoke )) && ! grep -qw avx512f /proc/cpuinfo; then
  echo "publish-aot.sh: this CPU has no AVX-512, so an x86-64-v4 binary cannot run here; use --isa x86-64-v3 (or --no-smoke)" >&2
  exit 1
fi

missing=()
command -v clang >/dev/null || missing+=(clang)
dpkg -s zlib1g-dev >/dev/null 2>&1 || missing+=(zlib1g-dev)
if (( ${#missing[@]} )); then
  echo "Installing ${missing[*]} (NativeAOT links with them)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

mkdir -p "$out"
out="$(cd "$out" && pwd)"
log="$out/publish.log"
echo "Publishing the NativeAOT deepsharp ($isa) into $out"
start=$SECONDS
if ! dotnet publish src/DeepSharp.Cli -c Release -r linux-x64 -p:PublishAot=true -p:IlcInstructionSet="$isa" -o "$out" >"$log" 2>&1; then
  grep -E "error|warning" "$log" | sort -u >&2 || tail -n 40 "$log" >&2
  echo "FAIL: the NativeAOT publish failed (log: $log)" >&2
  exit 1
fi
# MSBuild prints each warning twice (as it happens and in the summary): count distinct ones.
warnings="$(grep -E ": warning [A-Z]+[0-9]+" "$log" | sed 's/ \[.*\]$//' | sort -u || true)"
count="$(grep -c . <<<"$warnings" || true)"
echo "AOT publish: $((SECONDS - start)) s, $count warnings"
if (( count > 0 )); then echo "$warnings" >&2; echo "FAIL: the NativeAOT publish gave warnings (log: $log)" >&2; exit 1; fi
rm -f "$out"/deepsharp "$out"/deepsharp.dbg "$out"/*.pdb   # the libraries' managed symbols mean nothing to a native binary
mv "$out/DeepSharp.Cli" "$out/deepsharp"
if [[ -f "$out/DeepSharp.Cli.dbg" ]]; then mv "$out/DeepSharp.Cli.dbg" "$out/deepsharp.dbg"; fi
echo "binary: $out/deepsharp ($(du -m "$out/deepsharp" | cut -f1) MB; beside it: $(cd "$out" && ls | grep -v -e '^deepsharp$' -e '^publish.log$' | tr '\n' ' '))"
(( smoke )) || exit 0

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

info="$("$out/deepsharp" info)"
echo "$info"
grep -q "(NativeAOT)" <<<"$info" || fail "'deepsharp info' does not report a NativeAOT runtime"
grep -q "^simd *$width\$" <<<"$info" || fail "'deepsharp info' does not report $width for $isa"

echo "Building the JIT deepsharp to compare with"
dotnet build src/DeepSharp.Cli -c Release -v quiet -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; fail "the JIT build failed"; }
jit=(dotnet src/DeepSharp.Cli/bin/Release/net10.0/DeepSharp.Cli.dll)

# Prints the steady-state samples/s of one `train mlp --epochs 1` (its "Training throughput" line).
throughput() {
  local name="$1"; shift
  "$@" train mlp --epochs 1 --out "$work/$name" >"$work/$name.log" 2>&1 || { cat "$work/$name.log" >&2; fail "$name: train mlp failed"; }
  sed -nE 's/^Training throughput: ([0-9,]+) samples\/s.*/\1/p' "$work/$name.log" | tr -d ,
}
best_jit=0 best_aot=0
for round in 1 2; do
  s="$(throughput "jit$round" "${jit[@]}")"; echo "train mlp --epochs 1, JIT:       $s samples/s"; (( s > best_jit )) && best_jit=$s
  s="$(throughput "aot$round" "$out/deepsharp")"; echo "train mlp --epochs 1, NativeAOT: $s samples/s"; (( s > best_aot )) && best_aot=$s
done
(( best_aot > 0 && best_jit > 0 )) || fail "no throughput figure in the training output"
for file in metrics.json history.csv curves.png model.dsm; do
  [[ -s "$work/aot1/$file" ]] || fail "the NativeAOT training wrote no $file"
done
ratio="$(awk -v a="$best_aot" -v j="$best_jit" 'BEGIN { printf "%.2f", a / j }')"
echo "NativeAOT / JIT samples/s (best of 2 each): $best_aot / $best_jit = ${ratio}x (target >= 0.9x; the load average was $(cut -d' ' -f1-3 /proc/loadavg))"
awk -v r="$ratio" 'BEGIN { exit !(r < 0.9) }' && echo "NOTE: below 0.9x here; compare on a quiet machine before concluding anything"

"$out/deepsharp" check-saving --out "$work/saving" || fail "'deepsharp check-saving' failed in the NativeAOT binary"
echo "OK: NativeAOT deepsharp ($isa) published with no warning, trains, saves and reloads every model kind"
