using System.Text.Json.Nodes;
using DeepSharp.Cli;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Plots;

namespace DeepSharp.Tests.Cli;

/// <summary><c>deepsharp train gan</c> and <c>deepsharp generate</c>, run in process on a few hundred images.</summary>
public class TrainGanCommandTests
{
    [Fact]
    public void On_a_terminal_each_epoch_redraws_a_live_bar_with_the_running_losses_and_an_eta()
    {
        using var dir = new Plots.TempDirectory();
        var output = new StringWriter();
        int code;
        using (ProgressBar.RedirectTo(output, isTerminal: true, new TestSupport.FakeClock(stepPerReading: 60)))
            code = CommandRunner.Run(["train", "gan", "--arch", "mlp", "--epochs", "1", "--batch-size", "16", "--train-images", "128",
                "--samples", "20", "--classifier-epochs", "1", "--limit", "256", "--seed", "3", "--data", SharedData.Directory, "--out", dir.Path],
                output, output);
        var text = output.ToString();
        Assert.True(code == 0, text);
        var frames = TestSupport.FakeClock.Frames(text);
        // 128 images in batches of 16: 8 steps, a frame at least every other one, then the epoch's final bar and its line.
        var live = frames.Where(f => f.Contains(" - ETA: ") && f.Contains(" - d_loss: ") && f.Contains(" - g_loss: ")).ToList();
        Assert.True(live.Count >= 3, text);
        Assert.Matches(@"^1/8 \[=*>\.+\] - ETA: \ds - \d+ms/step - d_loss: \d\.\d{4} - g_loss: \d\.\d{4}$", live[0]);
        int final = Array.FindLastIndex(frames, f => f.StartsWith("8/8 [==============================] - ", StringComparison.Ordinal) && f.Contains("d_loss"));
        Assert.True(final >= 0, text);
        Assert.StartsWith("Epoch 1/1 - ", frames[final + 1]);
    }

    [Fact]
    public void A_short_run_writes_grids_losses_generator_classifier_and_metrics_and_generate_draws_from_it()
    {
        using var dir = new Plots.TempDirectory();
        var output = new StringWriter();
        int code = CommandRunner.Run(["train", "gan", "--arch", "mlp", "--epochs", "2", "--batch-size", "32", "--train-images", "128",
            "--samples", "50", "--classifier-epochs", "1", "--seed", "3", "--verbose", "0", "--data", SharedData.Directory, "--out", dir.Path],
            output, output);
        Assert.True(code == 0, output.ToString());

        foreach (var file in new[] { "samples-epoch-01.png", "samples-epoch-02.png", "losses.png", "generator.dsm", "classifier.dsm", "metrics.json" })
            Assert.True(File.Exists(dir.File(file)), $"{file} missing; output:\n{output}");
        var grid = PngTestDecoder.DecodeFile(dir.File("samples-epoch-02.png"));
        Assert.Equal(2 + 8 * (56 + 2), grid.Width); // 64 samples, 8 per row, enlarged twice, gaps of 2
        Assert.Equal(grid.Width, grid.Height);

        var metrics = JsonNode.Parse(File.ReadAllText(dir.File("metrics.json")))!;
        Assert.Equal("mlp", metrics["arch"]!.GetValue<string>());
        Assert.Equal(2, metrics["history"]!["d_loss"]!.AsArray().Count);
        foreach (var key in new[] { "d_loss", "g_loss" })
            Assert.All(metrics["history"]![key]!.AsArray(), v => Assert.True(double.IsFinite(v!.GetValue<double>()) && v.GetValue<double>() > 0));
        var quality = metrics["quality"]!;
        Assert.Equal(50, quality["samples"]!.GetValue<int>());
        double shares = quality["class_share"]!.AsObject().Sum(p => p.Value!.GetValue<double>());
        Assert.Equal(1.0, shares, 1e-6);
        Assert.Equal(10, quality["class_share"]!.AsObject().Count);
        Assert.InRange(quality["mean_top_probability"]!.GetValue<double>(), 0.1, 1.0);
        Assert.True(quality["frechet_distance"]!.GetValue<double>() > 0);
        Assert.True(quality["frechet_distance_uniform_noise"]!.GetValue<double>() > quality["frechet_distance_real_train_images"]!.GetValue<double>());
        Assert.InRange(quality["mean_top_probability_real_train_images"]!.GetValue<double>(), 0.1, 1.0);

        // generate: the saved generator draws new samples; the same seed gives the same picture.
        var first = dir.File("first.png");
        var second = dir.File("second.png");
        Assert.Equal(0, CommandRunner.Run(["generate", "--model", dir.File("generator.dsm"), "--count", "10", "--columns", "5", "--seed", "4", "--out", first], output, output));
        Assert.Equal(0, CommandRunner.Run(["generate", "--model", dir.File("generator.dsm"), "--count", "10", "--columns", "5", "--seed", "4", "--out", second], output, output));
        var png = PngTestDecoder.DecodeFile(first);
        Assert.Equal((2 + 5 * 58, 2 + 2 * 58), (png.Width, png.Height));
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));

        // A model that is not a generator is refused with a message naming what it takes.
        var error = new StringWriter();
        Assert.Equal(2, CommandRunner.Run(["generate", "--model", dir.File("classifier.dsm"), "--out", dir.File("x.png")], output, error));
        Assert.Contains("not a generator", error.ToString());
        Assert.Contains("(None, 28, 28, 1)", error.ToString());
    }

    [Fact]
    public void Bad_options_are_refused_before_training()
    {
        var error = new StringWriter();
        Assert.Equal(2, CommandRunner.Run(["train", "gan", "--arch", "vae"], TextWriter.Null, error));
        Assert.Contains("--arch must be one of mlp, dcgan", error.ToString());
        error = new StringWriter();
        Assert.Equal(2, CommandRunner.Run(["train", "gan", "--classifier", "/no/such/file.dsm"], TextWriter.Null, error));
        Assert.Contains("/no/such/file.dsm", error.ToString());
        error = new StringWriter();
        Assert.Equal(2, CommandRunner.Run(["generate", "--out", "x.png"], TextWriter.Null, error));
        Assert.Contains("--model FILE is required", error.ToString());
    }

    [Fact]
    public void A_batch_larger_than_the_training_images_is_bad_usage()
    {
        // Found only once the data is loaded (here: 32 images, batches of 64), but reported as bad usage all the same.
        using var dir = new Plots.TempDirectory();
        var error = new StringWriter();
        int code = CommandRunner.Run(["train", "gan", "--arch", "mlp", "--limit", "32", "--batch-size", "64", "--classifier-epochs", "1",
            "--samples", "10", "--verbose", "0", "--data", SharedData.Directory, "--out", dir.Path], TextWriter.Null, error);
        Assert.Equal(2, code);
        Assert.Contains("--batch-size 64 is larger than the number of training images", error.ToString());
        Assert.Contains("Usage:", error.ToString());
    }
}
