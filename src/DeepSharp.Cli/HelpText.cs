using System.Text;

namespace DeepSharp.Cli;

/// <summary>
/// A command's help, built from its <see cref="CliOption"/> declarations: a usage line, paragraphs, and sections of
/// options aligned in one column (continuation lines of a description indented under it).
/// </summary>
public sealed class HelpText
{
    private readonly List<(string? Title, IReadOnlyList<CliOption>? Options, string? Text)> _parts = [];

    /// <summary>Starts the help with its usage line (without "Usage: ").</summary>
    public HelpText(string usage) => _parts.Add((null, null, $"Usage: {usage}"));

    /// <summary>Adds a paragraph of text.</summary>
    public HelpText Paragraph(string text)
    {
        _parts.Add((null, null, text.TrimEnd('\n')));
        return this;
    }

    /// <summary>Adds a titled list of options (nothing when the list is empty).</summary>
    public HelpText Section(string title, IReadOnlyList<CliOption> options)
    {
        if (options.Count > 0) _parts.Add((title, options, null));
        return this;
    }

    /// <summary>The text: parts separated by blank lines, ending with a newline.</summary>
    public override string ToString()
    {
        int width = Math.Max(16, _parts.Where(p => p.Options is not null).SelectMany(p => p.Options!).Select(o => o.Usage.Length).DefaultIfEmpty(0).Max() + 2);
        var text = new StringBuilder();
        foreach (var (title, options, paragraph) in _parts)
        {
            if (text.Length > 0) text.Append('\n');
            if (paragraph is not null)
            {
                text.Append(paragraph).Append('\n');
                continue;
            }
            text.Append(title).Append(":\n");
            foreach (var option in options!)
            {
                var lines = option.Description.Split('\n');
                text.Append("  ").Append(option.Usage.PadRight(width)).Append(lines[0]).Append('\n');
                foreach (var line in lines.Skip(1)) text.Append(' ', 2 + width).Append(line).Append('\n');
            }
        }
        return text.ToString();
    }
}
