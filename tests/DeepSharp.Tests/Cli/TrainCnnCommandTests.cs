using System.Text.Json.Nodes;
using DeepSharp.Cli;
using DeepSharp.Examples;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Plots;

namespace DeepSharp.Tests.Cli;

/// <summary><c>deepsharp train cnn</c> (and mlp beside it), run in process on a few hundred images.</summary>
public class TrainCnnCommandTests
{
    private static (int Code, string Output, JsonObject Metrics) Train(string directory, params string[] options)
    {
        var output = new StringWriter();
        string[] args = ["train", .. options, "--limit", "160", "--epochs", "2", "--threads", "1", "--verbose", "0",
            "--data", SharedData.Directory, "--out", directory];
        int code = CommandRunner.Run(args, output, output);
        var metrics = code == 0 ? (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "metrics.json")))! : [];
        return (code, output.ToString(), metrics);
    }

    [Fact]
    public void Train_cnn_with_augmentation_and_batch_norm_writes_the_report_the_plots_and_a_loadable_model()
    {
        using var dir = new Plots.TempDirectory();

        var (code, output, metrics) = Train(dir.Path, "cnn", "--augment", "--batch-norm", "--constant-lr");

        Assert.True(code == 0, output);
        Assert.Equal("cnn", (string?)metrics["example"]);
        Assert.Equal(2, (int)metrics["epochs"]!);
        Assert.Equal(32, (int)metrics["batch_size"]!);
        Assert.True((bool)metrics["augment"]!);
        Assert.True((bool)metrics["batch_norm"]!);
        Assert.Equal("constant", (string?)metrics["learning_rate_schedule"]);
        // Validation is the test set (limited to 160 images): the last val_accuracy is the test accuracy before the
        // batch normalization statistics were recomputed on the un-augmented training images.
        var valAccuracy = metrics["history"]!["val_accuracy"]!.AsArray();
        Assert.Equal(2, valAccuracy.Count);
        Assert.Equal((double)metrics["test_accuracy_with_augmented_batch_norm_statistics"]!, (double)valAccuracy[1]!, 5);
        Assert.Equal("recomputed on the un-augmented training images", (string?)metrics["batch_norm_statistics"]);

        var csv = File.ReadAllLines(dir.File("history.csv"));
        Assert.Equal("epoch,loss,accuracy,val_loss,val_accuracy", csv[0]);
        Assert.Equal(3, csv.Length);

        var accuracy = PngTestDecoder.DecodeFile(dir.File("accuracy.png"));
        Assert.Equal((640, 480), (accuracy.Width, accuracy.Height));
        var curves = PngTestDecoder.DecodeFile(dir.File("curves.png"));
        Assert.Equal((1200, 480), (curves.Width, curves.Height));

        var model = Model.Load(dir.File("model.dsm"));
        Assert.Equal(3, model.Layers.Count(layer => layer is BatchNormalization));
        Assert.Equal(2, model.Layers.Count(layer => layer is Conv2D));
        Assert.Contains("accuracy.png", output);
    }

    [Fact]
    public void Batch_norm_statistics_are_recomputed_on_the_training_images_unless_asked_to_keep_the_augmented_ones()
    {
        using var recomputed = new Plots.TempDirectory();
        using var kept = new Plots.TempDirectory();

        var after = Train(recomputed.Path, "cnn", "--augment", "--batch-norm", "--seed", "3");
        var before = Train(kept.Path, "cnn", "--augment", "--batch-norm", "--augmented-bn-stats", "--seed", "3");

        Assert.True(after.Code == 0, after.Output);
        Assert.True(before.Code == 0, before.Output);
        // The same training (same seed), then only the moving statistics differ.
        Assert.Equal((double)before.Metrics["test_accuracy"]!, (double)after.Metrics["test_accuracy_with_augmented_batch_norm_statistics"]!, 6);
        Assert.False(before.Metrics.ContainsKey("batch_norm_statistics"));
        var keptModel = Model.Load(kept.File("model.dsm"));
        var recomputedModel = Model.Load(recomputed.File("model.dsm"));
        var keptBn = keptModel.Layers.OfType<BatchNormalization>().ToList();
        var recomputedBn = recomputedModel.Layers.OfType<BatchNormalization>().ToList();
        Assert.Equal(3, recomputedBn.Count);
        for (int i = 0; i < 3; i++)
        {
            Assert.NotEqual(keptBn[i].MovingMean.ToArray(), recomputedBn[i].MovingMean.ToArray());
            Assert.Equal(keptBn[i].Gamma!.ToArray(), recomputedBn[i].Gamma!.ToArray());
        }

        // Without --augment or --batch-norm the flag means nothing and is refused as unknown.
        var error = new StringWriter();
        Assert.Equal(2, CommandRunner.Run(["train", "cnn", "--batch-norm", "--augmented-bn-stats"], TextWriter.Null, error));
        Assert.Contains("--augmented-bn-stats", error.ToString());
    }

    [Fact]
    public void Train_cnn_writes_the_same_metric_keys_as_mlp_plus_its_flags()
    {
        using var cnnDir = new Plots.TempDirectory();
        using var mlpDir = new Plots.TempDirectory();

        var cnn = Train(cnnDir.Path, "cnn");
        var mlp = Train(mlpDir.Path, "mlp");

        Assert.True(cnn.Code == 0, cnn.Output);
        Assert.True(mlp.Code == 0, mlp.Output);
        var cnnKeys = cnn.Metrics.Select(pair => pair.Key).ToList();
        var mlpKeys = mlp.Metrics.Select(pair => pair.Key).ToList();
        Assert.Equal([.. mlpKeys, "augment", "batch_norm", "learning_rate_schedule"], cnnKeys);
        Assert.Equal("cosine", (string?)cnn.Metrics["learning_rate_schedule"]);
        Assert.False((bool)cnn.Metrics["augment"]!);
        Assert.False((bool)cnn.Metrics["batch_norm"]!);
        Assert.True(File.Exists(cnnDir.File("accuracy.png")));
        Assert.False(File.Exists(mlpDir.File("accuracy.png")));
        Assert.Equal(SeedModels.Cnn().Layers.Select(layer => layer.GetType()), Model.Load(cnnDir.File("model.dsm")).Layers.Select(layer => layer.GetType()));
    }

    [Fact]
    public void Augmentation_options_need_augment_and_bad_values_exit_with_2()
    {
        var error = new StringWriter();
        Assert.Equal(2, CommandRunner.Run(["train", "cnn", "--rotation", "5"], TextWriter.Null, error));
        Assert.Contains("--rotation", error.ToString());

        error = new StringWriter();
        Assert.Equal(2, CommandRunner.Run(["train", "cnn", "--augment", "--zoom", "1.2,0.9"], TextWriter.Null, error));
        Assert.Contains("1.2", error.ToString());
        Assert.Contains("0.9", error.ToString());

        error = new StringWriter();
        Assert.Equal(2, CommandRunner.Run(["train", "cnn", "--limit", "-3"], TextWriter.Null, error));
        Assert.Contains("--limit", error.ToString());
    }
}
