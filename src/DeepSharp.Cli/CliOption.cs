namespace DeepSharp.Cli;

/// <summary>
/// One option a command takes, as its help and the README list it: <c>--name VALUE</c> and what it does. Commands read
/// options through these declarations only, so the help, the parser and the README cannot name different options.
/// </summary>
/// <param name="Name">The name without its dashes (<c>batch-size</c>).</param>
/// <param name="Value">The placeholder of its value in help (<c>N</c>, <c>DIR</c>), or null for a flag.</param>
/// <param name="Description">What it does and its default; lines after the first are continuation lines.</param>
public sealed record CliOption(string Name, string? Value, string Description)
{
    /// <summary>
    /// The option it refines, when it is read only together with that one (<c>--augment</c>): given alone it is
    /// refused with a message naming what it needs.
    /// </summary>
    public string? Requires { get; init; }

    /// <summary>Whether it is a bare flag, without a value.</summary>
    public bool IsFlag => Value is null;

    /// <summary>How it is written: <c>--name VALUE</c>, or <c>--name</c> for a flag.</summary>
    public string Usage => IsFlag ? $"--{Name}" : $"--{Name} {Value}";

    /// <summary>The same option (same spelling and value) described for another command.</summary>
    public CliOption Describe(string description) => this with { Description = description };
}
