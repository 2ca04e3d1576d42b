#!/usr/bin/env bash
# Installs the deepsharp tool as a user would, from the packages tools/pack.sh made, and runs it:
# a tool manifest in a fresh temporary directory, `dotnet tool install DeepSharp.Cli` from that folder only (the
# pointer package picks DeepSharp.Cli.<rid> for this machine), then `dotnet deepsharp info`.
# Usage: tools/try-tool.sh [PACKAGES]   (default: artifacts/packages; packed first when it holds no DeepSharp.Cli)
set -euo pipefail
cd "$(dirname "$0")/.."
packages="${1:-artifacts/packages}"
if ! ls "$packages"/DeepSharp.Cli.[0-9]*.nupkg >/dev/null 2>&1; then tools/pack.sh "$packages"; fi
packages="$(cd "$packages" && pwd)"
version="$(ls "$packages"/DeepSharp.Cli.[0-9]*.nupkg | head -n 1 | sed -E 's:.*/DeepSharp\.Cli\.([0-9][^/]*)\.nupkg$:\1:')"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
# A private CLI home too: the SDK remembers where a local tool's package was restored (~/.dotnet/toolResolverCache,
# keyed by id and version alone), so a second run would look for the tool in the first run's deleted folder.
export DOTNET_CLI_HOME="$work/home" DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
# Only the local folder as a source, and a private package cache, so the test sees exactly what was packed.
cat > nuget.config <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$packages" />
  </packageSources>
  <config>
    <add key="globalPackagesFolder" value="$work/nuget-packages" />
  </config>
</configuration>
CONFIG
dotnet new tool-manifest >/dev/null
dotnet tool install DeepSharp.Cli --version "$version" --local
info="$(dotnet deepsharp info)"
echo "$info"
grep -q "^DeepSharp $version" <<<"$info" || { echo "FAIL: 'dotnet deepsharp info' did not report DeepSharp $version" >&2; exit 1; }
installed="$(find "$work/nuget-packages" -maxdepth 1 -iname 'deepsharp.cli*' -printf '%f\n' | sort | tr '\n' ' ')"
echo "installed: $installed($(du -sh "$work/nuget-packages" | cut -f1) unpacked)"
