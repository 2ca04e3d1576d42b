using System.Globalization;
using DeepSharp.Kernels;

namespace DeepSharp;

/// <summary>
/// Random image augmentation, as Keras' <c>ImageDataGenerator</c>: rotations, shifts, shear, zoom and flips, all
/// composed into one affine map per image and applied in a single resampling pass, then an optional rescale.
/// <c>Flow(x, y)</c> gives batches of freshly augmented images for <c>model.Fit(source, ...)</c>, prepared on a
/// background thread while the model trains.
/// </summary>
/// <example>
/// <code>
/// var datagen = new ImageDataGenerator(rotationRange: 10, widthShiftRange: 0.1, heightShiftRange: 0.1,
///                                      shearRange: 0.1, zoomRange: (0.9, 1.2));
/// using var flow = datagen.Flow(trainX, trainY, batchSize: 32, seed: 42);
/// var history = model.Fit(flow, epochs: 15, validationData: (testX, testY));
/// </code>
/// </example>
/// <remarks>
/// Images are channels-last, [N, H, W, C], or [N, H, W] for one channel. The geometry follows Keras (its
/// <c>apply_affine_transform</c>): each parameter is drawn uniformly from its range, and the same numbers give
/// the same image. Keras applies the rescale after the transform, so pixels filled by <see cref="FillMode.Constant"/>
/// are rescaled too; so are they here.
/// </remarks>
public sealed partial class ImageDataGenerator
{
    /// <summary>Creates a generator; every range defaults to no augmentation.</summary>
    /// <param name="rotationRange">Degrees: rotations are drawn from [−range, range].</param>
    /// <param name="widthShiftRange">
    /// Horizontal shifts drawn from [−range, range]: a fraction of the width when below 1, pixels when 1 or more (as Keras).
    /// </param>
    /// <param name="heightShiftRange">Vertical shifts, as <paramref name="widthShiftRange"/> with the height.</param>
    /// <param name="shearRange">Degrees: shear angles are drawn from [−range, range] (counter-clockwise, as Keras 2).</param>
    /// <param name="zoomRange">
    /// A number z for factors in [1 − z, 1 + z], or a pair (low, high). The height and width factors are drawn
    /// independently, as Keras does. Null for no zoom.
    /// </param>
    /// <param name="horizontalFlip">Mirror half of the images left to right.</param>
    /// <param name="verticalFlip">Mirror half of the images top to bottom.</param>
    /// <param name="fillMode">How points outside the input are filled: "nearest" (default), "constant", "reflect" or "wrap".</param>
    /// <param name="cval">The value outside the input when <paramref name="fillMode"/> is "constant".</param>
    /// <param name="rescale">A factor applied to every pixel after the transform (e.g. 1 / 255); null or 0 for none, as Keras.</param>
    /// <param name="interpolationOrder">1 for bilinear interpolation (Keras' default), 0 for the nearest pixel.</param>
    /// <param name="featurewiseCenter">Subtract the per-channel mean of the data given to <see cref="Fit"/>.</param>
    /// <param name="featurewiseStdNormalization">Divide by the per-channel standard deviation from <see cref="Fit"/> (centers too, as Keras).</param>
    /// <param name="zcaWhitening">Apply the ZCA whitening matrix from <see cref="Fit"/> (centers, and turns off the std normalization, as Keras).</param>
    /// <param name="zcaEpsilon">Added to the covariance's eigenvalues before their inverse square root (Keras default 1e-6).</param>
    /// <param name="samplewiseCenter">Subtract each image's own mean.</param>
    /// <param name="samplewiseStdNormalization">Divide each image by its own standard deviation (centers too, as Keras).</param>
    public ImageDataGenerator(double rotationRange = 0, double widthShiftRange = 0, double heightShiftRange = 0,
        double shearRange = 0, ZoomRange? zoomRange = null, bool horizontalFlip = false, bool verticalFlip = false,
        string fillMode = "nearest", double cval = 0, double? rescale = null, int interpolationOrder = 1,
        bool featurewiseCenter = false, bool featurewiseStdNormalization = false, bool zcaWhitening = false, double zcaEpsilon = 1e-6,
        bool samplewiseCenter = false, bool samplewiseStdNormalization = false)
    {
        RotationRange = CheckRange(rotationRange, nameof(rotationRange), "degrees");
        WidthShiftRange = CheckRange(widthShiftRange, nameof(widthShiftRange), "a fraction of the width below 1, or pixels");
        HeightShiftRange = CheckRange(heightShiftRange, nameof(heightShiftRange), "a fraction of the height below 1, or pixels");
        ShearRange = CheckRange(shearRange, nameof(shearRange), "degrees");
        var zoom = zoomRange ?? ZoomRange.None;
        if (!double.IsFinite(zoom.Low) || !double.IsFinite(zoom.High))
            throw new ArgumentOutOfRangeException(nameof(zoomRange), zoom,
                $"ImageDataGenerator: zoomRange must have finite bounds; got {zoom}.");
        if (zoom.Low > zoom.High)
            throw new ArgumentException(Invariant(
                $"ImageDataGenerator: zoomRange's low bound {zoom.Low} is above its high bound {zoom.High}; give (low, high) with low <= high."),
                nameof(zoomRange));
        if (zoom.Low < 0)
            throw new ArgumentOutOfRangeException(nameof(zoomRange), zoom, Invariant(
                $"ImageDataGenerator: zoomRange {zoom} goes below 0; zoom factors must be >= 0 (a number z gives [1 − z, 1 + z], so z <= 1)."));
        ZoomRange = zoom;
        HorizontalFlip = horizontalFlip;
        VerticalFlip = verticalFlip;
        FillMode = fillMode switch
        {
            "nearest" => FillMode.Nearest,
            "constant" => FillMode.Constant,
            "reflect" => FillMode.Reflect,
            "wrap" => FillMode.Wrap,
            _ => throw new ArgumentException(
                $"ImageDataGenerator: fillMode must be \"nearest\", \"constant\", \"reflect\" or \"wrap\"; got \"{fillMode}\".", nameof(fillMode)),
        };
        if (!double.IsFinite(cval))
            throw new ArgumentOutOfRangeException(nameof(cval), cval, "ImageDataGenerator: cval must be a finite number.");
        Cval = (float)cval;
        if (rescale is { } r && !double.IsFinite(r))
            throw new ArgumentOutOfRangeException(nameof(rescale), rescale, "ImageDataGenerator: rescale must be a finite number (or null for none).");
        Rescale = rescale is null or 0 ? null : rescale;
        if (interpolationOrder is not (0 or 1))
            throw new ArgumentOutOfRangeException(nameof(interpolationOrder), interpolationOrder,
                "ImageDataGenerator: interpolationOrder must be 0 (nearest pixel) or 1 (bilinear).");
        InterpolationOrder = interpolationOrder;
        if (!(double.IsFinite(zcaEpsilon) && zcaEpsilon >= 0))
            throw new ArgumentOutOfRangeException(nameof(zcaEpsilon), zcaEpsilon, "ImageDataGenerator: zcaEpsilon must be a finite number >= 0.");
        // Keras' overrides: ZCA centers and replaces the std normalization; std normalization centers.
        ZcaWhitening = zcaWhitening;
        ZcaEpsilon = zcaEpsilon;
        FeaturewiseStdNormalization = featurewiseStdNormalization && !zcaWhitening;
        FeaturewiseCenter = featurewiseCenter || zcaWhitening || featurewiseStdNormalization;
        SamplewiseStdNormalization = samplewiseStdNormalization;
        SamplewiseCenter = samplewiseCenter || samplewiseStdNormalization;
    }

