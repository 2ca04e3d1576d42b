#!/usr/bin/env bash
# Builds the docs site into docs/_site with docfx (the version pinned in .config/dotnet-tools.json): the API
# reference from the XML docs of DeepSharp and DeepSharp.Plots, and the guides in docs/guides. Warnings are errors
# (a broken link, a cref to nothing), and every public type must have a page.
# Usage: tools/build-docs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
# The README's links stay inside the repository, and each one points at a file that exists.
bad_links="$(grep -o -E '\]\([^)]+\)' README.md | sed -E 's/^\]\(([^)#]*).*/\1/' \
  | while read -r target; do
      if [[ "$target" == *://* || "$target" == ../* || "$target" == /* ]]; then echo "outside the repository: $target"
      elif [ -n "$target" ] && [ ! -e "$target" ]; then echo "missing: $target"; fi
    done)"
if [ -n "$bad_links" ]; then echo "FAIL: README.md links: $bad_links" >&2; exit 1; fi
dotnet tool restore >/dev/null
# The libraries themselves: the compiler already refuses a public member without XML docs (CS1591 under
# TreatWarningsAsErrors), and the page check below reads the assemblies.
dotnet build -c Release src/DeepSharp.Plots/DeepSharp.Plots.csproj -nologo -v quiet
rm -rf docs/api docs/_site
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
dotnet docfx metadata docs/docfx.json 2>&1 | tee "$log"
# docfx 2.81 skips C# 14 extension blocks and warns once per extra block that shares a receiver name; that is the
# one warning accepted here (the members are documented under Ops, which the extension members call).
unexpected="$(grep -i 'warning' "$log" \
  | grep -v -E '^Build succeeded with warning|^[[:space:]]*[0-9]+ warning\(s\)$' \
  | grep -v -F 'Ignore duplicated member Extension:DeepSharp.TensorMembers.<G>$' || true)"
if [ -n "$unexpected" ]; then
  echo "FAIL: docfx metadata printed warnings:" >&2
  echo "$unexpected" >&2
  exit 1
fi
dotnet docfx build docs/docfx.json --warningsAsErrors
dotnet run tools/check-api-pages.cs -- docs/_site/api \
  src/DeepSharp/bin/Release/net10.0/DeepSharp.dll src/DeepSharp.Plots/bin/Release/net10.0/DeepSharp.Plots.dll
echo "docs: $((SECONDS - start)) s, site in docs/_site"
