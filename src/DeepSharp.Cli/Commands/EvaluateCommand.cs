using DeepSharp.Cli.Options;
using DeepSharp.Cli.Prediction;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp evaluate --model FILE</c>: the test loss and metrics of a saved model, by default on the dataset it was
/// trained on, with a warning when asked for another.
/// </summary>
public sealed class EvaluateCommand : ICommand
{
    private static readonly CliOption Dataset = CommonOptions.Dataset.Describe(
        "the test set: fashion-mnist or mnist (default: the dataset the model was\ntrained on, from metrics.json beside it; else fashion-mnist)");

    private static readonly IReadOnlyList<CliOption> AllOptions =
    [
        CommonOptions.Model, Dataset, CommonOptions.Data, CommonOptions.BatchSize,
        CommonOptions.Limit.Describe("use only the first N test images (default: all)"), CommonOptions.Threads,
    ];

    /// <inheritdoc/>
    public string Name => "evaluate";

    /// <inheritdoc/>
    public string Summary => "evaluate a saved model on a dataset's test set";

    /// <inheritdoc/>
    public IReadOnlyList<CliOption> Options(IReadOnlyList<string> words) => AllOptions;

    /// <inheritdoc/>
    public string Help(IReadOnlyList<string> words) => new HelpText("deepsharp evaluate --model FILE [options]")
        .Paragraph("""
            Loads a model (.dsm, saved by 'deepsharp train' or Model.Save; .onnx, .keras or .h5) and prints its loss
            and metrics on the test set. A model without compile settings (an ONNX or Keras file) is scored with
            sparse categorical cross-entropy and accuracy, its outputs read as probabilities when each row sums to 1,
            else as logits.
            A model trained by 'deepsharp train' is evaluated on the dataset it was trained on unless --dataset says
            otherwise, and then a warning says so: its metrics on another dataset measure another task.
            """)
        .Section("Options", AllOptions)
        .ToString();

    /// <inheritdoc/>
    public int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        var pathOption = options.String(CommonOptions.Model);
        var asked = options.String(Dataset) is null ? null : options.Choice(Dataset, "", CommonOptions.DatasetNames);
        var data = options.String(CommonOptions.Data);
        int batchSize = options.Int(CommonOptions.BatchSize, 256, 1, 1 << 20);
        int limit = options.Int(CommonOptions.Limit, 0, 0, int.MaxValue);
        Parallelism.Threads = CommonOptions.ReadThreads(options);
        options.RejectUnknown();
        var path = CommandLine.Required(CommonOptions.Model, pathOption);
        var model = ModelFile.Load(path);

        var record = TrainingRecord.Find(path);
        var datasetName = asked ?? record?.Dataset ?? "fashion-mnist";
        if (record is not null && record.Dataset != datasetName)
            error.WriteLine($"deepsharp evaluate: warning: '{path}' was trained on {record.Dataset} (so says {record.Source}), " +
                $"not {datasetName}: its metrics on {datasetName} measure another task.");
        var dataset = CommonOptions.DatasetNamed(datasetName);
        var test = dataset.LoadTest(data);
        int count = limit > 0 ? Math.Min(limit, test.Count) : test.Count;
        var images = ModelImageInput.Of(model, path);
        images.CheckSize(dataset.ImageHeight, dataset.ImageWidth, $"each {dataset.Name} image");
        var x = images.Batch(images.Convert(Ops.Slice(test.X, 0, 0, count).ToArray(), count, 1), count);
        var y = Ops.Slice(test.Y, 0, 0, count);
        var scoring = model.IsCompiled ? "" : CompileForScoring(model, x, dataset, path);
        var result = model.Evaluate(x, y, batchSize, verbose: 0);
        var from = asked is null && record is not null ? $", the dataset it was trained on" : "";
        output.WriteLine($"{model.Name} on {dataset.Name} test set ({count} images{from}): {result}{scoring}");
        return 0;
    }

    /// <summary>
    /// Compiles a model that came without compile settings (from an ONNX or Keras file, or saved uncompiled) as a
    /// classifier of <paramref name="dataset"/>'s classes: sparse categorical cross-entropy and accuracy, its outputs
    /// read as probabilities when every row of them is a distribution (non-negative, summing to 1), else as logits.
    /// Returns how it scores, for the result line.
    /// </summary>
    private static string CompileForScoring(Model model, Tensor x, IdxDataset dataset, string path)
    {
        var sample = model.Predict(Ops.Slice(x, 0, 0, Math.Min(x.Shape[0], 64)), verbose: 0);
        if (sample.Rank != 2 || sample.Shape[1] != dataset.ClassCount)
            throw new InvalidDataException($"'{path}' has no compile settings (loss and metrics) and does not give one score per class of " +
                $"{dataset.Name} (None, {dataset.ClassCount}): it outputs {Layer.FormatBatch(sample.Shape.Dims[1..].ToArray())}. " +
                "Compile the model and save it from code. (A GAN generator is not evaluated this way: 'deepsharp generate' draws its samples.)");
        var values = sample.ToArray();
        bool probabilities = true;
        for (int row = 0; row < sample.Shape[0] && probabilities; row++)
        {
            var scores = values.AsSpan(row * dataset.ClassCount, dataset.ClassCount);
            float sum = 0f;
            foreach (float score in scores)
            {
                if (score < 0f) probabilities = false;
                sum += score;
            }
            if (MathF.Abs(sum - 1f) > 1e-3f) probabilities = false;
        }
        model.Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: !probabilities), ["accuracy"]);
        return $" (no compile settings in the file: sparse categorical cross-entropy on its outputs read as {(probabilities ? "probabilities" : "logits")})";
    }
}
