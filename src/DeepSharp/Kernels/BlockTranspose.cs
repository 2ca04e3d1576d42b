using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// Transposes of 8×8 and 4×4 float blocks in registers (unpack, shuffle, lane permute): how GEMM packs operands
/// stored the other way round and writes tiles of a product computed transposed. Callers check
/// <see cref="Avx.IsSupported"/> first.
/// </summary>
internal static unsafe class BlockTranspose
{
    /// <summary>d[j·ldd + i] (+)= s[i·lds + j] for i, j &lt; 8 (AVX).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Block8x8(float* s, nint lds, float* d, nint ldd, bool add)
    {
        var t0 = Avx.UnpackLow(Avx.LoadVector256(s), Avx.LoadVector256(s + lds));
        var t1 = Avx.UnpackHigh(Avx.LoadVector256(s), Avx.LoadVector256(s + lds));
        var t2 = Avx.UnpackLow(Avx.LoadVector256(s + 2 * lds), Avx.LoadVector256(s + 3 * lds));
        var t3 = Avx.UnpackHigh(Avx.LoadVector256(s + 2 * lds), Avx.LoadVector256(s + 3 * lds));
        var t4 = Avx.UnpackLow(Avx.LoadVector256(s + 4 * lds), Avx.LoadVector256(s + 5 * lds));
        var t5 = Avx.UnpackHigh(Avx.LoadVector256(s + 4 * lds), Avx.LoadVector256(s + 5 * lds));
        var t6 = Avx.UnpackLow(Avx.LoadVector256(s + 6 * lds), Avx.LoadVector256(s + 7 * lds));
        var t7 = Avx.UnpackHigh(Avx.LoadVector256(s + 6 * lds), Avx.LoadVector256(s + 7 * lds));
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Put8(d, add, Avx.Permute2x128(u0, u4, 0x20));
        Put8(d + ldd, add, Avx.Permute2x128(u1, u5, 0x20));
        Put8(d + 2 * ldd, add, Avx.Permute2x128(u2, u6, 0x20));
        Put8(d + 3 * ldd, add, Avx.Permute2x128(u3, u7, 0x20));
        Put8(d + 4 * ldd, add, Avx.Permute2x128(u0, u4, 0x31));
        Put8(d + 5 * ldd, add, Avx.Permute2x128(u1, u5, 0x31));
        Put8(d + 6 * ldd, add, Avx.Permute2x128(u2, u6, 0x31));
        Put8(d + 7 * ldd, add, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>d[j·ldd + i] (+)= s[i·lds + j] for i, j &lt; 4 (SSE).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Block4x4(float* s, nint lds, float* d, nint ldd, bool add)
    {
        var t0 = Sse.UnpackLow(Sse.LoadVector128(s), Sse.LoadVector128(s + lds));
        var t1 = Sse.UnpackHigh(Sse.LoadVector128(s), Sse.LoadVector128(s + lds));
        var t2 = Sse.UnpackLow(Sse.LoadVector128(s + 2 * lds), Sse.LoadVector128(s + 3 * lds));
        var t3 = Sse.UnpackHigh(Sse.LoadVector128(s + 2 * lds), Sse.LoadVector128(s + 3 * lds));
        Put4(d, add, Sse.MoveLowToHigh(t0, t2));
        Put4(d + ldd, add, Sse.MoveHighToLow(t2, t0));
        Put4(d + 2 * ldd, add, Sse.MoveLowToHigh(t1, t3));
        Put4(d + 3 * ldd, add, Sse.MoveHighToLow(t3, t1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put8(float* c, bool add, Vector256<float> x)
    {
        if (add) x = Avx.Add(x, Avx.LoadVector256(c));
        Avx.Store(c, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put4(float* c, bool add, Vector128<float> x)
    {
        if (add) x = Sse.Add(x, Sse.LoadVector128(c));
        Sse.Store(c, x);
    }
}
