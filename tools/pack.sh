#!/usr/bin/env bash
# Packs every packable project (`dotnet pack -c Release`) into a folder and checks the packages:
#   - the pack prints no warning at all;
#   - every package has a licence expression, a readme, a description, authors, the repository and project URLs,
#     and a symbol package (.snupkg) beside it (the CLI's pointer package excepted: it holds no code);
#   - the core package (DeepSharp) holds its own assembly and docs only (no native asset), and nothing it depends on
#     brings a native library;
#   - the CLI tool package for linux-x64 is at most 40 MB, with no native .pdb.
# Usage: tools/pack.sh [OUT]   (default OUT: artifacts/packages)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-artifacts/packages}"
command -v unzip >/dev/null || { apt-get update -qq && apt-get install -y -qq unzip >/dev/null; }
max_tool_bytes=$((40 * 1024 * 1024))

rm -rf "$out"
mkdir -p "$out"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
start=$SECONDS
# ContinuousIntegrationBuild: deterministic paths in the PDBs (/_/src/...), as a release build should have.
dotnet pack -c Release -o "$out" -p:ContinuousIntegrationBuild=true 2>&1 | tee "$log"
echo "pack: $((SECONDS - start)) s"
if grep -E -i '(^|[^a-z])warning( |:)' "$log" | grep -v -E '^\s*[0-9]+ Warning\(s\)' >/dev/null; then
  echo "FAIL: dotnet pack printed warnings:" >&2
  grep -E -i '(^|[^a-z])warning( |:)' "$log" | grep -v -E '^\s*[0-9]+ Warning\(s\)' | sort -u >&2
  exit 1
fi

fail=0
problem() { echo "FAIL: $*" >&2; fail=1; }
field() { sed -n "s:.*<$2[^>]*>\(.*\)</$2>.*:\1:p" <<<"$1" | head -n 1; }

shopt -s nullglob
packages=("$out"/*.nupkg)
[ ${#packages[@]} -gt 0 ] || { echo "FAIL: no package in $out" >&2; exit 1; }
printf '%-48s %12s %12s\n' package bytes symbols
for package in "${packages[@]}"; do
  name="$(basename "$package" .nupkg)"
  nuspec="$(unzip -p "$package" '*.nuspec')"
  id="$(field "$nuspec" id)"
  symbols="${package%.nupkg}.snupkg"
  printf '%-48s %12d %12s\n' "$name" "$(stat -c %s "$package")" "$( [ -f "$symbols" ] && stat -c %s "$symbols" || echo - )"
  grep -q '<license type="expression">MIT</license>' <<<"$nuspec" || problem "$name: no MIT licence expression"
  readme="$(field "$nuspec" readme)"
  [ -n "$readme" ] || problem "$name: no readme"
  [ -z "$readme" ] || unzip -l "$package" "$readme" >/dev/null || problem "$name: readme $readme is not in the package"
  description="$(field "$nuspec" description)"
  { [ -n "$description" ] && [ "$description" != "Package Description" ]; } || problem "$name: no description"
  [ "$(field "$nuspec" authors)" = "DeepSharp contributors" ] || problem "$name: authors are not 'DeepSharp contributors'"
  [ "$(field "$nuspec" projectUrl)" = "https://github.com/deepsharp/deepsharp" ] || problem "$name: no project URL"
  grep -q '<repository type="git" url="https://github.com/deepsharp/deepsharp"' <<<"$nuspec" || problem "$name: no repository URL"
  [ -n "$(field "$nuspec" tags)" ] || problem "$name: no tags"
  if grep -q '<packageType name="DotnetTool"' <<<"$nuspec" && ! unzip -l "$package" | grep '\.dll$' >/dev/null; then
    :  # the tool's pointer package: no code, so no symbols
  elif [ ! -f "$symbols" ]; then
    problem "$name: no symbol package $(basename "$symbols")"
  fi
  if unzip -Z1 "$package" | grep -E -i '\.pdb$' | grep -v -E '^tools/[^/]+/[^/]+/DeepSharp[^/]*\.pdb$' >/dev/null; then
    problem "$name: carries native debug symbols: $(unzip -Z1 "$package" | grep -E -i '\.pdb$' | head -n 3 | tr '\n' ' ')"
  fi
  case "$id" in
    DeepSharp)
      # The core package is managed code only: its own assembly, its XML docs, the readme and NuGet's bookkeeping.
      extra="$(unzip -Z1 "$package" | grep -v -E '^(_rels/\.rels|\[Content_Types\]\.xml|package/services/metadata/core-properties/[^/]+\.psmdcp|DeepSharp\.nuspec|README\.md|lib/net[0-9.]+/DeepSharp\.(dll|xml))$' || true)"
      [ -z "$extra" ] || problem "$name: the core package holds more than its managed assembly: $(tr '\n' ' ' <<<"$extra")"
      deps="src/DeepSharp/bin/Release/net10.0/DeepSharp.deps.json"
      [ -f "$deps" ] || problem "$name: $deps not found"
      if [ -f "$deps" ] && grep -q -E '"(native|runtimeTargets)"' "$deps"; then
        problem "$name: a dependency of the core package brings native assets (see $deps)"
      fi
      ;;
    DeepSharp.Cli.linux-x64)
      size="$(stat -c %s "$package")"
      [ "$size" -le "$max_tool_bytes" ] || problem "$name: $size bytes, more than $max_tool_bytes"
      ;;
  esac
done
for rid in linux-x64 linux-arm64 osx-x64 osx-arm64 win-x64; do
  [ -n "$(echo "$out"/DeepSharp.Cli."$rid".*.nupkg)" ] || problem "no tool package for $rid"
done
[ "$fail" -eq 0 ] || exit 1
echo "packages OK: ${#packages[@]} in $out"
