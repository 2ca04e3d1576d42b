#!/usr/bin/env bash
# Runs DeepSharp's distributed test host on two simulated hosts and checks it trains to the same weights as on one.
#
# The two "hosts" are network namespaces (each with its own host name, in a UTS namespace of its own) joined by a
# veth pair; their addresses exist inside them only, so no traffic leaves the namespaces made here. mpirun starts in
# host A; it reaches host B the way it reaches a remote machine, through an rsh agent (this script writes one that
# runs `ip netns exec` instead of ssh). Ranks on different hosts talk over TCP, as on a real cluster.
#
#   tools/mpi-two-hosts.sh [path/to/DeepSharp.Distributed.TestHost.dll]     (root; needs mpirun, ip, unshare)
#
# Prints the two runs' outputs and "two-hosts: OK" when the weights of the two-host run equal, bit for bit, those of
# two ranks on one host. Everything it creates (namespaces, veth pair, temporary files) is removed on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
hostdll=${1:-}
if [ -z "$hostdll" ]; then
  dotnet build -c Release "$root/tests/DeepSharp.Distributed.TestHost" >/dev/null
  hostdll="$root/tests/DeepSharp.Distributed.TestHost/bin/Release/net10.0/DeepSharp.Distributed.TestHost.dll"
fi
[ -f "$hostdll" ] || { echo "two-hosts: no test host at $hostdll" >&2; exit 2; }
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
steps=20 batch=16

echo "== two ranks on one host"
mpirun "${flags[@]}" -np 2 dotnet "$hostdll" train $steps $batch "$work/one-host.bin"

echo "== two hosts ($nsa at $addr_a, $nsb at $addr_b)"
ip netns exec "$nsa" unshare --uts sh -c 'hostname host-a; exec "$@"' sh \
  mpirun "${flags[@]}" -np 2 --hostfile "$work/hosts" --map-by node \
    --mca plm_rsh_agent "$work/agent" --mca plm_rsh_no_tree_spawn 1 \
    --mca btl tcp,self --mca btl_tcp_if_include "$net.0/24" --mca oob_tcp_if_include "$net.0/24" \
    dotnet "$hostdll" train $steps $batch "$work/two-hosts.bin" | tee "$work/two-hosts.txt"

# Each rank alone on its host, each host its own name: the run really spanned two hosts.
grep -q "rank 0: started as rank 0 of 2 (Open MPI v[0-9.]*) on host-a, local rank 0 of 1" "$work/two-hosts.txt"
grep -q "rank 1: started as rank 1 of 2 (Open MPI v[0-9.]*) on host-b, local rank 0 of 1" "$work/two-hosts.txt"
cmp "$work/one-host.bin" "$work/two-hosts.bin"
echo "two-hosts: OK (the weights after $steps steps are the same bits on two hosts as on one)"
