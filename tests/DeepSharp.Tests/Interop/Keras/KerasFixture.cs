using System.Text.Json.Nodes;

namespace DeepSharp.Tests.Interop.Keras;

/// <summary>
/// The Keras files made by tools/make_keras_fixtures.py (Keras 3 .keras and Keras 2 .h5 of the same models) and
/// the predictions their weights imply, computed there in numpy.
/// </summary>
internal static class KerasFixture
{
    public static readonly string[] Models = ["mlp", "cnn", "lstm", "functional", "image_zoo", "sequence_zoo"];

    public static string Path(string file) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "Interop", "Keras", file);

    /// <summary>The sample input and the numpy output of a fixture model.</summary>
    public static (Tensor Input, Tensor Output) Expected(string model)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path(model + ".expected.json")))!;
        return (Read(json["input"]!), Read(json["output"]!));
    }

    private static Tensor Read(JsonNode node)
    {
        var shape = node["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray();
        var values = node["values"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
        return Tensor.FromArray(values, shape);
    }

    public static float MaxDifference(Tensor a, Tensor b)
    {
        Assert.Equal(a.Shape, b.Shape);
        var x = a.ToArray();
        var y = b.ToArray();
        float max = 0;
        for (int i = 0; i < x.Length; i++) max = Math.Max(max, Math.Abs(x[i] - y[i]));
        return max;
    }
}
