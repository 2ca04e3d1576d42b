namespace DeepSharp.Tests.Interop.Onnx;

/// <summary>
/// Models exported by PyTorch import into DeepSharp, take Keras-layout input, give PyTorch's outputs, save in
/// DeepSharp's format and train further.
/// </summary>
public class PyTorchImportTests
{
    public static TheoryData<string> Models => ["mlp", "cnn", "cnn3", "lstm", "gru"];

    private static float MaxDifference(Tensor a, Tensor b)
    {
        Assert.Equal(a.Shape, b.Shape);
        var x = a.ToArray();
        var y = b.ToArray();
        return x.Zip(y, (p, q) => MathF.Abs(p - q)).Max();
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void An_imported_model_gives_PyTorchs_outputs(string name)
    {
        var fixture = PyTorchFixture.Load(name);
        var model = DeepSharp.Onnx.Load(fixture.Path);
        var predicted = model.Predict(fixture.KerasInput);
        Assert.True(MaxDifference(predicted, fixture.Output) <= 1e-5f, $"{name}: max |difference| {MaxDifference(predicted, fixture.Output)}");
    }
}
