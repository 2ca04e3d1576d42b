using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DeepSharp;

/// <summary>
/// The range zoom factors are drawn from, as Keras' <c>zoom_range</c>: a number z means [1 − z, 1 + z]
/// (<c>zoomRange: 0.1</c>), a pair the bounds themselves (<c>zoomRange: (0.9, 1.2)</c>), and so does a collection of
/// two numbers, as Keras takes a list (<c>zoomRange: [0.9, 1.2]</c>, or an array or a list). A factor above 1 reads
/// a larger area of the input, so the content shrinks; below 1 it is enlarged.
/// </summary>
/// <param name="Low">The smallest factor.</param>
/// <param name="High">The largest factor.</param>
[CollectionBuilder(typeof(ZoomRange), nameof(Create))]
public readonly record struct ZoomRange(double Low, double High) : IEnumerable<double>
{
    /// <summary>[low, high] from exactly two numbers, as Keras reads a list: <c>zoomRange: [0.9, 1.2]</c>.</summary>
    public static ZoomRange Create(ReadOnlySpan<double> bounds) => bounds.Length == 2
        ? new(bounds[0], bounds[1])
        : throw new ArgumentException(
            $"zoomRange: a collection must hold two numbers [low, high] (as Keras' zoom_range list); got {bounds.Length}: [{string.Join(", ", bounds.ToArray())}].",
            nameof(bounds));

    /// <summary>An array of two numbers means [low, high].</summary>
    public static implicit operator ZoomRange(double[] bounds) => Create(bounds ?? throw new ArgumentNullException(nameof(bounds)));

    /// <summary>A list of two numbers means [low, high].</summary>
    public static implicit operator ZoomRange(List<double> bounds) =>
        Create(CollectionsMarshal.AsSpan(bounds ?? throw new ArgumentNullException(nameof(bounds))));

    /// <summary>The two bounds, low then high.</summary>
    public IEnumerator<double> GetEnumerator()
    {
        yield return Low;
        yield return High;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>No zoom: [1, 1].</summary>
    public static ZoomRange None => new(1, 1);

    /// <summary>[1 − <paramref name="z"/>, 1 + <paramref name="z"/>], as Keras reads a number.</summary>
    public static ZoomRange Around(double z) => new(1 - z, 1 + z);

    /// <summary>A number z means [1 − z, 1 + z].</summary>
    public static implicit operator ZoomRange(double z) => Around(z);

    /// <summary>A pair means [low, high].</summary>
    public static implicit operator ZoomRange((double Low, double High) range) => new(range.Low, range.High);

    /// <summary>Whether every factor drawn is 1.</summary>
    public bool IsNone => Low == 1 && High == 1;

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"[{Low}, {High}]");
}
