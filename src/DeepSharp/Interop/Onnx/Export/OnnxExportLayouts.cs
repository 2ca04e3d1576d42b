namespace DeepSharp.Interop.Onnx;

/// <summary>The layouts an export keeps tensors in, and the transposes between them.</summary>
internal static class OnnxExportLayouts
{
    /// <summary>An NHWC image held as ONNX's NCHW.</summary>
    public static readonly int[] ChannelsFirst = [0, 3, 1, 2];

    /// <summary>A batch-major sequence (batch, time, features) held time-major, as ONNX's recurrent ops read it.</summary>
    public static readonly int[] TimeMajor = [1, 0, 2];

    /// <summary>Whether two layouts are the same (null and the identity alike).</summary>
    public static bool Same(int[]? a, int[]? b)
    {
        if (a is null || b is null) return IsIdentity(a) && IsIdentity(b);
        return a.AsSpan().SequenceEqual(b);
    }

    private static bool IsIdentity(int[]? p)
    {
        if (p is null) return true;
        for (int i = 0; i < p.Length; i++)
            if (p[i] != i) return false;
        return true;
    }

    /// <summary>The perm of the Transpose that turns a value held as <paramref name="from"/> into one held as <paramref name="to"/>.</summary>
    public static long[] Between(int[]? from, int[]? to, int rank)
    {
        var inverse = new int[rank];
        for (int i = 0; i < rank; i++) inverse[from is null ? i : from[i]] = i;
        var perm = new long[rank];
        for (int i = 0; i < rank; i++) perm[i] = inverse[to is null ? i : to[i]];
        return perm;
    }
}
