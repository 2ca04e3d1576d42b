using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

/// <summary>The widest vector instructions the kernels use, chosen once at start-up.</summary>
internal enum SimdLevel
{
    Scalar = 0,
    Vector128 = 128,
    Vector256 = 256,
    Vector512 = 512,
}

/// <summary>
/// Detects <see cref="SimdLevel"/>; <c>DEEPSHARP_SIMD=512|256|128|scalar</c> caps it (to try fallbacks), and
/// tests narrow it for a while with <see cref="Force"/> to run every kernel at every width on one machine.
/// </summary>
internal static class Simd
{
    /// <summary>What this machine and the environment allow.</summary>
    internal static readonly SimdLevel Detected = Detect();

    private static SimdLevel s_level = Detected;

    /// <summary>The width kernels dispatch on: <see cref="Detected"/>, unless a test forces a narrower one.</summary>
    internal static SimdLevel Level => s_level;

    /// <summary>
    /// Runs kernels at <paramref name="level"/> (or the widest the machine has, if it lacks that one) until the
    /// returned scope is disposed. For tests, which run one at a time: the level is global, not per thread.
    /// </summary>
    internal static ForcedLevel Force(SimdLevel level) => new(level);

    /// <summary>A forced <see cref="Level"/>; disposing it restores the one before.</summary>
    internal readonly struct ForcedLevel : IDisposable
    {
        private readonly SimdLevel _previous;

        internal ForcedLevel(SimdLevel level)
        {
            _previous = s_level;
            s_level = (SimdLevel)Math.Min((int)level, (int)Detected);
        }

        public void Dispose() => s_level = _previous;
    }

    private static SimdLevel Detect()
    {
        // Every width must have a fused multiply-add in hardware: the lanes round a·b + c once at every width.
        bool fma = System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;
        var hardware = Vector512.IsHardwareAccelerated ? SimdLevel.Vector512
            : Vector256.IsHardwareAccelerated && fma ? SimdLevel.Vector256
            : Vector128.IsHardwareAccelerated && fma ? SimdLevel.Vector128
            : SimdLevel.Scalar;
        var cap = Environment.GetEnvironmentVariable("DEEPSHARP_SIMD")?.Trim().ToLowerInvariant() switch
        {
            "scalar" => SimdLevel.Scalar,
            "128" => SimdLevel.Vector128,
            "256" => SimdLevel.Vector256,
            _ => SimdLevel.Vector512,
        };
        return (SimdLevel)Math.Min((int)hardware, (int)cap);
    }
}
