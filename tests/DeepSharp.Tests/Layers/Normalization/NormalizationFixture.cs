using DeepSharp.Tests.Ops;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Layers;

/// <summary>The normalization layers' PyTorch fixtures (tools/make_normalization_fixtures.py) and a save/load check.</summary>
internal static class NormalizationFixture
{
    private const string File = "normalization.json";

    /// <summary>The cases of <paramref name="op"/> in the fixture file.</summary>
    public static TheoryData<string, string> Cases(string op) => PyTorchFixture.CasesOf(File, op);

    /// <summary>
    /// Runs <paramref name="layer"/> on the case's input with its gamma and beta (inputs 1 and 2, when the case has
    /// them) and compares output and the gradients of input, gamma and beta with PyTorch's.
    /// </summary>
    public static void Check(PyTorchFixture f, Layer layer, Func<(Tensor? Gamma, Tensor? Beta)> weights)
    {
        var x = f.Input(0);
        layer.EnsureBuilt(new TensorShape(f.Inputs[0].Shape[1..]));
        var (gamma, beta) = weights();
        if (f.Inputs.Length > 1)
        {
            gamma!.CopyFrom(f.Inputs[1].Values);
            beta!.CopyFrom(f.Inputs[2].Values);
        }
        var y = layer.Call(x, training: true);
        Assert.Equal(f.Output.Shape, y.Shape.ToArray());
        OpAssert.Close(f.Output.Values, y.ToArray(), 1e-4, 1e-5);
        y.Backward(f.Upstream());
        OpAssert.Close(f.Gradients[0].Values, x.Grad!.ToArray(), 1e-4, 1e-5);
        if (f.Inputs.Length > 1)
        {
            OpAssert.Close(f.Gradients[1].Values, gamma!.Grad!.ToArray(), 1e-4, 1e-5);
            OpAssert.Close(f.Gradients[2].Values, beta!.Grad!.ToArray(), 1e-4, 1e-5);
        }
    }

    /// <summary>Saves <paramref name="model"/> to a .dsm file, loads it back and checks it computes the same on <paramref name="x"/>.</summary>
    public static void SavesAndLoads(Model model, Tensor x)
    {
        var path = Path.Combine(Path.GetTempPath(), $"deepsharp-norm-{Guid.NewGuid():N}.dsm");
        try
        {
            var expected = model.Predict(x).ToArray();
            model.Save(path);
            var loaded = Model.Load(path);
            Assert.Equal(expected, loaded.Predict(x).ToArray());
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }
}
