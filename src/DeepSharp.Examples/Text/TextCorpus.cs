using System.Text;

namespace DeepSharp.Examples;

/// <summary>
/// A text corpus split into training and held-out text, deterministically: the fortune cookies Debian's <c>fortunes</c>
/// packages install (<see cref="FortunesDirectory"/>), or any UTF-8 text file or folder of them. The text is cut into
/// pieces (fortunes, separated by lines holding only "%"; paragraphs in other files), and every tenth piece, in file
/// and then text order, is held out.
/// </summary>
public sealed class TextCorpus
{
    /// <summary>Where Debian's <c>fortunes</c>, <c>fortunes-min</c> and <c>fortune-mod</c> put the fortune files.</summary>
    public const string FortunesDirectory = "/usr/share/games/fortunes";

    /// <summary>One piece in this many is held out.</summary>
    public const int HeldOutEvery = 10;

    /// <summary>The separator written after every piece: a fortune file's "%" line, which the model learns to write too.</summary>
    public const string PieceEnd = "%\n";

    private TextCorpus(string source, IReadOnlyList<string> files, string train, string heldOut, int trainPieces, int heldOutPieces)
    {
        Source = source;
        Files = files;
        Train = train;
        HeldOut = heldOut;
        TrainPieces = trainPieces;
        HeldOutPieces = heldOutPieces;
    }

    /// <summary>The file or folder read.</summary>
    public string Source { get; }

    /// <summary>The files read, in order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The training text: its pieces, each followed by <see cref="PieceEnd"/>.</summary>
    public string Train { get; }

    /// <summary>The held-out text, in the same form.</summary>
    public string HeldOut { get; }

    /// <summary>Pieces in the training text.</summary>
    public int TrainPieces { get; }

    /// <summary>Pieces in the held-out text.</summary>
    public int HeldOutPieces { get; }

    /// <summary>
    /// Reads <paramref name="path"/>: a text file, or a folder whose fortune files (those with a <c>.dat</c> index beside
    /// them, as <c>strfile</c> makes) or, failing that, whose regular files are read in ordinal name order; null reads
    /// <see cref="FortunesDirectory"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing to read there; the message says how to install the fortunes.</exception>
    /// <exception cref="InvalidDataException">The text has fewer than <see cref="HeldOutEvery"/> pieces, so nothing could be held out.</exception>
    public static TextCorpus Load(string? path = null)
    {
        string source = path ?? FortunesDirectory;
        var files = FilesOf(source);
        var train = new StringBuilder();
        var heldOut = new StringBuilder();
        int index = 0, trainPieces = 0, heldOutPieces = 0;
        foreach (var file in files)
            foreach (var piece in Pieces(File.ReadAllText(file, Encoding.UTF8)))
            {
                bool held = index++ % HeldOutEvery == HeldOutEvery - 1;
                (held ? heldOut : train).Append(piece).Append('\n').Append(PieceEnd);
                if (held) heldOutPieces++;
                else trainPieces++;
            }
        if (heldOutPieces == 0)
            throw new InvalidDataException(
                $"The corpus '{source}' holds {index} piece(s) of text (fortunes or paragraphs); at least {HeldOutEvery} are needed to hold one out.");
        return new TextCorpus(source, files, train.ToString(), heldOut.ToString(), trainPieces, heldOutPieces);
    }

    private static List<string> FilesOf(string source)
    {
        if (File.Exists(source)) return [source];
        if (!Directory.Exists(source))
            throw new FileNotFoundException(source == FortunesDirectory
                ? $"The fortunes corpus is not installed ({FortunesDirectory} does not exist): install it with 'apt-get install fortunes' " +
                  "(or run tools/install-fortunes.sh), or give --corpus FILE|DIR."
                : $"The corpus '{source}' does not exist; give a text file or a folder of them.", source);
        var all = Directory.GetFiles(source).Where(f => !new FileInfo(f).Attributes.HasFlag(FileAttributes.ReparsePoint)).ToList();
        // A fortune folder: the files strfile indexed (the .u8 names are links to the same files).
        var fortunes = all.Where(f => File.Exists(f + ".dat")).ToList();
        var chosen = (fortunes.Count > 0 ? fortunes : all.Where(f => !f.EndsWith(".dat", StringComparison.Ordinal)).ToList())
            .Order(StringComparer.Ordinal).ToList();
        if (chosen.Count == 0) throw new FileNotFoundException($"The corpus folder '{source}' holds no text files.", source);
        return chosen;
    }

    /// <summary>A file's fortunes (between "%" lines) or, without any such line, its paragraphs (between blank lines); trimmed of blank lines, empty ones dropped.</summary>
    private static IEnumerable<string> Pieces(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        bool fortunes = lines.Any(line => line == "%");
        var piece = new List<string>();
        foreach (var line in lines.Append(fortunes ? "%" : ""))
        {
            bool end = fortunes ? line == "%" : line.Trim().Length == 0;
            if (!end)
            {
                piece.Add(line);
                continue;
            }
            while (piece.Count > 0 && piece[^1].Trim().Length == 0) piece.RemoveAt(piece.Count - 1);
            int first = piece.FindIndex(l => l.Trim().Length > 0);
            if (first >= 0) yield return string.Join('\n', piece.Skip(first));
            piece.Clear();
        }
    }
}
