namespace DeepSharp.Cli.Commands;

/// <summary><c>deepsharp evaluate --model FILE</c>: the test loss and accuracy of a saved model.</summary>
public sealed class EvaluateCommand : ICommand
{
    /// <inheritdoc/>
    public string Name => "evaluate";

    /// <inheritdoc/>
    public string Summary => "evaluate a saved model on a dataset's test set";

    /// <inheritdoc/>
    public string Help => """
        Usage: deepsharp evaluate --model FILE [--dataset fashion-mnist|mnist] [--data DIR] [--batch-size N] [--threads N]

        Loads a model saved by 'deepsharp train' (or Model.Save) and prints its loss and metrics on the test set.

        """;

    /// <inheritdoc/>
    public int Run(CommandLine options, TextWriter output)
    {
        var path = options.String("model") ?? throw new UsageException("--model FILE is required.");
        var dataset = options.Choice("dataset", "fashion-mnist", "fashion-mnist", "mnist") == "mnist" ? Datasets.Mnist : Datasets.FashionMnist;
        var data = options.String("data");
        int batchSize = options.Int("batch-size", 256, 1, 1 << 20);
        Parallelism.Threads = options.Int("threads", Parallelism.Threads, 1, 256);
        options.RejectUnknown();
        CommandLine.RequireFile(path, "the model file");
        var model = Model.Load(path);
        if (!model.IsCompiled)
            throw new UsageException($"'{path}' was saved without compile settings (loss and metrics), and evaluate needs them: " +
                "compile the model and save it from code. (A GAN generator is not evaluated this way: 'deepsharp generate' draws its samples.)");
        var test = dataset.LoadTest(data);
        var x = model.DeclaredInputShape is { } shape && shape.Rank == 3 ? test.X.Reshape([test.Count, 28, 28, 1]) : test.X;
        var result = model.Evaluate(x, test.Y, batchSize, verbose: 0);
        output.WriteLine($"{model.Name} on {dataset.Name} test set ({test.Count} images): {result}");
        return 0;
    }
}
