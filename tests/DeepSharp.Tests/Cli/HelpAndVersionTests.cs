using System.Reflection;
using DeepSharp.Cli;
using DeepSharp.Cli.Commands;
using DeepSharp.Cli.Options;
using static DeepSharp.Tests.Cli.CliInProcess;

namespace DeepSharp.Tests.Cli;

/// <summary>What <c>--version</c> and each command's <c>--help</c> show, and that options are spelt alike everywhere.</summary>
public class HelpAndVersionTests
{
    /// <summary>Every command with the positional words that select its forms (train: each example).</summary>
    public static IEnumerable<(ICommand Command, string[] Words)> Forms() =>
        CommandRunner.Commands.SelectMany(command => command is TrainCommand
            ? TrainCommand.ExampleNames.Select(name => (command, new[] { name })).Prepend((command, Array.Empty<string>()))
            : [(command, Array.Empty<string>())]);

    [Fact]
    public void Version_prints_the_informational_version_of_the_tool()
    {
        var informational = typeof(CommandRunner).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Matches(@"^\d+\.\d+\.\d+", informational);

        var (code, output, error) = CliProcess.Run("--version");

        Assert.True(code == 0, error);
        Assert.Equal($"deepsharp {informational}\n", output.Replace("\r", ""));
        Assert.Equal($"deepsharp {informational}", Run("-V").Output.TrimEnd());
    }

    [Fact]
    public void Help_of_an_example_lists_the_shared_options_with_its_defaults_and_only_its_own_options()
    {
        var cnn = Run("train", "cnn", "--help");
        var gan = Run("train", "gan", "--help");
        var mlp = Run("train", "mlp", "-h");

        Assert.Equal(0, cnn.Code);
        foreach (var option in TrainingOptionsParser.Options())
        {
            Assert.Contains($"  --{option.Name}", cnn.Output);
            Assert.Contains($"  --{option.Name}", gan.Output);
            Assert.Contains($"  --{option.Name}", mlp.Output);
        }
        Assert.Contains("--epochs N            epochs to train (default 15)", cnn.Output);
        Assert.Contains("--epochs N      epochs to train (default 10)", mlp.Output);
        foreach (var own in new[] { "--augment", "--batch-norm", "--rotation", "--zoom", "--augmented-bn-stats" })
        {
            Assert.Contains(own, cnn.Output);
            Assert.DoesNotContain(own, gan.Output);
            Assert.DoesNotContain(own, mlp.Output);
        }
        foreach (var own in new[] { "--arch", "--real-label", "--classifier", "--samples", "--train-images" })
        {
            Assert.Contains(own, gan.Output);
            Assert.DoesNotContain(own, cnn.Output);
            Assert.DoesNotContain(own, mlp.Output);
        }
        Assert.Equal(cnn.Output, Run("help", "train", "cnn").Output);
    }

    [Fact]
    public void Every_command_lists_every_option_it_takes_in_its_help()
    {
        foreach (var (command, words) in Forms())
        {
            var (code, output, _) = Run([command.Name, .. words, "--help"]);
            Assert.Equal(0, code);
            Assert.StartsWith($"Usage: deepsharp {command.Name}", output);
            foreach (var option in command.Options(words))
                Assert.True(output.Contains($"  {option.Usage} "), $"'{command.Name} {string.Join(' ', words)} --help' does not list {option.Usage}:\n{output}");
        }
        var top = Run("--help").Output;
        foreach (var command in CommandRunner.Commands) Assert.Contains($"  {command.Name} ", top);
        Assert.Contains("--version", top);
    }

    [Fact]
    public void Shared_options_are_spelt_alike_in_every_command_that_takes_them()
    {
        var options = Forms().SelectMany(form => form.Command.Options(form.Words).Select(option => (form.Command.Name, Option: option))).ToList();
        // One placeholder per name (--out is a directory for some commands and a file for others).
        foreach (var group in options.GroupBy(o => o.Option.Name).Where(g => g.Key != "out"))
            Assert.Single(group.Select(o => o.Option.Value).Distinct());
        var names = options.GroupBy(o => o.Name).ToDictionary(g => g.Key, g => g.Select(o => o.Option.Name).ToHashSet());
        Assert.Superset(new HashSet<string> { "data", "dataset", "out", "seed", "threads", "batch-size", "limit" }, names["train"]);
        Assert.Superset(new HashSet<string> { "model", "data", "dataset", "threads", "batch-size", "limit" }, names["evaluate"]);
        Assert.Superset(new HashSet<string> { "model", "out", "dataset", "threads", "batch-size", "limit" }, names["predict"]);
        Assert.Superset(new HashSet<string> { "model", "out", "seed", "threads" }, names["generate"]);
        Assert.Superset(new HashSet<string> { "out", "seed", "data", "dataset" }, names["augment"]);
        Assert.Superset(new HashSet<string> { "threads" }, names["info"]);
    }

    [Fact]
    public void A_misspelt_option_is_named_with_the_nearest_one_the_command_takes()
    {
        var (code, _, error) = Run("evaluate", "--modle", "m.dsm");
        Assert.Equal(2, code);
        Assert.Contains("unknown option: --modle; did you mean --model?", error);

        (code, _, error) = Run("train", "mlp", "--arch", "dcgan");
        Assert.Equal(2, code);
        Assert.Contains("unknown option: --arch.", error);
        Assert.Contains("Usage: deepsharp train mlp", error); // the example's help, not every example's

        (code, _, error) = Run("train", "cnn", "--zoom", "0.1");
        Assert.Equal(2, code);
        Assert.Contains("--zoom needs --augment.", error);
    }
}
