using System.Runtime.InteropServices;

namespace DeepSharp.Distributed.TestHost;

/// <summary>
/// Reads the value Open MPI uses for one of its MCA parameters, through its tool interface (MPI_T control variables), so
/// that a test sees what MPI took rather than what DeepSharp meant to set. Only integer parameters (sizes, flags).
/// </summary>
internal static unsafe class OpenMpiParameter
{
    /// <summary>The value of <paramref name="name"/> (such as <c>btl_vader_max_send_size</c>) in this process, once MPI has started.</summary>
    public static long Read(string name)
    {
        var library = NativeLibrary.Load("libmpi.so.40");
        var init = (delegate* unmanaged<int, int*, int>)NativeLibrary.GetExport(library, "MPI_T_init_thread");
        var index = (delegate* unmanaged<byte*, int*, int>)NativeLibrary.GetExport(library, "MPI_T_cvar_get_index");
        var alloc = (delegate* unmanaged<int, void*, nint*, int*, int>)NativeLibrary.GetExport(library, "MPI_T_cvar_handle_alloc");
        var read = (delegate* unmanaged<nint, void*, int>)NativeLibrary.GetExport(library, "MPI_T_cvar_read");
        var free = (delegate* unmanaged<nint*, int>)NativeLibrary.GetExport(library, "MPI_T_cvar_handle_free");
        var finalize = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "MPI_T_finalize");
        int provided, variable, count;
        nint handle;
        Check(init(0, &provided), "MPI_T_init_thread");
        try
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes(name + "\0");
            fixed (byte* text = bytes) Check(index(text, &variable), $"MPI_T_cvar_get_index({name})");
            Check(alloc(variable, null, &handle, &count), "MPI_T_cvar_handle_alloc");
            if (count != 1) throw new InvalidOperationException($"{name} has {count} values; one was expected.");
            long value = 0; // size_t parameters fill 8 bytes, int ones the low 4 (little-endian)
            Check(read(handle, &value), "MPI_T_cvar_read");
            Check(free(&handle), "MPI_T_cvar_handle_free");
            return value;
        }
        finally
        {
            finalize();
        }
    }

    private static void Check(int code, string function)
    {
        if (code != 0) throw new InvalidOperationException($"{function} failed with MPI error code {code}.");
    }
}
