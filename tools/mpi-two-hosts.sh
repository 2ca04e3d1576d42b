#!/usr/bin/env bash
# Runs DeepSharp's distributed test host on two simulated hosts and checks it trains to the same weights as on one.
#
# The two "hosts" are network namespaces (each with its own host name, in a UTS namespace of its own) joined by a
# veth pair; their addresses exist inside them only, so no traffic leaves the namespaces made here. mpirun starts in
# host A; it reaches host B the way it reaches a remote machine, through an rsh agent (this script writes one that
# runs `ip netns exec` instead of ssh). Ranks on different hosts talk over TCP, as on a real cluster.
#
#   tools/mpi-two-hosts.sh [path/to/DeepSharp.Distributed.TestHost.dll [path/to/DeepSharp.Cli.dll]]   (root; needs mpirun, ip, unshare)
#
# Two trainings run on two ranks of one host and then on two hosts: the test host's custom loop (DistributedOptimizer),
# and a real model through Fit: `deepsharp train mlp` (the seed MLP on the first 2,000 Fashion-MNIST images, found as the
# command finds them: $DEEPSHARP_DATA, shared/datasets above it, ...). Prints the runs' outputs and "two-hosts: OK" when
# the weights of each two-host run equal, bit for bit, those of the same run on one host. Everything it creates
# (namespaces, veth pair, temporary files) is removed on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
hostdll=${1:-}
if [ -z "$hostdll" ]; then
  dotnet build -c Release "$root/tests/DeepSharp.Distributed.TestHost" >/dev/null
  hostdll="$root/tests/DeepSharp.Distributed.TestHost/bin/Release/net10.0/DeepSharp.Distributed.TestHost.dll"
fi
[ -f "$hostdll" ] || { echo "two-hosts: no test host at $hostdll" >&2; exit 2; }
clidll=${2:-$(dirname "$hostdll")/DeepSharp.Cli.dll}
if [ ! -f "$clidll" ]; then
  dotnet build -c Release "$root/src/DeepSharp.Cli" >/dev/null
  clidll="$root/src/DeepSharp.Cli/bin/Release/net10.0/DeepSharp.Cli.dll"
fi
[ "$(id -u)" -eq 0 ] || { echo "two-hosts: needs root (ip netns); run it as root, as CI does" >&2; exit 2; }
for tool in mpirun ip unshare; do
  command -v "$tool" >/dev/null || { echo "two-hosts: $tool is missing (tools/install-openmpi.sh installs Open MPI and iproute2)" >&2; exit 2; }
done

id=$$
nsa="dsharp-a-$id" nsb="dsharp-b-$id"
veth_a="dsa$id" veth_b="dsb$id"                      # interface names: at most 15 characters
net=10.213.77 addr_a=10.213.77.1 addr_b=10.213.77.2
work=$(mktemp -d)
cleanup() {
  ip netns del "$nsa" 2>/dev/null || true             # deleting a namespace deletes its end of the veth pair, and so both
  ip netns del "$nsb" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$nsa"
ip netns add "$nsb"
ip link add "$veth_a" type veth peer name "$veth_b"
ip link set "$veth_a" netns "$nsa"
ip link set "$veth_b" netns "$nsb"
ip -n "$nsa" addr add "$addr_a/24" dev "$veth_a"
ip -n "$nsb" addr add "$addr_b/24" dev "$veth_b"
for ns in "$nsa" "$nsb"; do ip -n "$ns" link set lo up; done
ip -n "$nsa" link set "$veth_a" up
ip -n "$nsb" link set "$veth_b" up

# The rsh agent: mpirun calls it as `agent <host> <command...>` to start its daemon on <host>.
cat > "$work/agent" <<AGENT
#!/bin/sh
host=\$1; shift
case "\$host" in
  $addr_a) ns=$nsa name=host-a ;;
  $addr_b) ns=$nsb name=host-b ;;
  *) echo "agent: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" unshare --uts sh -c "hostname \$name; \$*"
AGENT
chmod +x "$work/agent"
printf '%s slots=1\n%s slots=1\n' "$addr_a" "$addr_b" > "$work/hosts"

flags=(--allow-run-as-root --bind-to none -x TERM=dumb -x DOTNET_CLI_TELEMETRY_OPTOUT=1
       --mca btl_vader_single_copy_mechanism none --mca mpi_yield_when_idle 1)
[ -n "${DEEPSHARP_DATA:-}" ] && flags+=(-x DEEPSHARP_DATA)
two_hosts=(--hostfile "$work/hosts" --map-by node --mca plm_rsh_agent "$work/agent" --mca plm_rsh_no_tree_spawn 1
           --mca btl tcp,self --mca btl_tcp_if_include "$net.0/24" --mca oob_tcp_if_include "$net.0/24")
on_host_a() { ip netns exec "$nsa" unshare --uts sh -c 'hostname host-a; exec "$@"' sh "$@"; }
steps=20 batch=16

echo "== two ranks on one host"
mpirun "${flags[@]}" -np 2 dotnet "$hostdll" train $steps $batch "$work/one-host.bin"

echo "== two hosts ($nsa at $addr_a, $nsb at $addr_b)"
on_host_a mpirun "${flags[@]}" -np 2 "${two_hosts[@]}" dotnet "$hostdll" train $steps $batch "$work/two-hosts.bin" | tee "$work/two-hosts.txt"

# Each rank alone on its host, each host its own name: the run really spanned two hosts.
grep -q "rank 0: started as rank 0 of 2 (Open MPI v[0-9.]*) on host-a, local rank 0 of 1" "$work/two-hosts.txt"
grep -q "rank 1: started as rank 1 of 2 (Open MPI v[0-9.]*) on host-b, local rank 0 of 1" "$work/two-hosts.txt"
cmp "$work/one-host.bin" "$work/two-hosts.bin"

# A real model through Fit. One thread a rank in both runs (a rank alone on its host would take every core).
mlp=(train mlp --limit 2000 --epochs 2 --batch-size 64 --seed 7 --threads 1 --verbose 2)
echo "== deepsharp train mlp: two ranks on one host"
mpirun "${flags[@]}" -np 2 dotnet "$clidll" "${mlp[@]}" --out "$work/mlp-one-host"
echo "== deepsharp train mlp: two hosts"
on_host_a mpirun "${flags[@]}" -np 2 "${two_hosts[@]}" dotnet "$clidll" "${mlp[@]}" --out "$work/mlp-two-hosts"
grep -q '"world_size": 2' "$work/mlp-two-hosts/metrics.json"
cmp "$work/mlp-one-host/model.dsm" "$work/mlp-two-hosts/model.dsm"
echo "two-hosts: OK (the weights after $steps steps of the custom loop, and the seed MLP's after 2 epochs of Fit, are the same bits on two hosts as on one)"
