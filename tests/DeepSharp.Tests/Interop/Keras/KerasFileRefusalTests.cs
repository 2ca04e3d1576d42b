using System.IO.Compression;
using System.Text.Json.Nodes;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Interop.Keras;

/// <summary>
/// Files DeepSharp cannot represent, damaged files and hostile files are refused with an
/// <see cref="InvalidDataException"/> that names the file, the layer and the problem; nothing is allocated on
/// the word of an unchecked number.
/// </summary>
public class KerasFileRefusalTests
{
    /// <summary>The fixture archive with its config.json changed by <paramref name="edit"/>.</summary>
    private static string EditedArchive(TempDirectory dir, string fixture, Action<JsonObject> edit, string? kerasVersion = null)
    {
        string path = dir.File($"{fixture}-{Guid.NewGuid():N}.keras");
        File.Copy(KerasFixture.Path(fixture + ".keras"), path);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        Rewrite(zip, "config.json", edit);
        if (kerasVersion is not null) Rewrite(zip, "metadata.json", m => m["keras_version"] = kerasVersion);
        return path;
    }

    private static void Rewrite(ZipArchive zip, string member, Action<JsonObject> edit)
    {
        var entry = zip.GetEntry(member)!;
        JsonObject json;
        using (var reader = new StreamReader(entry.Open())) json = JsonNode.Parse(reader.ReadToEnd())!.AsObject();
        edit(json);
        entry.Delete();
        using var writer = new StreamWriter(zip.CreateEntry(member).Open());
        writer.Write(json.ToJsonString());
    }

    private static JsonObject LayerConfig(JsonObject model, int index) => model["config"]!["layers"]![index]!["config"]!.AsObject();

    private static InvalidDataException Refused(string path, params string[] parts)
    {
        var e = Assert.Throws<InvalidDataException>(() => KerasFile.Load(path));
        Assert.Contains(path, e.Message);
        foreach (var part in parts) Assert.Contains(part, e.Message);
        return e;
    }

    [Fact]
    public void A_file_that_is_not_a_Keras_model_is_refused()
    {
        using var dir = new TempDirectory();
        string path = dir.File("notes.keras");
        File.WriteAllText(path, "just some text");
        Refused(path, "neither a Keras 3 .keras archive");
    }

