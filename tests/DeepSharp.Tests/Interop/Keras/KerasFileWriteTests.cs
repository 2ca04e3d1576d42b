using System.IO.Compression;
using System.Text.Json.Nodes;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.TestSupport;
using PureHDF;
using PureHDF.VOL.Native;

namespace DeepSharp.Tests.Interop.Keras;

/// <summary>
/// DeepSharp models saved as .keras read back identical (configuration, weights, predictions bit for bit), and
/// the archive has the layout Keras 3 writes (the fixtures of tools/make_keras_fixtures.py are the reference).
/// </summary>
public class KerasFileWriteTests
{
    public static TheoryData<string> Models => ModelZoo.Names;

    [Theory]
    [MemberData(nameof(Models))]
    public void A_model_saved_as_keras_reads_back_identical(string name)
    {
        using var dir = new TempDirectory();
        var model = ModelZoo.Build(name);
        var input = ModelZoo.SampleInput(model, 4);
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