    /// <summary>Whether images are centered by the per-channel mean of <see cref="Fit"/>.</summary>
    public bool FeaturewiseCenter { get; }

    /// <summary>Whether images are divided by the per-channel standard deviation of <see cref="Fit"/>.</summary>
    public bool FeaturewiseStdNormalization { get; }

    /// <summary>Whether images are whitened by the ZCA matrix of <see cref="Fit"/>.</summary>
    public bool ZcaWhitening { get; }

    /// <summary>Added to the covariance's eigenvalues in ZCA whitening.</summary>
    public double ZcaEpsilon { get; }

    /// <summary>Whether each image is centered by its own mean.</summary>
    public bool SamplewiseCenter { get; }

    /// <summary>Whether each image is divided by its own standard deviation.</summary>
    public bool SamplewiseStdNormalization { get; }

    /// <summary>Rotations are drawn from [−range, range] degrees.</summary>
    public double RotationRange { get; }

    /// <summary>Horizontal shifts: a fraction of the width below 1, pixels from 1.</summary>
    public double WidthShiftRange { get; }

    /// <summary>Vertical shifts: a fraction of the height below 1, pixels from 1.</summary>
    public double HeightShiftRange { get; }

    /// <summary>Shear angles are drawn from [−range, range] degrees.</summary>
    public double ShearRange { get; }

    /// <summary>The range of zoom factors (each axis drawn independently).</summary>
    public ZoomRange ZoomRange { get; }

    /// <summary>Whether half of the images are mirrored left to right.</summary>
    public bool HorizontalFlip { get; }

    /// <summary>Whether half of the images are mirrored top to bottom.</summary>
    public bool VerticalFlip { get; }

    /// <summary>How points outside the input are filled.</summary>
    public FillMode FillMode { get; }

