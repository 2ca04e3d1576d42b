using System.Text.Json;

namespace DeepSharp.Tests.Interop.Onnx;

/// <summary>
/// A model exported by PyTorch (tools/make_onnx_fixtures.py): the .onnx file, the input in PyTorch's layout
/// and PyTorch's output for it.
/// </summary>
internal sealed class PyTorchFixture
{
    private PyTorchFixture(string name, string path, Tensor input, Tensor output)
    {
        Name = name;
        Path = path;
        Input = input;
        Output = output;
    }

    public string Name { get; }

    /// <summary>The .onnx file.</summary>
    public string Path { get; }

    /// <summary>The input as PyTorch takes it (NCHW for images).</summary>
    public Tensor Input { get; }

    /// <summary>PyTorch's output for <see cref="Input"/>, in eval mode.</summary>
    public Tensor Output { get; }

    /// <summary>The input as the imported model takes it: images channels-last (NHWC).</summary>
    public Tensor KerasInput => Input.Rank == 4 ? DeepSharp.Ops.Permute(Input, 0, 2, 3, 1).Contiguous() : Input;

    public static PyTorchFixture Load(string name)
    {
        var directory = System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "Interop");
        using var json = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(directory, name + ".json")));
        return new PyTorchFixture(name, System.IO.Path.Combine(directory, name + ".onnx"),
            Read(json.RootElement.GetProperty("input")), Read(json.RootElement.GetProperty("output")));
    }

    private static Tensor Read(JsonElement e) => Tensor.FromArray(
        e.GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray(),
        e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray());

    public override string ToString() => Name;
}
