using System.Text.Json;
using DeepSharp.Tests.Ops;

namespace DeepSharp.Tests.TestSupport;

/// <summary>Reading the arguments of a PyTorch fixture case that <see cref="PyTorchFixture"/> has no helper for.</summary>
internal static class FixtureArgs
{
    public static string String(this PyTorchFixture f, string name) => f.Args.GetProperty(name).GetString()!;

    public static Size2D Size(this PyTorchFixture f, string name)
    {
        var v = f.Ints(name) ?? throw new ArgumentException($"{f}: no argument '{name}'.");
        return (v[0], v[1]);
    }

    public static bool Has(this PyTorchFixture f, string name) =>
        f.Args.ValueKind == JsonValueKind.Object && f.Args.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

    /// <summary>A tensor argument ({shape, values}).</summary>
    public static Tensor Tensor(this PyTorchFixture f, string name)
    {
        var e = f.Args.GetProperty(name);
        var shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        var values = e.GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        return DeepSharp.Tensor.FromArray(values, shape);
    }

    /// <summary>Input <paramref name="index"/> as a tensor that requires grad (or not).</summary>
    public static Tensor Input(this PyTorchFixture f, int index, bool requiresGrad = true) =>
        DeepSharp.Tensor.FromArray(f.Inputs[index].Values, f.Inputs[index].Shape).WithRequiresGrad(requiresGrad);

    public static Tensor Upstream(this PyTorchFixture f) => DeepSharp.Tensor.FromArray(f.Upstream.Values, f.Upstream.Shape);
}
