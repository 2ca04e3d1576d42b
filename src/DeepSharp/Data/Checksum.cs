using System.Security.Cryptography;

namespace DeepSharp;

/// <summary>
/// The expected hash of a file, as publishers list them: an algorithm (<c>sha256</c> or <c>md5</c>) and a
/// lower-case hexadecimal digest. Written and parsed as <c>sha256:0ae29f65…</c>.
/// </summary>
public sealed record Checksum
{
    private Checksum(string algorithm, string hex)
    {
        Algorithm = algorithm;
        Hex = hex;
    }

    /// <summary>The hash algorithm: <c>sha256</c> or <c>md5</c>.</summary>
    public string Algorithm { get; }

    /// <summary>The digest in lower-case hexadecimal.</summary>
    public string Hex { get; }

    /// <summary>A SHA-256 checksum from its 64 hexadecimal digits.</summary>
    public static Checksum Sha256(string hex) => Create("sha256", hex, 64);

    /// <summary>An MD5 checksum from its 32 hexadecimal digits (MNIST's publishers list MD5).</summary>
    public static Checksum Md5(string hex) => Create("md5", hex, 32);

    /// <summary>Parses <c>algorithm:hex</c>, e.g. <c>sha256:b0564c3e…</c> or <c>md5:9fb629c4…</c>.</summary>
    public static Checksum Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.IndexOf(':');
        string algorithm = colon < 0 ? "" : text[..colon].ToLowerInvariant();
        return algorithm switch
        {
            "sha256" => Sha256(text[(colon + 1)..]),
            "md5" => Md5(text[(colon + 1)..]),
            _ => throw new FormatException($"Checksum.Parse: expected 'sha256:<64 hex digits>' or 'md5:<32 hex digits>', got '{text}'."),
        };
    }

    /// <summary>Hashes the file at <paramref name="path"/> with this checksum's algorithm; returns the hex digest.</summary>
    public string Compute(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Compute(stream);
    }

    /// <summary>Hashes the rest of <paramref name="stream"/> with this checksum's algorithm; returns the hex digest.</summary>
    public string Compute(Stream stream)
    {
        byte[] hash = Algorithm == "md5" ? MD5.HashData(stream) : SHA256.HashData(stream);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Whether the file at <paramref name="path"/> hashes to this checksum.</summary>
    public bool Matches(string path) => Compute(path) == Hex;

    /// <summary>A hash computed as data streams past (a download), for this checksum's algorithm.</summary>
    internal IncrementalHash CreateIncrementalHash() =>
        IncrementalHash.CreateHash(Algorithm == "md5" ? HashAlgorithmName.MD5 : HashAlgorithmName.SHA256);

    /// <summary><c>algorithm:hex</c>.</summary>
    public override string ToString() => $"{Algorithm}:{Hex}";

    private static Checksum Create(string algorithm, string hex, int digits)
    {
        ArgumentNullException.ThrowIfNull(hex);
        hex = hex.Trim();
        if (hex.Length != digits || !IsHex(hex))
            throw new FormatException($"Checksum: a {algorithm} digest is {digits} hexadecimal digits, got '{hex}' ({hex.Length} characters).");
        return new Checksum(algorithm, hex.ToLowerInvariant());
    }

    private static bool IsHex(string text)
    {
        foreach (char c in text)
            if (!char.IsAsciiHexDigit(c)) return false;
        return true;
    }
}
