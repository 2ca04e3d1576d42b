using System.Runtime.InteropServices;

namespace DeepSharp;

/// <summary>
/// Our binding of the few Open MPI 4.x entry points data-parallel training needs, read from
/// <c>libmpi.so.40</c> when a distributed run starts (never before, so DeepSharp loads without MPI).
/// </summary>
/// <remarks>
/// Open MPI's handles (<c>MPI_COMM_WORLD</c>, <c>MPI_FLOAT</c>, <c>MPI_SUM</c>...) are the addresses of exported
/// global structs, so they come from <see cref="NativeLibrary.GetExport"/> like the functions do. The functions
/// are called through pointers rather than <c>[LibraryImport]</c> so that the library file is chosen at run time
/// (<c>DEEPSHARP_MPI_LIBRARY</c>) and a missing library gives our message instead of a DllNotFoundException on
/// first use. Microsoft's MS-MPI (what the MPI.NET package targets) has integer handles: not this ABI.
/// Every call is made by the communication thread of <see cref="OpenMpiCommunicator"/>.
/// </remarks>
internal sealed unsafe class OpenMpiLibrary
{
    /// <summary>The soname of Open MPI 4.x's library (Debian 12: package libopenmpi3, pulled in by openmpi-bin).</summary>
    public const string DefaultName = "libmpi.so.40";

    /// <summary>The environment variable that names another library file (a path or a soname).</summary>
    public const string LibraryVariable = "DEEPSHARP_MPI_LIBRARY";

    /// <summary>What to do when the library is missing, in the words of the message.</summary>
    public const string InstallAdvice =
        "Install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin; it brings libmpi.so.40), " +
        "or point DEEPSHARP_MPI_LIBRARY at Open MPI 4's libmpi.so.40.";

    public const int ThreadFunneled = 1;      // MPI_THREAD_FUNNELED: only the thread that initialised MPI calls it
    public const int MaxLibraryVersion = 256; // MPI_MAX_LIBRARY_VERSION_STRING in Open MPI's mpi.h
    public static readonly void* InPlace = (void*)1; // MPI_IN_PLACE in Open MPI's mpi.h

    public readonly string Path;
    public readonly delegate* unmanaged<int*, byte***, int, int*, int> InitThread;
    public readonly delegate* unmanaged<int*, int> Initialized;
    public readonly delegate* unmanaged<int*, int> Finalized;
    public readonly delegate* unmanaged<nint, int*, int> CommRank;
    public readonly delegate* unmanaged<nint, int*, int> CommSize;
    public readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> Allreduce;
    public readonly delegate* unmanaged<void*, int, nint, int, nint, int> Bcast;
    public readonly delegate* unmanaged<nint, int> Barrier;
    public readonly delegate* unmanaged<nint, int, int> Abort;
    public readonly delegate* unmanaged<int> Finalize;
    public readonly delegate* unmanaged<byte*, int*, int> GetLibraryVersion;
    public readonly nint CommWorld, Float, Byte, OpSum, OpMin, OpMax;

    private OpenMpiLibrary(string path, nint handle)
    {
        Path = path;
        InitThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Export(handle, "MPI_Init_thread");
        Initialized = (delegate* unmanaged<int*, int>)Export(handle, "MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)Export(handle, "MPI_Finalized");
        CommRank = (delegate* unmanaged<nint, int*, int>)Export(handle, "MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)Export(handle, "MPI_Comm_size");
        Allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Export(handle, "MPI_Allreduce");
        Bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export(handle, "MPI_Bcast");
        Barrier = (delegate* unmanaged<nint, int>)Export(handle, "MPI_Barrier");
        Abort = (delegate* unmanaged<nint, int, int>)Export(handle, "MPI_Abort");
        Finalize = (delegate* unmanaged<int>)Export(handle, "MPI_Finalize");
        GetLibraryVersion = (delegate* unmanaged<byte*, int*, int>)Export(handle, "MPI_Get_library_version");
        CommWorld = Export(handle, "ompi_mpi_comm_world");
        Float = Export(handle, "ompi_mpi_float");
        Byte = Export(handle, "ompi_mpi_byte");
        OpSum = Export(handle, "ompi_mpi_op_sum");
        OpMin = Export(handle, "ompi_mpi_op_min");
        OpMax = Export(handle, "ompi_mpi_op_max");
    }

    /// <summary>
    /// Loads Open MPI from <paramref name="name"/> (default: <c>$DEEPSHARP_MPI_LIBRARY</c>, else <see cref="DefaultName"/>).
    /// </summary>
    /// <exception cref="DistributedException">The library is missing or is not Open MPI 4's; the message says what to install.</exception>
    public static OpenMpiLibrary Load(string? name = null)
    {
        name ??= Environment.GetEnvironmentVariable(LibraryVariable) is { Length: > 0 } configured ? configured : DefaultName;
        if (!NativeLibrary.TryLoad(name, out var handle))
            throw new DistributedException($"Open MPI's library '{name}' could not be loaded. {InstallAdvice}");
        try
        {
            return new OpenMpiLibrary(name, handle);
        }
        catch (EntryPointNotFoundException e)
        {
            throw new DistributedException(
                $"'{name}' is not Open MPI 4's MPI library: {e.Message} (DeepSharp binds Open MPI's ABI; MPICH and MS-MPI differ). {InstallAdvice}", e);
        }
    }

    /// <summary>The library's own description (MPI_Get_library_version, callable before MPI_Init).</summary>
    public string Version()
    {
        byte* text = stackalloc byte[MaxLibraryVersion];
        int length = 0;
        Check(GetLibraryVersion(text, &length), "MPI_Get_library_version");
        var version = System.Text.Encoding.UTF8.GetString(text, Math.Clamp(length, 0, MaxLibraryVersion)).TrimEnd('\0', '\n', ' ');
        int comma = version.IndexOf(',');  // "Open MPI v4.1.4, package: Debian OpenMPI, ident: 4.1.4, repo rev: ..., May 26, 2022"
        return comma > 0 ? version[..comma] : version;
    }

    /// <summary>
    /// Gives the MCA parameter <paramref name="name"/> the value <paramref name="value"/> for MPI_Init in this process,
    /// unless the environment already sets it (as <c>mpirun --mca</c> does): Open MPI reads <c>OMPI_MCA_name</c> from the
    /// process environment, which .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not change on Unix.
    /// </summary>
    public static void SetDefaultParameter(string name, string value)
    {
        if (setenv("OMPI_MCA_" + name, value, 0) != 0)
            throw new DistributedException($"Could not set Open MPI's parameter {name} in the environment (setenv failed).");
    }

    /// <summary>Whether the process environment sets the MCA parameter <paramref name="name"/> (as <c>mpirun --mca</c> does).</summary>
    public static bool IsParameterSet(string name) => getenv("OMPI_MCA_" + name) != 0;

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int setenv(string name, string value, int overwrite);

    // The C library's environment, not .NET's copy of it (see SetDefaultParameter).
    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern nint getenv(string name);

    /// <summary>Throws when an MPI call returned an error code (Open MPI aborts on most errors before returning).</summary>
    public static void Check(int code, string function)
    {
        if (code != 0) throw new DistributedException($"{function} failed with MPI error code {code}.");
    }

    private static nint Export(nint handle, string name) => NativeLibrary.GetExport(handle, name);
}
