using System.Text.Json.Nodes;
using DeepSharp.Tests.Interop.Onnx;

namespace DeepSharp.Tests.TestSupport;

/// <summary>
/// The saved models the fuzz tests corrupt: small, but between them every layer type, kind of configuration
/// value (numbers, pairs, nested initializers and regularizers, wrapped layers, a functional graph, schedules)
/// and compile setting the library saves.
/// </summary>
internal static class FuzzCorpus
{
    /// <summary>One saved model: its file, what it predicts, and what it saves, to compare a load with.</summary>
    internal sealed record Entry(string Name, byte[] Bytes, Tensor Input, float[] Predictions, string Config, string? Compile)
    {
        /// <summary>The file without its checksum, as another tool (or a hand edit) leaves it.</summary>
        public SafeTensorsBytes Unchecked() => SafeTensorsBytes.Parse(Bytes).WithoutChecksum();

        /// <summary>The number of values in the model's weights.</summary>
        public long Parameters { get; init; }
    }

    private static readonly Lazy<Entry[]> Models = new(Create);

    public static IReadOnlyList<Entry> All => Models.Value;

    private static Entry[] Create()
    {
        RandomGenerator.SetSeed(14);
        return
        [
            Save("mlp", SavedModels.MakeMlp(), SavedModels.Input([4, 4])),
            Save("cnn", Cnn(), SavedModels.Input([6, 6, 1])),
            Save("functional", Functional(), SavedModels.Input([5, 3])),
            Save("images", Images(), SavedModels.Input([4, 4, 1])),
            Save("sequences", Sequences(), Tensor.FromArray(Enumerable.Range(0, 10).Select(i => (float)(i * 3 % 10)).ToArray(), 2, 5)),
            Save("onnx", OnnxNodes(), SavedModels.Input([4])),
        ];
    }

    private static Sequential Cnn()
    {
        var model = new Sequential(
            new Conv2D(2, 3, padding: "same", activation: "relu", inputShape: [6, 6, 1], name: "conv"),
            new BatchNormalization(name: "norm"),
            new MaxPooling2D(2, name: "pool"),
            new Flatten(name: "flat"),
            new Dense(3, activation: "softmax", kernelInitializer: "he_normal", biasRegularizer: new L1L2(0.01f, 0.02f), name: "out"));
        model.Compile(new SGD(new ExponentialDecay(0.1, 10, 0.9), momentum: 0.9f, nesterov: true), new CategoricalCrossentropy(fromLogits: false), ["categorical_accuracy"]);
        return model;
    }

    private static Model Functional()
    {
        var inputs = new Input([5, 3], name: "seq_in");
        var recurrent = new Bidirectional(new LSTM(2, name: "lstm"), name: "bi").Call(inputs);
        var side = new Dense(4, activation: "tanh", name: "side").Call(new Flatten(name: "flat_in").Call(inputs));
        var joined = new Concatenate(name: "cat").Call([recurrent, side]);
        var outputs = new Dense(2, name: "head").Call(new Add(name: "sum").Call([new Dense(2, name: "left").Call(joined), new Dense(2, name: "right").Call(joined)]));
        var model = new Model(inputs, outputs, name: "functional");
        model.Compile(new RMSprop(learningRate: 0.01f, centered: true), "mse", ["mae"]);
        return model;
    }

    private static Sequential Images()
    {
        var model = new Sequential(
            new ZeroPadding2D(1, inputShape: [4, 4, 1], name: "pad"),
            new Conv2DTranspose(2, 3, name: "deconv"),
            new AveragePooling2D(2, name: "avg"),
            new UpSampling2D(2, name: "up"),
            new LeakyReLU(0.1f, name: "leaky"),
            new SpatialDropout2D(0.1, name: "spatial"),
            new GlobalMaxPooling2D(name: "global"),
            new Reshape([2, 1], name: "reshape"),
            new SimpleRNN(3, name: "rnn"),
            new Activation("sigmoid", name: "act"),
            new Dense(1, name: "out"));
        model.Compile(new Adagrad(), new Huber(delta: 0.5f), ["mse"]);
        return model;
    }

    private static Sequential Sequences()
    {
        var model = new Sequential(
            new Embedding(10, 4, maskZero: true, inputShape: [5], name: "embed"),
            new GRU(3, returnSequences: true, name: "gru"),
            new TimeDistributed(new Dense(2, name: "step"), name: "steps"),
            new Masking(0f, name: "mask"),
            new Flatten(name: "flat"),
            new Dense(1, activation: "sigmoid", name: "out"));
        model.Compile(new AdamW(learningRate: new CosineDecay(0.01, 100, warmupTarget: 0.02, warmupSteps: 5)), new BinaryCrossentropy(fromLogits: false), ["binary_accuracy"]);
        return model;
    }

    /// <summary>An imported ONNX graph whose every node is an <see cref="OnnxNode"/> layer: attributes of int, float and int-list type, weights.</summary>
    private static Model OnnxNodes()
    {
        var rng = new Random(14);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var bytes = OnnxModels.Model(
            [
                OnnxModels.Node("MatMul", "dense", ["x", "w"], ["h"]),
                OnnxModels.Node("Add", "bias", ["h", "b"], ["z"]),
                OnnxModels.Node("LeakyRelu", "leaky", ["z"], ["r"], OnnxModels.Float("alpha", 0.1f)),
                OnnxModels.Node("Transpose", "turn", ["r"], ["t"], OnnxModels.Ints("perm", 1, 0)),
                OnnxModels.Node("Gemm", "out", ["t", "w2", "b2"], ["logits"], OnnxModels.Int("transA", 1), OnnxModels.Int("transB", 1)),
                OnnxModels.Node("Softmax", "softmax", ["logits"], ["y"], OnnxModels.Int("axis", 1)),
            ],
            [OnnxModels.Floats("w", Values(12), 4, 3), OnnxModels.Floats("b", Values(3), 3), OnnxModels.Floats("w2", Values(6), 2, 3), OnnxModels.Floats("b2", Values(2), 2)],
            [OnnxModels.Value("x", "batch", 4)], [OnnxModels.Value("y", "batch", 2)]);
        string path = Path.Combine(Path.GetTempPath(), $"deepsharp-fuzz-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllBytes(path, bytes);
            var model = Onnx.Load(path, new OnnxImportOptions { RecognizeLayers = false });
            model.Compile(new SGD(learningRate: 0.1f), "mse");
            return model;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static Entry Save(string name, Model model, Tensor input)
    {
        var (bytes, predictions) = SavedModels.Save(model, input);
        var file = SafeTensorsBytes.Parse(bytes);
        return new Entry(name, bytes, input, predictions, ((string)file.Metadata["model"]!), (string?)file.Metadata["compile"])
        {
            Parameters = model.CountParams(),
        };
    }
}
