using DeepSharp.Kernels;

namespace DeepSharp;

/// <summary>
/// The parameters of one geometric augmentation of an image, as Keras' <c>transform_parameters</c>: what
/// <see cref="ImageDataGenerator.GetRandomTransform"/> draws and <see cref="ImageDataGenerator.ApplyTransform"/>
/// applies. All of it becomes one affine map, so the image is resampled once.
/// </summary>
/// <remarks>
/// Conventions are Keras' (its <c>apply_affine_transform</c>), so the same numbers give the same image: the map
/// sends each output pixel (row, column) to the input point it reads; rotation, shift, shear and zoom compose in
/// that order about the image centre ((height − 1) / 2, (width − 1) / 2), and the flips follow. A positive shift
/// therefore moves the content towards smaller indices (up, or left), and a zoom above 1 reads a larger area,
/// so the content shrinks. <c>new ImageTransform()</c> is the identity; <c>default</c> is not (its zoom factors are 0).
/// </remarks>
/// <param name="Rotation">Rotation angle in degrees (Keras' <c>theta</c>).</param>
/// <param name="HeightShift">Shift along the rows in pixels (Keras' <c>tx</c>).</param>
/// <param name="WidthShift">Shift along the columns in pixels (Keras' <c>ty</c>).</param>
/// <param name="Shear">Shear angle in degrees (Keras' <c>shear</c>).</param>
/// <param name="HeightZoom">Zoom factor along the rows (Keras' <c>zx</c>); 1 for none.</param>
/// <param name="WidthZoom">Zoom factor along the columns (Keras' <c>zy</c>); 1 for none.</param>
/// <param name="FlipHorizontal">Mirror left to right (Keras' <c>flip_horizontal</c>).</param>
/// <param name="FlipVertical">Mirror top to bottom (Keras' <c>flip_vertical</c>).</param>
public readonly record struct ImageTransform(
    double Rotation = 0, double HeightShift = 0, double WidthShift = 0, double Shear = 0,
    double HeightZoom = 1, double WidthZoom = 1, bool FlipHorizontal = false, bool FlipVertical = false)
{
    /// <summary>The transform that leaves an image unchanged (zoom factors 1, everything else 0).</summary>
    public ImageTransform() : this(Rotation: 0)
    {
    }

    /// <summary>The transform that leaves an image unchanged.</summary>
    public static ImageTransform Identity => new();

    /// <summary>
    /// The map from output pixel (row, column) to input point for an image of <paramref name="height"/> ×
    /// <paramref name="width"/> pixels.
    /// </summary>
    internal AffineMap ToAffineMap(int height, int width)
    {
        // Rows and columns of a 3×3 homogeneous matrix in (row, column) coordinates, built in double and
        // composed as Keras does: M = rotation · shift · shear · zoom, then moved to the centre.
        double theta = Rotation * (Math.PI / 180), shear = Shear * (Math.PI / 180);
        double cos = Math.Cos(theta), sin = Math.Sin(theta);
        // rotation · shift
        double a00 = cos, a01 = -sin, a02 = cos * HeightShift - sin * WidthShift;
        double a10 = sin, a11 = cos, a12 = sin * HeightShift + cos * WidthShift;
        // · shear [[1, −sin s, 0], [0, cos s, 0]]
        double shearSin = Math.Sin(shear), shearCos = Math.Cos(shear);
        (a01, a11) = (-a00 * shearSin + a01 * shearCos, -a10 * shearSin + a11 * shearCos);
        // · zoom diag(zx, zy)
        a00 *= HeightZoom; a10 *= HeightZoom;
        a01 *= WidthZoom; a11 *= WidthZoom;
        // About the centre: input = c + A (output − c).
        double cRow = (height - 1) / 2.0, cCol = (width - 1) / 2.0;
        a02 += cRow - a00 * cRow - a01 * cCol;
        a12 += cCol - a10 * cRow - a11 * cCol;
        // The flips come after the affine part: output (r, c) reads the transformed image at (H−1−r, c) or
        // (r, W−1−c), which folds into the matrix as a change of sign and offset of one column of it.
        if (FlipVertical)
        {
            a02 += a00 * (height - 1); a00 = -a00;
            a12 += a10 * (height - 1); a10 = -a10;
        }
        if (FlipHorizontal)
        {
            a02 += a01 * (width - 1); a01 = -a01;
            a12 += a11 * (width - 1); a11 = -a11;
        }
        return new AffineMap(Snap(a00), Snap(a01), Snap(a02), Snap(a10), Snap(a11), Snap(a12));
    }

    // cos 90° is 6e-17, not 0: snapping such entries keeps right-angle rotations and flips exact pixel moves.
    private static float Snap(double value)
    {
        double nearest = Math.Round(value);
        return (float)(Math.Abs(value - nearest) < 1e-9 ? nearest : value);
    }
}
