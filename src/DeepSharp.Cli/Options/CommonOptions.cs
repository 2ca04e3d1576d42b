namespace DeepSharp.Cli.Options;

/// <summary>
/// The options several commands take, spelt once so that every command spells them alike (<c>--data</c>,
/// <c>--out</c>, <c>--seed</c>, <c>--threads</c>, <c>--batch-size</c>, <c>--dataset</c>, <c>--model</c>,
/// <c>--limit</c>); a command describes each in its own words with <see cref="CliOption.Describe"/>.
/// </summary>
public static class CommonOptions
{
    /// <summary>The dataset names the commands accept, as <c>--dataset</c> takes them.</summary>
    public static readonly string[] DatasetNames = ["fashion-mnist", "mnist"];

    /// <summary><c>--dataset NAME</c>.</summary>
    public static readonly CliOption Dataset = new("dataset", "NAME", "fashion-mnist (default) or mnist");

    /// <summary><c>--data DIR</c>.</summary>
    public static readonly CliOption Data = new("data", "DIR",
        "dataset directory (default: DEEPSHARP_DATA, ../shared/datasets, ~/.deepsharp/datasets,\nthen a download)");

    /// <summary><c>--out DIR</c> (a command that writes one file describes it as <c>--out FILE</c>).</summary>
    public static readonly CliOption Out = new("out", "DIR", "output directory");

    /// <summary><c>--seed N</c>.</summary>
    public static readonly CliOption Seed = new("seed", "N", "random seed (default 42)");

    /// <summary><c>--threads N</c>.</summary>
    public static readonly CliOption Threads = new("threads", "N", "kernel threads, 1 to 256 (default: DEEPSHARP_THREADS or the core count)");

    /// <summary><c>--batch-size N</c>.</summary>
    public static readonly CliOption BatchSize = new("batch-size", "N", "samples per batch (default 256)");

    /// <summary><c>--model FILE</c>.</summary>
    public static readonly CliOption Model = new("model", "FILE",
        "a model file: .dsm (saved by 'deepsharp train' or Model.Save), .onnx, .keras or\n.h5 (required)");

    /// <summary><c>--limit N</c>.</summary>
    public static readonly CliOption Limit = new("limit", "N", "use only the first N images (default: all)");

    /// <summary><c>--help</c>: every command takes it.</summary>
    public static readonly CliOption Help = new("help", null, "print the command's help and exit (also -h)");

    /// <summary><c>--debug</c>: every command takes it.</summary>
    public static readonly CliOption Debug = new("debug", null, "on a failure, print the stack trace after the message");

    /// <summary>The options every command takes.</summary>
    public static readonly IReadOnlyList<CliOption> Global = [Help, Debug];

    /// <summary>The dataset <paramref name="name"/> names ("fashion-mnist" or "mnist").</summary>
    public static IdxDataset DatasetNamed(string name) => name == "mnist" ? Datasets.Mnist : Datasets.FashionMnist;

    /// <summary>Reads <c>--threads</c> (default: the current setting).</summary>
    public static int ReadThreads(CommandLine line) => line.Int(Threads, Parallelism.Threads, 1, 256);
}
