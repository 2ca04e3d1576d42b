using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;

namespace DeepSharp.Tests.Data;

/// <summary>A temporary directory, deleted with everything in it when disposed.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() : this(System.IO.Path.GetTempPath())
    {
    }

    private TempDirectory(string root)
    {
        Path = System.IO.Path.Combine(root, "deepsharp-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    /// <summary>A directory in memory (/dev/shm) where there is one, for tests that write thousands of small files.</summary>
    public static TempDirectory InMemory() => new(Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath());

    public string Path { get; }

    public string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>Sets an environment variable for the life of the value, then restores it.</summary>
internal sealed class EnvironmentVariableScope : IDisposable
{
    private readonly string _name;
    private readonly string? _previous;

    public EnvironmentVariableScope(string name, string? value)
    {
        _name = name;
        _previous = Environment.GetEnvironmentVariable(name);
        Environment.SetEnvironmentVariable(name, value);
    }

    public void Dispose() => Environment.SetEnvironmentVariable(_name, _previous);
}

/// <summary>Builds IDX files byte by byte, independently of the reader under test.</summary>
internal static class IdxBytes
{
    /// <summary>An IDX file: magic 00 00 type rank, big-endian dimensions, then <paramref name="data"/> as given.</summary>
    public static byte[] Build(byte type, int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (int d = 0; d < dims.Length; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    public static byte[] UnsignedBytes(int[] dims, byte[] data) => Build(0x08, dims, data);

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(bytes);
        return output.ToArray();
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}

/// <summary>
/// Where the real datasets are: $DEEPSHARP_DATA when it holds fashion-mnist/, else the shared/datasets folder in an
/// ancestor of the test's directory (the loaders' own search order, minus the cache and the download).
/// </summary>
internal static class SharedData
{
    public static string Directory
    {
        get
        {
            string? fromEnvironment = Environment.GetEnvironmentVariable("DEEPSHARP_DATA");
            if (!string.IsNullOrWhiteSpace(fromEnvironment) && System.IO.Directory.Exists(System.IO.Path.Combine(fromEnvironment, "fashion-mnist")))
                return fromEnvironment;
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                string candidate = System.IO.Path.Combine(dir.FullName, "shared", "datasets");
                if (System.IO.Directory.Exists(System.IO.Path.Combine(candidate, "fashion-mnist"))) return candidate;
            }
            throw new InvalidOperationException(
                $"The datasets (a folder with fashion-mnist/) were found neither in $DEEPSHARP_DATA nor as shared/datasets above {AppContext.BaseDirectory}.");
        }
    }
}
