using DeepSharp.Cli;
using DeepSharp.Tests.Data;
using static DeepSharp.Tests.Cli.CliInProcess;

namespace DeepSharp.Tests.Cli;

/// <summary><c>deepsharp evaluate</c> picks the dataset a model was trained on, and warns when asked for another.</summary>
public class EvaluateCommandTests
{
    [Fact]
    public void A_run_folders_model_is_evaluated_on_its_dataset_and_another_one_is_warned_about()
    {
        using var dir = new TempDirectory();
        SaveClassifier(dir.File("model.dsm"), [28, 28]);
        File.WriteAllText(dir.File("metrics.json"), """{ "example": "mlp", "dataset": "mnist", "epochs": 1 }""");

        var recorded = Run("evaluate", "--model", dir.File("model.dsm"), "--limit", "100", "--data", SharedData.Directory);
        var other = Run("evaluate", "--model", dir.File("model.dsm"), "--limit", "100", "--data", SharedData.Directory, "--dataset", "fashion-mnist");
        var same = Run("evaluate", "--model", dir.File("model.dsm"), "--limit", "100", "--data", SharedData.Directory, "--dataset", "mnist");

        Assert.True(recorded.Code == 0, recorded.Error);
        Assert.Contains("on MNIST test set (100 images, the dataset it was trained on): loss:", recorded.Output);
        Assert.Equal("", recorded.Error);

        Assert.Equal(0, other.Code);
        Assert.Contains("on Fashion-MNIST test set (100 images): loss:", other.Output);
        Assert.Equal($"deepsharp evaluate: warning: '{dir.File("model.dsm")}' was trained on mnist (so says {dir.File("metrics.json")}), " +
            "not fashion-mnist: its metrics on fashion-mnist measure another task.", other.Error.TrimEnd());

        Assert.Equal(0, same.Code);
        Assert.Equal("", same.Error);
        Assert.Contains("on MNIST test set (100 images): loss:", same.Output);
    }

    [Fact]
    public void A_model_without_a_record_is_evaluated_on_fashion_mnist_whatever_its_channel_axis()
    {
        using var dir = new TempDirectory();
        SaveClassifier(dir.File("cnn-like.dsm"), [28, 28, 1]);
        File.WriteAllText(dir.File("metrics.json"), """{ "dataset": "mnist" }"""); // beside it, but not the run's model file

        var (code, output, error) = Run("evaluate", "--model", dir.File("cnn-like.dsm"), "--limit", "50", "--data", SharedData.Directory);

        Assert.True(code == 0, error);
        Assert.Contains("on Fashion-MNIST test set (50 images): loss:", output);
        Assert.Equal("", error);
    }

    [Fact]
    public void A_model_that_takes_other_images_is_refused_naming_what_it_takes()
    {
        using var dir = new TempDirectory();
        SaveClassifier(dir.File("model.dsm"), [32, 32, 3]);

        var (code, _, error) = Run("evaluate", "--model", dir.File("model.dsm"), "--data", SharedData.Directory);

        Assert.Equal(1, code);
        Assert.Contains("each Fashion-MNIST image is 28×28 pixels; the model takes 32×32 RGB images", error);
    }
}
