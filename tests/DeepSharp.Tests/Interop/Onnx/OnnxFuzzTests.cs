using CsCheck;

namespace DeepSharp.Tests.Interop.Onnx;

/// <summary>
/// Damaged files: truncations and bit flips of small models (one written here, two exported by PyTorch).
/// Every outcome is a model or an <see cref="InvalidDataException"/>: never another exception, never a hang
/// or a huge allocation.
/// </summary>
public class OnnxFuzzTests
{
    private static void ImportOrRefuse(byte[] bytes)
    {
        try
        {
            DeepSharp.Onnx.Import(bytes, "fuzzed.onnx");
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

    public static TheoryData<string> Sources => ["small", "cnn3", "lstm"];

    private static byte[] Original(string source) =>
        source == "small" ? OnnxModels.SmallClassifier() : File.ReadAllBytes(PyTorchFixture.Load(source).Path);

    [Theory]
    [MemberData(nameof(Sources))]
    public void A_truncated_model_is_imported_or_refused_with_InvalidDataException(string source)
    {
        var original = Original(source);
        Gen.Int[0, original.Length - 1].Sample(length => ImportOrRefuse(original[..length]), iter: 100, threads: 1);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void A_model_with_flipped_bits_is_imported_or_refused_with_InvalidDataException(string source)
    {
        var original = Original(source);
        Gen.Int[0, original.Length * 8 - 1].Array[1, 8].Sample(bits => ImportOrRefuse(Flip(original, bits)), iter: 200, threads: 1);
    }
}
