using DeepSharp.Cli;
using System.Text.Json.Nodes;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.TestSupport;
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

    /// <summary>
    /// The edits of issue 14's probe that made <c>evaluate</c> die with an unhandled InvalidCastException or
    /// NullReferenceException (exit 134), made to a file without its checksum (as a hand edit leaves it): each is
    /// now one line naming the file and the setting that is wrong, and exit 1.
    /// </summary>
    [Theory]
    [InlineData("compile", null, "[]", "'compile'")]
    [InlineData("compile", null, "1", "'compile'")]
    [InlineData("compile", null, "\"x\"", "'compile'")]
    [InlineData("compile", null, "null", "'compile'")]
    [InlineData("compile", "metrics", "[null]", "metrics")]
    [InlineData("build_input_shape", null, "[null, 28, 28]", "build_input_shape")]
    [InlineData("model", "layers", "[1]", "layers")]
    [InlineData("model", "layers", "[\"Dense\"]", "layers")]
    [InlineData("model", "layers", "[[]]", "layers")]
    public void A_model_file_edited_into_nonsense_is_one_message_naming_the_file_and_the_setting(string document, string? key, string value, string named)
    {
        using var dir = new TempDirectory();
        string path = dir.File("edited.dsm");
        SaveClassifier(path, [28, 28]);
        var file = SafeTensorsBytes.Read(path).WithoutChecksum();
        if (key is null) file.SetJson(document, JsonNode.Parse(value));
        else file.EditJson(document, root =>
        {
            var owner = document == "model" ? root!["config"]! : root!;
            owner[key] = JsonNode.Parse(value);
            return root;
        });
        file.Write(path);

        var (code, output, error) = Run("evaluate", "--model", path, "--limit", "10", "--data", SharedData.Directory);

        Assert.Equal(1, code);
        Assert.DoesNotContain("loss:", output);
        Assert.StartsWith($"deepsharp evaluate: Model file '{path}': ", error);
        Assert.Contains(named, error);
        Assert.DoesNotContain("Exception", error);
        Assert.DoesNotContain("   at ", error);
    }
}
