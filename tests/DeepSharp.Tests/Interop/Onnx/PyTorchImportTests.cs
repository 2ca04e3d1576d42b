namespace DeepSharp.Tests.Interop.Onnx;

/// <summary>
/// Models exported by PyTorch (tools/make_onnx_fixtures.py) import into DeepSharp, take Keras-layout input,
/// give PyTorch's outputs, save in DeepSharp's format and train further.
/// </summary>
public class PyTorchImportTests
{
    public static TheoryData<string> Models => ["mlp", "cnn", "cnn3", "lstm", "gru", "cnn_fixed_batch"];

    private static string TempPath(string name) => Path.Combine(Path.GetTempPath(), $"deepsharp-{Guid.NewGuid():N}-{name}");

    internal static float MaxDifference(Tensor a, Tensor b)
    {
        Assert.Equal(a.Shape, b.Shape);
        return a.ToArray().Zip(b.ToArray(), (p, q) => MathF.Abs(p - q)).Max();
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void An_imported_model_gives_PyTorchs_outputs(string name)
    {
        var fixture = PyTorchFixture.Load(name);
        var model = Model.LoadOnnx(fixture.Path);
        var predicted = model.Predict(fixture.KerasInput);
        float difference = MaxDifference(predicted, fixture.Output);
        Assert.True(difference <= 1e-5f, $"{name}: max |difference| {difference}");
    }

    [Fact]
    public void Convolution_graphs_take_channels_last_images_and_the_three_channel_input_proves_it()
    {
        var fixture = PyTorchFixture.Load("cnn3");
        var model = DeepSharp.Onnx.Load(fixture.Path);
        Assert.Equal(new TensorShape(16, 16, 3), model.Inputs[0].Shape);
        // Fed in PyTorch's NCHW order (the same numbers, reinterpreted as NHWC), the model is wrong: the layout matters.
        var misread = model.Predict(DeepSharp.Ops.Reshape(fixture.Input, 3, 16, 16, 3));
        Assert.True(MaxDifference(misread, fixture.Output) > 1e-2f);
        // ONNX's layout is kept on request.
        var nchw = DeepSharp.Onnx.Load(fixture.Path, new OnnxImportOptions { ChannelsLast = false });
        Assert.Equal(new TensorShape(3, 16, 16), nchw.Inputs[0].Shape);
        Assert.True(MaxDifference(nchw.Predict(fixture.Input), fixture.Output) <= 1e-5f);
    }

    [Fact]
    public void Recognized_layers_are_the_Keras_layers_a_user_would_have_written()
    {
        string Classes(string name) => string.Join(" ", DeepSharp.Onnx.Load(PyTorchFixture.Load(name).Path).Layers.Select(l => l.ClassName));
        Assert.Equal("InputLayer Flatten Dense Dense", Classes("mlp"));
        Assert.Equal("InputLayer Conv2D MaxPooling2D Conv2D MaxPooling2D Flatten Dense Dense", Classes("cnn"));
        // PyTorch's padding=1 at stride 2 is not Keras' "same": explicit zero padding, then a valid convolution.
        Assert.Equal("InputLayer Conv2D BatchNormalization Activation ZeroPadding2D Conv2D AveragePooling2D Flatten Dense", Classes("cnn3"));
        Assert.Equal("InputLayer LSTM LSTM Dense", Classes("lstm"));
        Assert.Equal("InputLayer GRU Dense", Classes("gru"));
        var conv = DeepSharp.Onnx.Load(PyTorchFixture.Load("cnn3").Path).Layers.OfType<Conv2D>().ToList();
        Assert.Equal(["same", "valid"], conv.Select(c => c.Padding));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void An_imported_model_saves_in_DeepSharps_format_and_loads_back_identical(string name)
    {
        var fixture = PyTorchFixture.Load(name);
        var model = DeepSharp.Onnx.Load(fixture.Path);
        var path = TempPath(name + ".dsm");
        try
        {
            model.Save(path);
            var loaded = Model.Load(path);
            Assert.Equal(model.Layers.Select(l => l.ClassName), loaded.Layers.Select(l => l.ClassName));
            Assert.Equal(model.Predict(fixture.KerasInput).ToArray(), loaded.Predict(fixture.KerasInput).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void An_imported_model_fine_tunes(string name)
    {
        var fixture = PyTorchFixture.Load(name);
        var model = DeepSharp.Onnx.Load(fixture.Path);
        var rng = new RandomGenerator(15);
        var x = Tensor.RandomUniform(new TensorShape([16, .. fixture.KerasInput.Shape.Dims[1..]]), generator: rng);
        int classes = fixture.Output.Shape[-1];
        var y = Tensor.FromArray(Enumerable.Range(0, 16).Select(i => (float)(i * 7 % classes)).ToArray());
        // The MLP ends in a softmax; the others give logits.
        model.Compile(new Adam(learningRate: 1e-2f), new SparseCategoricalCrossentropy(fromLogits: name != "mlp"));
        double before = model.Evaluate(x, y, verbose: 0).Loss;
        var history = model.Fit(x, y, batchSize: 16, epochs: 5, verbose: 0, shuffle: false);
        double after = model.Evaluate(x, y, verbose: 0).Loss;
        Assert.Equal(5, history["loss"].Count);
        Assert.True(after < before, $"{name}: loss {before} before five steps, {after} after");
    }
}
