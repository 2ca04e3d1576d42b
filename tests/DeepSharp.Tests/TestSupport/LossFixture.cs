using System.Text.Json;

namespace DeepSharp.Tests.TestSupport;

/// <summary>One loss fixture written by tools/make_loss_fixtures.py (PyTorch).</summary>
internal sealed record LossFixture(Tensor Targets, Tensor Predictions, float Loss, float[] Gradient, JsonElement Document)
{
    public static LossFixture Load(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "losses", name + ".json");
        using var stream = File.OpenRead(path);
        var document = JsonDocument.Parse(stream).RootElement.Clone();
        return new LossFixture(
            ReadTensor(document.GetProperty("targets")),
            ReadTensor(document.GetProperty("predictions")),
            document.GetProperty("loss").GetSingle(),
            document.GetProperty("gradient").GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray(),
            document);
    }

    private static Tensor ReadTensor(JsonElement element) =>
        Tensor.FromArray(
            element.GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray(),
            element.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray());
}
