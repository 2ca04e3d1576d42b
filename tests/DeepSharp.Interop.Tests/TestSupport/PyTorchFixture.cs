using System.Text.Json;

namespace DeepSharp.Interop.Tests;

/// <summary>
/// A model exported by PyTorch (tools/make_onnx_fixtures.py, committed under tests/DeepSharp.Tests/Fixtures/Interop):
/// the .onnx file, an input in PyTorch's layout and PyTorch's output for it.
/// </summary>
internal sealed class PyTorchFixture
{
    public static readonly string[] Names = ["mlp", "cnn", "cnn3", "lstm", "gru", "cnn_fixed_batch"];

    private PyTorchFixture(string path, Tensor input, Tensor output)
    {
        Path = path;
        Input = input;
        Output = output;
    }

    public string Path { get; }

    /// <summary>The input as PyTorch takes it (NCHW for images).</summary>
    public Tensor Input { get; }

    /// <summary>PyTorch's output for <see cref="Input"/>.</summary>
    public Tensor Output { get; }

    /// <summary>The input as an imported model takes it: images channels-last.</summary>
    public Tensor ChannelsLastInput => Input.Rank == 4 ? Ops.Permute(Input, 0, 2, 3, 1) : Input;

    public static PyTorchFixture Load(string name)
    {
        var directory = System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "Interop");
        using var json = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(directory, name + ".json")));
        return new PyTorchFixture(System.IO.Path.Combine(directory, name + ".onnx"),
            Read(json.RootElement.GetProperty("input")), Read(json.RootElement.GetProperty("output")));
    }

    private static Tensor Read(JsonElement e) => Tensor.FromArray(
        e.GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray(),
        e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray());
}
