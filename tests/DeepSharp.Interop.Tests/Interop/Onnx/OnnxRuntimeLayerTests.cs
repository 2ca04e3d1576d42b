using Xunit.Abstractions;

namespace DeepSharp.Interop.Tests.Interop.Onnx;

/// <summary>Every layer the export writes, in its variants, runs in ONNX Runtime with DeepSharp's outputs, at the default opset and the lowest and highest.</summary>
public class OnnxRuntimeLayerTests(ITestOutputHelper output)
{
    public static TheoryData<string, int> Models()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in LayerModels.Names) data.Add(name, OnnxExportOptions.DefaultOpset);
        foreach (var name in new[] { "pooling", "activations", "bidirectional_modes", "global_pooling" })
        {
            data.Add(name, OnnxExportOptions.MinOpset);
            data.Add(name, OnnxExportOptions.MaxOpset);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Each_layer_gives_DeepSharps_outputs_in_ONNX_Runtime(string name, int opset)
    {
        var model = LayerModels.Create(name);
        var bytes = DeepSharp.Onnx.Export(model, new OnnxExportOptions { Opset = opset });
        var inputs = ExportedModels.Inputs(model, 4);
        if (name.StartsWith("embedding", StringComparison.Ordinal)) inputs = [Ids(inputs[0].Shape, 20)];
        var expected = model.IsFunctional ? model.Predict(inputs) : [model.Predict(inputs[0])];
        var actual = OnnxRuntimeRunner.Run(bytes, inputs);
        Assert.Equal(expected.Length, actual.Length);
        for (int o = 0; o < expected.Length; o++)
        {
            float difference = OnnxRuntimeRunner.MaxDifference(actual[o], expected[o]);
            output.WriteLine($"{name} opset {opset} output {o}: max |difference| {difference:E2}");
            Assert.True(difference <= 1e-5f, $"{name} (opset {opset}), output {o}: max |difference| {difference}");
        }
    }

    /// <summary>Token ids with zeros among them (the padding an Embedding with maskZero masks).</summary>
    private static Tensor Ids(TensorShape shape, int vocabulary)
    {
        var rng = new Random(4);
        return Tensor.FromArray(Enumerable.Range(0, shape.Size).Select(i => (float)(i % 3 == 0 ? 0 : rng.Next(vocabulary))).ToArray(), shape.Dims);
    }
}
