namespace DeepSharp.Examples;

/// <summary>
/// The augmentation <see cref="CnnExample"/> trains with (<c>deepsharp train cnn --augment</c>, and what
/// <c>deepsharp augment</c> shows): rotation ±5°, shifts ±0.05, shear 0.1°, zoom [0.95, 1.05], nearest fill, no flips.
/// The seed's recipe, which examples/Cnn keeps, is rotation 10°, shifts 0.1 and zoom [0.9, 1.2].
/// </summary>
// Milder than the seed's recipe because Fashion-MNIST's garments are centred and scaled to fill the image: the wider
// ranges make images the test set never shows, and the 15-epoch CNN underfits them. No flips: the shoes all point the
// same way. The measurements behind both choices are in BENCHMARKS.md, "Accuracy of the examples".
public static class CnnAugmentation
{
    /// <summary>Rotation range in degrees.</summary>
    public const double Rotation = 5;

    /// <summary>Width and height shift range (fraction of the size).</summary>
    public const double Shift = 0.05;

    /// <summary>Shear range in degrees (Keras 2 reads shear_range in degrees).</summary>
    public const double Shear = 0.1;

    /// <summary>Zoom range.</summary>
    public static readonly ZoomRange Zoom = (0.95, 1.05);

    /// <summary>A generator with these ranges.</summary>
    public static ImageDataGenerator Default() =>
        new(rotationRange: Rotation, widthShiftRange: Shift, heightShiftRange: Shift, shearRange: Shear, zoomRange: Zoom);
}
