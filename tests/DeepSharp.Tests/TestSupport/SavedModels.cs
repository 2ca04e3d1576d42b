namespace DeepSharp.Tests.TestSupport;

/// <summary>Small trained models saved once per test run, as bytes to edit and as the predictions they make.</summary>
internal static class SavedModels
{
    private static readonly Lazy<(byte[] Bytes, float[] Predictions)> Mlp = new(() => Save(MakeMlp(), Input([4, 4])));

    /// <summary>The input every prediction here is made on.</summary>
    public static Tensor Input(TensorShape sample) =>
        Tensor.RandomUniform([5, .. sample.ToArray()], generator: new RandomGenerator(7));

    /// <summary>Flatten (4, 4) → Dense(8, relu, L2) → Dropout → Dense(3, softmax), trained, compiled with Adam.</summary>
    public static byte[] MlpBytes => Mlp.Value.Bytes;

    /// <summary>What the saved MLP predicts for <see cref="Input"/> of (4, 4).</summary>
    public static float[] MlpPredictions => Mlp.Value.Predictions;

    public static Sequential MakeMlp()
    {
        var model = new Sequential(
            new Flatten(inputShape: [4, 4], name: "flatten"),
            new Dense(8, activation: "relu", kernelRegularizer: new L2(0.001f), name: "hidden"),
            new Dropout(0.1, name: "dropout"),
            new Dense(3, activation: "softmax", name: "output"));
        model.Compile(new Adam(learningRate: 0.01f), "sparse_categorical_crossentropy", ["accuracy"]);
        var x = Tensor.RandomUniform([32, 4, 4], generator: new RandomGenerator(1));
        var y = Tensor.FromArray(Enumerable.Range(0, 32).Select(i => (float)(i % 3)).ToArray());
        model.Fit(x, y, epochs: 2, verbose: 0, seed: 3);
        return model;
    }

    /// <summary>The bytes of <paramref name="model"/> saved, and its predictions on <paramref name="input"/>.</summary>
    public static (byte[] Bytes, float[] Predictions) Save(Model model, Tensor input)
    {
        string path = Path.Combine(Path.GetTempPath(), $"deepsharp-saved-{Guid.NewGuid():N}.dsm");
        try
        {
            model.Save(path);
            return (File.ReadAllBytes(path), model.Predict(input).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
