using System.Text.Json.Nodes;
using DeepSharp.Examples;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Examples.Training;

/// <summary>An example run from code, without the command line: the settings go in as <see cref="TrainingOptions"/>.</summary>
public class ClassifierExampleTests
{
    [Fact]
    public void Mlp_runs_from_code_and_writes_its_report_the_curves_and_the_model()
    {
        using var dir = new Plots.TempDirectory();
        var output = new StringWriter();
        var options = new TrainingOptions
        {
            Dataset = "fashion-mnist", Epochs = 1, BatchSize = 32, DataDirectory = SharedData.Directory,
            OutputDirectory = Path.Combine(dir.Path, "run"), Seed = 5, Threads = 1, Verbose = 0, Limit = 200,
        };

        int code = new MlpExample().Run(options, output);

        Assert.True(code == 0, output.ToString());
        Assert.Contains("200 training and 200 test images", output.ToString());
        var metrics = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(options.OutputDirectory, "metrics.json")))!;
        Assert.Equal("mlp", (string?)metrics["example"]);
        Assert.Equal(200, (int)metrics["limit"]!);
        foreach (var file in new[] { "history.csv", "curves.png", "model.dsm" })
            Assert.True(File.Exists(Path.Combine(options.OutputDirectory, file)), file);
        Assert.Equal(SeedModels.Mlp().Layers.Select(l => l.GetType()), Model.Load(Path.Combine(options.OutputDirectory, "model.dsm")).Layers.Select(l => l.GetType()));
    }
}
