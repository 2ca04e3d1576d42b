using System.Net;
using System.Net.Sockets;

namespace DeepSharp.Tests.Data;

public class DownloaderTests
{
    private static readonly byte[] Payload = MakePayload();
    private static readonly Checksum PayloadSha256 = Checksum.Sha256(IdxBytes.Sha256(Payload));

    private static byte[] MakePayload()
    {
        var bytes = new byte[200_000]; // several buffers' worth
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(i * 31 + (i >> 8));
        return bytes;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>An HTTP server on 127.0.0.1 and a free port: serves /data.bin, answers 404 elsewhere, or stalls on /slow.</summary>
    private sealed class LocalServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;
        private readonly CancellationTokenSource _stop = new();
        public int Requests;

        public LocalServer()
        {
            // A free port can be taken by someone else between probing and binding: try a few.
            for (int attempt = 0; ; attempt++)
            {
                Port = FreePort();
                _listener.Prefixes.Clear();
                _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
                try
                {
                    _listener.Start();
                    break;
                }
                catch (HttpListenerException) when (attempt < 5) { }
            }
            _loop = Task.Run(Serve);
        }

        public int Port { get; private set; }

        public string Url(string path) => $"http://127.0.0.1:{Port}/{path}";

        private async Task Serve()
        {
            while (!_stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception) { return; } // stopped
                Interlocked.Increment(ref Requests);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        var path = context.Request.Url!.AbsolutePath;
                        if (path == "/slow") await Task.Delay(TimeSpan.FromSeconds(5), _stop.Token);
                        if (path is "/data.bin" or "/mirror/data.bin")
                        {
                            context.Response.ContentLength64 = Payload.Length;
                            await context.Response.OutputStream.WriteAsync(Payload);
                        }
                        else context.Response.StatusCode = 404;
                        context.Response.Close();
                    }
                    catch (Exception) { /* the client gave up or the server stopped */ }
                });
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }

    private static Downloader Quiet(double seconds = 10) => new(TimeSpan.FromSeconds(seconds));

    [Fact]
    public void Downloads_over_http_and_verifies_the_checksum()
    {
        using var dir = new TempDirectory();
        using var server = new LocalServer();
        var log = new StringWriter();
        using var downloader = new Downloader(TimeSpan.FromSeconds(10)) { Log = log };
        string destination = dir.File("cache", "data.bin");

        downloader.Download([server.Url("data.bin")], destination, PayloadSha256);

        Assert.Equal(Payload, File.ReadAllBytes(destination));
        Assert.Equal(new[] { "data.bin" }, Directory.GetFiles(dir.File("cache")).Select(Path.GetFileName));
        Assert.Contains("Downloading " + server.Url("data.bin"), log.ToString());
        Assert.Contains("sha256 verified", log.ToString());
    }

    [Fact]
    public void Tries_mirrors_in_order_until_one_works()
    {
        using var dir = new TempDirectory();
        using var server = new LocalServer();
        using var downloader = Quiet();
        string destination = dir.File("data.bin");

        downloader.Download([server.Url("missing/data.bin"), server.Url("mirror/data.bin")], destination, PayloadSha256);

        Assert.Equal(Payload, File.ReadAllBytes(destination));
        Assert.Equal(2, server.Requests);
    }

    [Fact]
    public void Reports_every_failed_mirror_with_its_reason()
    {
        using var dir = new TempDirectory();
        using var server = new LocalServer();
        using var downloader = Quiet();
        string refused = $"http://127.0.0.1:{FreePort()}/data.bin";
        string notFound = server.Url("nothing-here.bin");

        var e = Assert.Throws<DownloadException>(() => downloader.Download([refused, notFound, "ftp://example.org/data.bin"], dir.File("data.bin"), PayloadSha256));

        Assert.Equal(3, e.Failures.Count);
        Assert.Equal(refused, e.Failures[0].Url);
        Assert.Contains("Connection refused", e.Failures[0].Reason);
        Assert.Contains("HTTP 404", e.Failures[1].Reason);
        Assert.Contains("unsupported URL scheme 'ftp'", e.Failures[2].Reason);
        Assert.Contains(refused + ": Connection refused", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_checksum_mismatch_deletes_the_download_and_names_both_hashes()
    {
        using var dir = new TempDirectory();
        using var server = new LocalServer();
        using var downloader = Quiet();
        string destination = dir.File("data.bin");
        File.WriteAllText(destination, "previous version");
        var wrong = Checksum.Sha256(new string('0', 64));

        var e = Assert.Throws<DownloadException>(() => downloader.Download([server.Url("data.bin")], destination, wrong));

        Assert.Contains("checksum mismatch", e.Message);
        Assert.Contains("expected sha256:" + new string('0', 64), e.Message);
        Assert.Contains("got " + PayloadSha256, e.Message);
        Assert.Equal("previous version", File.ReadAllText(destination)); // untouched
        Assert.Single(Directory.GetFiles(dir.Path));                     // no temporary file left
    }

    [Fact]
    public void Downloads_from_file_urls_with_md5()
    {
        using var dir = new TempDirectory();
        string source = dir.File("source.bin");
        File.WriteAllBytes(source, Payload);
        var md5 = Checksum.Md5(Convert.ToHexString(System.Security.Cryptography.MD5.HashData(Payload)));
        using var downloader = Quiet();

        downloader.Download([new Uri(source).AbsoluteUri], dir.File("copy", "data.bin"), md5);

        Assert.Equal(Payload, File.ReadAllBytes(dir.File("copy", "data.bin")));
    }

    [Fact]
    public void A_missing_file_url_and_a_file_url_mismatch_are_reported()
    {
        using var dir = new TempDirectory();
        string source = dir.File("source.bin");
        File.WriteAllBytes(source, Payload);
        using var downloader = Quiet();
        string absent = new Uri(dir.File("absent.bin")).AbsoluteUri;

        var e = Assert.Throws<DownloadException>(() => downloader.Download([absent], dir.File("out.bin"), PayloadSha256));
        Assert.Contains("no such file", e.Failures[0].Reason);

        var md5 = Checksum.Md5(new string('a', 32));
        e = Assert.Throws<DownloadException>(() => downloader.Download([new Uri(source).AbsoluteUri], dir.File("out.bin"), md5));
        Assert.Contains($"expected md5:{new string('a', 32)}", e.Message);
        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Payload)), e.Message);
        Assert.False(File.Exists(dir.File("out.bin")));
        Assert.Single(Directory.GetFiles(dir.Path)); // only the source
    }

    [Fact]
    public void A_server_that_stalls_times_out()
    {
        using var dir = new TempDirectory();
        using var server = new LocalServer();
        using var downloader = new Downloader(TimeSpan.FromMilliseconds(300));

        var e = Assert.Throws<DownloadException>(() => downloader.Download([server.Url("slow")], dir.File("data.bin"), null));

        Assert.Contains("timed out after 0.3 s", e.Failures[0].Reason);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Cancellation_by_the_caller_is_not_reported_as_a_failed_mirror()
    {
        using var dir = new TempDirectory();
        using var server = new LocalServer();
        using var downloader = Quiet();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        Assert.ThrowsAny<OperationCanceledException>(() => downloader.Download([server.Url("slow")], dir.File("data.bin"), null, cancel.Token));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }
}
