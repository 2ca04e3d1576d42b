using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Layers;

using Ops = global::DeepSharp.Ops;

public class Conv2DTests
{
    [Fact]
    public void Builds_an_hwio_kernel_and_computes_output_shapes_as_keras()
    {
        var conv = new Conv2D(32, 3, activation: "relu");
        var y = conv.Call(Tensor.Ones(2, 28, 28, 1));
        Assert.Equal(new TensorShape(2, 26, 26, 32), y.Shape);
        Assert.Equal(new TensorShape(3, 3, 1, 32), conv.Kernel.Shape);
        Assert.Equal(new TensorShape(32), conv.Bias!.Shape);
        Assert.Equal(320, conv.CountParams());
        Assert.StartsWith("conv2d", conv.Name);
        Assert.Equal(new TensorShape(14, 14, 8), new Conv2D(8, 3, strides: 2, padding: "same").ComputeOutputShape([28, 28, 3]));
        Assert.Equal(new TensorShape(13, 13, 8), new Conv2D(8, (3, 3), strides: 2).ComputeOutputShape([28, 28, 3]));
        Assert.Equal(new TensorShape(24, 26, 4), new Conv2D(4, (3, 2), dilationRate: (2, 1)).ComputeOutputShape([28, 27, 3]));
        Assert.Equal(new TensorShape(10, 9, 4), new Conv2D(4, 3, strides: (3, 3), padding: "SAME").ComputeOutputShape([28, 27, 3]));
    }

    [Fact]
    public void Computes_the_convolution_with_bias_and_activation()
    {
        var conv = new Conv2D(1, 2, activation: "relu", kernelInitializer: "ones", biasInitializer: new Constant(-10f));
        var x = Tensor.Arange(9).Reshape(1, 3, 3, 1);
        // Windows sum to 0+1+3+4 = 8, 12, 20, 24; minus 10 then relu.
        Assert.Equal(new[] { 0f, 2f, 10f, 14f }, conv.Call(x).ToArray());
        var linear = new Conv2D(1, 2, activation: "tanh", kernelInitializer: "ones", useBias: false);
        Assert.Equal(new[] { MathF.Tanh(8), MathF.Tanh(12), MathF.Tanh(20), MathF.Tanh(24) }, linear.Call(x).ToArray());
        Assert.Null(linear.Bias);
    }

    [Fact]
    public void Rank_three_input_is_refused_with_the_keras_message()
    {
        var conv = new Conv2D(8, 3, name: "conv2d");
        var e = Assert.Throws<ArgumentException>(() => conv.Call(Tensor.Ones(4, 28, 28)));
        Assert.Equal("Conv2D 'conv2d' expects input of rank 4 (batch, height, width, channels), got (None, 28, 28).", e.Message);
    }

    [Fact]
    public void A_kernel_larger_than_a_valid_padded_input_is_refused_naming_layer_and_shapes()
    {
        var conv = new Conv2D(8, 5, name: "big_kernel");
        var e = Assert.Throws<ArgumentException>(() => conv.Call(Tensor.Ones(1, 4, 6, 2)));
        Assert.Contains("big_kernel", e.Message);
        Assert.Contains("(5, 5)", e.Message);
        Assert.Contains("(None, 4, 6, 2)", e.Message);
        Assert.Equal(new TensorShape(4, 6, 8), new Conv2D(8, 5, padding: "same").ComputeOutputShape([4, 6, 2]));
    }

