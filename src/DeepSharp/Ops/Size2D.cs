namespace DeepSharp;

/// <summary>
/// Two integers for the two spatial dimensions of an image, (height, width): a kernel size, strides, a
/// dilation rate, a pool size. As in Keras, one integer stands for both: <c>kernelSize: 3</c> is (3, 3), and a
/// tuple gives them apart: <c>kernelSize: (3, 5)</c>.
/// </summary>
/// <param name="Height">The value along the height (rows).</param>
/// <param name="Width">The value along the width (columns).</param>
public readonly record struct Size2D(int Height, int Width)
{
    /// <summary>The same value along both dimensions.</summary>
    public static implicit operator Size2D(int value) => new(value, value);

    /// <summary>(height, width).</summary>
    public static implicit operator Size2D((int Height, int Width) value) => new(value.Height, value.Width);

    /// <summary>Whether both values are at least 1.</summary>
    public bool IsPositive => Height >= 1 && Width >= 1;

    /// <summary>Formats as Keras prints a tuple: (3, 3).</summary>
    public override string ToString() => $"({Height}, {Width})";

    /// <summary>
    /// Throws unless both values are positive, naming <paramref name="owner"/> (the layer or op) and the
    /// <paramref name="argument"/>.
    /// </summary>
    internal Size2D RequirePositive(string owner, string argument) => IsPositive ? this
        : throw new ArgumentOutOfRangeException(argument, this, $"{owner}: {argument} must be positive integers; got {this}.");
}
