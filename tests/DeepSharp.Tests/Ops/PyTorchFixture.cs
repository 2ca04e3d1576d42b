using System.Text.Json;

namespace DeepSharp.Tests.Ops;

/// <summary>
/// One case of a PyTorch reference fixture (tests/DeepSharp.Tests/Fixtures/*.json, written by
/// tools/make_fixtures.py): inputs, the op's arguments, its output, an upstream gradient and the gradient
/// of each input, i.e. d/dx of sum(output · upstream).
/// </summary>
internal sealed record PyTorchFixture(
    string File, string Name, string Op, JsonElement Args,
    (int[] Shape, float[] Values)[] Inputs, (int[] Shape, float[] Values) Output,
    (int[] Shape, float[] Values) Upstream, (int[] Shape, float[] Values)[] Gradients)
{
    private static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", file);

    /// <summary>The case names in <paramref name="file"/>, for a theory's member data.</summary>
    public static TheoryData<string, string> Cases(params string[] files)
    {
        var data = new TheoryData<string, string>();
        foreach (var file in files)
        {
            using var document = JsonDocument.Parse(System.IO.File.ReadAllText(PathOf(file)));
            foreach (var c in document.RootElement.GetProperty("cases").EnumerateArray())
                data.Add(file, c.GetProperty("name").GetString()!);
        }
        return data;
    }

    /// <summary>The case names in <paramref name="file"/> whose op is <paramref name="op"/> (one layer's cases of a family's file).</summary>
    public static TheoryData<string, string> CasesOf(string file, string op)
    {
        var data = new TheoryData<string, string>();
        foreach (var row in Cases(file))
        {
            var name = (string)row[1];
            if (Load(file, name).Op == op) data.Add(file, name);
        }
        return data;
    }

    /// <summary>Loads case <paramref name="name"/>; inputs and upstream it does not carry come from the file's shared ones.</summary>
    public static PyTorchFixture Load(string file, string name)
    {
        using var document = JsonDocument.Parse(System.IO.File.ReadAllText(PathOf(file)));
        var root = document.RootElement;
        foreach (var c in root.GetProperty("cases").EnumerateArray())
        {
            if (c.GetProperty("name").GetString() != name) continue;
            var inputs = c.TryGetProperty("inputs", out var own) ? own : root.GetProperty("inputs");
            var upstream = c.TryGetProperty("upstream", out var up) ? up : root.GetProperty("upstream");
            return new PyTorchFixture(file, name, c.GetProperty("op").GetString()!,
                c.TryGetProperty("args", out var args) ? args.Clone() : default,
                inputs.EnumerateArray().Select(ReadTensor).ToArray(),
                ReadTensor(c.GetProperty("output")),
                ReadTensor(upstream),
                c.GetProperty("gradients").EnumerateArray().Select(ReadTensor).ToArray());
        }
        throw new ArgumentException($"No case '{name}' in fixture {file}.");
    }

    private static (int[] Shape, float[] Values) ReadTensor(JsonElement e) =>
        (e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(),
         e.GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray());

    /// <summary>A float argument, or <paramref name="fallback"/> when the case does not give it.</summary>
    public float Float(string name, float fallback) =>
        Args.ValueKind == JsonValueKind.Object && Args.TryGetProperty(name, out var v) ? v.GetSingle() : fallback;

    /// <summary>A boolean argument, or <paramref name="fallback"/>.</summary>
    public bool Bool(string name, bool fallback) =>
        Args.ValueKind == JsonValueKind.Object && Args.TryGetProperty(name, out var v) ? v.GetBoolean() : fallback;

    /// <summary>An integer list argument, or null when absent.</summary>
    public int[]? Ints(string name) =>
        Args.ValueKind == JsonValueKind.Object && Args.TryGetProperty(name, out var v) ? v.EnumerateArray().Select(d => d.GetInt32()).ToArray() : null;

    public override string ToString() => $"{File}:{Name}";
}