    /// <summary>The fill value of <see cref="FillMode.Constant"/>.</summary>
    public float Cval { get; }

    /// <summary>The factor applied after the transform, or null for none.</summary>
    public double? Rescale { get; }

    /// <summary>1 for bilinear interpolation, 0 for the nearest pixel.</summary>
    public int InterpolationOrder { get; }

    /// <summary>
    /// Draws the parameters of one random transform for an image of <paramref name="height"/> ×
    /// <paramref name="width"/> pixels (Keras' <c>get_random_transform</c>), in Keras' order: rotation, height
    /// shift, width shift, shear, the two zoom factors, horizontal flip, vertical flip.
    /// </summary>
    /// <param name="height">Image height in pixels (shift fractions are of it).</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="random">The random stream; the default generator when null.</param>
    public ImageTransform GetRandomTransform(int height, int width, RandomGenerator? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        random ??= RandomGenerator.Default;
        double rotation = Symmetric(random, RotationRange);
        double heightShift = Symmetric(random, HeightShiftRange);
        if (HeightShiftRange < 1) heightShift *= height;
        double widthShift = Symmetric(random, WidthShiftRange);
        if (WidthShiftRange < 1) widthShift *= width;
        double shear = Symmetric(random, ShearRange);
        double heightZoom = 1, widthZoom = 1;
        if (!ZoomRange.IsNone)
        {
            heightZoom = ZoomRange.Low + (ZoomRange.High - ZoomRange.Low) * random.NextDouble();
            widthZoom = ZoomRange.Low + (ZoomRange.High - ZoomRange.Low) * random.NextDouble();
        }
        bool flipHorizontal = HorizontalFlip && random.NextDouble() < 0.5;
        bool flipVertical = VerticalFlip && random.NextDouble() < 0.5;
        return new ImageTransform(rotation, heightShift, widthShift, shear, heightZoom, widthZoom, flipHorizontal, flipVertical);
    }

