using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace DeepSharp;

/// <summary>
/// Downloads a file from the first of several addresses (mirrors) that works, checking its hash, so that a
/// dataset is fetched once into a cache and never half-written: the bytes go to a temporary file beside the
/// destination, whose hash is checked before it is renamed into place. Accepts <c>http://</c>,
/// <c>https://</c> and <c>file://</c> addresses.
/// </summary>
public sealed class Downloader : IDisposable
{
    private readonly HttpClient _client;

    /// <summary>
    /// Creates a downloader. <paramref name="timeout"/> bounds each attempt (connection and body together;
    /// default 10 minutes); connecting alone is given at most 30 seconds.
    /// </summary>
    /// <param name="timeout">The longest one address may take to deliver the whole file.</param>
    /// <param name="handler">An HTTP handler to use instead of the default one (for tests or proxies); the downloader does not dispose it.</param>
    public Downloader(TimeSpan? timeout = null, HttpMessageHandler? handler = null)
    {
        Timeout = timeout ?? TimeSpan.FromMinutes(10);
        if (Timeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "Downloader: the timeout must be positive.");
        bool ownsHandler = handler is null;
        handler ??= new SocketsHttpHandler
        {
            ConnectTimeout = Timeout < TimeSpan.FromSeconds(30) ? Timeout : TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.None, // the bytes on disk must be the bytes hashed
        };
        // The timeout is enforced per attempt with a token, so that it also covers reading the body.
        _client = new HttpClient(handler, disposeHandler: ownsHandler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("DeepSharp/" + typeof(Downloader).Assembly.GetName().Version?.ToString(3));
    }

    /// <summary>The longest one address may take to deliver the whole file.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Where progress lines go ("Downloading … to …"); none when null.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>
    /// Downloads <paramref name="destination"/> from the first address in <paramref name="urls"/> that delivers
    /// it with the expected <paramref name="checksum"/>. An existing file at the destination is replaced only
    /// once a complete, verified copy is on disk.
    /// </summary>
    /// <exception cref="DownloadException">Every address failed; the exception lists each one and why.</exception>
    public void Download(IReadOnlyList<string> urls, string destination, Checksum? checksum, CancellationToken cancellationToken = default) =>
        DownloadAsync(urls, destination, checksum, cancellationToken).GetAwaiter().GetResult();

    /// <inheritdoc cref="Download"/>
    public async Task DownloadAsync(IReadOnlyList<string> urls, string destination, Checksum? checksum, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(urls);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        destination = Path.GetFullPath(destination);
        var failures = new List<(string Url, string Reason)>();
        foreach (var url in urls)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string? temporary = null;
            try
            {
                // Named after this process, so a download killed half-way is removed by the next write in the folder.
                temporary = AtomicFile.ReserveTemporary(destination);
                Log?.WriteLine($"Downloading {url} to {destination}");
                long bytes;
                string? actual;
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    timeout.CancelAfter(Timeout);
                    (bytes, actual) = await FetchAsync(url, temporary!, checksum, timeout.Token).ConfigureAwait(false);
                }
                if (checksum is not null && actual != checksum.Hex)
                {
                    File.Delete(temporary);
                    failures.Add((url, $"checksum mismatch: expected {checksum}, got {checksum.Algorithm}:{actual} ({bytes} bytes received)"));
                    continue;
                }
                File.Move(temporary, destination, overwrite: true);
                Log?.WriteLine($"  {bytes} bytes{(checksum is null ? "" : $", {checksum.Algorithm} verified")}");
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                TryDelete(temporary);
                failures.Add((url, Explain(e)));
            }
            catch
            {
                TryDelete(temporary);
                throw;
            }
            finally
            {
                if (temporary is not null) AtomicFile.ReleaseTemporary(temporary);
            }
        }
        throw new DownloadException(destination, failures);
    }

    /// <summary>Copies the resource at <paramref name="url"/> into <paramref name="temporary"/>, hashing it on the way.</summary>
    private async Task<(long Bytes, string? Hash)> FetchAsync(string url, string temporary, Checksum? checksum, CancellationToken token)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            throw new ArgumentException("not an absolute URL");
        using var hash = checksum?.CreateIncrementalHash();
        using var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        long bytes;
        if (uri.IsFile)
        {
            using var input = new FileStream(uri.LocalPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            bytes = await CopyAsync(input, output, hash, token).ConfigureAwait(false);
        }
        else if (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        {
            using var response = await _client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
            using var input = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            bytes = await CopyAsync(input, output, hash, token).ConfigureAwait(false);
            long? expected = response.Content.Headers.ContentLength;
            if (expected is long length && length != bytes)
                throw new IOException($"the connection closed after {bytes} of {length} bytes");
        }
        else
        {
            throw new NotSupportedException($"unsupported URL scheme '{uri.Scheme}' (http, https and file are supported)");
        }
        await output.FlushAsync(token).ConfigureAwait(false);
        output.Flush(flushToDisk: true);
        return (bytes, hash is null ? null : Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static async Task<long> CopyAsync(Stream input, Stream output, IncrementalHash? hash, CancellationToken token)
    {
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await input.ReadAsync(buffer, token).ConfigureAwait(false)) > 0)
        {
            hash?.AppendData(buffer, 0, read);
            await output.WriteAsync(buffer.AsMemory(0, read), token).ConfigureAwait(false);
            total += read;
        }
        return total;
    }

    /// <summary>A one-line reason for a failed attempt, with the innermost cause (e.g. "Connection refused").</summary>
    private string Explain(Exception e)
    {
        if (e is OperationCanceledException) return $"timed out after {Timeout.TotalSeconds:0.#} s";
        if (e is FileNotFoundException or DirectoryNotFoundException) return $"no such file ({e.Message})";
        string reason = e.Message;
        for (var inner = e.InnerException; inner != null; inner = inner.InnerException)
        {
            if (inner is SocketException socket) reason += $" [{socket.SocketErrorCode}]";
            else if (!reason.Contains(inner.Message, StringComparison.Ordinal)) reason += $" ({inner.Message})";
        }
        return reason;
    }

    private static void TryDelete(string? path)
    {
        if (path is null) return;
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Releases the HTTP client.</summary>
    public void Dispose() => _client.Dispose();
}
