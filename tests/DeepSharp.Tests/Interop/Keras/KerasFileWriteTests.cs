using System.IO.Compression;
using System.Text.Json.Nodes;
using DeepSharp.Examples;
using DeepSharp.Tests.Data;
using PureHDF;
using PureHDF.VOL.Native;

namespace DeepSharp.Tests.Interop.Keras;

/// <summary>
/// DeepSharp models saved as .keras read back identical (configuration, weights, predictions bit for bit), and
/// the archive has the layout Keras 3 writes (the fixtures of tools/make_keras_fixtures.py are the reference).
/// </summary>
public class KerasFileWriteTests
{
    public static TheoryData<string> Models => ["seed mlp", "seed cnn with batch norm", "stacked lstm", "gru", "dcgan generator",
        "bidirectional lstm over embedding", "functional with merges", "image layers", "sequence layers", "1-d convolutions",
        "depthwise and separable convolutions", "preprocessing and augmentation", "masked average of a gru without reset_after"];

    private static Model Build(string name) => name switch
    {
        "seed mlp" => SeedModels.Mlp(),
        "seed cnn with batch norm" => SeedModels.Cnn(10, batchNorm: true),
        "stacked lstm" => SeedModels.RowLstm(),
        "gru" => SeedModels.RowLstm(gru: true),
        "dcgan generator" => GanModels.Generator("dcgan"),
        "bidirectional lstm over embedding" => new Sequential(
            new Embedding(50, 8, inputShape: [12]),
            new Bidirectional(new LSTM(6, returnSequences: true)),
            new Bidirectional(new GRU(5), mergeMode: "sum"),
            new Dense(3, activation: "softmax")),
        "functional with merges" => Functional(),
        "image layers" => new Sequential(
            new ZeroPadding2D((1, 2), (0, 1), inputShape: [9, 7, 3]),
            new Conv2D(6, 3, strides: 2, padding: "same", useBias: false, kernelInitializer: new HeNormal(seed: 3), kernelRegularizer: new L2(1e-4f)),
            new BatchNormalization(momentum: 0.9f, center: false),
            new LeakyReLU(0.1f),
            new AveragePooling2D(2, strides: 1, padding: "same"),
            new SpatialDropout2D(0.1),
            new Conv2DTranspose(4, 3, strides: 2, padding: "same", activation: "relu"),
            new UpSampling2D(2, interpolation: "bilinear"),
            new MaxPooling2D(3, strides: 2, padding: "same"),
            new GlobalMaxPooling2D(keepDims: true),
            new Reshape([4]),
            new Activation(Activations.Elu),
            new Dropout(0.3, seed: 5),
            new Dense(2, activation: "sigmoid")),
        "sequence layers" => new Sequential(
            new Masking(0f, inputShape: [6, 4]),
            new SimpleRNN(5, returnSequences: true, goBackwards: true),
            new TimeDistributed(new Dense(3, activation: "tanh")),
            new LSTM(4, recurrentActivation: "hard_sigmoid", unitForgetBias: false, useBias: false),
            new Dense(2)),
        "1-d convolutions" => new Sequential(
            new ZeroPadding1D((1, 2), inputShape: [12, 4]),
            new Conv1D(6, 3, padding: "causal", dilationRate: 2, activation: "relu", groups: 2),
            new MaxPooling1D(2, padding: "same"),
            new Conv1D(4, 2, strides: 2, useBias: false, kernelRegularizer: new L2(1e-3f)),
            new UpSampling1D(3),
            new Cropping1D((1, 2)),
            new AveragePooling1D(2, strides: 1),
            new GlobalMaxPooling1D(keepDims: true),
            new Flatten(),
            new Dense(2)),
        "depthwise and separable convolutions" => new Sequential(
            new Cropping2D((1, 0), inputShape: [14, 13, 4]),
            new DepthwiseConv2D(3, depthMultiplier: 2, padding: "same", activation: "relu"),
            new Conv2D(8, 3, groups: 4, strides: 2),
            new SeparableConv2D(5, (2, 3), depthMultiplier: 3, dilationRate: (1, 2), pointwiseRegularizer: new L1(1e-4f)),
            new DepthwiseConv2D((1, 2), useBias: false),
            new GlobalAveragePooling2D(),
            new Dense(3, activation: "softmax")),
        "preprocessing and augmentation" => new Sequential(
            new Rescaling(1 / 255.0, offset: -0.5, inputShape: [12, 10, 3]),
            new Resizing(10, 8, interpolation: "nearest", cropToAspectRatio: true),
            new RandomFlip("horizontal", seed: 3),
            new RandomRotation(0.1, fillMode: "nearest", seed: 4),
            new RandomTranslation(0.2, (-0.3, 0.1), seed: 5),
            new RandomZoom(0.2, seed: 6),
            new RandomContrast(0.3, seed: 7),
            new CenterCrop(6, 6),
            new Flatten(),
            new Dense(2)),
        "masked average of a gru without reset_after" => new Sequential(
            new Embedding(20, 6, maskZero: true, inputShape: [7]),
            new GRU(5, returnSequences: true, resetAfter: false),
            new GlobalAveragePooling1D(),
            new Dense(2)),
        _ => throw new ArgumentException(name),
    };

