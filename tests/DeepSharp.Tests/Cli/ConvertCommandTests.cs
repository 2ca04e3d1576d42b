using System.Globalization;
using System.Text.RegularExpressions;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Interop.Keras;
using DeepSharp.Tests.Interop.Onnx;
using static DeepSharp.Tests.Cli.CliInProcess;

namespace DeepSharp.Tests.Cli;

/// <summary>
/// <c>deepsharp convert</c> between .dsm, .onnx and .keras (and from .h5) every way, and <c>predict</c>, <c>evaluate</c>
/// and <c>generate</c> on those files.
/// </summary>
public partial class ConvertCommandTests
{
    /// <summary>A trained-looking convolutional classifier with logits (no softmax), compiled from logits.</summary>
    private static Model SaveCnn(string path)
    {
        RandomGenerator.SetSeed(5);
        var model = new Sequential(
            new Conv2D(4, 3, activation: "relu", inputShape: [28, 28, 1]),
            new MaxPooling2D(2),
            new BatchNormalization(),
            new Flatten(),
            new Dropout(0.2),
            new Dense(10));
        model.Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: true), ["accuracy"]);
        model.Predict(Tensor.Zeros(1, 28, 28, 1));
        model.Save(path);
        return model;
    }

    private static float MaxDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (p, q) => MathF.Abs(p - q)).Max();
    }

    [Fact]
    public void A_dsm_model_becomes_an_onnx_file_and_back_and_predicts_the_same()
    {
        using var dir = new TempDirectory();
        var model = SaveCnn(dir.File("cnn.dsm"));
        var x = Tensor.RandomUniform([6, 28, 28, 1], generator: new RandomGenerator(3));
        var expected = model.Predict(x).ToArray();

        var there = Run("convert", dir.File("cnn.dsm"), dir.File("cnn.onnx"));
        var back = Run("convert", "--model", dir.File("cnn.onnx"), "--out", dir.File("back.dsm"));

        Assert.True(there.Code == 0, there.Error);
        Assert.Equal($"Converted Sequential '{model.Name}' (6 layers, {model.CountParams():N0} parameters) from a DeepSharp model (.dsm) " +
            $"'{dir.File("cnn.dsm")}' to an ONNX model (.onnx) '{dir.File("cnn.onnx")}', opset 17.", there.Output.TrimEnd());
        var onnx = DeepSharp.Onnx.Load(dir.File("cnn.onnx"));
        Assert.True(MaxDifference(onnx.Predict(x).ToArray(), expected) <= 1e-5f);
        Assert.True(back.Code == 0, back.Error);
        Assert.Contains("from an ONNX model (.onnx)", back.Output);
        var reloaded = Model.Load(dir.File("back.dsm"));
        Assert.Equal(onnx.Predict(x).ToArray(), reloaded.Predict(x).ToArray());
    }

    [Fact]
    public void A_pytorch_onnx_file_converts_to_dsm_and_keeps_pytorchs_outputs_on_channels_last_input()
    {
        using var dir = new TempDirectory();
        var fixture = PyTorchFixture.Load("cnn3");

        var (code, output, error) = Run("convert", fixture.Path, dir.File("cnn3.dsm"));

        Assert.True(code == 0, error);
        Assert.Contains("to a DeepSharp model (.dsm)", output);
        var model = Model.Load(dir.File("cnn3.dsm"));
        Assert.Equal(new TensorShape(16, 16, 3), model.InputShape);
        Assert.True(MaxDifference(model.Predict(fixture.KerasInput).ToArray(), fixture.Output.ToArray()) <= 1e-5f);
    }

    [Fact]
    public void The_opset_is_chosen_and_checked()
    {
        using var dir = new TempDirectory();
        SaveCnn(dir.File("cnn.dsm"));

        var opset13 = Run("convert", dir.File("cnn.dsm"), dir.File("cnn13.onnx"), "--opset", "13");
        var tooNew = Run("convert", dir.File("cnn.dsm"), dir.File("cnn99.onnx"), "--opset", "99");
        var notOnnx = Run("convert", dir.File("cnn.dsm"), dir.File("again.dsm"), "--opset", "13");

        Assert.True(opset13.Code == 0, opset13.Error);
        Assert.EndsWith("opset 13.", opset13.Output.TrimEnd());
        Assert.Equal(13, DeepSharp.Interop.Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(dir.File("cnn13.onnx"))).OpsetImport.Single().Version);
        Assert.Equal(2, tooNew.Code);
        Assert.Contains("--opset must be between 13 and 21, got '99'", tooNew.Error);
        Assert.False(File.Exists(dir.File("cnn99.onnx")));
        Assert.Equal(2, notOnnx.Code);
        Assert.Contains("--opset applies to ONNX files only", notOnnx.Error);
    }

    [Fact]
    public void Unknown_formats_missing_arguments_and_damaged_files_are_refused_with_what_is_expected()
    {
        using var dir = new TempDirectory();
        SaveCnn(dir.File("cnn.dsm"));
        File.WriteAllBytes(dir.File("model.keras"), [.. "PK\u0003\u0004"u8, 0, 0, 0, 0]);

        var pt = Run("convert", dir.File("cnn.dsm"), dir.File("cnn.pt"));
        var none = Run("convert", dir.File("cnn.dsm"));
        var extra = Run("convert", dir.File("cnn.dsm"), dir.File("a.onnx"), dir.File("b.onnx"));
        var missing = Run("convert", dir.File("nothing.dsm"), dir.File("a.onnx"));
        var damaged = Run("convert", dir.File("model.keras"), dir.File("a.onnx"));
        var h5 = Run("convert", dir.File("cnn.dsm"), dir.File("cnn.h5"));

        Assert.Equal(2, pt.Code);
        Assert.Contains($"the file to write '{dir.File("cnn.pt")}': expected a name ending in .dsm, .onnx, .keras (the format to write), not '.pt'", pt.Error);
        Assert.Equal(2, none.Code);
        Assert.Contains("--out FILE is required (the file to write)", none.Error);
        Assert.Equal(2, extra.Code);
        Assert.Contains($"unexpected word '{dir.File("b.onnx")}'", extra.Error);
        Assert.Equal(1, missing.Code);
        Assert.Contains($"the model file '{dir.File("nothing.dsm")}' does not exist", missing.Error);
        Assert.Equal(1, damaged.Code);
        Assert.Contains($"'{dir.File("model.keras")}'", damaged.Error);
        Assert.False(File.Exists(dir.File("a.onnx")));
        Assert.Equal(2, h5.Code);
        Assert.Contains("Keras 2 .h5 files are read, not written; write a Keras 3 archive (.keras)", h5.Error);
    }

    [Fact]
    public void A_layer_with_no_onnx_form_is_refused_by_name_and_nothing_is_written()
    {
        using var dir = new TempDirectory();
        var model = new Sequential(new Embedding(20, 4, maskZero: true, inputShape: [5]), new LSTM(3, name: "masked_lstm"), new Dense(2));
        model.Compile("adam", "mse");
        model.Predict(Tensor.Zeros(1, 5));
        model.Save(dir.File("masked.dsm"));

        var (code, _, error) = Run("convert", dir.File("masked.dsm"), dir.File("masked.onnx"));

        Assert.Equal(1, code);
        Assert.Contains("masked_lstm", error);
        Assert.False(File.Exists(dir.File("masked.onnx")));
    }

    [Theory]
    [InlineData("mlp.keras")]
    [InlineData("cnn.h5")]
    [InlineData("lstm.keras")]
    public void A_keras_file_converts_to_dsm_and_onnx_and_both_predict_what_its_weights_imply(string file)
    {
        using var dir = new TempDirectory();
        var (input, expected) = KerasFixture.Expected(Path.GetFileNameWithoutExtension(file));

        var dsm = Run("convert", KerasFixture.Path(file), dir.File("model.dsm"));
        var onnx = Run("convert", KerasFixture.Path(file), dir.File("model.onnx"));

        Assert.True(dsm.Code == 0, dsm.Error);
        Assert.Contains(file.EndsWith(".h5") ? "from a Keras 2 HDF5 file (.h5)" : "from a Keras archive (.keras)", dsm.Output);
        Assert.True(onnx.Code == 0, onnx.Error);
        Assert.True(MaxDifference(Model.Load(dir.File("model.dsm")).Predict(input).ToArray(), expected.ToArray()) <= 1e-5f);
        Assert.True(MaxDifference(Model.LoadOnnx(dir.File("model.onnx")).Predict(input).ToArray(), expected.ToArray()) <= 1e-5f);
    }

    [Fact]
    public void Dsm_and_onnx_models_become_keras_archives_that_read_back_with_the_same_outputs()
    {
        using var dir = new TempDirectory();
        var model = SaveCnn(dir.File("cnn.dsm"));
        var fixture = PyTorchFixture.Load("mlp");
        var x = Tensor.RandomUniform([4, 28, 28, 1], generator: new RandomGenerator(6));

        var fromDsm = Run("convert", dir.File("cnn.dsm"), dir.File("cnn.keras"));
        var fromOnnx = Run("convert", fixture.Path, dir.File("mlp.keras"));
        var back = Run("convert", dir.File("cnn.keras"), dir.File("back.dsm"));

        Assert.True(fromDsm.Code == 0, fromDsm.Error);
        Assert.Contains("to a Keras archive (.keras)", fromDsm.Output);
        Assert.Equal(model.Predict(x).ToArray(), Model.LoadKeras(dir.File("cnn.keras")).Predict(x).ToArray());
        Assert.True(back.Code == 0, back.Error);
        Assert.Equal(model.Predict(x).ToArray(), Model.Load(dir.File("back.dsm")).Predict(x).ToArray());
        Assert.True(fromOnnx.Code == 0, fromOnnx.Error);
        Assert.True(MaxDifference(Model.LoadKeras(dir.File("mlp.keras")).Predict(fixture.KerasInput).ToArray(), fixture.Output.ToArray()) <= 1e-5f);
    }

    [Fact]
    public void Predict_takes_onnx_and_keras_files_and_gives_the_dsm_models_outputs()
    {
        using var dir = new TempDirectory();
        SaveCnn(dir.File("cnn.dsm"));
        Assert.Equal(0, Run("convert", dir.File("cnn.dsm"), dir.File("cnn.onnx")).Code);
        Assert.Equal(0, Run("convert", dir.File("cnn.dsm"), dir.File("cnn.keras")).Code);
        SafeTensors.Save(dir.File("x.safetensors"), [("x", Tensor.RandomUniform([5, 28, 28, 1], generator: new RandomGenerator(4)))]);

        var dsm = Run("predict", "--model", dir.File("cnn.dsm"), dir.File("x.safetensors"), "--out", dir.File("dsm.safetensors"));
        Assert.True(dsm.Code == 0, dsm.Error);
        using var fromDsm = SafeTensors.Load(dir.File("dsm.safetensors"));
        foreach (var file in new[] { "cnn.onnx", "cnn.keras" })
        {
            var other = Run("predict", "--model", dir.File(file), dir.File("x.safetensors"), "--out", dir.File(file + ".safetensors"));
            Assert.True(other.Code == 0, other.Error);
            using var fromOther = SafeTensors.Load(dir.File(file + ".safetensors"));
            Assert.True(MaxDifference(fromDsm["y"].ToArray(), fromOther["y"].ToArray()) <= 1e-5f, file);
        }
    }

    [GeneratedRegex(@"loss: (\d+\.\d+) - accuracy: (\d+\.\d+)")]
    private static partial Regex LossAndAccuracy();

    private static (double Loss, double Accuracy) Scores(string output)
    {
        var match = LossAndAccuracy().Match(output);
        Assert.True(match.Success, output);
        return (double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Evaluate_scores_onnx_and_keras_files_of_logits_as_the_compiled_dsm_model_is_scored()
    {
        using var dir = new TempDirectory();
        SaveCnn(dir.File("cnn.dsm"));
        Assert.Equal(0, Run("convert", dir.File("cnn.dsm"), dir.File("cnn.onnx")).Code);
        Assert.Equal(0, Run("convert", dir.File("cnn.dsm"), dir.File("cnn.keras")).Code);

        var dsm = Run("evaluate", "--model", dir.File("cnn.dsm"), "--limit", "200", "--data", SharedData.Directory);
        var (dsmLoss, dsmAccuracy) = Scores(dsm.Output);
        Assert.True(dsm.Code == 0, dsm.Error);
        foreach (var file in new[] { "cnn.onnx", "cnn.keras" })
        {
            var other = Run("evaluate", "--model", dir.File(file), "--limit", "200", "--data", SharedData.Directory);
            Assert.True(other.Code == 0, other.Error);
            Assert.Contains("sparse categorical cross-entropy on its outputs read as logits", other.Output);
            var (loss, accuracy) = Scores(other.Output);
            Assert.Equal(dsmLoss, loss, 3);
            Assert.Equal(dsmAccuracy, accuracy);
        }
    }

    [Fact]
    public void Evaluate_reads_a_softmax_output_as_probabilities_and_refuses_a_model_that_is_no_classifier()
    {
        using var dir = new TempDirectory();
        var mlp = PyTorchFixture.Load("mlp"); // 28×28 images, ends in a softmax
        var encoder = new Sequential(new Flatten(inputShape: [28, 28]), new Dense(16));
        encoder.Predict(Tensor.Zeros(1, 28, 28));
        encoder.SaveOnnx(dir.File("encoder.onnx"));

        var scored = Run("evaluate", "--model", mlp.Path, "--limit", "100", "--data", SharedData.Directory);
        var refused = Run("evaluate", "--model", dir.File("encoder.onnx"), "--limit", "10", "--data", SharedData.Directory);

        Assert.True(scored.Code == 0, scored.Error);
        Assert.Contains("on Fashion-MNIST test set (100 images): loss:", scored.Output);
        Assert.Contains("read as probabilities", scored.Output);
        Assert.Equal(1, refused.Code);
        Assert.Contains($"'{dir.File("encoder.onnx")}' has no compile settings (loss and metrics) and does not give one score per class of " +
            "Fashion-MNIST (None, 10): it outputs (None, 16).", refused.Error);
    }

    [Fact]
    public void Generate_draws_samples_from_an_onnx_generator()
    {
        using var dir = new TempDirectory();
        RandomGenerator.SetSeed(9);
        var generator = new Sequential(new Dense(64, activation: "tanh", inputShape: [8]), new Reshape([8, 8, 1]));
        generator.Predict(Tensor.Zeros(1, 8));
        generator.SaveOnnx(dir.File("generator.onnx"));

        var (code, output, error) = Run("generate", "--model", dir.File("generator.onnx"), "--out", dir.File("grid.png"), "--count", "4");

        Assert.True(code == 0, error);
        Assert.Contains("Wrote 4 samples", output);
        Assert.True(new FileInfo(dir.File("grid.png")).Length > 0);
    }
}
