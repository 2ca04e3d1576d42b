namespace DeepSharp.Tests.Cli;

public class PredictCommandTests
{
    [Fact]
    public void A_model_loaded_in_a_new_process_predicts_exactly_the_same_outputs()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"deepsharp-predict-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            RandomGenerator.SetSeed(11);
            var model = new Sequential(new Flatten(inputShape: [6, 6]), new Dense(16, activation: "gelu"), new Dropout(0.3), new Dense(4, activation: "softmax"));
            model.Compile("adam", "sparse_categorical_crossentropy", ["accuracy"]);
            var x = Tensor.RandomUniform([40, 6, 6], generator: new RandomGenerator(2));
            var y = Tensor.FromArray(Enumerable.Range(0, 40).Select(i => (float)(i % 4)).ToArray());
            model.Fit(x, y, epochs: 2, verbose: 0);
            var expected = model.Predict(x).ToArray();
            string modelPath = Path.Combine(dir, "model.dsm"), input = Path.Combine(dir, "x.safetensors"), output = Path.Combine(dir, "y.safetensors");
            model.Save(modelPath);
            SafeTensors.Save(input, [("x", x)]);

            var (code, stdout, stderr) = CliProcess.Run("predict", "--model", modelPath, "--input", input, "--out", output);
            Assert.True(code == 0, stdout + stderr);
            using var file = SafeTensors.Load(output);
            Assert.Equal(expected, file["y"].ToArray());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_tensor_name_the_input_file_lacks_exits_with_1_and_lists_the_names()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"deepsharp-predict-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var model = new Sequential(new Dense(2, inputShape: [3]));
            model.Compile("sgd", "mse");
            string modelPath = Path.Combine(dir, "model.dsm"), input = Path.Combine(dir, "x.safetensors");
            model.Save(modelPath);
            SafeTensors.Save(input, [("a", Tensor.Zeros(4, 3)), ("b", Tensor.Zeros(4, 3))]);
            var error = new StringWriter();
            int code = DeepSharp.Cli.CommandRunner.Run(
                ["predict", "--model", modelPath, "--input", input, "--name", "c", "--out", Path.Combine(dir, "y.safetensors")], TextWriter.Null, error);
            Assert.Equal(1, code);
            Assert.Contains("no tensor named 'c'", error.ToString());
            Assert.Contains("a, b", error.ToString());
            Assert.DoesNotContain("   at ", error.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Usage_errors_exit_with_2_and_say_what_is_missing()
    {
        var error = new StringWriter();
        int code = DeepSharp.Cli.CommandRunner.Run(["predict", "--model", "m.dsm"], TextWriter.Null, error);
        Assert.Equal(2, code);
        Assert.Contains("--input", error.ToString());
        error = new StringWriter();
        Assert.Equal(2, DeepSharp.Cli.CommandRunner.Run(["train", "mlp", "--epochs", "zero"], TextWriter.Null, error));
        Assert.Contains("--epochs expects a whole number", error.ToString());
        error = new StringWriter();
        Assert.Equal(2, DeepSharp.Cli.CommandRunner.Run(["train", "mlp", "--epoch", "3"], TextWriter.Null, error));
        Assert.Contains("unknown option: --epoch", error.ToString());
    }
}
