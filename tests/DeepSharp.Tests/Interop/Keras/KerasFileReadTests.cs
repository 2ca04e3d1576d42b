namespace DeepSharp.Tests.Interop.Keras;

/// <summary>Keras files in Keras' own layouts load and predict the values their weights imply (numpy's forward pass).</summary>
public class KerasFileReadTests
{
    public static TheoryData<string, string> Files()
    {
        var data = new TheoryData<string, string>();
        foreach (var model in KerasFixture.Models)
        {
            data.Add(model, ".keras");
            data.Add(model, ".h5");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void A_Keras_file_predicts_what_its_weights_imply(string model, string extension)
    {
        var loaded = KerasFile.Load(KerasFixture.Path(model + extension));
        var (input, expected) = KerasFixture.Expected(model);

        var predicted = loaded.Predict(input);

        Assert.True(KerasFixture.MaxDifference(expected, predicted) <= 1e-5f,
            $"{model}{extension}: max |difference| {KerasFixture.MaxDifference(expected, predicted)}");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void The_two_Keras_formats_give_the_same_model(string model, string extension)
    {
        _ = extension;
        var keras3 = KerasFile.Load(KerasFixture.Path(model + ".keras"));
        var keras2 = KerasFile.Load(KerasFixture.Path(model + ".h5"));

        Assert.Equal(keras3.Layers.Select(l => l.ClassName), keras2.Layers.Select(l => l.ClassName));
        Assert.Equal(keras3.Weights.Select(w => w.Shape), keras2.Weights.Select(w => w.Shape));
        for (int i = 0; i < keras3.Weights.Count; i++) Assert.Equal(keras3.Weights[i].ToArray(), keras2.Weights[i].ToArray());
    }

    [Fact]
    public void A_loaded_model_keeps_Keras_names_and_arguments()
    {
        var model = Assert.IsType<Sequential>(KerasFile.Load(KerasFixture.Path("cnn.keras")));

        Assert.Equal("sequential", model.Name);
        Assert.Equal(["conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1", "flatten", "dense", "dense_1"], model.Layers.Select(l => l.Name));
        var conv = Assert.IsType<Conv2D>(model.Layers[0]);
        Assert.Equal(new TensorShape(16, 16, 1), conv.DeclaredInputShape);
        Assert.Equal(32, conv.Filters);
        Assert.Equal("relu", conv.Activation.Name);
        Assert.Equal(new TensorShape(3, 3, 1, 32), conv.Kernel.Shape);
        Assert.False(model.IsCompiled);
    }

    [Fact]
    public void A_functional_model_keeps_its_graph()
    {
        var model = KerasFile.Load(KerasFixture.Path("functional.keras"));

        Assert.True(model.IsFunctional);
        Assert.Equal(["input_layer", "hidden", "left", "right", "sum", "joined", "scores"], model.Layers.Select(l => l.Name));
        Assert.IsType<Add>(model.Layers[4]);
        Assert.IsType<Concatenate>(model.Layers[5]);
    }

    [Fact]
    public void A_loaded_model_can_be_compiled_and_trained()
    {
        var model = KerasFile.Load(KerasFixture.Path("mlp.h5"));
        var (input, _) = KerasFixture.Expected("mlp");
        var labels = Tensor.FromArray([1f, 4f, 7f], 3);
        model.Compile(optimizer: new Adam(learningRate: 1e-2), loss: "sparse_categorical_crossentropy");

        double before = model.Evaluate(input, labels, verbose: 0).Loss;
        model.Fit(input, labels, epochs: 10, batchSize: 3, verbose: 0, shuffle: false);
        double after = model.Evaluate(input, labels, verbose: 0).Loss;

        Assert.True(after < before, $"loss {before} -> {after}");
    }
}
