namespace DeepSharp.Cli.Prediction;

/// <summary>
/// How a model takes images, from its input shape: (H, W) and (H, W, 1) grayscale, (H, W, 3) RGB, or (H·W) flat
/// grayscale pixels. Turns grayscale or RGB pixels into the batch it takes, and refuses images of another size (they
/// are not resized: a model trained on 28×28 images has never seen a shrunken photograph).
/// </summary>
public sealed class ModelImageInput
{
    private ModelImageInput(TensorShape sampleShape, int channels, int? height, int? width)
    {
        SampleShape = sampleShape;
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>The shape of one input, without the batch axis.</summary>
    public TensorShape SampleShape { get; }

    /// <summary>1 (grayscale) or 3 (RGB).</summary>
    public int Channels { get; }

    /// <summary>The image height, or null for flat inputs.</summary>
    public int? Height { get; }

    /// <summary>The image width, or null for flat inputs.</summary>
    public int? Width { get; }

    /// <summary>What it takes, for messages: "28×28 grayscale images", "784 grayscale pixels".</summary>
    public string Description => Height is { } h
        ? $"{h}×{Width} {(Channels == 3 ? "RGB" : "grayscale")} images"
        : $"{SampleShape[0]} grayscale pixels per image";

    /// <summary>The input of <paramref name="model"/>; fails when it takes no images.</summary>
    public static ModelImageInput Of(Model model, string modelPath)
    {
        var declared = model.InputShape ?? model.DeclaredInputShape
            ?? throw new InvalidDataException($"'{modelPath}' does not record its input shape, so it is not known what images it takes.");
        if (!declared.TryGetTensorShape(out var shape))
            throw new InvalidDataException($"'{modelPath}' takes inputs of shape {Layer.FormatBatch(declared)}, whose unknown (None) dimensions leave it open what images it takes.");
        return shape.Rank switch
        {
            1 => new ModelImageInput(shape, 1, null, null),
            2 => new ModelImageInput(shape, 1, shape[0], shape[1]),
            3 when shape[2] is 1 or 3 => new ModelImageInput(shape, shape[2], shape[0], shape[1]),
            _ => throw new InvalidDataException($"'{modelPath}' takes inputs of shape {Layer.FormatBatch(shape)}, not images " +
                "(None, H, W), (None, H, W, 1 or 3) or (None, pixels)."),
        };
    }

    /// <summary>Fails unless a <paramref name="height"/> × <paramref name="width"/> image (from <paramref name="source"/>) fits.</summary>
    public void CheckSize(int height, int width, string source)
    {
        bool fits = Height is { } h ? h == height && Width == width : SampleShape[0] == height * width;
        if (!fits)
            throw new InvalidDataException($"{source} is {width}×{height} pixels; the model takes {Description}. " +
                "Images are not resized: give images of the size the model was trained on.");
    }

    /// <summary>
    /// <paramref name="count"/> images of <paramref name="sourceChannels"/> channels (1 or 3), pixel after pixel, as the
    /// model takes their pixels: grayscale repeated into RGB, or RGB turned into luminance (ITU-R BT.601, as Pillow's "L").
    /// </summary>
    public float[] Convert(float[] pixels, int count, int sourceChannels)
    {
        if (sourceChannels == Channels) return pixels;
        int perImage = SampleShape.Size / Channels;
        var values = new float[count * perImage * Channels];
        if (sourceChannels == 1)
            for (int i = 0; i < count * perImage; i++) values[3 * i] = values[3 * i + 1] = values[3 * i + 2] = pixels[i];
        else
            for (int i = 0; i < count * perImage; i++)
                values[i] = 0.299f * pixels[3 * i] + 0.587f * pixels[3 * i + 1] + 0.114f * pixels[3 * i + 2];
        return values;
    }

    /// <summary>The batch of <paramref name="count"/> inputs whose values <see cref="Convert"/> made.</summary>
    public Tensor Batch(float[] values, int count) => Tensor.FromArray(values, [count, .. SampleShape.Dims]);
}
