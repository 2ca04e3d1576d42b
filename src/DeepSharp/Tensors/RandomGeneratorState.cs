using System.Globalization;

namespace DeepSharp;

/// <summary>
/// Everything a <see cref="RandomGenerator"/> remembers: its four xoshiro256** state words and the second normal
/// deviate of the last Box–Muller pair, if unused. A generator given this state draws the same numbers as the one it
/// was taken from: a training checkpoint keeps it so that dropout masks and noise continue unchanged after a resume.
/// </summary>
/// <param name="S0">State word 0.</param>
/// <param name="S1">State word 1.</param>
/// <param name="S2">State word 2.</param>
/// <param name="S3">State word 3.</param>
/// <param name="SpareNormal">The normal deviate <see cref="RandomGenerator.NextNormal"/> returns next without drawing, or null.</param>
public readonly record struct RandomGeneratorState(ulong S0, ulong S1, ulong S2, ulong S3, float? SpareNormal)
{
    /// <summary>The state as text: four 16-digit hex words, and the spare deviate's bits when there is one (see <see cref="Parse"/>).</summary>
    public override string ToString()
    {
        var words = string.Create(CultureInfo.InvariantCulture, $"{S0:x16} {S1:x16} {S2:x16} {S3:x16}");
        return SpareNormal is { } spare ? string.Create(CultureInfo.InvariantCulture, $"{words} {BitConverter.SingleToUInt32Bits(spare):x8}") : words;
    }

    /// <summary>Reads the text <see cref="ToString"/> writes.</summary>
    /// <exception cref="FormatException">The text is not four 16-digit hex words and an optional 8-digit one, or the words are all zero.</exception>
    public static RandomGeneratorState Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(' ');
        if (parts.Length is not (4 or 5) || parts.Take(4).Any(p => p.Length != 16) || (parts.Length == 5 && parts[4].Length != 8))
            throw new FormatException($"RandomGeneratorState: expected four 16-digit hex words and an optional 8-digit one; got '{text}'.");
        var words = new ulong[4];
        for (int i = 0; i < 4; i++)
            if (!ulong.TryParse(parts[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out words[i]))
                throw new FormatException($"RandomGeneratorState: word {i} '{parts[i]}' is not hexadecimal.");
        if (words.All(w => w == 0))
            throw new FormatException("RandomGeneratorState: all four state words are zero, a state xoshiro256** never reaches.");
        float? spare = null;
        if (parts.Length == 5)
        {
            if (!uint.TryParse(parts[4], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint bits))
                throw new FormatException($"RandomGeneratorState: the spare deviate '{parts[4]}' is not hexadecimal.");
            spare = BitConverter.UInt32BitsToSingle(bits);
        }
        return new RandomGeneratorState(words[0], words[1], words[2], words[3], spare);
    }
}
