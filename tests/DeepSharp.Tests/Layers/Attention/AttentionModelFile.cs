namespace DeepSharp.Tests.Layers;

/// <summary>Saves a two-input model with an attention layer to .dsm and checks the loaded copy computes the same.</summary>
internal static class AttentionModelFile
{
    public static void SavesAndLoads(Model model, Tensor query, Tensor value)
    {
        var path = Path.Combine(Path.GetTempPath(), $"deepsharp-attention-{Guid.NewGuid():N}.dsm");
        try
        {
            var expected = model.Predict([query, value])[0].ToArray();
            model.Save(path);
            var loaded = Model.Load(path);
            Assert.Equal(expected, loaded.Predict([query, value])[0].ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
