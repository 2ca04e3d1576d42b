using System.Text.Json;
using DeepSharp.Examples;

namespace DeepSharp.Tests.Examples.Saving;

/// <summary>
/// The save-and-reload check the NativeAOT binary runs. This test project runs with reflection-based System.Text.Json
/// switched off (JsonSerializerIsReflectionEnabledByDefault=false, as in a NativeAOT app), so every save and load in the
/// suite goes the way it goes in the AOT binary.
/// </summary>
public class SaveLoadCheckTests
{
    [Fact]
    public void Every_model_kind_survives_saving_and_loading()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"deepsharp-saveload-{Guid.NewGuid():N}");
        try
        {
            var output = new StringWriter();
            bool passed = SaveLoadCheck.Run(directory, output);
            Assert.True(passed, output.ToString());
            foreach (var kind in new[] { "mlp", "cnn", "cnn-bn", "lstm", "gru", "functional" })
            {
                Assert.Matches($@"(?m)^{kind} +saved \d+ KB, reloaded: .*; as \.keras: same outputs$", output.ToString().Replace("\r", ""));
                Assert.True(File.Exists(Path.Combine(directory, kind + ".dsm")), kind);
            }
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void An_unknown_kind_is_refused_with_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => SaveLoadCheck.Build("transformer"));
        Assert.Contains("'transformer'", e.Message);
        Assert.Contains("mlp, cnn, cnn-bn, lstm, gru, functional", e.Message);
    }

    [Fact]
    public void The_tests_run_without_reflection_based_json_as_a_NativeAOT_binary_does()
    {
        Assert.False(JsonSerializer.IsReflectionEnabledByDefault);
    }
}
