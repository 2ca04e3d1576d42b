namespace DeepSharp;

// Grouped convolutions (Keras' `groups`): the input channels are cut into groups, each convolved with its own
// filters, the outputs laid side by side. When every group is one channel the convolution is depthwise and runs on
// the depthwise kernels (the kernel (..., 1, filters) is, in memory, the depthwise (..., channels, multiplier));
// other groupings run one convolution per group on views of the input and the kernel.
public static partial class Ops
{
    /// <summary>One group's convolution, without activation: <c>depthwise</c> when every group is one channel (the whole input then).</summary>
    private delegate Tensor GroupConvolution(Tensor input, Tensor kernel, Tensor? bias, bool depthwise);

    /// <summary>
    /// A convolution of <paramref name="groups"/> groups: the kernel's second-to-last axis holds channels / groups,
    /// its last the filters (a multiple of the groups), as Keras lays it out.
    /// </summary>
    private static Tensor GroupedConvolution(Tensor input, Tensor kernel, Tensor? bias, int groups, bool relu, string owner, GroupConvolution convolve)
    {
        int rank = kernel.Rank;
        int channels = input.Rank == rank ? input._shape[-1] : -1;
        int groupChannels = kernel._shape[rank - 2], filters = kernel._shape[rank - 1];
        if (groups < 1)
            throw new ArgumentOutOfRangeException(nameof(groups), groups, $"{owner}: groups must be a positive integer; got {groups}.");
        if (input.Rank != rank)
            throw new ArgumentException($"{owner} expects input of rank {rank}, got {input._shape}.", nameof(input));
        if (channels != groups * groupChannels)
            throw new ArgumentException(
                $"{owner}: {groups} groups of {groupChannels} channels (kernel shape {kernel._shape}) need {groups * groupChannels} input channels; " +
                $"the input has {channels} (shape {input._shape}).", nameof(input));
        if (filters % groups != 0)
            throw new ArgumentException($"{owner}: the filters ({filters}, kernel shape {kernel._shape}) must be a multiple of the groups ({groups}).", nameof(kernel));
        CheckBias(owner, bias, filters);
        if (groupChannels == 1)
        {
            var depthwise = convolve(input, kernel, bias, depthwise: true);
            return relu ? depthwise.Relu() : depthwise;
        }
        var inputs = Split(input, groups, axis: -1);
        var kernels = Split(kernel, groups, axis: -1);
        var outputs = new Tensor[groups];
        for (int i = 0; i < groups; i++) outputs[i] = convolve(inputs[i], kernels[i], null, depthwise: false);
        var y = Concat(outputs, axis: -1);
        if (bias is not null) return relu ? BiasRelu(y, bias) : y + bias;
        return relu ? y.Relu() : y;
    }
}
