using System.Text.Json.Nodes;

namespace DeepSharp.Tests.TestSupport;

/// <summary>
/// Loads corrupted model files and judges each load: the only exception allowed is InvalidDataException, a load
/// may allocate at most its bound (stated from the file's size and the model's), and a loaded model must be what
/// its rule allows. Counts the outcomes for the summary a fuzz test prints.
/// </summary>
internal sealed class LoadJudge(string directory)
{
    private readonly string path = Path.Combine(directory, "case.dsm");
    private readonly Dictionary<LoadOutcome, int> counts = new() { [LoadOutcome.Refused] = 0, [LoadOutcome.Same] = 0, [LoadOutcome.Different] = 0 };

    /// <summary>Cases judged so far.</summary>
    public int Cases => counts.Values.Sum();

    /// <summary>The largest share of its bound a load allocated.</summary>
    public double WorstAllocationRatio { get; private set; }

    /// <summary>
    /// The most a load of a <paramref name="fileLength"/>-byte file into a model of <paramref name="parameters"/>
    /// values may allocate: 16 bytes per byte of file (the header, the configuration parsed as JSON objects,
    /// the layers), 8 bytes per parameter (its tensor, the optimizer's slots) and 4 MB for the code paths' own
    /// buffers (a file stream, the 1 MB checksum buffer). A number written in the file cannot raise it.
    /// </summary>
    public static long Bound(long fileLength, long parameters) => 16 * fileLength + 8 * parameters + (4 << 20);

    public LoadOutcome Judge(byte[] bytes, FuzzCorpus.Entry entry, LoadRule rule, string description)
    {
        File.WriteAllBytes(path, bytes);
        Model? model = null;
        Exception? error = null;
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            model = Model.Load(path);
        }
        catch (Exception e)
        {
            error = e;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long bound = Bound(bytes.Length, entry.Parameters);
        WorstAllocationRatio = Math.Max(WorstAllocationRatio, (double)allocated / bound);
        if (allocated > bound)
            throw new InvalidOperationException($"{description}: the load allocated {allocated} bytes, more than its bound {bound} ({error?.Message ?? "loaded"}).");
        LoadOutcome outcome;
        if (error is not null)
        {
            if (error.GetType() != typeof(InvalidDataException))
                throw new InvalidOperationException($"{description}: {error.GetType().Name} instead of InvalidDataException.", error);
            if (!error.Message.Contains(path, StringComparison.Ordinal))
                throw new InvalidOperationException($"{description}: the message does not name the file: {error.Message}");
            outcome = LoadOutcome.Refused;
        }
        else
        {
            outcome = IsSame(model!, entry) ? LoadOutcome.Same : LoadOutcome.Different;
            if (rule == LoadRule.Refused)
                throw new InvalidOperationException($"{description}: loaded ({outcome}) but must be refused.");
            if (rule == LoadRule.RefusedOrSame && outcome != LoadOutcome.Same)
                throw new InvalidOperationException($"{description}: loaded a different model.");
        }
        counts[outcome]++;
        return outcome;
    }

    /// <summary>Whether a loaded model is the saved one: same predictions, same configuration and compile settings (as Save writes them).</summary>
    private static bool IsSame(Model model, FuzzCorpus.Entry entry)
    {
        try
        {
            if (!model.Predict(entry.Input).ToArray().SequenceEqual(entry.Predictions)) return false;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false; // a model the edit made valid but different (it cannot take the original input)
        }
        string config = new JsonObject { ["class_name"] = model.ClassName, ["config"] = model.GetConfig() }.ToJsonString();
        string? compile = model.IsCompiled
            ? new JsonObject
            {
                ["optimizer"] = model.Optimizer!.GetConfig(),
                ["loss"] = model.Loss!.GetConfig(),
                ["metrics"] = new JsonArray(model.Metrics.Take(model.Metrics.Count - model.WeightedMetricCount).Select(m => (JsonNode?)m.Name).ToArray()),
                ["weighted_metrics"] = new JsonArray(model.Metrics.Skip(model.Metrics.Count - model.WeightedMetricCount).Select(m => (JsonNode?)m.Name).ToArray()),
            }.ToJsonString()
            : null;
        return config == entry.Config && compile == entry.Compile;
    }

    public string Summary(string what) =>
        $"{what}: {Cases} cases: {counts[LoadOutcome.Refused]} refused (InvalidDataException), {counts[LoadOutcome.Same]} loaded the same model, " +
        $"{counts[LoadOutcome.Different]} loaded another valid model (edits allowed to); 0 bad. Worst allocation: {WorstAllocationRatio:P0} of the bound.";
}
