#!/usr/bin/env bash
# Installs what the distributed tests need from the system, when it is missing (quick when present):
# Open MPI 4's launcher and library (Debian 12: openmpi-bin, which brings libopenmpi3 = libmpi.so.40) and
# iproute2 (ip netns, for tools/mpi-two-hosts.sh). Called by .ci/run; needs root (apt-get) only to install.
set -euo pipefail
missing=()
command -v mpirun >/dev/null 2>&1 || missing+=(openmpi-bin)
ldconfig -p | grep 'libmpi\.so\.40 ' >/dev/null || missing+=(libopenmpi3)  # not grep -q: under pipefail its early exit can fail ldconfig with SIGPIPE
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-openmpi: $(mpirun --version | head -n 1) and ip are present"
  exit 0
fi
echo "install-openmpi: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
mpirun --version | head -n 1
