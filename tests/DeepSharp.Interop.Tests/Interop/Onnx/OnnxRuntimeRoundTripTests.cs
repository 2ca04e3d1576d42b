using Xunit.Abstractions;

namespace DeepSharp.Interop.Tests.Interop.Onnx;

/// <summary>
/// PyTorch's ONNX files imported into DeepSharp and exported again run in ONNX Runtime with PyTorch's outputs:
/// as recognized Keras layers, as the general ONNX nodes, and in ONNX's own layout. ONNX Runtime first checks the
/// fixtures themselves.
/// </summary>
public class OnnxRuntimeRoundTripTests(ITestOutputHelper output)
{
    public static TheoryData<string> Fixtures => [.. PyTorchFixture.Names];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void ONNX_Runtime_gives_PyTorchs_outputs_for_the_fixtures_themselves(string name)
    {
        var fixture = PyTorchFixture.Load(name);
        // A fixed-batch export takes only its own batch: one sample at a time.
        var inputs = name == "cnn_fixed_batch" ? Split(fixture.Input) : [fixture.Input];
        var outputs = inputs.Select(x => OnnxRuntimeRunner.Run(fixture.Path, x)[0]).ToArray();
        var actual = outputs.Length == 1 ? outputs[0] : Ops.Concat(outputs, 0);
        float difference = OnnxRuntimeRunner.MaxDifference(actual, fixture.Output);
        output.WriteLine($"{name}: ONNX Runtime against PyTorch, max |difference| {difference:E2}");
        Assert.True(difference <= 1e-5f, $"{name}: max |difference| {difference}");
    }

    public static TheoryData<string, string> Imports()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in PyTorchFixture.Names)
            foreach (var mode in new[] { "layers", "nodes", "channels_first" })
                data.Add(name, mode);
        return data;
    }

    [Theory]
    [MemberData(nameof(Imports))]
    public void An_imported_PyTorch_model_exported_again_gives_PyTorchs_outputs_in_ONNX_Runtime(string name, string mode)
    {
        var fixture = PyTorchFixture.Load(name);
        var options = mode switch
        {
            "nodes" => new OnnxImportOptions { RecognizeLayers = false },
            "channels_first" => new OnnxImportOptions { ChannelsLast = false },
            _ => new OnnxImportOptions(),
        };
        var model = Model.LoadOnnx(fixture.Path, options);
        var input = mode == "channels_first" ? fixture.Input : fixture.ChannelsLastInput;
        var exported = DeepSharp.Onnx.Export(model);
        var actual = OnnxRuntimeRunner.Run(exported, input)[0];
        float difference = OnnxRuntimeRunner.MaxDifference(actual, fixture.Output);
        output.WriteLine($"{name} ({mode}): PyTorch → DeepSharp → ONNX Runtime, max |difference| {difference:E2}");
        Assert.True(difference <= 1e-5f, $"{name} ({mode}): max |difference| {difference}");
    }

    private static Tensor[] Split(Tensor batch) => Enumerable.Range(0, batch.Shape[0]).Select(i => Ops.Slice(batch, 0, i, i + 1)).ToArray();
}
