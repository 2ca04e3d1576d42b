using Xunit.Abstractions;

namespace DeepSharp.Interop.Tests.Interop.Onnx;

/// <summary>
/// DeepSharp models exported to ONNX run in ONNX Runtime and give DeepSharp's Predict within 1e-5: the seed
/// models, a bidirectional LSTM over an embedding, a functional model with merges and the DCGAN generator.
/// </summary>
public class OnnxRuntimeExportTests(ITestOutputHelper output)
{
    public static TheoryData<string> Models => [.. ExportedModels.DoneWhen];

    [Theory]
    [MemberData(nameof(Models))]
    public void An_exported_model_gives_DeepSharps_outputs_in_ONNX_Runtime(string name)
    {
        var model = ExportedModels.Create(name);
        var bytes = DeepSharp.Onnx.Export(model);
        foreach (int batch in new[] { 5, 1 }) // the batch is dynamic
        {
            var inputs = ExportedModels.Inputs(model, batch);
            var expected = model.IsFunctional ? model.Predict(inputs) : [model.Predict(inputs[0])];
            var actual = OnnxRuntimeRunner.Run(bytes, inputs);
            Assert.Equal(expected.Length, actual.Length);
            for (int o = 0; o < expected.Length; o++)
            {
                if (batch > 1) // outputs that differ from sample to sample: the comparison is not of constants
                    Assert.True(Spread(expected[o]) > 1e-3f, $"{name} output {o}: the samples' outputs are all alike ({Spread(expected[o])})");
                float difference = OnnxRuntimeRunner.MaxDifference(actual[o], expected[o]);
                output.WriteLine($"{name} batch {batch} output {o}: max |difference| {difference:E2}");
                Assert.True(difference <= 1e-5f, $"{name}, batch {batch}, output {o}: max |difference| {difference}");
            }
        }
    }

    /// <summary>The largest difference between two samples' values at one place.</summary>
    private static float Spread(Tensor outputs)
    {
        int batch = outputs.Shape[0], size = outputs.Size / batch;
        var values = outputs.ToArray();
        float spread = 0f;
        for (int j = 0; j < size; j++)
        {
            var column = Enumerable.Range(0, batch).Select(i => values[i * size + j]).ToArray();
            spread = MathF.Max(spread, column.Max() - column.Min());
        }
        return spread;
    }
}
