namespace DeepSharp.Examples;

/// <summary>
/// The residual network of <see cref="ResNetExample"/>, built with the functional API as a Keras user writes it: a stem
/// Conv2D(3×3) → BatchNormalization → relu at full resolution, then one stage per entry of the stage widths, each
/// starting with a residual block whose first convolution has stride 2 (the shortcut a strided 1×1 Conv2D with its own
/// BatchNormalization), then GlobalAveragePooling2D → Dense(classes, softmax). A residual block is
/// Conv2D(3×3) → BN → relu → Conv2D(3×3) → BN, added to the shortcut, then relu. Convolutions before a
/// BatchNormalization have no bias (its beta replaces it). Uncompiled.
/// </summary>
public static class ResNetModel
{
    /// <summary>Filters of the stem convolution by default.</summary>
    public const int DefaultStemFilters = 32;

    /// <summary>Filters of each stage by default: 64 at 14×14, 128 at 7×7 for 28×28 images.</summary>
    public static readonly IReadOnlyList<int> DefaultStageFilters = [64, 128];

    /// <summary>Builds the network for images of <paramref name="inputShape"/> (default 28×28×1).</summary>
    /// <param name="classes">Outputs of the softmax.</param>
    /// <param name="stemFilters">Filters of the stem convolution (at least 1).</param>
    /// <param name="stageFilters">Filters of each stage (default <see cref="DefaultStageFilters"/>); each stage halves the resolution.</param>
    /// <param name="blocksPerStage">Residual blocks per stage (at least 1); blocks after the first keep stride 1 and an identity shortcut.</param>
    /// <param name="inputShape">Height, width and channels of the images.</param>
    public static Model Create(int classes = 10, int stemFilters = DefaultStemFilters, IReadOnlyList<int>? stageFilters = null,
        int blocksPerStage = 1, TensorShape? inputShape = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stemFilters, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blocksPerStage, 1);
        stageFilters ??= DefaultStageFilters;
        if (stageFilters.Count == 0 || stageFilters.Any(f => f < 1))
            throw new ArgumentException($"ResNetModel: stageFilters must list at least one stage of at least 1 filter; got [{string.Join(", ", stageFilters)}].",
                nameof(stageFilters));

        var inputs = new Input(inputShape ?? new TensorShape(28, 28, 1), name: "image");
        var x = ConvBatchNorm(inputs.Output, stemFilters, strides: 1);
        x = new Activation("relu").Call(x);
        foreach (int filters in stageFilters)
            for (int block = 0; block < blocksPerStage; block++)
                x = ResidualBlock(x, filters, strides: block == 0 ? 2 : 1);
        x = new GlobalAveragePooling2D().Call(x);
        var outputs = new Dense(classes, activation: "softmax").Call(x);
        return new Model(inputs.Output, outputs, name: "resnet");
    }

    /// <summary>Conv2D(3×3, same, no bias) → BN → relu → Conv2D(3×3) → BN, plus the shortcut, then relu.</summary>
    private static SymbolicTensor ResidualBlock(SymbolicTensor input, int filters, int strides)
    {
        var x = ConvBatchNorm(input, filters, strides);
        x = new Activation("relu").Call(x);
        x = ConvBatchNorm(x, filters, strides: 1);
        // The shortcut is projected where the shape changes (stride or width), else the input itself.
        var shortcut = input;
        if (strides != 1 || input.Shape[-1] != filters)
        {
            shortcut = new Conv2D(filters, 1, strides: strides, useBias: false).Call(input);
            shortcut = new BatchNormalization().Call(shortcut);
        }
        x = new Add().Call([x, shortcut]);
        return new Activation("relu").Call(x);
    }

    private static SymbolicTensor ConvBatchNorm(SymbolicTensor input, int filters, int strides)
    {
        var x = new Conv2D(filters, 3, strides: strides, padding: "same", useBias: false).Call(input);
        return new BatchNormalization().Call(x);
    }
}
