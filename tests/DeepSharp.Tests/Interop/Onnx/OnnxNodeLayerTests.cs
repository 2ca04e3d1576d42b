namespace DeepSharp.Tests.Interop.Onnx;

/// <summary>
/// The general path: every node an <see cref="OnnxNode"/> layer (RecognizeLayers off). It computes what PyTorch
/// computed, trains (its float initializers are trainable weights), and saves and loads in DeepSharp's format.
/// </summary>
public class OnnxNodeLayerTests
{
    private static readonly OnnxImportOptions General = new() { RecognizeLayers = false };

    [Theory]
    [MemberData(nameof(PyTorchImportTests.Models), MemberType = typeof(PyTorchImportTests))]
    public void Without_recognized_layers_the_model_still_gives_PyTorchs_outputs(string name)
    {
        var fixture = PyTorchFixture.Load(name);
        var model = DeepSharp.Onnx.Load(fixture.Path, General);
        Assert.All(model.Layers.Skip(1), l => Assert.IsType<OnnxNode>(l));
        float difference = PyTorchImportTests.MaxDifference(model.Predict(fixture.KerasInput), fixture.Output);
        Assert.True(difference <= 1e-5f, $"{name}: max |difference| {difference}");
    }

    [Theory]
    [InlineData("cnn3")]
    [InlineData("gru")]
    public void A_model_of_OnnxNodes_saves_and_loads_back_identical_and_fine_tunes(string name)
    {
        var fixture = PyTorchFixture.Load(name);
        var model = DeepSharp.Onnx.Load(fixture.Path, General);
        var path = Path.Combine(Path.GetTempPath(), $"deepsharp-{Guid.NewGuid():N}-{name}.dsm");
        try
        {
            model.Save(path);
            var loaded = Model.Load(path);
            Assert.Equal(model.Layers.Select(l => l.Name), loaded.Layers.Select(l => l.Name));
            Assert.Equal(model.Predict(fixture.KerasInput).ToArray(), loaded.Predict(fixture.KerasInput).ToArray());
            var first = (OnnxNode)loaded.Layers[1];
            Assert.Equal(((OnnxNode)model.Layers[1]).OpType, first.OpType);

            var y = Tensor.FromArray([1f, 4f, 7f]);
            loaded.Compile(new Adam(learningRate: 1e-2f), new SparseCategoricalCrossentropy(fromLogits: true));
            Assert.NotEmpty(loaded.TrainableWeights);
            double before = loaded.Evaluate(fixture.KerasInput, y, verbose: 0).Loss;
            loaded.Fit(fixture.KerasInput, y, batchSize: 3, epochs: 5, verbose: 0, shuffle: false);
            Assert.True(loaded.Evaluate(fixture.KerasInput, y, verbose: 0).Loss < before);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Float_initializers_are_trainable_weights_and_exporter_constants_are_not()
    {
        var model = DeepSharp.Onnx.Load(PyTorchFixture.Load("cnn3").Path, General);
        var batchNorm = model.Layers.OfType<OnnxNode>().Single(n => n.OpType == "BatchNormalization");
        // scale and bias train; the running mean and variance are statistics, not parameters.
        Assert.Equal(2, batchNorm.TrainableWeights.Count);
        Assert.Equal(2, batchNorm.NonTrainableWeights.Count);
        Assert.Contains(batchNorm.TrainableWeights, w => w.Name!.EndsWith("net.1.weight", StringComparison.Ordinal));
    }
}
