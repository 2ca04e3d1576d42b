using DeepSharp.Examples;
using DeepSharp.Tests.Callbacks;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Examples.Training;

/// <summary>
/// <c>train resnet</c> stopped and continued with <see cref="TrainingOptions.Resume"/> ends with the weights and the
/// history of the run never stopped, bit for bit: a tiny network (stem 4, stages of 4 and 8 filters) on 160 images,
/// 5 batches of 32 an epoch, 3 epochs, on augmented images (the flow's position and random stream come back) and on plain ones.
/// </summary>
public class ResNetExampleTests
{
    private static TrainingOptions Options(string directory) => new()
    {
        Dataset = "fashion-mnist", Epochs = 3, BatchSize = 32, DataDirectory = SharedData.Directory, OutputDirectory = directory,
        Seed = 11, Threads = 1, Verbose = 0, Limit = 160, SaveFreq = 2,
    };

    private static ResNetExample Tiny(bool augment) => new() { StemFilters = 4, StageFilters = [4, 8], NoAugmentation = !augment };

    /// <summary>
    /// The stopped run as <see cref="Example.Run"/> trains it (threads and seed, the limited data, the model, the run
    /// folder's backup), with a callback that stops it as Ctrl-C does: the example offers no other way in.
    /// </summary>
    private static History Stopped(ResNetExample example, TrainingOptions options, Callback stop)
    {
        Parallelism.Threads = options.Threads;
        RandomGenerator.SetSeed(options.Seed);
        var (allTrain, allTest) = options.DatasetLoader.Load(options.DataDirectory);
        var (train, test) = options.ApplyLimit(allTrain, allTest);
        var model = example.BuildModel(10);
        var backup = RunFolder.Begin(example.Name, options, TextWriter.Null);
        return example.Train(model, example.PrepareInputs(train.X), train.Y, example.PrepareInputs(test.X), test.Y, options, [backup, stop]);
    }

    [Theory]
    [InlineData(true, 1, 2)]   // augmented, in the middle of the second epoch (a backup after batch 1 of it)
    [InlineData(true, 0, -1)]  // augmented, at the end of the first epoch
    [InlineData(false, 1, 0)]  // plain images, after the first batch of the second epoch
    public void A_run_stopped_and_resumed_ends_with_the_weights_and_history_of_the_run_never_stopped(bool augment, int epoch, int batch)
    {
        using var dir = new TempDirectory();
        var whole = Options(Path.Combine(dir.Path, "whole"));
        var wholeOutput = new StringWriter();
        Assert.True(Tiny(augment).Run(whole, wholeOutput) == 0, wholeOutput.ToString());

        var stopped = Options(Path.Combine(dir.Path, "stopped"));
        var history = Stopped(Tiny(augment), stopped, new BackupAndRestoreTests.InterruptAt(epoch, batch));
        Assert.True(history.Interrupted);
        Assert.True(File.Exists(RunFolder.CheckpointPath(stopped.OutputDirectory)));

        var output = new StringWriter();
        Assert.True(Tiny(augment).Run(stopped with { Resume = true }, output) == 0, output.ToString());
        Assert.Contains("Resuming the run", output.ToString());
        Assert.False(File.Exists(RunFolder.CheckpointPath(stopped.OutputDirectory)));
        BackupAndRestoreTests.AssertSameWeights(Model.Load(Path.Combine(whole.OutputDirectory, "model.dsm")),
            Model.Load(Path.Combine(stopped.OutputDirectory, "model.dsm")));
        Assert.Equal(File.ReadAllText(Path.Combine(whole.OutputDirectory, "history.csv")),
            File.ReadAllText(Path.Combine(stopped.OutputDirectory, "history.csv")));
    }
}