    /// <summary>
    /// One image transformed by <paramref name="transform"/> (Keras' <c>apply_transform</c>): the geometry only,
    /// filled as <see cref="FillMode"/> says; <see cref="Rescale"/> is not applied.
    /// </summary>
    /// <param name="image">[H, W, C], or [H, W] for one channel.</param>
    /// <param name="transform">The transform, e.g. from <see cref="GetRandomTransform"/>.</param>
    /// <returns>A new tensor of the image's shape.</returns>
    public Tensor ApplyTransform(Tensor image, in ImageTransform transform)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (height, width, channels) = SingleImageShape(image, "ApplyTransform");
        return Resample(image, 1, height, width, channels, [transform.ToAffineMap(height, width)], scale: 1f);
    }

    /// <summary>One image with a random transform (Keras' <c>random_transform</c>); the geometry only.</summary>
    /// <param name="image">[H, W, C], or [H, W] for one channel.</param>
    /// <param name="seed">Seed of the draw; the default generator when null.</param>
    public Tensor RandomTransform(Tensor image, long? seed = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (height, width, _) = SingleImageShape(image, "RandomTransform");
        var random = seed is { } s ? new RandomGenerator(s) : RandomGenerator.Default;
        return ApplyTransform(image, GetRandomTransform(height, width, random));
    }

    /// <summary>
    /// Every image of a batch with its own random transform, then <see cref="Rescale"/>: what a batch of
    /// <see cref="Flow"/> holds. With the same seed it equals the first batch of epoch 0 of
    /// <c>Flow(images, batchSize: N, shuffle: false, seed)</c>.
    /// </summary>
    /// <param name="images">[N, H, W, C], or [N, H, W] for one channel.</param>
    /// <param name="seed">Seed of the draws; drawn from the default generator when null.</param>
    /// <returns>A new tensor of the images' shape.</returns>
    public Tensor Augment(Tensor images, long? seed = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        var (count, height, width, channels) = BatchShape(images, "Augment", nameof(images));
        var random = new RandomGenerator(ImageFlow.StreamSeed(seed ?? (long)RandomGenerator.Default.NextUInt64(), 0, 0));
        var maps = new AffineMap[count];
        for (int i = 0; i < count; i++) maps[i] = GetRandomTransform(height, width, random).ToAffineMap(height, width);
        RequireFitted("Augment");
        var output = Resample(images, count, height, width, channels, maps, ScaleFactor);
        if (Standardizes) StandardizeInPlace(output, count);
        return output;
    }

    /// <summary>
    /// Batches of augmented images and their targets for <c>model.Fit(source, ...)</c>, as Keras' <c>flow</c>:
    /// every epoch visits each sample once (shuffled if asked), each time with a new random transform. Batches
    /// are prepared one step ahead (by the kernel threads between their jobs, or with one kernel thread on a
    /// background thread); dispose the flow to stop that.
    /// </summary>
    /// <param name="x">Images [N, H, W, C], or [N, H, W] for one channel; batches keep this layout.</param>
    /// <param name="y">Targets with one row per image, or null to augment images alone.</param>
    /// <param name="batchSize">Images per batch (the last batch of an epoch may be smaller).</param>
    /// <param name="shuffle">Visit the samples in a new order each epoch.</param>
    /// <param name="seed">
    /// Seeds the order and the transforms: batch b of epoch e depends on (seed, e, b) alone, never on thread
    /// timing. Drawn from the default generator when null.
    /// </param>
    public ImageFlow Flow(Tensor x, Tensor? y = null, int batchSize = 32, bool shuffle = true, long? seed = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        BatchShape(x, "Flow", nameof(x));
        if (y is not null && (y.Rank == 0 || y.Shape[0] != x.Shape[0]))
            throw new ArgumentException(
                $"ImageDataGenerator.Flow: x has {x.Shape[0]} images (shape {x.Shape}) but y has shape {y.Shape}; y needs one row per image.", nameof(y));
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "ImageDataGenerator.Flow: batchSize must be at least 1.");
        RequireFitted("Flow");
        CheckFittedShape(x, "Flow");
        return new ImageFlow(this, x, y, batchSize, shuffle, seed ?? (long)RandomGenerator.Default.NextUInt64());
    }

    /// <summary>The rescale factor as the kernel takes it.</summary>
    internal float ScaleFactor => Rescale is { } r ? (float)r : 1f;

    /// <summary>Transforms image i of a batch already read from <paramref name="random"/>'s stream: one draw, one resampling pass.</summary>
    internal unsafe void AugmentInto(float* source, float* destination, int height, int width, int channels, RandomGenerator random)
    {
        var map = GetRandomTransform(height, width, random).ToAffineMap(height, width);
        AffineResampler.Resample(source, destination, height, width, channels, map, FillMode, Cval, InterpolationOrder == 1, ScaleFactor);
    }

    /// <summary>The (count, height, width, channels) of a batch of images, checked.</summary>
    internal static (int Count, int Height, int Width, int Channels) BatchShape(Tensor images, string operation, string argument)
    {
        var shape = images.Shape;
        if (shape.Rank is not (3 or 4))
            throw new ArgumentException(
                $"ImageDataGenerator.{operation}: expected images of shape [N, H, W, C] or [N, H, W]; got shape {shape} (rank {shape.Rank}).", argument);
        int channels = shape.Rank == 4 ? shape[3] : 1;
        if (shape[0] < 1 || shape[1] < 1 || shape[2] < 1 || channels < 1)
            throw new ArgumentException(
                $"ImageDataGenerator.{operation}: the images of shape {shape} are empty; need at least one image of at least 1 × 1 pixels.", argument);
        return (shape[0], shape[1], shape[2], channels);
    }

    private static (int Height, int Width, int Channels) SingleImageShape(Tensor image, string operation)
    {
        var shape = image.Shape;
        if (shape.Rank is not (2 or 3))
            throw new ArgumentException(
                $"ImageDataGenerator.{operation}: expected one image of shape [H, W, C] or [H, W]; got shape {shape}. " +
                "For a batch, use Augment or Flow.", nameof(image));
        int channels = shape.Rank == 3 ? shape[2] : 1;
        if (shape[0] < 1 || shape[1] < 1 || channels < 1)
            throw new ArgumentException($"ImageDataGenerator.{operation}: the image of shape {shape} is empty.", nameof(image));
        return (shape[0], shape[1], channels);
    }

    private unsafe Tensor Resample(Tensor images, int count, int height, int width, int channels, AffineMap[] maps, float scale)
    {
        var source = images.IsContiguous ? images : images.ContiguousCopy();
        var output = Tensor.Uninitialized(images.Shape);
        var body = new ImageResampling(this, source.Pointer, output.Pointer, maps, height, width, channels, scale);
        // One image is too little work to share; a batch is split by image when it is large enough to pay.
        if ((long)count * height * width * channels >= 1 << 16) WorkerPool.For(count, ref body);
        else for (int i = 0; i < count; i++) body.Execute(i);
        if (!ReferenceEquals(source, images)) source.Recycle();
        return output;
    }

    private static double Symmetric(RandomGenerator random, double range) =>
        range == 0 ? 0 : range * (2 * random.NextDouble() - 1);

    private static double CheckRange(double value, string name, string unit)
    {
        if (!(double.IsFinite(value) && value >= 0))
            throw new ArgumentOutOfRangeException(name, value,
                Invariant($"ImageDataGenerator: {name} must be a finite number >= 0 ({unit}); got {value}."));
        return value;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
