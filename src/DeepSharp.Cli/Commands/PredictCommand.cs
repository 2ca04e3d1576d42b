namespace DeepSharp.Cli.Commands;

/// <summary><c>deepsharp predict</c>: runs a saved model on inputs from a safetensors file and writes its outputs.</summary>
public sealed class PredictCommand : ICommand
{
    /// <inheritdoc/>
    public string Name => "predict";

    /// <inheritdoc/>
    public string Summary => "run a saved model on inputs from a safetensors file and write the outputs";

    /// <inheritdoc/>
    public string Help => """
        Usage: deepsharp predict --model FILE --input FILE --output FILE [--name x] [--batch-size N] [--threads N]

        Reads the tensor named --name (default: the file's only tensor, or 'x') from the --input safetensors
        file, runs the model on it in batches, and writes the result as tensor 'y' to --output (atomically).

        """;

    /// <inheritdoc/>
    public int Run(CommandLine options, TextWriter output)
    {
        var modelPath = options.String("model") ?? throw new UsageException("--model FILE is required.");
        var inputPath = options.String("input") ?? throw new UsageException("--input FILE is required.");
        var outputPath = options.String("output") ?? throw new UsageException("--output FILE is required.");
        var name = options.String("name");
        int batchSize = options.Int("batch-size", 256, 1, 1 << 20);
        Parallelism.Threads = options.Int("threads", Parallelism.Threads, 1, 256);
        options.RejectUnknown();
        CommandLine.RequireFile(modelPath);
        CommandLine.RequireFile(inputPath);
        var model = Model.Load(modelPath);
        using var inputs = SafeTensors.Load(inputPath);
        Tensor x = name is not null ? inputs[name]
            : inputs.Tensors.Count == 1 ? inputs.Tensors.Values.First()
            : inputs.Tensors.TryGetValue("x", out var named) ? named
            : throw new UsageException($"'{inputPath}' holds {inputs.Tensors.Count} tensors ({string.Join(", ", inputs.Tensors.Keys)}); pick one with --name.");
        var y = model.Predict(x, batchSize);
        SafeTensors.Save(outputPath, [("y", y)]);
        output.WriteLine($"Wrote {y.Shape} predictions of {model.Name} to {outputPath}.");
        return 0;
    }
}
