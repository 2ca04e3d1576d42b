using System.Globalization;
using DeepSharp.Cli.Options;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp convert IN OUT</c>: reads a model file in any format <see cref="ModelFile"/> reads and writes it in the
/// format OUT's extension names, weights and all.
/// </summary>
public sealed class ConvertCommand : ICommand
{
    private static readonly CliOption From = CommonOptions.Model.Describe(
        "the model to convert: a .dsm, .onnx, .keras or .h5 file, told apart by its\ncontents (required; or the first plain word)");
    private static readonly CliOption To = CommonOptions.Out with
    {
        Value = "FILE",
        Description = "the file to write, in the format its name ends with: .dsm, .onnx or\n.keras (required; or the second plain word)",
    };
    private static readonly CliOption Opset = new("opset", "N",
        $"the ONNX opset to write, {OnnxExportOptions.MinOpset} to {OnnxExportOptions.MaxOpset} (default {OnnxExportOptions.DefaultOpset})");

    private static readonly IReadOnlyList<CliOption> AllOptions = [From, To, Opset];

    /// <inheritdoc/>
    public string Name => "convert";

    /// <inheritdoc/>
    public string Summary => "convert a model file between DeepSharp's format (.dsm), ONNX (.onnx) and Keras (.keras)";

    /// <inheritdoc/>
    public IReadOnlyList<CliOption> Options(IReadOnlyList<string> words) => AllOptions;

    /// <inheritdoc/>
    public string Help(IReadOnlyList<string> words) => new HelpText("deepsharp convert [--model] IN [--out] OUT [options]")
        .Paragraph("""
            Reads the model IN and writes it as OUT, in the format OUT's name ends with: .dsm (DeepSharp's own,
            what Model.Save writes), .onnx (for ONNX Runtime, ML.NET and other frameworks) or .keras (a Keras 3
            archive). IN may be any of them, or a Keras 2 .h5 file.

            Images stay channels-last (NHWC) every way: an exported model takes what the DeepSharp model takes, and an
            imported convolution graph from PyTorch (NCHW) is turned to take NHWC images. Dropout is left out of an
            ONNX file and batch normalization uses its moving statistics. ONNX and Keras files carry no loss or
            optimizer here: a model read from one comes without compile settings ('deepsharp evaluate' then scores
            it with sparse categorical cross-entropy and accuracy). A layer the target format has no form for is
            refused with its name.
            """)
        .Section("Options", AllOptions)
        .ToString();

    /// <inheritdoc/>
    public int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        var fromOption = options.String(From);
        var toOption = options.String(To);
        var opsetText = options.String(Opset);
        int opset = options.Int(Opset, OnnxExportOptions.DefaultOpset, OnnxExportOptions.MinOpset, OnnxExportOptions.MaxOpset);
        options.RejectUnknown();
        var words = new Queue<string>(options.Positional);
        string? Next() => words.TryDequeue(out var word) ? word : null;
        var fromPath = CommandLine.Required(From, fromOption ?? Next(), "the model to convert");
        var toPath = CommandLine.Required(To, toOption ?? Next(), "the file to write");
        if (words.Count > 0)
            throw new UsageException($"unexpected word{(words.Count > 1 ? "s" : "")} {string.Join(", ", words.Select(w => $"'{w}'"))}: " +
                "give the model to read and the file to write.");
        var format = ModelFile.WriteFormat(toPath, "the file to write");
        if (opsetText is not null && format != ModelFileFormat.Onnx)
            throw new UsageException($"--opset applies to ONNX files only; '{toPath}' is written as {ModelFile.Describe(format)}.");
        OutputPath.CheckFile(toPath);
        CommandLine.RequireFile(fromPath, "the model file");

        var source = ModelFile.Sniff(fromPath);
        var model = ModelFile.Load(fromPath);
        ModelFile.Save(model, toPath, format, opset);
        var parameters = model.CountParams().ToString("N0", CultureInfo.InvariantCulture);
        output.WriteLine($"Converted {model.ClassName} '{model.Name}' ({model.Layers.Count} layers, {parameters} parameters) " +
            $"from {ModelFile.Describe(source)} '{fromPath}' to {ModelFile.Describe(format)} '{toPath}'" +
            (format == ModelFileFormat.Onnx ? $", opset {opset}." : "."));
        return 0;
    }
}
