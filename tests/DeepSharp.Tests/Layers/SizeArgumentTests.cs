namespace DeepSharp.Tests.Layers;

/// <summary>
/// Size arguments too large for a tensor (units, filters, embedding sizes, sampling factors) are refused with
/// an ArgumentException that names the layer, never an OutOfMemoryException or an overflow from deep inside.
/// </summary>
public class SizeArgumentTests
{
    public static TheoryData<string, Func<Layer>, int[]> HugeLayers => new()
    {
        { "dense_huge", () => new Dense(int.MaxValue, name: "dense_huge"), [4] },
        { "dense_wide", () => new Dense(1 << 29, name: "dense_wide"), [16] },
        { "conv_huge", () => new Conv2D(int.MaxValue, 3, name: "conv_huge"), [8, 8, 1] },
        { "deconv_huge", () => new Conv2DTranspose(int.MaxValue, 3, name: "deconv_huge"), [8, 8, 1] },
        { "embedding_huge", () => new Embedding(int.MaxValue, 2, name: "embedding_huge"), [3] },
        { "rnn_huge", () => new SimpleRNN(int.MaxValue, name: "rnn_huge"), [3, 2] },
        { "upsampling_huge", () => new UpSampling2D(int.MaxValue, name: "upsampling_huge"), [8, 8, 1] },
        { "padding_huge", () => new ZeroPadding2D(int.MaxValue, name: "padding_huge"), [8, 8, 1] },
        { "norm_huge", () => new BatchNormalization(name: "norm_huge"), [int.MaxValue] },
    };

    [Theory]
    [MemberData(nameof(HugeLayers))]
    public void Building_a_layer_too_large_for_a_tensor_names_the_layer(string name, Func<Layer> create, int[] inputShape)
    {
        Exception e = Record.Exception(() => create().EnsureBuilt(new TensorShape(inputShape)))!;
        Assert.IsAssignableFrom<ArgumentException>(e);
        Assert.Contains(name, e.Message);
    }

    [Theory]
    [InlineData(1 << 30)]
    [InlineData(int.MaxValue)]
    public void Gated_recurrent_layers_refuse_units_whose_gates_overflow(int units)
    {
        Assert.Contains("LSTM: units", Assert.Throws<ArgumentOutOfRangeException>(() => new LSTM(units)).Message);
        Assert.Contains("GRU: units", Assert.Throws<ArgumentOutOfRangeException>(() => new GRU(units)).Message);
    }
}
