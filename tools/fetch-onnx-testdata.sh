#!/usr/bin/env bash
# Fetches ONNX's own backend node tests (Debian's libonnx-testdata, ONNX 1.12) into a cache outside git,
# for the conformance test in tests/DeepSharp.Tests/Interop/Onnx. Quick when the cache already holds them.
# The folder is $DEEPSHARP_ONNX_TESTDATA if set, else ~/.cache/deepsharp/onnx-testdata-<version>; the test
# looks in the same places. Needs apt (Debian's package index); nothing is installed on the system.
set -euo pipefail
version=1.12.0-2
sha256=7dc0912e02f79ece102331411a751b091bc0e191c9fb1287f8cdfbe5530f6027
target=${DEEPSHARP_ONNX_TESTDATA:-$HOME/.cache/deepsharp/onnx-testdata-$version}
node="$target/usr/share/libonnx-testdata/data/node"
if [ -d "$node" ] && [ -f "$target/.complete" ]; then
  echo "ONNX node tests already in $node"
  exit 0
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
if ! apt-get download "libonnx-testdata=$version" >/dev/null 2>&1; then
  apt-get update >/dev/null
  apt-get download "libonnx-testdata=$version" >/dev/null
fi
deb=$(ls libonnx-testdata_*.deb)
echo "$sha256  $deb" | sha256sum -c --quiet -
rm -rf "$target"
mkdir -p "$target"
dpkg-deb -x "$deb" "$target"
touch "$target/.complete"
echo "ONNX node tests in $node ($(ls "$node" | wc -l) tests)"
