#!/usr/bin/env bash
# Installs the text corpus of `deepsharp train charlm` and its test, when it is missing (quick when present): Debian's
# fortune cookies (the `fortunes` package: /usr/share/games/fortunes, about 2.6 MB of text in 40-odd files).
# Called by .ci/run; needs root (apt-get) only to install.
set -euo pipefail
dir=/usr/share/games/fortunes
if [ -f "$dir/fortunes" ] && [ -f "$dir/fortunes.dat" ] && [ -f "$dir/computers" ]; then
  echo "install-fortunes: $dir is present ($(ls "$dir" | grep -vc '\.\(dat\|u8\)$') files)"
  exit 0
fi
echo "install-fortunes: installing fortunes"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends fortunes >/dev/null
test -f "$dir/fortunes.dat"
