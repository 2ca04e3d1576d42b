using System.Globalization;

namespace DeepSharp.Cli;

/// <summary>
/// Parsed options of one command: <c>--name value</c>, <c>--name=value</c> and bare flags (<c>--augment</c>), plus
/// positional words (and everything after <c>--</c>). Options are read through their <see cref="CliOption"/>
/// declarations; every option read is checked off, so one given but never read (a typo, or one the command does not
/// take) is reported by <see cref="RejectUnknown"/>. Messages quote values as the user typed them.
/// </summary>
public sealed class CommandLine
{
    /// <summary>One option as given: its name, its value (null for a bare flag), and whether it came after '='.</summary>
    private readonly record struct Given(string Name, string? Value, bool Inline);

    private readonly List<Given> _given = [];
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private Dictionary<string, CliOption>? _declared;

    /// <summary>Words that are not options, in order.</summary>
    public List<string> Positional { get; } = [];

    /// <summary>The words parsed, as given.</summary>
    public IReadOnlyList<string> Words { get; private set; } = [];

    /// <summary>Parses arguments (after the command name).</summary>
    public static CommandLine Parse(ReadOnlySpan<string> args)
    {
        var line = new CommandLine { Words = args.ToArray() };
        for (int i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                // The rest are words, even those that start with dashes (a file called "--x.png").
                for (i++; i < args.Length; i++) line.Positional.Add(args[i]);
                break;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                line.Positional.Add(arg);
                continue;
            }
            var body = arg[2..];
            int eq = body.IndexOf('=');
            if (eq >= 0) line._given.Add(new Given(body[..eq], body[(eq + 1)..], Inline: true));
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) line._given.Add(new Given(body, args[++i], Inline: false));
            else line._given.Add(new Given(body, null, Inline: false));
        }
        return line;
    }

    /// <summary>
    /// The options the command takes. Reading any other is a bug of the command (it would be missing from the help
    /// and the README) and throws <see cref="InvalidOperationException"/>; before this call every read is allowed.
    /// </summary>
    public void Declare(IEnumerable<CliOption> options)
    {
        _declared = new Dictionary<string, CliOption>(StringComparer.Ordinal);
        foreach (var option in options)
            if (!_declared.TryAdd(option.Name, option) && _declared[option.Name] != option)
                throw new InvalidOperationException($"--{option.Name} is declared twice, differently.");
    }

    /// <summary>Whether a bare flag (or one given a value of true or false) is present and true.</summary>
    public bool Flag(CliOption option)
    {
        var values = Values(option);
        if (values.Count == 0) return false;
        if (values.Count > 1) throw GivenTwice(option, values);
        var given = values[0];
        if (given.Value is null) return true;
        if (bool.TryParse(given.Value, out bool b)) return b;
        if (given.Inline)
            throw new UsageException($"--{option.Name} is a flag: it takes no value, or true or false; got '{given.Value}'.");
        // "--augment foo": the word after a flag was not meant as its value.
        Positional.Add(given.Value);
        return true;
    }

    /// <summary>A string option, or <paramref name="fallback"/> when it is not given; an empty value is refused.</summary>
    public string? String(CliOption option, string? fallback = null)
    {
        var values = Values(option);
        if (values.Count == 0) return fallback;
        if (values.Count > 1) throw GivenTwice(option, values);
        return Checked(option, values[0].Value);
    }

    /// <summary>
    /// <paramref name="value"/>, read from <paramref name="option"/>, or a usage error saying it is required. Called after
    /// <see cref="RejectUnknown"/>, so that a misspelt option is reported as such rather than as a missing one.
    /// </summary>
    public static string Required(CliOption option, string? value, string? what = null) =>
        value ?? throw new UsageException($"{option.Usage} is required{(what is null ? "" : $" ({what})")}.");

    /// <summary>Every value of an option that may be given several times (<c>--input a.png --input b.png</c>), in order.</summary>
    public IReadOnlyList<string> Strings(CliOption option) => Values(option).Select(given => Checked(option, given.Value)).ToList();

    /// <summary>An integer option within [min, max], or <paramref name="fallback"/>.</summary>
    public int Int(CliOption option, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = String(option);
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            throw new UsageException($"--{option.Name} expects a whole number, got '{text}'.");
        if (value < min || value > max)
            throw new UsageException($"--{option.Name} must be between {min} and {max}, got '{text}'.");
        return value;
    }

    /// <summary>A finite number option within [min, max], or <paramref name="fallback"/>.</summary>
    public double Double(CliOption option, double fallback, double min = double.MinValue, double max = double.MaxValue)
    {
        var text = String(option);
        if (text is null) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            throw new UsageException($"--{option.Name} expects a finite number, got '{text}'.");
        if (value < min || value > max)
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--{option.Name} must be between {min} and {max}, got '{text}'."));
        return value;
    }

    /// <summary>One of <paramref name="choices"/>, or <paramref name="fallback"/>.</summary>
    public string Choice(CliOption option, string fallback, params string[] choices)
    {
        var text = String(option) ?? fallback;
        if (!choices.Contains(text))
            throw new UsageException($"--{option.Name} must be one of {string.Join(", ", choices)}; got '{text}'.");
        return text;
    }

    /// <summary>
    /// Throws if an option was given that the command never read: one that refines another given alone ("--rotation
    /// needs --augment"), a typo (with the nearest option the command takes), or one the command does not take.
    /// </summary>
    public void RejectUnknown()
    {
        var unread = _given.Select(g => g.Name).Where(name => !_read.Contains(name)).Distinct().ToList();
        if (unread.Count == 0) return;
        foreach (var name in unread)
            if (_declared is not null && _declared.TryGetValue(name, out var option) && option.Requires is { } requires)
                throw new UsageException($"--{name} needs {requires}.");
        var message = $"unknown option{(unread.Count > 1 ? "s" : "")}: {string.Join(", ", unread.Select(u => "--" + u))}";
        throw new UsageException(unread.Count == 1 && Nearest(unread[0]) is { } nearest ? $"{message}; did you mean --{nearest}?" : message + ".");
    }

    /// <summary>The names of the options given but not read so far, in the order given.</summary>
    public IReadOnlyList<string> Unread() => _given.Select(g => g.Name).Where(name => !_read.Contains(name)).Distinct().ToList();

    /// <summary>
    /// <paramref name="words"/> without the options named in <paramref name="names"/> (and their values, read as
    /// <see cref="Parse"/> reads them): to give a recorded command line other values for some options.
    /// </summary>
    public static List<string> Without(IReadOnlyList<string> words, params string[] names)
    {
        var kept = new List<string>(words.Count);
        for (int i = 0; i < words.Count; i++)
        {
            var word = words[i];
            if (word == "--")
            {
                kept.AddRange(words.Skip(i));
                break;
            }
            if (word.StartsWith("--", StringComparison.Ordinal))
            {
                var body = word[2..];
                int eq = body.IndexOf('=');
                if (names.Contains(eq >= 0 ? body[..eq] : body))
                {
                    if (eq < 0 && i + 1 < words.Count && !words[i + 1].StartsWith("--", StringComparison.Ordinal)) i++;
                    continue;
                }
            }
            kept.Add(word);
        }
        return kept;
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

    private List<Given> Values(CliOption option)
    {
        if (_declared is not null && !_declared.ContainsKey(option.Name))
            throw new InvalidOperationException($"The command reads --{option.Name} without declaring it: its help and the README would miss it.");
        _read.Add(option.Name);
        return _given.Where(g => g.Name == option.Name).ToList();
    }

    private static string Checked(CliOption option, string? value)
    {
        if (option.IsFlag)
            throw new InvalidOperationException($"--{option.Name} is declared as a flag but read as a value.");
        if (value is null) throw new UsageException($"--{option.Name} needs a value: {option.Usage}.");
        if (value.Length == 0) throw new UsageException($"--{option.Name} needs a value: {option.Usage}; got an empty string ''.");
        return value;
    }

    private static UsageException GivenTwice(CliOption option, List<Given> values) =>
        new($"--{option.Name} is given {values.Count} times ({string.Join(", ", values.Select(v => v.Value is null ? "bare" : $"'{v.Value}'"))}); give it once.");

    /// <summary>The declared option whose name is nearest to <paramref name="name"/>, if it is a likely typo of it.</summary>
    private string? Nearest(string name)
    {
        if (_declared is null) return null;
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var candidate in _declared.Keys)
        {
            int distance = EditDistance(name, candidate);
            if (distance < bestDistance) (best, bestDistance) = (candidate, distance);
        }
        return bestDistance <= Math.Max(1, name.Length / 3) ? best : null;
    }

    /// <summary>Edits (insert, delete, replace, swap two neighbours) that turn <paramref name="a"/> into <paramref name="b"/>.</summary>
    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j], d[i, j - 1]) + 1, d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
