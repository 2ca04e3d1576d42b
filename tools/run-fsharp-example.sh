#!/usr/bin/env bash
# Runs the F# example (examples/FSharpMlp) for a short training, in a temporary directory: DeepSharp used from
# another .NET language (operators on Tensor, params overloads, Keras-style calls), built and run as a user would.
# Checks that it trains, evaluates, and that its error rate computed with Tensor operators is 1 - accuracy.
# Usage: tools/run-fsharp-example.sh [EPOCHS] [LIMIT]   (default: 1 epoch on the first 2000 images)
set -euo pipefail
cd "$(dirname "$0")/.."
epochs="${1:-1}" limit="${2:-2000}"
dotnet build examples/FSharpMlp -c Release -v quiet -nologo
program="$(pwd)/examples/FSharpMlp/bin/Release/net10.0/FSharpMlp.dll"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
output="$(dotnet "$program" --epochs "$epochs" --limit "$limit")"
echo "$output"
accuracy="$(sed -nE 's/^Test loss: [0-9.]+ - test accuracy: ([0-9.]+)$/\1/p' <<<"$output")"
error_rate="$(sed -nE 's/^Test error rate: ([0-9.]+) .*/\1/p' <<<"$output")"
[[ -n "$accuracy" && -n "$error_rate" ]] || { echo "FAIL: the F# example printed no test accuracy or error rate" >&2; exit 1; }
awk -v a="$accuracy" -v e="$error_rate" 'BEGIN { d = a + e - 1; exit !(d < 2e-4 && d > -2e-4 && a > 0.5) }' \
  || { echo "FAIL: accuracy $accuracy and error rate $error_rate do not add up to 1, or the model did not learn" >&2; exit 1; }
for file in curves.png fashion-mlp.dsm; do [[ -s "$file" ]] || { echo "FAIL: the F# example wrote no $file" >&2; exit 1; }; done
echo "OK: the F# example trained (test accuracy $accuracy) and wrote curves.png and fashion-mlp.dsm"