    [Fact]
    public void Arguments_are_validated_naming_them_and_the_value()
    {
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(0, 3));
        Assert.Contains("filters", e1.Message);
        Assert.Contains("0", e1.Message);
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(4, (3, 0)));
        Assert.Contains("kernelSize", e2.Message);
        Assert.Contains("(3, 0)", e2.Message);
        var e3 = Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(4, 3, strides: -1));
        Assert.Contains("strides", e3.Message);
        var e4 = Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(4, 3, dilationRate: 0));
        Assert.Contains("dilationRate", e4.Message);
        var e5 = Assert.Throws<ArgumentException>(() => new Conv2D(4, 3, padding: "causal"));
        Assert.Contains("\"causal\"", e5.Message);
        Assert.Throws<ArgumentException>(() => new Conv2D(4, 3, activation: "nope"));
    }

    [Fact]
    public void A_built_layer_refuses_another_channel_count()
    {
        var conv = new Conv2D(4, 3);
        conv.Call(Tensor.Ones(1, 5, 5, 3));
        var e = Assert.Throws<ArgumentException>(() => conv.Call(Tensor.Ones(1, 5, 5, 2)));
        Assert.Contains("(None, 5, 5, 3)", e.Message);
        Assert.Contains("(None, 5, 5, 2)", e.Message);
    }

    [Fact]
    public void Configuration_round_trips_with_keras_names()
    {
        var conv = new Conv2D(16, (3, 5), strides: (2, 1), padding: "same", dilationRate: 1, activation: "relu", useBias: false,
            kernelInitializer: "he_normal", kernelRegularizer: new L2(0.001f), name: "my_conv", inputShape: [32, 32, 3]);
        var config = conv.GetConfig();
        Assert.Equal(16, config["filters"]!.GetValue<int>());
        Assert.Equal("[3,5]", config["kernel_size"]!.ToJsonString());
        Assert.Equal("[2,1]", config["strides"]!.ToJsonString());
        Assert.Equal("same", config["padding"]!.GetValue<string>());
        Assert.Equal("channels_last", config["data_format"]!.GetValue<string>());
        Assert.Equal("relu", config["activation"]!.GetValue<string>());
        var copy = LayerRoundTrip.Of(conv);
        Assert.Equal((3, 5), (copy.KernelSize.Height, copy.KernelSize.Width));
        Assert.Equal("my_conv", copy.Name);
    }

    [Fact]
    public void Gradients_reach_the_input_kernel_and_bias()
    {
        var conv = new Conv2D(3, 2, strides: 2, padding: "same", activation: "tanh", kernelInitializer: new GlorotUniform(seed: 2),
            biasInitializer: new RandomUniform(-0.5f, 0.5f, seed: 3));
        var x = Tensor.RandomNormal([2, 5, 4, 2], generator: new RandomGenerator(1)).WithRequiresGrad();
        conv.Call(x).Sum().Backward();
        Assert.NotNull(conv.Kernel.Grad);
        Assert.NotNull(conv.Bias!.Grad);
        // The layer reads its own weights: nudging them through the checker's inputs nudges the layer.
        var result = GradientChecker.Check(t => conv.Call(t[0]), [x, conv.Kernel, conv.Bias]);
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void Groups_split_the_channels_as_keras_and_are_saved()
    {
        var conv = new Conv2D(6, 3, padding: "same", groups: 3, kernelInitializer: new GlorotUniform(seed: 4));
        var x = Tensor.RandomNormal([2, 5, 5, 6], generator: new RandomGenerator(5));
        var y = conv.Call(x);
        Assert.Equal(new TensorShape(3, 3, 2, 6), conv.Kernel.Shape);
        // Group g: input channels 2g, 2g+1 → filters 2g, 2g+1.
        var kernels = Ops.Split(conv.Kernel, 3, axis: -1);
        var inputs = Ops.Split(x, 3, axis: -1);
        var expected = Ops.Concat([Ops.Conv2D(inputs[0], kernels[0], padding: "same"), Ops.Conv2D(inputs[1], kernels[1], padding: "same"),
            Ops.Conv2D(inputs[2], kernels[2], padding: "same")], axis: -1).ToArray();
        DeepSharp.Tests.Ops.OpAssert.Close(expected, y.ToArray(), 1e-6, 1e-6);
        Assert.Equal(3, conv.GetConfig()["groups"]!.GetValue<int>());
        Assert.Equal(3, LayerRoundTrip.Of(conv).Groups);
        var e1 = Assert.Throws<ArgumentException>(() => new Conv2D(5, 3, groups: 2));
        Assert.Contains("filters (5)", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => new Conv2D(4, 3, groups: 2, name: "g").Call(Tensor.Ones(1, 5, 5, 3)));
        Assert.Contains("'g'", e2.Message);
        Assert.Contains("3 channels", e2.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(4, 3, groups: 0));
    }
    [Theory]
    [InlineData("relu", 1)]
    [InlineData("relu", 5)]
    [InlineData("linear", 3)]
    public void A_sequential_runs_a_convolution_and_its_max_pooling_as_one_op_with_the_values_of_the_two(string activation, int batch)
    {
        // An odd 9×9 output: the pooling leaves its last row and column out.
        var conv = new Conv2D(6, 3, padding: "same", activation: activation, inputShape: [9, 9, 2]);
        var pool = new MaxPooling2D(2);
        var model = new Sequential(conv, pool, new Flatten(), new Dense(3));
        var x = Tensor.RandomUniform([batch, 9, 9, 2], -1f, 1f, new RandomGenerator(11)).WithRequiresGrad();
        var sources = model.TrainableWeights.Append(x).ToList(); // the input gradient too

        Tensor fused, apart;
        Tensor?[] fusedGradients, apartGradients;
        using (var tape = new GradientTape())
        {
            fused = model.Call(x, training: true);
            fusedGradients = tape.Gradient((fused * fused).Sum(), sources);
        }
        using (var tape = new GradientTape())
        {
            var h = x;
            foreach (var layer in model.Layers) h = layer.Call(h, training: true);
            apart = h;
            apartGradients = tape.Gradient((apart * apart).Sum(), sources);
        }
        Assert.Equal(apart.ToArray(), fused.ToArray());
        for (int i = 0; i < sources.Count; i++)
        {
            float[] a = apartGradients[i]!.ToArray(), f = fusedGradients[i]!.ToArray();
            for (int j = 0; j < a.Length; j++)
                Assert.True(Math.Abs(a[j] - f[j]) <= 1e-5f * (1 + Math.Abs(a[j])), $"source {i}, value {j}: {f[j]}, apart {a[j]}");
        }

        using (global::DeepSharp.Autograd.NoGrad())
        {
            var pooled = new Sequential(conv, pool).Call(x);
            Assert.Equal(Ops.MaxPool2D(conv.Call(x), 2).ToArray(), pooled.ToArray());
        }
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(6, true)]
    [InlineData(3, false)]
    public void A_sequential_runs_a_convolution_its_leaky_relu_and_dropout_as_one_op_with_the_bits_of_the_three(int batch, bool training)
    {
        // The DCGAN discriminator's pattern, small: a one-channel first layer (the direct kernel), then a strided 5×5 (the GEMM path).
        var model = new Sequential(
            new Conv2D(8, 5, strides: 2, padding: "same", inputShape: [11, 11, 1]),
            new LeakyReLU(0.2f),
            new Dropout(0.3, seed: 5),
            new Conv2D(12, 5, strides: 2, padding: "same"),
            new LeakyReLU(0.2f),
            new Dropout(0.3, seed: 6),
            new Flatten(),
            new Dense(1));
        var x = Tensor.RandomUniform([batch, 11, 11, 1], -1f, 1f, new RandomGenerator(21)).WithRequiresGrad();
        var sources = model.TrainableWeights.Append(x).ToList();

        Tensor fused, apart;
        Tensor?[] fusedGradients, apartGradients;
        using (var tape = new GradientTape())
        {
            fused = model.Call(x, training);
            fusedGradients = tape.Gradient((fused * fused).Sum(), sources);
        }
        using (var tape = new GradientTape())
        {
            // Layer by layer, each dropout a fresh one with the same seed: the masks the fused run drew.
            var h = x;
            foreach (var layer in model.Layers) h = (layer is Dropout d ? new Dropout(d.Rate, d.Seed) : layer).Call(h, training);
            apart = h;
            apartGradients = tape.Gradient((apart * apart).Sum(), sources);
        }
        ThreadCounts.Identical("fused against apart", [apart.ToArray(), .. apartGradients.Select(t => t!.ToArray())],
            [fused.ToArray(), .. fusedGradients.Select(t => t!.ToArray())]);
    }

    [Fact]
    public void The_fused_dropout_mask_kept_as_bits_gives_the_bits_of_the_float_mask_at_every_thread_count_and_width()
    {
        // The three paths of a fused convolution's output and gradient passes: the one-channel direct kernel (DCGAN's conv1),
        // Winograd (a 3×3 whose 75,264 mask values span two chunks of the mask's draws) and the strided 5×5 GEMM path.
        var model = new Sequential(
            new Conv2D(64, 5, strides: 2, padding: "same", inputShape: [28, 28, 1]),
            new LeakyReLU(0.2f),
            new Dropout(0.3, seed: 5),
            new Conv2D(96, 3, padding: "same"),
            new LeakyReLU(0.2f),
            new Dropout(0.3, seed: 6),
            new Conv2D(20, 5, strides: 2, padding: "same"),
            new LeakyReLU(0.2f),
            new Dropout(0.4, seed: 7),
            new Flatten(),
            new Dense(1));
        var x = Tensor.RandomUniform([4, 28, 28, 1], -1f, 1f, new RandomGenerator(24)).WithRequiresGrad();
        var sources = model.TrainableWeights.Append(x).ToList();
        var generators = new List<RandomGenerator>();
        model.CollectRandomGenerators(generators);
        var start = generators.Select(g => g.State).ToArray();
        float[][] Step(bool bits)
        {
            using var _ = new Setting<bool>(() => Ops.FusedDropoutBits, v => Ops.FusedDropoutBits = v, bits);
            for (int i = 0; i < generators.Count; i++) generators[i].State = start[i]; // the same masks at every step
            using var tape = new GradientTape();
            var y = model.Call(x, training: true);
            return [y.ToArray(), .. tape.Gradient((y * y).Sum(), sources).Select(t => t!.ToArray())];
        }
        var floats = Step(bits: false);
        ThreadCounts.SameBits("bit mask", () => Step(bits: true));
        ThreadCounts.Identical("bit mask against float mask", floats, Step(bits: true));
        foreach (var level in new[] { DeepSharp.Kernels.SimdLevel.Vector256, DeepSharp.Kernels.SimdLevel.Vector128, DeepSharp.Kernels.SimdLevel.Scalar })
            using (DeepSharp.Kernels.Simd.Force(level))
                ThreadCounts.Identical($"bit mask against float mask at {level}", Step(bits: false), Step(bits: true));
    }

    [Fact]
    public void The_fused_convolution_and_leaky_relu_take_the_dropout_in_training_only()
    {
        var x = Tensor.RandomUniform([2, 8, 8, 3], -1f, 1f, new RandomGenerator(22));
        var model = new Sequential(new Conv2D(4, 3, inputShape: [8, 8, 3]), new LeakyReLU(0.1f), new Dropout(0.5));
        bool fuses = Ops.FusesActivations;
        Assert.Equal(fuses ? "conv2d_leaky_relu_dropout" : "dropout", model.Call(x, training: true)._producer);
        Assert.Equal(fuses ? "conv2d_leaky_relu" : "leaky_relu", model.Call(x, training: false)._producer);
        // A convolution with an activation of its own, or a grouped one, runs apart from the leaky ReLU.
        var activated = new Sequential(new Conv2D(4, 3, activation: "tanh", inputShape: [8, 8, 3]), new LeakyReLU(0.1f));
        Assert.Equal("leaky_relu", activated.Call(x, training: true)._producer);
        var grouped = new Sequential(new Conv2D(3, 3, groups: 3, inputShape: [8, 8, 3]), new LeakyReLU(0.1f));
        Assert.Equal("leaky_relu", grouped.Call(x, training: true)._producer);
    }

    [Fact]
    public void The_fused_op_is_recorded_where_the_machine_runs_it()
    {
        var conv = new Conv2D(4, 3, activation: "relu", inputShape: [8, 8, 1]);
        var x = Tensor.RandomUniform([2, 8, 8, 1], 0f, 1f, new RandomGenerator(12));
        var y = new Sequential(conv, new MaxPooling2D(2)).Call(x, training: true);
        Assert.Equal(new TensorShape(2, 3, 3, 4), y.Shape);
        Assert.Equal(Ops.FusesConvolutionPooling ? "conv2d_max_pool2d" : "max_pool2d", y._producer);
        // A pooling of another size, or one with padding, runs as its own layer.
        var other = new Sequential(new Conv2D(4, 3, activation: "relu", inputShape: [8, 8, 1]), new MaxPooling2D(3)).Call(x, training: true);
        Assert.Equal("max_pool2d", other._producer);
    }
    [Fact]
    public void A_steady_state_training_step_through_the_fused_convolution_and_pooling_allocates_nothing()
    {
        var model = new Sequential(
            new Conv2D(8, 3, activation: "relu", inputShape: [14, 14, 1]),
            new MaxPooling2D(2),
            new Conv2D(16, 3, activation: "relu"),
            new MaxPooling2D(2),
            new Flatten(),
            new Dense(10, activation: "softmax"));
        model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy");
        var x = Tensor.RandomUniform([16, 14, 14, 1], 0f, 1f, new RandomGenerator(13));
        var y = Tensor.FromArray(Enumerable.Range(0, 16).Select(i => (float)(i % 10)).ToArray());
        for (int i = 0; i < 5; i++) model.TrainOnBatch(x, y); // fill the pools
        Assert.Equal(0, SteadyStateAllocation.FewestBytes(() => model.TrainOnBatch(x, y), rounds: 20, stepsPerRound: 20));
    }
}
