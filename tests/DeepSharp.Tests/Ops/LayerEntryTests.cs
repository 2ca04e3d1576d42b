namespace DeepSharp.Tests.Ops;

/// <summary>
/// The Ops entries layers call instead of touching kernels or storage: the bias-and-activation tail that picks
/// its fused form, the embedding lookup with its id check, the forget-bias fill and the recurrent dropout mask.
/// </summary>
public class LayerEntryTests
{
    private static Tensor Random(int seed, params int[] shape) => Tensor.RandomNormal(shape, generator: new RandomGenerator(seed));

    [Fact]
    public void The_bias_and_activation_tail_fuses_a_relu_and_applies_any_other_activation_after_the_bias()
    {
        var x = Random(1, 5, 7).WithRequiresGrad();
        var bias = Random(2, 7).WithRequiresGrad();
        var relu = DeepSharp.Ops.BiasActivation(x, bias, Activations.Relu);
        Assert.Equal("bias_relu", relu.GradFunction);
        Assert.Equal((x + bias).Relu().ToArray(), relu.ToArray());

        var linear = DeepSharp.Ops.BiasActivation(x, bias, Activations.Linear);
        Assert.Equal((x + bias).ToArray(), linear.ToArray());
        var tanh = DeepSharp.Ops.BiasActivation(x, bias, Activations.Tanh);
        Assert.Equal((x + bias).Tanh().ToArray(), tanh.ToArray());
        Assert.Same(x, DeepSharp.Ops.BiasActivation(x, null, Activations.Linear));
    }

    [Fact]
    public void A_convolution_takes_a_relu_into_its_output_pass_and_other_activations_after_it()
    {
        var input = Random(3, 2, 5, 5, 3);
        var kernel = Random(4, 3, 3, 3, 4);
        var bias = Random(5, 4);
        var plain = DeepSharp.Ops.Conv2D(input, kernel, bias);
        var relu = DeepSharp.Ops.Conv2D(input, kernel, bias, 1, samePadding: false, 1, Activations.Relu, "Layer 'c' (Conv2D)");
        Assert.Equal(plain.Relu().ToArray(), relu.ToArray());
        var sigmoid = DeepSharp.Ops.Conv2D(input, kernel, bias, 1, samePadding: false, 1, Activations.Sigmoid, "Layer 'c' (Conv2D)");
        Assert.Equal(plain.Sigmoid().ToArray(), sigmoid.ToArray());
        var transposed = DeepSharp.Ops.Conv2DTranspose(input, Random(6, 3, 3, 4, 3), null, 2, samePadding: true, 1, null, Activations.Relu, "t");
        Assert.Equal(DeepSharp.Ops.Conv2DTranspose(input, Random(6, 3, 3, 4, 3), strides: 2, padding: "same").Relu().ToArray(), transposed.ToArray());
    }

    [Fact]
    public void The_embedding_lookup_gathers_rows_and_refuses_ids_outside_the_table_naming_the_layer()
    {
        var table = Tensor.FromArray([0f, 1f, 10f, 11f, 20f, 21f], 3, 2);
        Assert.Equal([20f, 21f, 0f, 1f], DeepSharp.Ops.Embedding(table, Tensor.FromArray([2f, 0f], 2), "Layer 'e' (Embedding)", "inputs").ToArray());
        var e = Assert.Throws<ArgumentException>(() => DeepSharp.Ops.Embedding(table, Tensor.FromArray([1f, 3f], 2), "Layer 'e' (Embedding)", "inputs"));
        Assert.StartsWith("Layer 'e' (Embedding) takes ids in [0, 3); got ids from 1 to 3.", e.Message);
        Assert.Equal("inputs", e.ParamName);
    }

    [Fact]
    public void A_range_of_a_new_weight_is_filled_in_place_and_a_range_past_its_end_is_refused()
    {
        var bias = Tensor.Zeros(8);
        DeepSharp.Ops.FillRange(bias, 2, 3, 1f);
        Assert.Equal([0f, 0f, 1f, 1f, 1f, 0f, 0f, 0f], bias.ToArray());
        Assert.Throws<ArgumentException>(() => DeepSharp.Ops.FillRange(bias, 6, 3, 1f));
    }

    [Fact]
    public void A_dropout_mask_holds_zeros_and_the_inverse_keep_rate_and_follows_its_generator()
    {
        var mask = DeepSharp.Ops.DropoutMask([64, 32], 0.25f, new RandomGenerator(7)).ToArray();
        Assert.All(mask, v => Assert.True(v == 0f || v == 1f / 0.75f));
        Assert.InRange(mask.Count(v => v == 0f), 0.15 * mask.Length, 0.35 * mask.Length);
        Assert.Equal(mask, DeepSharp.Ops.DropoutMask([64, 32], 0.25f, new RandomGenerator(7)).ToArray());
    }
}