    private static Model Functional()
    {
        var input = new Input([10], name: "features");
        var hidden = new Dense(12, activation: "relu", name: "hidden").Call(input);
        var left = new Dense(6, activation: "tanh", name: "left").Call(hidden);
        var right = new Dense(6, name: "right").Call(hidden);
        var product = new Multiply(name: "product").Call([left, right]);
        var difference = new Subtract(name: "difference").Call([left, right]);
        var mean = new Average(name: "mean").Call([product, difference, left]);
        var joined = new Concatenate(name: "joined").Call([mean, hidden]);
        var output = new Dense(4, activation: "softmax", name: "scores").Call(joined);
        return new Model(input, output, name: "merges");
    }

    private static Tensor SampleInput(Model model, int batch)
    {
        var shape = new TensorShape([batch, .. model.InputShape!.Value.Dims]);
        var random = new RandomGenerator(11);
        if (model.Layers[0] is Embedding embedding)
            return Tensor.FromArray(Enumerable.Range(0, shape.Size).Select(_ => (float)random.NextInt(embedding.InputDim)).ToArray(), shape.Dims);
        return Tensor.RandomNormal(shape, generator: random);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void A_model_saved_as_keras_reads_back_identical(string name)
    {
        using var dir = new TempDirectory();
        var model = Build(name);
        var input = SampleInput(model, 4);
        var before = model.Predict(input);
        string path = dir.File("model.keras");

        model.SaveKeras(path);
        var loaded = Model.LoadKeras(path);

        Assert.Equal(model.GetType(), loaded.GetType());
        Assert.Equal(model.GetConfig().ToJsonString(), loaded.GetConfig().ToJsonString());
        Assert.Equal(model.Weights.Select(w => w.Name), loaded.Weights.Select(w => w.Name));
        for (int i = 0; i < model.Weights.Count; i++) Assert.Equal(model.Weights[i].ToArray(), loaded.Weights[i].ToArray());
        Assert.Equal(before.ToArray(), loaded.Predict(input).ToArray());
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    [InlineData("lstm")]
    [InlineData("functional")]
    [InlineData("image_zoo")]
    [InlineData("sequence_zoo")]
    public void A_saved_archive_has_the_layout_Keras_writes(string fixture)
    {
        using var dir = new TempDirectory();
        string path = dir.File("resaved.keras");
        KerasFile.Load(KerasFixture.Path(fixture + ".keras")).SaveKeras(path);

        var (keras, ours) = (Archive.Read(KerasFixture.Path(fixture + ".keras")), Archive.Read(path));

        Assert.Equal(keras.Members, ours.Members);
        Assert.Equal(keras.Objects, ours.Objects);
        Assert.Equal("3.8.0", ours.Metadata["keras_version"]!.GetValue<string>());
        foreach (var key in new[] { "module", "class_name", "registered_name" })
            Assert.Equal(Text(keras.Config[key]), Text(ours.Config[key]));
        var kerasLayers = keras.Config["config"]!["layers"]!.AsArray();
        var ourLayers = ours.Config["config"]!["layers"]!.AsArray();
        Assert.Equal(kerasLayers.Count, ourLayers.Count);
        for (int i = 0; i < kerasLayers.Count; i++)
        {
            var (k, o) = (kerasLayers[i]!.AsObject(), ourLayers[i]!.AsObject());
            Assert.Equal(Text(k["module"]), Text(o["module"]));
            Assert.Equal(Text(k["class_name"]), Text(o["class_name"]));
            Assert.Equal(Text(k["registered_name"]), Text(o["registered_name"]));
            // Every argument DeepSharp writes is one Keras writes for that class.
            var kerasKeys = k["config"]!.AsObject().Select(p => p.Key).ToHashSet();
            Assert.All(o["config"]!.AsObject().Select(p => p.Key), key => Assert.Contains(key, kerasKeys));
            if (k["inbound_nodes"] is { } nodes) Assert.Equal(Histories(nodes), Histories(o["inbound_nodes"]!));
        }
    }

    [Fact]
    public void New_layers_keep_their_weights_where_and_as_Keras_does()
    {
        // Keras 3: DepthwiseConv2D kernel (kh, kw, channels, multiplier) and bias (channels·multiplier); SeparableConv2D
        // depthwise kernel, pointwise kernel (1, 1, channels·multiplier, filters), bias; grouped kernels hold channels /
        // groups inputs; GRU(reset_after=False) one bias of 3·units.
        using var dir = new TempDirectory();
        string path = dir.File("layout.keras");
        var model = new Sequential(
            new Conv1D(6, 3, groups: 2, inputShape: [9, 4]),
            new Reshape([7, 6, 1]),
            new DepthwiseConv2D(3, depthMultiplier: 2),
            new SeparableConv2D(4, 2, depthMultiplier: 3),
            new Conv2D(6, 1, groups: 2),
            new Reshape([12, 6]),
            new GRU(5, resetAfter: false));
        model.SaveKeras(path);
        var objects = Archive.Read(path).Objects;
        Assert.Contains("layers/conv1d/vars/0 float32 (3, 2, 6)", objects);
        Assert.Contains("layers/depthwise_conv2d/vars/0 float32 (3, 3, 1, 2)", objects);
        Assert.Contains("layers/depthwise_conv2d/vars/1 float32 (2)", objects);
        Assert.Contains("layers/separable_conv2d/vars/0 float32 (2, 2, 2, 3)", objects);
        Assert.Contains("layers/separable_conv2d/vars/1 float32 (1, 1, 6, 4)", objects);
        Assert.Contains("layers/separable_conv2d/vars/2 float32 (4)", objects);
        Assert.Contains("layers/conv2d/vars/0 float32 (1, 1, 2, 6)", objects);
        Assert.Contains("layers/gru/cell/vars/2 float32 (15)", objects);
    }

    private static string Text(JsonNode? node) => node?.ToJsonString() ?? "null";

    private static string Histories(JsonNode nodes) =>
        string.Join(";", nodes.AsArray().SelectMany(n => Tensors(n!["args"]!)).Select(t => t["config"]!["keras_history"]!.ToJsonString()));

    private static IEnumerable<JsonNode> Tensors(JsonNode node) =>
        node is JsonArray array ? array.SelectMany(n => Tensors(n!)) : [node];

    /// <summary>A .keras archive taken apart: its members, its HDF5 objects (path, kind, shape, name attribute) and its JSON.</summary>
    private sealed record Archive(List<string> Members, List<string> Objects, JsonObject Config, JsonObject Metadata)
    {
        public static Archive Read(string path)
        {
            using var zip = ZipFile.OpenRead(path);
            var members = zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal).ToList();
            JsonObject Json(string name)
            {
                using var reader = new StreamReader(zip.GetEntry(name)!.Open());
                return JsonNode.Parse(reader.ReadToEnd())!.AsObject();
            }
            var weights = new MemoryStream();
            using (var stream = zip.GetEntry("model.weights.h5")!.Open()) stream.CopyTo(weights);
            weights.Position = 0;
            using var h5 = H5File.Open(weights);
            var objects = new List<string>();
            Walk(h5, "", objects);
            objects.Sort(StringComparer.Ordinal);
            return new Archive(members, objects, Json("config.json"), Json("metadata.json"));
        }

        private static void Walk(IH5Group group, string path, List<string> objects)
        {
            foreach (var child in group.Children())
            {
                string at = path.Length == 0 ? child.Name : path + "/" + child.Name;
                if (child is IH5Dataset dataset)
                {
                    Assert.Equal(H5DataTypeClass.FloatingPoint, dataset.Type.Class);
                    Assert.Equal(4, dataset.Type.Size);
                    objects.Add($"{at} float32 ({string.Join(", ", dataset.Space.Dimensions)})");
                }
                else
                {
                    var named = child.AttributeExists("name") ? " name=" + child.Attribute("name").Read<string>() : "";
                    // Keras names a recurrent layer's cell after its class; only the layers' own names are compared.
                    objects.Add($"{at}/{(at.EndsWith("/cell/vars", StringComparison.Ordinal) ? "" : named)}");
                    Walk((IH5Group)child, at, objects);
                }
            }
        }
    }
}
