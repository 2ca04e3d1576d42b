using DeepSharp.Cli;
using DeepSharp.Tests.Data;
using static DeepSharp.Tests.Cli.CliInProcess;

namespace DeepSharp.Tests.Cli;

/// <summary>A failure is one line on standard error and exit code 1 (usage errors 2), never a stack trace unless --debug.</summary>
public class FailureMessageTests
{
    /// <summary>A copy of a saved model with one metadata entry replaced, as a hand edit or a bit flip leaves it.</summary>
    private static void WriteWithMetadata(string from, string to, string key, string value)
    {
        using var file = SafeTensors.Load(from);
        var metadata = file.Metadata.ToDictionary(pair => pair.Key, pair => pair.Value);
        metadata[key] = value;
        SafeTensors.Save(to, file.Tensors.Select(pair => (pair.Key, pair.Value)), metadata);
    }

    [Fact]
    public void A_model_file_with_broken_compile_settings_gives_one_line_and_exit_1_and_debug_adds_the_trace()
    {
        using var dir = new TempDirectory();
        var model = new Sequential(new Dense(2, inputShape: [3]));
        model.Compile("sgd", "mse");
        model.Save(dir.File("good.dsm"));
        foreach (var (name, compile) in new[] { ("array", "[]"), ("number", "1"), ("string", "\"x\"") })
        {
            var path = dir.File($"{name}.dsm");
            WriteWithMetadata(dir.File("good.dsm"), path, "compile", compile);

            // As a process: an unhandled exception would end it with 134 and a trace.
            var (code, _, error) = CliProcess.Run("evaluate", "--model", path);
            Assert.True(code == 1, $"compile {compile}: exit {code}\n{error}");
            var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.StartsWith("deepsharp evaluate: ", lines[0]);
            Assert.DoesNotContain("   at ", error);

            var debug = Run("evaluate", "--model", path, "--debug");
            Assert.Equal(1, debug.Code);
            var debugLines = debug.Error.Split('\n');
            Assert.StartsWith(debugLines[0].TrimEnd('\r'), lines[0]); // the same message (without the hint to use --debug)
            Assert.StartsWith("   at ", debugLines.First(line => line.StartsWith(' ')));
        }
    }

    [Fact]
    public void Messages_quote_the_values_the_user_typed()
    {
        var (code, _, error) = Run("train", "mlp", "--out", "");
        Assert.Equal(2, code);
        Assert.StartsWith("deepsharp train: --out needs a value: --out DIR; got an empty string ''.", error);
        Assert.DoesNotContain("Parameter", error);

        (code, _, error) = Run("augment", "--out", "x", "--zoom", "-1");
        Assert.Equal(2, code);
        Assert.StartsWith("deepsharp augment: --zoom z gives factors from [1 - z, 1 + z], so z must be between 0 and 1; got '-1'.", error);
        Assert.DoesNotContain("bound 2", error); // what -1 became inside: [2, 0]

        (code, _, error) = Run("augment", "--out", "x", "--zoom", "1.20,0.90");
        Assert.Equal(2, code);
        Assert.Contains("got '1.20,0.90' (low '1.20', high '0.90')", error);

        (code, _, error) = Run("augment", "--out", "x", "--rotation", "400.0");
        Assert.Equal(2, code);
        Assert.Contains("--rotation must be between 0 and 360, got '400.0'.", error);

        (code, _, error) = Run("augment", "--out", "x", "--cval", "1e999");
        Assert.Equal(2, code);
        Assert.Contains("--cval expects a finite number, got '1e999'.", error);

        (code, _, error) = Run("train", "mlp", "--epochs", "007", "--epochs", "8");
        Assert.Equal(2, code);
        Assert.Contains("--epochs is given 2 times ('007', '8'); give it once.", error);

        (code, _, error) = Run("train", "mlp", "--seed", "-01");
        Assert.Equal(2, code);
        Assert.Contains("got '-01'", error);
    }

    [Fact]
    public void An_argument_exceptions_parameter_name_is_left_out()
    {
        Assert.Equal("ImageDataGenerator: zoomRange goes below 0.",
            FailureMessage.Describe(new ArgumentOutOfRangeException("zoomRange", -1.0, "ImageDataGenerator: zoomRange goes below 0.")));
        Assert.Equal("inner message", FailureMessage.Describe(new AggregateException(new InvalidDataException("inner message"))));
        Assert.StartsWith("internal error (NullReferenceException): ", FailureMessage.Describe(new NullReferenceException()));
    }
}
