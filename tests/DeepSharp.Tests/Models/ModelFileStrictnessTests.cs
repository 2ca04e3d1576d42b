using System.Text.Json.Nodes;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Models;

/// <summary>
/// Model.Load on configurations edited by hand or damaged (files without a checksum, as another tool writes
/// them): every one loads the model it describes or is refused with an InvalidDataException that names the
/// file, the layer and the key. Nothing crashes, nothing is silently ignored.
/// </summary>
public class ModelFileStrictnessTests
{
    private static InvalidDataException Refused(Func<SafeTensorsBytes, SafeTensorsBytes> edit)
    {
        using var dir = new TempDirectory();
        string path = dir.File("edited.dsm");
        edit(SafeTensorsBytes.Parse(SavedModels.MlpBytes).WithoutChecksum()).Write(path);
        var e = Assert.Throws<InvalidDataException>(() => Model.Load(path));
        Assert.Contains(path, e.Message);
        return e;
    }

    private static Model Loaded(Func<SafeTensorsBytes, SafeTensorsBytes> edit)
    {
        using var dir = new TempDirectory();
        string path = dir.File("edited.dsm");
        edit(SafeTensorsBytes.Parse(SavedModels.MlpBytes).WithoutChecksum()).Write(path);
        return Model.Load(path);
    }

    /// <summary>Edits the configuration of the saved model's layer <paramref name="index"/>.</summary>
    private static Func<SafeTensorsBytes, SafeTensorsBytes> Layer(int index, Action<JsonObject> edit) => file => file.EditJson("model", model =>
    {
        edit((JsonObject)model!["config"]!["layers"]![index]!["config"]!);
        return model;
    });

    private static Func<SafeTensorsBytes, SafeTensorsBytes> Compile(Action<JsonObject> edit) => file => file.EditJson("compile", compile =>
    {
        edit((JsonObject)compile!);
        return compile;
    });

    [Theory]
    [InlineData("[]")]
    [InlineData("1")]
    [InlineData("\"x\"")]
    [InlineData("null")]
    public void Compile_settings_that_are_not_an_object_are_refused(string compile)
    {
        var e = Refused(file => file.SetJson("compile", JsonNode.Parse(compile)));
        Assert.Contains("compile", e.Message);
    }

    [Fact]
    public void A_null_metric_or_metrics_given_as_a_string_are_refused()
    {
        Assert.Contains("metrics", Refused(Compile(c => c["metrics"] = new JsonArray((JsonNode?)null))).Message);
        var e = Refused(Compile(c => c["metrics"] = "accuracy"));
        Assert.Contains("'metrics' is the string \"accuracy\"; expected an array of metric names", e.Message);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("true")]
    public void An_optimizer_that_is_not_an_object_or_a_name_is_refused_not_replaced_by_adam(string optimizer)
    {
        var e = Refused(Compile(c => c["optimizer"] = JsonNode.Parse(optimizer)));
        Assert.Contains("'optimizer'", e.Message);
    }

    [Fact]
    public void An_optimizer_or_loss_given_by_name_is_honoured_as_Keras_compiles_it()
    {
        var model = Loaded(Compile(c =>
        {
            c["optimizer"] = "sgd";
            c["loss"] = "mse";
        }));
        Assert.IsType<SGD>(model.Optimizer);
        Assert.IsType<MeanSquaredError>(model.Loss);
    }

    [Fact]
    public void Unknown_compile_keys_and_optimizer_keys_are_refused()
    {
        Assert.Contains("unknown key 'metricz'", Refused(Compile(c => c["metricz"] = new JsonArray())).Message);
        var e = Refused(Compile(c => c["optimizer"]!["beta_3"] = 0.5));
        Assert.Contains("unknown key 'beta_3'", e.Message);
        Assert.Contains("beta_1", e.Message); // what it takes
    }

    /// <remarks>A null (Keras' None, an unknown size) is a valid dimension since inputs may leave sizes unknown; the model here declares none.</remarks>
    [Fact]
    public void A_null_in_build_input_shape_that_the_model_does_not_declare_is_refused()
    {
        var e = Refused(file => file.SetJson("build_input_shape", new JsonArray(4, null)));
        Assert.Contains("build_input_shape", e.Message);
        Assert.Contains("differs from the input shape its configuration declares", e.Message);
    }

    [Theory]
    [InlineData("[1]")]
    [InlineData("[\"Dense\"]")]
    [InlineData("[[]]")]
    [InlineData("[null]")]
    [InlineData("{}")]
    public void Layers_that_are_not_saved_layers_are_refused(string layers)
    {
        var e = Refused(file => file.EditJson("model", model =>
        {
            model!["config"]!["layers"] = JsonNode.Parse(layers);
            return model;
        }));
        Assert.Contains("layers", e.Message);
    }

    [Fact]
    public void A_misspelt_key_is_refused_naming_the_layer_the_key_and_what_it_takes()
    {
        var e = Refused(Layer(1, dense =>
        {
            dense["activatioo"] = dense["activation"]!.DeepClone();
            dense.Remove("activation");
        }));
        Assert.Contains("Dense 'hidden'", e.Message);
        Assert.Contains("unknown key 'activatioo'", e.Message);
        Assert.Contains("activation", e.Message.Replace("activatioo", ""));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("\"\"")]
    [InlineData("3")]
    [InlineData("{}")]
    [InlineData("{\"class_name\": \"relu\"}")]
    public void A_null_empty_or_malformed_activation_is_refused_never_linear(string activation)
    {
        var e = Refused(Layer(1, dense => dense["activation"] = JsonNode.Parse(activation)));
        Assert.Contains("Dense 'hidden'", e.Message);
        Assert.Contains("activation", e.Message);
    }

