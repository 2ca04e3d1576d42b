using System.Globalization;

namespace DeepSharp.Cli;

/// <summary>Bad command-line usage: the message says what was wrong and what was expected.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Parsed options of one command: <c>--name value</c>, <c>--name=value</c> and bare flags (<c>--augment</c>),
/// plus positional words. Every option a command reads is checked off, so a misspelt one is reported.
/// </summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    /// <summary>Words that are not options, in order.</summary>
    public List<string> Positional { get; } = [];

    /// <summary>Parses arguments (after the command name).</summary>
    public static CommandLine Parse(ReadOnlySpan<string> args)
    {
        var line = new CommandLine();
        for (int i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                line.Positional.Add(arg);
                continue;
            }
            var body = arg[2..];
            int eq = body.IndexOf('=');
            if (eq >= 0) line._options[body[..eq]] = body[(eq + 1)..];
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) line._options[body] = args[++i];
            else line._options[body] = null;
        }
        return line;
    }

    /// <summary>Whether a bare flag (or one given a value of true) is present.</summary>
    public bool Flag(string name)
    {
        _read.Add(name);
        if (!_options.TryGetValue(name, out var value)) return false;
        if (value is null) return true;
        if (bool.TryParse(value, out bool b)) return b;
        // "--augment foo": the word after a flag was not meant as its value.
        Positional.Add(value);
        return true;
    }

    /// <summary>A string option, or <paramref name="fallback"/>.</summary>
    public string? String(string name, string? fallback = null)
    {
        _read.Add(name);
        if (!_options.TryGetValue(name, out var value)) return fallback;
        return value ?? throw new UsageException($"--{name} needs a value.");
    }

    /// <summary>An integer option within [min, max], or <paramref name="fallback"/>.</summary>
    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = String(name);
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            throw new UsageException($"--{name} expects a whole number, got '{text}'.");
        if (value < min || value > max)
            throw new UsageException($"--{name} must be between {min} and {max}, got {value}.");
        return value;
    }

    /// <summary>A number option within [min, max], or <paramref name="fallback"/>.</summary>
    public double Double(string name, double fallback, double min = double.MinValue, double max = double.MaxValue)
    {
        var text = String(name);
        if (text is null) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || double.IsNaN(value))
            throw new UsageException($"--{name} expects a number, got '{text}'.");
        if (value < min || value > max)
            throw new UsageException($"--{name} must be between {min} and {max}, got {value}.");
        return value;
    }

    /// <summary>One of <paramref name="choices"/>, or <paramref name="fallback"/>.</summary>
    public string Choice(string name, string fallback, params string[] choices)
    {
        var text = String(name) ?? fallback;
        if (!choices.Contains(text))
            throw new UsageException($"--{name} must be one of {string.Join(", ", choices)}; got '{text}'.");
        return text;
    }

    /// <summary>Throws if an option was given that the command never read (a typo, or one it does not take).</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new UsageException($"unknown option{(unknown.Count > 1 ? "s" : "")}: {string.Join(", ", unknown.Select(u => "--" + u))}.");
    }

    /// <summary>
    /// Fails with <see cref="FileNotFoundException"/> (exit code 1, not a usage error) when <paramref name="path"/>,
    /// named in messages as <paramref name="description"/> ("the model file"), is not an existing file.
    /// </summary>
    public static void RequireFile(string path, string description = "the file")
    {
        if (File.Exists(path)) return;
        throw new FileNotFoundException(Directory.Exists(path)
            ? $"{description} '{path}' is a directory; give the path of a file."
            : $"{description} '{path}' does not exist.", path);
    }
}
