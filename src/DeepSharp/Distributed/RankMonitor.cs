using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace DeepSharp;

/// <summary>
/// Names a rank that dies. Open MPI 4.1 reports no failures (a collective with a dead peer waits forever inside
/// shared memory), and mpirun's own reaction is to kill every rank a second later. So every rank keeps a TCP
/// connection to rank 0, opened at start through addresses rank 0 broadcasts: the kernel closes a dead process'
/// sockets, so a connection that ends says at once which rank is gone. Rank 0 relays the news to the others;
/// the others see rank 0's own death as the end of their connection. Keep-alive probes catch a host that
/// vanishes without closing anything. A random token keeps strangers off the port.
/// </summary>
internal sealed class RankMonitor : IDisposable
{
    private static readonly TimeSpan ConnectAttempt = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan AcceptDeadline = TimeSpan.FromSeconds(15);

    private readonly int _rank, _size;
    private readonly Action<DistributedException> _onLost;
    private readonly Socket?[] _peers;          // rank 0: one per rank; other ranks: [0] only
    private readonly string[] _names;           // "pid 1234 on host vm", rank by rank, as far as known
    private readonly bool[] _departed;          // said goodbye: its connection may end
    private readonly object _gate = new();
    private Socket? _listener;
    private byte[] _token = [];
    private volatile bool _closing;
    private DistributedException? _fault;      // the first loss seen: only it is reported

    private RankMonitor(int rank, int size, Action<DistributedException> onLost)
    {
        _rank = rank;
        _size = size;
        _onLost = onLost;
        _peers = new Socket?[size];
        _names = new string[size];
        _departed = new bool[size];
        _names[rank] = Describe(Environment.ProcessId, Environment.MachineName);
    }

    /// <summary>
    /// Connects every rank to rank 0. Collective: every rank calls it, right after MPI started. A rank that cannot
    /// connect warns and goes on (a lost rank then ends the run through mpirun only).
    /// </summary>
    public static RankMonitor Start(ICommunicator communicator, Action<DistributedException> onLost)
    {
        var monitor = new RankMonitor(communicator.Rank, communicator.Size, onLost);
        Task? accepting = null;
        if (monitor._rank == 0) accepting = monitor.Listen();

        // Rank 0's invitation: token, port, its name, and the addresses to try.
        byte[] invitation = monitor._rank == 0 ? monitor.Invitation() : [];
        Span<int> length = [invitation.Length];
        communicator.Broadcast(length, 0);
        if (monitor._rank != 0) invitation = new byte[length[0]];
        communicator.Broadcast(invitation.AsSpan(), 0);

        Span<float> connected = [monitor._rank == 0 ? 1f : monitor.Connect(invitation) ? 1f : 0f];
        communicator.AllReduce(connected, ReduceOperation.Sum);
        if (monitor._rank == 0) monitor.AwaitPeers(accepting!, (int)connected[0] - 1);
        return monitor;
    }

