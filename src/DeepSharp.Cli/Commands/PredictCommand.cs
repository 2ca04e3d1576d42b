using DeepSharp.Cli.Options;
using DeepSharp.Cli.Prediction;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp predict</c>: runs a saved model on PNG images, IDX files of images or safetensors tensors, and prints
/// the predicted class of each (named for the known datasets) or writes them (CSV), or writes the raw outputs (safetensors).
/// </summary>
public sealed class PredictCommand : ICommand
{
    private static readonly CliOption Input = new("input", "INPUT", "an input (may be given several times; words without -- are inputs too)");
    private static readonly CliOption Out = CommonOptions.Out with
    {
        Value = "FILE",
        Description = "write the predictions instead of printing them: FILE.csv (input, class, name,\n" +
            "probability; with --probabilities every output) or FILE.safetensors (every\noutput, as tensor 'y')",
    };
    private static readonly CliOption Probabilities = new("probabilities", null,
        "show every output of the model for each input (the probability of each class\nfor a softmax output), not only the predicted class");
    private static readonly CliOption Dataset = CommonOptions.Dataset.Describe(
        "name the classes as fashion-mnist's or mnist's (default: the dataset the\nmodel was trained on, from metrics.json beside it; else numbers only)");
    private static readonly CliOption TensorName = new("name", "NAME", "the tensor to read from a safetensors input (default: its only tensor, or 'x')");
    private static readonly CliOption Limit = CommonOptions.Limit.Describe("use only the first N inputs of each IDX or safetensors file (default: all)");

    private static readonly IReadOnlyList<CliOption> AllOptions =
        [CommonOptions.Model, Input, Out, Probabilities, Dataset, TensorName, Limit, CommonOptions.BatchSize, CommonOptions.Threads];

    /// <inheritdoc/>
    public string Name => "predict";

    /// <inheritdoc/>
    public string Summary => "print or write a saved model's predicted classes for PNG images, IDX or safetensors files";

    /// <inheritdoc/>
    public IReadOnlyList<CliOption> Options(IReadOnlyList<string> words) => AllOptions;

    /// <inheritdoc/>
    public string Help(IReadOnlyList<string> words) => new HelpText("deepsharp predict --model FILE [--input] INPUT... [options]")
        .Paragraph("""
            Runs a saved model (.dsm, .onnx, .keras or .h5) on its inputs and prints the predicted class of each,
            with the class's name for a Fashion-MNIST or MNIST model, or writes them (--out).

            INPUT is a PNG image, a folder (its .png files, in name order), an IDX file of images (as the datasets
            are published, plain or gzip) or a safetensors file (the tensor --name); give as many as you like. Images
            must have the size the model takes (they are not resized); they become grayscale or RGB as the model takes
            them, transparent pixels count as black (the datasets' background), and pixels 0 to 255 are scaled to
            [0, 1] as the training images were. A safetensors tensor is given to the model as it is.
            """)
        .Section("Options", AllOptions)
        .ToString();

    /// <inheritdoc/>
    public int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        var modelOption = options.String(CommonOptions.Model);
        var inputs = options.Strings(Input).Concat(options.Positional).ToList();
        var outPath = options.String(Out);
        bool probabilities = options.Flag(Probabilities);
        var datasetName = options.String(Dataset) is null ? null : options.Choice(Dataset, "", CommonOptions.DatasetNames);
        var tensorName = options.String(TensorName);
        int limit = options.Int(Limit, 0, 0, int.MaxValue);
        int batchSize = options.Int(CommonOptions.BatchSize, 256, 1, 1 << 20);
        Parallelism.Threads = CommonOptions.ReadThreads(options);
        options.RejectUnknown();
        var modelPath = CommandLine.Required(CommonOptions.Model, modelOption);
        if (inputs.Count == 0) throw new UsageException("no input: give PNG images, folders of them, IDX or safetensors files (--input INPUT, or plain words).");
        var format = outPath is null ? null
            : outPath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? "csv"
            : outPath.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? "safetensors"
            : throw new UsageException($"--out '{outPath}': expected a name ending in .csv (the classes) or .safetensors (the raw outputs).");
        if (outPath is not null) OutputPath.CheckFile(outPath);
        CommandLine.RequireFile(modelPath, "the model file");

        var model = ModelFile.Load(modelPath);
        ModelImageInput? images = null;
        var batches = new List<(PredictionBatch Batch, Tensor Y)>();
        foreach (var input in inputs)
        {
            var batch = PredictionInputs.Read(input, () => images ??= ModelImageInput.Of(model, modelPath), tensorName, limit);
            batches.Add((batch, model.Predict(batch.X, batchSize, verbose: 0)));
        }
        int count = batches.Sum(b => b.Batch.Names.Count);

        if (format == "safetensors")
        {
            var y = batches.Count == 1 ? batches[0].Y : Ops.Concat(batches.Select(b => b.Y).ToArray());
            SafeTensors.Save(outPath!, [("y", y)]);
            output.WriteLine($"Wrote the outputs of {model.Name} for {count} inputs, shape {y.Shape}, to {outPath}.");
            return 0;
        }

        var outputShape = batches[0].Y.Shape;
        if (outputShape.Rank != 2)
            throw new UsageException($"'{modelPath}' outputs shape {Layer.FormatBatch(outputShape.Dims[1..].ToArray())}, not one score per class " +
                "(None, classes); write its raw outputs with --out FILE.safetensors.");
        int outputs = outputShape[1];
        var table = new PredictionTable(outputs, ClassNames(datasetName, modelPath, outputs), probabilities);
        foreach (var (batch, y) in batches) table.Add(batch.Names, y);
        if (format == "csv")
        {
            AtomicFile.WriteAllText(outPath!, table.ToCsv());
            output.WriteLine($"Wrote the predicted classes of {model.Name} for {count} inputs to {outPath}.");
        }
        else table.Print(output);
        return 0;
    }

    /// <summary>
    /// The names of the classes: those of --dataset (which must have as many classes as the model has outputs), else
    /// of the dataset the model was trained on when its run folder says and the count agrees; else none.
    /// </summary>
    private static IReadOnlyList<string>? ClassNames(string? datasetName, string modelPath, int outputs)
    {
        if (datasetName is not null)
        {
            var dataset = CommonOptions.DatasetNamed(datasetName);
            if (dataset.ClassCount != outputs)
                throw new UsageException($"--dataset {datasetName} has {dataset.ClassCount} classes, but the model has {outputs} outputs.");
            return dataset.ClassNames;
        }
        if (TrainingRecord.Find(modelPath) is { } record && CommonOptions.DatasetNamed(record.Dataset) is { } trained && trained.ClassCount == outputs)
            return trained.ClassNames;
        return null;
    }
}
