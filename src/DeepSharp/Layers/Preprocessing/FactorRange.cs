using System.Globalization;
using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A range of random factors, as Keras' augmentation layers take their <c>factor</c> arguments: one number f for
/// [−f, f] (<c>factor: 0.1</c>), or a pair for [lower, upper] (<c>factor: (-0.2, 0.3)</c>, sorted as Keras sorts it).
/// The form given is kept, so a configuration saves it as Keras does (a number, or a list of two).
/// </summary>
public readonly record struct FactorRange
{
    private FactorRange(double lower, double upper, bool single)
    {
        Lower = lower;
        Upper = upper;
        IsSingle = single;
    }

    /// <summary>The lower bound.</summary>
    public double Lower { get; }

    /// <summary>The upper bound.</summary>
    public double Upper { get; }

    /// <summary>Whether the range was given as one number (Upper, with Lower = −Upper).</summary>
    public bool IsSingle { get; }

    /// <summary>A number f means [−|f|, |f|].</summary>
    public static implicit operator FactorRange(double factor) => new(-Math.Abs(factor), Math.Abs(factor), single: true);

    /// <summary>A pair means [lower, upper] (in either order).</summary>
    public static implicit operator FactorRange((double Lower, double Upper) range) =>
        new(Math.Min(range.Lower, range.Upper), Math.Max(range.Lower, range.Upper), single: false);

    /// <summary>[lower, upper].</summary>
    public override string ToString() => IsSingle
        ? Upper.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"({Lower}, {Upper})");

    /// <summary>Throws unless both bounds are finite and in [<paramref name="min"/>, <paramref name="max"/>] (the minimum excluded when <paramref name="minExcluded"/>).</summary>
    internal FactorRange Check(string owner, string argument, double min, double max, bool minExcluded = false)
    {
        bool Inside(double v) => double.IsFinite(v) && (minExcluded ? v > min : v >= min) && v <= max;
        if (!Inside(Lower) || !Inside(Upper))
            throw new ArgumentOutOfRangeException(argument, string.Create(CultureInfo.InvariantCulture,
                $"{owner}: {argument} must be a number or a pair of numbers in {(minExcluded ? "(" : "[")}{min}, {max}]; got {this}."));
        return this;
    }

    /// <summary>As Keras saves it: the number given, or [lower, upper].</summary>
    internal JsonNode ToJson() => IsSingle ? JsonValue.Create(Upper) : new JsonArray(Lower, Upper);

    /// <summary>The range saved under <paramref name="key"/>, or null when absent.</summary>
    internal static FactorRange? Read(ConfigReader reader, string key)
    {
        if (!reader.TryGet(key, out var node) || node is null) return null;
        return node switch
        {
            JsonArray { Count: 2 } a => (reader.Value<double>(key, a[0]), reader.Value<double>(key, a[1])),
            JsonValue v => reader.Value<double>(key, v),
            _ => throw reader.Invalid(key, node, "a number or a list of two numbers"),
        };
    }
}
