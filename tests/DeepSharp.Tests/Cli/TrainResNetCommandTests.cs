using System.Text.Json.Nodes;
using DeepSharp.Cli;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Cli;

/// <summary><c>deepsharp train resnet</c>, run in process on a few hundred images.</summary>
public class TrainResNetCommandTests
{
    [Fact]
    public void Train_resnet_writes_the_report_the_plots_and_a_loadable_functional_model()
    {
        using var dir = new Plots.TempDirectory();
        var output = new StringWriter();

        int code = CommandRunner.Run(["train", "resnet", "--limit", "256", "--epochs", "1", "--threads", "1", "--verbose", "0",
            "--data", SharedData.Directory, "--out", dir.Path], output, output);

        Assert.True(code == 0, output.ToString());
        var metrics = (JsonObject)JsonNode.Parse(File.ReadAllText(dir.File("metrics.json")))!;
        Assert.Equal("resnet", (string?)metrics["example"]);
        Assert.Equal(128, (int)metrics["batch_size"]!);
        Assert.Equal("adamw", (string?)metrics["optimizer"]);
        Assert.Equal([64, 128], metrics["stage_filters"]!.AsArray().Select(f => (int)f!));
        foreach (var file in new[] { "history.csv", "curves.png", "accuracy.png" })
            Assert.True(File.Exists(dir.File(file)), file);
        var model = Model.Load(dir.File("model.dsm"));
        Assert.True(model.IsFunctional);
        Assert.Equal(2, model.Layers.Count(layer => layer is Add));
        Assert.Contains("accuracy.png", output.ToString());
    }

    [Fact]
    public void Train_help_lists_resnet_and_its_help_names_its_files()
    {
        var output = new StringWriter();

        Assert.Equal(0, CommandRunner.Run(["train", "--help"], output, output));
        Assert.Contains("resnet", output.ToString());
        var resnet = new StringWriter();
        Assert.Equal(0, CommandRunner.Run(["train", "resnet", "--help"], resnet, resnet));
        Assert.Contains("accuracy.png", resnet.ToString());
        Assert.Contains("--epochs", resnet.ToString());
    }
}
