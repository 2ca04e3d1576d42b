using DeepSharp.Examples;

namespace DeepSharp.Interop.Tests;

/// <summary>The models the ONNX export must carry to ONNX Runtime, with inputs to run them on.</summary>
internal static class ExportedModels
{
    public static readonly string[] DoneWhen = ["mlp", "cnn_batchnorm", "stacked_lstm", "gru", "bidirectional_lstm_embedding", "functional_merge", "dcgan_generator", "resnet"];

    /// <summary>The model <paramref name="name"/>, its weights (and batch normalization statistics) random but seeded.</summary>
    public static Model Create(string name)
    {
        RandomGenerator.SetSeed(42);
        Model model = name switch
        {
            "mlp" => SeedModels.Mlp(),
            "cnn_batchnorm" => SeedModels.Cnn(10, batchNorm: true),
            "stacked_lstm" => SeedModels.RowLstm(),
            "gru" => SeedModels.RowLstm(gru: true),
            "bidirectional_lstm_embedding" => new Sequential(
                new Embedding(50, 8, inputShape: [12]),
                new Bidirectional(new LSTM(16, returnSequences: true)),
                new Bidirectional(new LSTM(8)),
                new Dense(3, activation: "softmax")),
            "functional_merge" => FunctionalMerge(),
            "dcgan_generator" => GanModels.DcganGenerator(),
            "resnet" => ResNetModel.Create(),
            _ => throw new ArgumentException(name),
        };
        RandomizeStatistics(model);
        return model;
    }

    /// <summary>Two inputs, Dense branches joined by Add and Concatenate, two outputs.</summary>
    private static Model FunctionalMerge()
    {
        var a = new Input([10], name: "a");
        var b = new Input([6], name: "b");
        var left = new Dense(16, activation: "relu").Call(a);
        var right = new Dense(16, activation: "tanh").Call(b);
        var sum = new Add().Call([left, right]);
        var joined = new Concatenate().Call([sum, new Multiply().Call([left, right])]);
        var classes = new Dense(4, activation: "softmax", name: "classes").Call(joined);
        var score = new Dense(1, name: "score").Call(new Subtract().Call([left, new Average().Call([left, right])]));
        return new Model([a, b], [classes, score], "functional_merge");
    }

    /// <summary>Batch normalizations with moving statistics, scales and shifts that are not the identity.</summary>
    public static void RandomizeStatistics(Layer layer)
    {
        var rng = new RandomGenerator(7);
        using var noGrad = Autograd.NoGrad();
        foreach (var norm in Layers(layer).OfType<BatchNormalization>())
        {
            int channels = norm.MovingMean.Size;
            norm.MovingMean.CopyFrom(Tensor.RandomNormal([channels], 0f, 0.5f, rng).ToArray());
            norm.MovingVariance.CopyFrom(Tensor.RandomUniform([channels], 0.5f, 2f, rng).ToArray());
            norm.Gamma?.CopyFrom(Tensor.RandomUniform([channels], 0.5f, 1.5f, rng).ToArray());
            norm.Beta?.CopyFrom(Tensor.RandomNormal([channels], 0f, 0.3f, rng).ToArray());
        }
    }

    private static IEnumerable<Layer> Layers(Layer layer) =>
        layer is Model model ? model.Layers.SelectMany(Layers).Prepend(layer) : [layer];

    /// <summary>Inputs for <paramref name="model"/>: a batch of <paramref name="batch"/> random samples per input (ids for an Embedding).</summary>
    public static Tensor[] Inputs(Model model, int batch, long seed = 3)
    {
        var rng = new RandomGenerator(seed);
        var shapes = model.IsFunctional ? model.Inputs.Select(i => i.Shape).ToArray() : [model.InputShape!.Value];
        bool ids = model.Layers.FirstOrDefault(l => l is not Input) is Embedding;
        return shapes.Select(s =>
        {
            var shape = new TensorShape([batch, .. s.Dims]);
            if (!ids) return Tensor.RandomUniform(shape, -1f, 1f, rng);
            var values = Tensor.RandomUniform(shape, 0f, 50f, rng).ToArray().Select(MathF.Floor).ToArray();
            return Tensor.FromArray(values, shape.Dims);
        }).ToArray();
    }
}