    [Fact]
    public void An_Activation_layer_without_its_function_is_refused()
    {
        var config = (JsonObject)JsonNode.Parse("""{"name": "act", "trainable": true}""")!;
        var e = Assert.Throws<FormatException>(() => Activation.FromConfig(config));
        Assert.Contains("Activation 'act': the saved configuration has no 'activation'", e.Message);
    }

    [Theory]
    [InlineData("units", "\"8\"", "an integer")]
    [InlineData("units", "8.5", "an integer")]
    [InlineData("units", "null", "an integer")]
    [InlineData("use_bias", "1", "true or false")]
    [InlineData("name", "5", "a string")]
    [InlineData("trainable", "\"yes\"", "true or false")]
    [InlineData("kernel_initializer", "5", "an initializer")]
    [InlineData("kernel_initializer", "null", "an initializer")]
    [InlineData("kernel_regularizer", "[]", "a regularizer")]
    [InlineData("input_shape", "[4, \"4\"]", "array of integers")]
    public void A_value_of_the_wrong_type_is_refused_with_the_key_and_the_expected_type(string key, string value, string expected)
    {
        var e = Refused(Layer(1, dense => dense[key] = JsonNode.Parse(value)));
        Assert.Contains($"'{key}'", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("{\"class_name\": \"L2\", \"config\": {\"l2\": \"x\"}}", "'l2'")]
    [InlineData("{\"class_name\": \"L2\", \"config\": {\"l3\": 0.1}}", "unknown key 'l3'")]
    [InlineData("{\"class_name\": \"L2\", \"config\": []}", "'config'")]
    [InlineData("{\"class_name\": 2, \"config\": {}}", "'class_name'")]
    [InlineData("{\"class_name\": \"L2\", \"config\": {}, \"extra\": 1}", "unknown key 'extra'")]
    [InlineData("{\"class_name\": \"L3\", \"config\": {}}", "unknown regularizer 'L3'")]
    public void Wrongly_typed_regularizer_values_are_refused(string regularizer, string expected)
    {
        var e = Refused(Layer(1, dense => dense["kernel_regularizer"] = JsonNode.Parse(regularizer)));
        Assert.Contains("kernel_regularizer", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("{\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": \"1\"}}", "'seed'")]
    [InlineData("{\"class_name\": \"GlorotUniform\", \"config\": {\"sead\": 1}}", "unknown key 'sead'")]
    [InlineData("{\"class_name\": \"RandomNormal\", \"config\": {\"stddev\": true}}", "'stddev'")]
    [InlineData("{\"class_name\": \"VarianceScaling\", \"config\": {\"mode\": \"fan_up\"}}", "fan_in")]
    [InlineData("{\"class_name\": \"Zeros\", \"config\": {\"value\": 1}}", "unknown key 'value'")]
    public void Wrongly_typed_initializer_values_are_refused(string initializer, string expected)
    {
        var e = Refused(Layer(1, dense => dense["kernel_initializer"] = JsonNode.Parse(initializer)));
        Assert.Contains("kernel_initializer", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Unknown_metadata_keys_and_format_versions_are_refused()
    {
        Assert.Contains("unknown metadata key 'compiled'", Refused(file =>
        {
            file.Metadata["compiled"] = file.Metadata["compile"]!.DeepClone();
            file.Metadata.Remove("compile");
            return file;
        }).Message);
        Assert.Contains("format_version is '2'", Refused(file =>
        {
            file.Metadata["format_version"] = "2";
            return file;
        }).Message);
    }

    [Fact]
    public void Tensors_the_model_does_not_have_are_refused()
    {
        var e = Refused(file =>
        {
            file.Header["stray"] = JsonNode.Parse($$"""{"dtype": "F32", "shape": [1], "data_offsets": [{{file.Data.Length}}, {{file.Data.Length + 4}}]}""");
            file.Data = [.. file.Data, 0, 0, 0, 0];
            return file;
        });
        Assert.Contains("1 tensors the model does not have: stray", e.Message);
    }

    [Fact]
    public void A_file_without_checksum_that_is_not_edited_loads_the_same_model()
    {
        var model = Loaded(file => file);
        Assert.Equal(SavedModels.MlpPredictions, model.Predict(SavedModels.Input([4, 4])).ToArray());
        Assert.Equal(["accuracy"], model.Metrics.Select(m => m.Name));
    }

    [Fact]
    public void A_Huber_loss_keeps_its_delta()
    {
        var model = new Sequential(new Dense(1, inputShape: [2], name: "huber_dense"));
        model.Compile("sgd", new Huber(delta: 2.5f));
        using var dir = new TempDirectory();
        string path = dir.File("huber.dsm");
        model.Save(path);
        Assert.Equal(2.5f, Assert.IsType<Huber>(Model.Load(path).Loss).Delta);
    }
}
