using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

/// <summary>The widest vector instructions the kernels use, chosen once at start-up.</summary>
internal enum SimdLevel
{
    Scalar = 0,
    Vector256 = 256,
    Vector512 = 512,
}

/// <summary>Detects <see cref="SimdLevel"/>; <c>DEEPSHARP_SIMD=512|256|scalar</c> caps it (to test fallbacks).</summary>
internal static class Simd
{
    internal static readonly SimdLevel Level = Detect();

    private static SimdLevel Detect()
    {
        var hardware = Vector512.IsHardwareAccelerated ? SimdLevel.Vector512
            : Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported ? SimdLevel.Vector256
            : SimdLevel.Scalar;
        var cap = Environment.GetEnvironmentVariable("DEEPSHARP_SIMD")?.Trim().ToLowerInvariant() switch
        {
            "scalar" => SimdLevel.Scalar,
            "256" => SimdLevel.Vector256,
            _ => SimdLevel.Vector512,
        };
        return (SimdLevel)Math.Min((int)hardware, (int)cap);
    }
}
