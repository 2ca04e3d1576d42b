#!/usr/bin/env bash
# Regenerates src/DeepSharp/Interop/Onnx/Proto/Onnx.cs, the C# classes of ONNX's protobuf schema.
# The schema is Debian's (libonnx-dev, ONNX 1.12); protoc is the one in the Google.Protobuf.Tools NuGet
# package whose version matches the Google.Protobuf runtime the library references. The classes are
# generated internal: the public face of ONNX in DeepSharp is Onnx.Export / Model.LoadOnnx.
# Run it only when the schema or the protobuf version changes; the output is committed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=3.36.2
proto=/usr/include/onnx/onnx.proto
if [ ! -f "$proto" ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y libonnx-dev >/dev/null
fi
nuget=${NUGET_PACKAGES:-$HOME/.nuget/packages}
tools="$nuget/google.protobuf.tools/$version/tools"
if [ ! -x "$tools/linux_x64/protoc" ]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  (cd "$scratch" && dotnet new classlib -o restore >/dev/null &&
   dotnet add restore package Google.Protobuf.Tools --version "$version" >/dev/null)
  chmod +x "$tools/linux_x64/protoc"
fi
out="$root/src/DeepSharp/Interop/Onnx/Proto"
mkdir -p "$out"
"$tools/linux_x64/protoc" --proto_path="$(dirname "$proto")" --proto_path="$tools" \
  --csharp_out="$out" --csharp_opt=internal_access,file_extension=.cs "$proto"
# protoc names the namespace after the proto package ("Onnx"); ours keeps it inside the library's.
sed -i -e 's/^namespace Onnx {/namespace DeepSharp.Interop.Onnx.Proto {/' -e 's/global::Onnx\./global::DeepSharp.Interop.Onnx.Proto./g' "$out/Onnx.cs"
echo "wrote $out/Onnx.cs from $proto with protoc $version"
