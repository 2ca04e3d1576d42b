using CsCheck;

namespace DeepSharp.Tests.Interop.Keras;

/// <summary>
/// Damaged Keras files: truncations and bit flips of small .keras archives and .h5 files. Every outcome is a
/// model or an <see cref="InvalidDataException"/>: never another exception, a hang or a huge allocation.
/// </summary>
public class KerasFuzzTests
{
    private static void LoadOrRefuse(byte[] bytes)
    {
        try
        {
            KerasFile.Load(new MemoryStream(bytes, writable: false), "fuzzed");
        }
        catch (InvalidDataException)
        {
        }
    }

    private static byte[] Flip(byte[] original, int[] bits)
    {
        var copy = (byte[])original.Clone();
        foreach (int bit in bits) copy[bit / 8] ^= (byte)(1 << (bit % 8));
        return copy;
    }

    public static TheoryData<string> Files => ["mlp.keras", "mlp.h5", "functional.keras", "lstm.h5"];

    [Theory]
    [MemberData(nameof(Files))]
    public void A_truncated_file_is_loaded_or_refused_with_InvalidDataException(string file)
    {
        var original = File.ReadAllBytes(KerasFixture.Path(file));
        Gen.Int[0, original.Length - 1].Sample(length => LoadOrRefuse(original[..length]), iter: 100, threads: 1);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void A_file_with_flipped_bits_is_loaded_or_refused_with_InvalidDataException(string file)
    {
        var original = File.ReadAllBytes(KerasFixture.Path(file));
        Gen.Int[0, original.Length * 8 - 1].Array[1, 8].Sample(bits => LoadOrRefuse(Flip(original, bits)), iter: 200, threads: 1);
    }
}