    private Task Listen()
    {
        _token = RandomNumberGenerator.GetBytes(16);
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Any, 0));
        _listener.Listen(Math.Min(_size, 512));
        return Task.Run(AcceptAll);
    }

    private byte[] Invitation()
    {
        // Addresses of this host other ranks may reach: the interfaces' IPv4 addresses, loopback last.
        var addresses = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus != OperationalStatus.Down)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork)
            .OrderBy(IPAddress.IsLoopback)
            .Select(a => a.ToString())
            .Distinct();
        int port = ((IPEndPoint)_listener!.LocalEndPoint!).Port;
        string text = $"{Convert.ToHexString(_token)}\n{port}\n{Environment.ProcessId}\n{Environment.MachineName}\n{string.Join(',', addresses)}";
        return Encoding.UTF8.GetBytes(text);
    }

    private bool Connect(byte[] invitation)
    {
        var lines = Encoding.UTF8.GetString(invitation).Split('\n');
        _token = Convert.FromHexString(lines[0]);
        int port = int.Parse(lines[1], CultureInfo.InvariantCulture);
        _names[0] = Describe(int.Parse(lines[2], CultureInfo.InvariantCulture), lines[3]);
        var tried = new List<string>();
        foreach (var text in lines[4].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                using var timeout = new CancellationTokenSource(ConnectAttempt);
                socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(text), port), timeout.Token).AsTask().GetAwaiter().GetResult();
                KeepAlive(socket);
                socket.Send(Encoding.UTF8.GetBytes($"{Convert.ToHexString(_token)} {_rank} {Environment.ProcessId} {Environment.MachineName}\n"));
                _peers[0] = socket;
                _ = Watch(0, socket);
                return true;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                tried.Add($"{text}:{port} ({(e is OperationCanceledException ? "timed out" : e.Message)})");
            }
        }
        Console.Error.WriteLine($"DeepSharp rank {_rank} of {_size}: could not reach rank 0's monitor at {string.Join(", ", tried)}; " +
            "a lost rank will end the run through mpirun's report only.");
        return false;
    }

    private async Task AcceptAll()
    {
        var listener = _listener!;
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return; // the listener was closed: setup is over
            }
            _ = Task.Run(() => Admit(socket));
        }
    }

    /// <summary>Rank 0: reads a newcomer's line "token rank pid host" and adopts it if the token is ours.</summary>
    private void Admit(Socket socket)
    {
        try
        {
            socket.ReceiveTimeout = 5000;
            string? line = ReadLine(socket);
            var parts = line?.Split(' ', 4);
            if (parts is { Length: 4 } && CryptographicOperations.FixedTimeEquals(Convert.FromHexString(parts[0]), _token)
                && int.TryParse(parts[1], CultureInfo.InvariantCulture, out int rank) && rank > 0 && rank < _size
                && int.TryParse(parts[2], CultureInfo.InvariantCulture, out int pid))
            {
                lock (_gate)
                {
                    if (_peers[rank] is null)
                    {
                        socket.ReceiveTimeout = 0;
                        KeepAlive(socket);
                        _names[rank] = Describe(pid, parts[3]);
                        _peers[rank] = socket;
                        Monitor.PulseAll(_gate);
                        _ = Watch(rank, socket);
                        return;
                    }
                }
            }
        }
        catch (Exception e) when (e is SocketException or FormatException or ObjectDisposedException)
        {
        }
        socket.Dispose();
    }

    private void AwaitPeers(Task accepting, int expected)
    {
        var deadline = DateTime.UtcNow + AcceptDeadline;
        lock (_gate)
            while (_peers.Count(p => p is not null) < expected && DateTime.UtcNow < deadline)
                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(100));
        _listener!.Dispose();
        accepting.Wait();
        int missing = expected - _peers.Count(p => p is not null);
        if (missing > 0)
            Console.Error.WriteLine($"DeepSharp rank 0 of {_size}: {missing} rank(s) connected to the monitor but never introduced themselves; " +
                "their loss will end the run through mpirun's report only.");
    }

    /// <summary>
    /// Reads one connection until it ends (asynchronously: no thread waits on it); its end without a goodbye
    /// means the rank at the other side is gone.
    /// </summary>
    private async Task Watch(int peer, Socket socket)
    {
        var buffer = new byte[256];
        var line = new List<byte>();
        try
        {
            while (true)
            {
                int received = await socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (received == 0) break;
                for (int i = 0; i < received; i++)
                {
                    if (buffer[i] != (byte)'\n')
                    {
                        if (line.Count >= 1024) throw new FormatException("A monitor line longer than 1024 bytes.");
                        line.Add(buffer[i]);
                        continue;
                    }
                    Handle(peer, Encoding.UTF8.GetString(line.ToArray()));
                    line.Clear();
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or FormatException)
        {
        }
        if (!_closing && !_departed[peer]) Lose(peer, _names[peer], relayed: false);
    }

    /// <summary>A line after the handshake: "BYE" from a rank that finished, "LOST &lt;rank&gt; &lt;description&gt;" from rank 0.</summary>
    private void Handle(int peer, string line)
    {
        if (line == "BYE")
        {
            _departed[peer] = true;
            return;
        }
        var parts = line.Split(' ', 3);
        if (parts.Length == 3 && parts[0] == "LOST" && int.TryParse(parts[1], CultureInfo.InvariantCulture, out int lost))
            Lose(lost, parts[2], relayed: true);
    }

    private void Lose(int lost, string? name, bool relayed)
    {
        string who = name is null ? $"rank {lost}" : $"rank {lost} ({name})";
        string how = relayed ? "rank 0 lost its connection to it" : "its connection ended";
        var fault = new DistributedException(
            $"DeepSharp rank {_rank} of {_size}: {who} was lost ({how}: the process died or its host became unreachable). " +
            "MPI cannot continue without it; this rank stops.", lost);
        if (Interlocked.CompareExchange(ref _fault, fault, null) is not null) return;
        Console.Error.WriteLine(fault.Message);
        Console.Error.Flush();
        if (_rank == 0)
        {
            var news = Encoding.UTF8.GetBytes($"LOST {lost} {name}\n");
            foreach (var socket in _peers)
                try
                {
                    socket?.Send(news);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }
        }
        _onLost(fault);
    }

    /// <summary>A line of text (the handshake), or null when the connection ended; reads byte by byte so that nothing after the line is taken.</summary>
    private static string? ReadLine(Socket socket)
    {
        var bytes = new List<byte>(64);
        Span<byte> one = stackalloc byte[1];
        while (true)
        {
            if (socket.Receive(one) == 0) return null;
            if (one[0] == (byte)'\n') return Encoding.UTF8.GetString(bytes.ToArray());
            if (bytes.Count >= 1024) throw new FormatException("A monitor line longer than 1024 bytes.");
            bytes.Add(one[0]);
        }
    }

    private static void KeepAlive(Socket socket)
    {
        // A host that vanishes (power, network) is noticed after 5 s of silence plus 3 probes 2 s apart.
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 5);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 2);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
        socket.NoDelay = true;
    }

    private static string Describe(int pid, string host) => $"pid {pid} on host {host}";

    /// <summary>
    /// Says goodbye and closes the connections. After the run's last collective, so that every rank's connections end
    /// after their goodbye and none reads as a loss.
    /// </summary>
    public void Dispose()
    {
        if (_closing) return;
        _closing = true;
        _listener?.Dispose();
        var bye = Encoding.UTF8.GetBytes("BYE\n");
        foreach (var socket in _peers)
        {
            try
            {
                socket?.Send(bye);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
            socket?.Dispose();
        }
    }
}
