using DeepSharp.Kernels;

namespace DeepSharp;

/// <summary>
/// A batch's images resampled through their affine maps, one image an item: destination image i from source image
/// <c>Order[Start + i]</c> (image i when there is no order) through <c>Maps[i]</c>, with the generator's fill mode,
/// interpolation and a scale. <see cref="ImageDataGenerator.Augment"/> and the flow's inline and pooled batches run it; a
/// struct, so that the worker pool runs it without an allocation.
/// </summary>
internal unsafe struct ImageResampling : IParallelBody
{
    private readonly float* _source, _destination;
    private readonly AffineMap[] _maps;
    private readonly int[]? _order;
    private readonly int _start, _imageLength, _height, _width, _channels;
    private readonly FillMode _mode;
    private readonly float _fill, _scale;
    private readonly bool _bilinear;

    /// <summary>
    /// Images of <paramref name="height"/> × <paramref name="width"/> × <paramref name="channels"/>, each multiplied by
    /// <paramref name="scale"/> after its resampling; <paramref name="order"/> from <paramref name="start"/> picks the source
    /// image of each item (null: the item's own).
    /// </summary>
    public ImageResampling(ImageDataGenerator generator, float* source, float* destination, AffineMap[] maps, int height, int width, int channels,
        float scale, int[]? order = null, int start = 0)
    {
        _source = source;
        _destination = destination;
        (_maps, _order, _start) = (maps, order, start);
        (_height, _width, _channels, _imageLength) = (height, width, channels, height * width * channels);
        (_mode, _fill, _bilinear, _scale) = (generator.FillMode, generator.Cval, generator.InterpolationOrder == 1, scale);
    }

    public readonly void Execute(int item)
    {
        long image = _order is null ? item : _order[_start + item];
        AffineResampler.Resample(_source + image * _imageLength, _destination + (long)item * _imageLength, _height, _width, _channels, _maps[item],
            _mode, _fill, _bilinear, _scale);
    }
}
