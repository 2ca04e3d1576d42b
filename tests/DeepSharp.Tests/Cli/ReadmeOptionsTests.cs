using System.Text.RegularExpressions;
using DeepSharp.Cli.Options;

namespace DeepSharp.Tests.Cli;

/// <summary>
/// README.md's "Commands and options" lists every option the parser knows, under the command that takes it, and no
/// option that command does not take: the list cannot drift from the code.
/// </summary>
public partial class ReadmeOptionsTests
{
    /// <summary>A "### ..." part of the section: the forms its heading names (`deepsharp train cnn` → "train cnn") and its text.</summary>
    private sealed record Part(string Heading, IReadOnlyList<string[]> Keys, string Body);

    private static IReadOnlyList<Part> Parts()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "DeepSharp.slnx"))) directory = directory.Parent;
        Assert.NotNull(directory);
        var readme = File.ReadAllText(Path.Combine(directory.FullName, "README.md")).Replace("\r", "");
        int start = readme.IndexOf("\n## Commands and options\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '## Commands and options' section");
        int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];
        return section.Split("\n### ").Skip(1).Select(part =>
        {
            var heading = part[..part.IndexOf('\n')];
            var keys = CommandInBackticks().Matches(heading)
                .Select(m => m.Groups[1].Value.Split(' ').TakeWhile(word => !word.StartsWith('-')).ToArray()).ToList();
            return new Part(heading, keys, part[heading.Length..]);
        }).ToList();
    }

    /// <summary>
    /// Whether a heading's key names the form: words equal, a placeholder (&lt;example&gt;) standing for any word or
    /// none, and a placeholder at the end for any words after it (`deepsharp &lt;command&gt;`: every form).
    /// </summary>
    private static bool Names(string[] key, string[] form)
    {
        if (form.Length > key.Length && !key[^1].StartsWith('<')) return false;
        for (int i = 0; i < key.Length; i++)
            if (!key[i].StartsWith('<') && (i >= form.Length || key[i] != form[i])) return false;
        return true;
    }

    private static IEnumerable<(string[] Form, HashSet<string> Options)> Forms() =>
        HelpAndVersionTests.Forms().Select(f => (
            (string[])[f.Command.Name, .. f.Words],
            f.Command.Options(f.Words).Concat(CommonOptions.Global).Select(o => o.Name).ToHashSet()));

    [GeneratedRegex("`deepsharp ([^`]*)`")]
    private static partial Regex CommandInBackticks();

    [GeneratedRegex("(?<![A-Za-z0-9-])--([a-z][a-z0-9-]*)")]
    private static partial Regex OptionName();

    [Fact]
    public void Every_option_of_every_command_is_listed_under_it()
    {
        var parts = Parts();
        foreach (var (form, options) in Forms())
        {
            var text = string.Concat(parts.Where(p => p.Keys.Any(key => Names(key, form))).Select(p => p.Body));
            foreach (var option in options)
                Assert.True(text.Contains($"`--{option}"), $"README.md does not list --{option} of 'deepsharp {string.Join(' ', form)}'.");
        }
        Assert.Contains(parts, p => p.Body.Contains("`deepsharp --version`"));
    }

    [Fact]
    public void Every_option_the_readme_lists_is_taken_by_the_commands_its_heading_names()
    {
        var forms = Forms().ToList();
        foreach (var part in Parts())
        {
            Assert.True(part.Keys.Count > 0, $"README.md: '### {part.Heading}' names no `deepsharp ...` command.");
            var known = forms.Where(f => part.Keys.Any(key => Names(key, f.Form))).SelectMany(f => f.Options).Append("version").ToHashSet();
            foreach (Match match in OptionName().Matches(part.Body))
                Assert.True(known.Contains(match.Groups[1].Value),
                    $"README.md lists --{match.Groups[1].Value} under '### {part.Heading}', but those commands do not take it.");
        }
    }
}