    [Fact]
    public void An_archive_without_config_is_refused()
    {
        using var dir = new TempDirectory();
        string path = dir.File("empty.keras");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create)) zip.CreateEntry("metadata.json");
        Refused(path, "config.json");
    }

    [Fact]
    public void A_layer_DeepSharp_does_not_have_is_named()
    {
        using var dir = new TempDirectory();
        string path = EditedArchive(dir, "mlp", m => m["config"]!["layers"]![2]!["class_name"] = "Conv3D");
        Refused(path, "'dense' (Conv3D)", "no Conv3D layer");
    }

    [Theory]
    [InlineData("MultiHeadAttention")]
    [InlineData("LayerNormalization")]
    [InlineData("PositionEmbedding")]
    public void A_layer_DeepSharp_has_but_does_not_read_from_Keras_files_is_named_as_not_supported(string className)
    {
        using var dir = new TempDirectory();
        string path = EditedArchive(dir, "mlp", m => m["config"]!["layers"]![2]!["class_name"] = className);
        var e = Refused(path, $"'dense' ({className})", $"reading DeepSharp's {className} from Keras files is not supported");
        Assert.DoesNotContain($"has no {className} layer", e.Message);
    }

    [Fact]
    public void A_constraint_is_refused_with_the_layer_and_key_named()
    {
        using var dir = new TempDirectory();
        string path = EditedArchive(dir, "mlp", m => LayerConfig(m, 2)["kernel_constraint"] =
            new JsonObject { ["module"] = "keras.constraints", ["class_name"] = "MaxNorm", ["config"] = new JsonObject { ["max_value"] = 2 } });
        Refused(path, "layer 'dense' (Dense)", "'kernel_constraint'");
    }

    [Fact]
    public void An_unknown_argument_is_refused()
    {
        using var dir = new TempDirectory();
        string path = EditedArchive(dir, "cnn", m => LayerConfig(m, 1)["depth_multiplier"] = 2);
        Refused(path, "layer 'conv2d' (Conv2D)", "'depth_multiplier'");
    }

    [Fact]
    public void Another_dtype_is_refused()
    {
        using var dir = new TempDirectory();
        string path = EditedArchive(dir, "mlp", m => LayerConfig(m, 2)["dtype"] =
            new JsonObject { ["module"] = "keras", ["class_name"] = "DTypePolicy", ["config"] = new JsonObject { ["name"] = "mixed_float16" } });
        Refused(path, "layer 'dense' (Dense)", "mixed_float16");
    }

    [Fact]
    public void Channels_first_is_refused()
    {
        using var dir = new TempDirectory();
        string path = EditedArchive(dir, "cnn", m => LayerConfig(m, 5)["data_format"] = "channels_first");
        Refused(path, "layer 'flatten' (Flatten)", "data_format");
    }

    [Fact]
    public void Keras_2_hard_sigmoid_is_refused_because_it_is_another_function()
    {
        using var dir = new TempDirectory();
        string path = EditedArchive(dir, "lstm", m => LayerConfig(m, 1)["recurrent_activation"] = "hard_sigmoid");
        // The archive says Keras 3, whose hard_sigmoid is DeepSharp's: it loads.
        Assert.Equal("hard_sigmoid", ((LSTM)KerasFile.Load(path).Layers[0]).RecurrentActivation.Name);

        // Keras 2.13 to 2.15 wrote .keras archives too; there hard_sigmoid is clip(0.2x + 0.5, 0, 1).
        string keras2 = EditedArchive(dir, "lstm", m => LayerConfig(m, 1)["recurrent_activation"] = "hard_sigmoid", kerasVersion: "2.15.0");
        Refused(keras2, "layer 'lstm' (LSTM)", "Keras 2's hard_sigmoid");
    }

    [Fact]
    public void Masks_that_Keras_would_carry_otherwise_are_refused()
    {
        using var dir = new TempDirectory();
        // A Dense layer between the mask and the recurrent layer: Keras passes the mask through it, DeepSharp does not.
        string dense = EditedArchive(dir, "sequence_zoo", m =>
        {
            LayerConfig(m, 1)["mask_zero"] = true;
            m["config"]!["layers"]![3] = m["config"]!["layers"]![3]!["config"]!["layer"]!.DeepClone();
        });
        Refused(dense, "layer 'dense' (Dense)", "mask");
        // A recurrent layer returning sequences under a mask must give zeros at masked steps, as DeepSharp does.
        string zeros = EditedArchive(dir, "sequence_zoo", m => LayerConfig(m, 1)["mask_zero"] = true);
        Refused(zeros, "layer 'simple_rnn' (SimpleRNN)", "zero_output_for_mask");
        string fine = EditedArchive(dir, "sequence_zoo", m =>
        {
            LayerConfig(m, 1)["mask_zero"] = true;
            LayerConfig(m, 4)["zero_output_for_mask"] = true;
        });
        Assert.True(((Embedding)KerasFile.Load(fine).Layers[0]).MaskZero);
    }

    [Fact]
    public void Weights_that_disagree_with_the_configuration_are_refused_before_anything_is_built()
    {
        using var dir = new TempDirectory();
        string path = EditedArchive(dir, "mlp", m => LayerConfig(m, 2)["units"] = 33);
        Refused(path, "layer 'dense' (Dense)", "(64, 32)", "(64, 33)");

        // A configuration asking for a huge layer is refused from the shapes alone, without allocating it.
        string huge = EditedArchive(dir, "mlp", m => LayerConfig(m, 2)["units"] = 1 << 28);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        Refused(huge, "layer 'dense' (Dense)");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 64 << 20);
    }

    [Fact]
    public void A_model_without_a_layers_weights_is_refused()
    {
        using var dir = new TempDirectory();
        string path = EditedArchive(dir, "mlp", m => m["config"]!["layers"]!.AsArray().Add(JsonNode.Parse(
            """{"module": "keras.layers", "class_name": "Dense", "config": {"name": "extra", "units": 2}, "registered_name": null}""")));
        Refused(path, "layer 'extra'", "'layers/dense_2/vars' holds 0 arrays");
    }

    [Fact]
    public void Links_to_other_files_are_not_followed()
    {
        Refused(KerasFixture.Path("hostile_external_link.h5"), "dense");
    }

    [Fact]
    public void Arrays_declaring_more_data_than_the_file_holds_are_refused_without_allocating_them()
    {
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        Refused(KerasFixture.Path("hostile_shape_bomb.h5"), "'model_weights/dense/dense/kernel:0'", "more than the");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 64 << 20);
    }

    [Fact]
    public void Normalization_stays_out_of_Keras_files_with_the_reason_named()
    {
        // Keras keeps an adapted Normalization's count as int64; DeepSharp's weights are float32.
        using var dir = new TempDirectory();
        var model = new Sequential(new Normalization(inputShape: [3]), new Dense(2));
        var e = Assert.Throws<InvalidOperationException>(() => model.SaveKeras(dir.File("n.keras")));
        Assert.Contains("layer 'normalization", e.Message);
        Assert.Contains("int64 count", e.Message);
        Assert.False(File.Exists(dir.File("n.keras")));
        string path = EditedArchive(dir, "mlp", m => m["config"]!["layers"]![2]!["class_name"] = "Normalization");
        Refused(path, "'dense' (Normalization)", "not read from Keras files", "int64 count");
    }

    [Fact]
    public void A_masked_average_reads_as_DeepSharps_masked_GlobalAveragePooling1D()
    {
        // Keras' GlobalAveragePooling1D consumes the mask as DeepSharp's does. A GlobalMaxPooling1D under a mask is
        // refused, as any layer not known to treat the mask as DeepSharp does.
        using var dir = new TempDirectory();
        var model = new Sequential(new Embedding(9, 4, maskZero: true, inputShape: [5]), new GlobalAveragePooling1D(), new Dense(2));
        string path = dir.File("average.keras");
        model.SaveKeras(path);
        var input = Tensor.FromArray([1f, 2f, 0f, 0f, 3f, 4f, 0f, 5f, 6f, 0f], 2, 5);
        Assert.Equal(model.Predict(input).ToArray(), KerasFile.Load(path).Predict(input).ToArray());
        string max = EditedArchive(dir, "sequence_zoo", m =>
        {
            LayerConfig(m, 1)["mask_zero"] = true;
            m["config"]!["layers"]![2] = JsonNode.Parse(
                """{"module": "keras.layers", "class_name": "GlobalMaxPooling1D", "config": {"name": "gmp", "data_format": "channels_last", "keepdims": false}, "registered_name": null}""");
        });
        Refused(max, "layer 'gmp' (GlobalMaxPooling1D)", "mask");
    }

    [Fact]
    public void Saving_a_layer_Keras_cannot_express_names_it()
    {
        using var dir = new TempDirectory();
        var model = new Sequential(new Dense(4, activation: Activations.LeakyReluWith(0.1f), inputShape: [3]));
        var e = Assert.Throws<InvalidOperationException>(() => model.SaveKeras(dir.File("m.keras")));
        Assert.Contains("leaky_relu", e.Message);
        Assert.False(File.Exists(dir.File("m.keras")));
    }

}
