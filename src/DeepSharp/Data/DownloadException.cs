namespace DeepSharp;

/// <summary>
/// A download failed from every address tried. <see cref="Failures"/> lists each address with the reason
/// (connection refused, HTTP status, timeout, checksum mismatch...); the message says the same in words.
/// </summary>
public sealed class DownloadException : IOException
{
    /// <summary>Creates the exception for a download of <paramref name="destination"/> that failed from every address.</summary>
    public DownloadException(string destination, IReadOnlyList<(string Url, string Reason)> failures)
        : base(FormatMessage(destination, failures))
    {
        Destination = destination;
        Failures = failures;
    }

    /// <summary>The file the download was meant to produce.</summary>
    public string Destination { get; }

    /// <summary>Each address tried, in order, and why it failed.</summary>
    public IReadOnlyList<(string Url, string Reason)> Failures { get; }

    private static string FormatMessage(string destination, IReadOnlyList<(string Url, string Reason)> failures)
    {
        if (failures.Count == 0) return $"Could not download '{destination}': no address to download it from was given.";
        var text = new System.Text.StringBuilder($"Could not download '{Path.GetFileName(destination)}' to '{destination}':");
        foreach (var (url, reason) in failures) text.Append("\n  ").Append(url).Append(": ").Append(reason);
        return text.ToString();
    }
}
