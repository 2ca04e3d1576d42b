using DeepSharp.Examples;

namespace DeepSharp.Tests.Examples.Training;

/// <summary>
/// The FLOP counts of the benchmarks, from the models' shapes, against the figures issue 19 states (MLP 0.61 M per
/// sample, CNN 15.4 M, LSTM 9.06 M, DCGAN 13.2 G per step at batch 64) and those of issue 18's vit and resnet, each
/// written out layer by layer here.
/// </summary>
public class TrainingFlopsTests
{
    [Fact]
    public void The_seed_mlp_counts_both_dense_layers_three_times()
    {
        long forward = 2L * 784 * 128 + 2L * 128 * 10;
        Assert.Equal(forward, TrainingFlops.ForwardPerSample(SeedModels.Mlp()));
        Assert.Equal(3 * forward, TrainingFlops.StepPerSample(SeedModels.Mlp()));
        Assert.Equal(0.61e6, TrainingFlops.StepPerSample(SeedModels.Mlp()), 0.005e6);
    }

    [Fact]
    public void The_seed_cnn_leaves_out_the_input_gradient_of_its_first_convolution()
    {
        long conv1 = 2L * 26 * 26 * 9 * 1 * 32, conv2 = 2L * 11 * 11 * 9 * 32 * 64, dense1 = 2L * 1600 * 128, dense2 = 2L * 128 * 10;
        long step = 3 * (conv1 + conv2 + dense1 + dense2) - conv1;
        Assert.Equal(step, TrainingFlops.StepPerSample(SeedModels.Cnn()));
        Assert.Equal(15.4e6, step, 0.05e6);
        // Batch normalization, activations and pooling are not counted: the normalized variant has the same products.
        Assert.Equal(step, TrainingFlops.StepPerSample(SeedModels.Cnn(10, batchNorm: true)));
    }

    [Fact]
    public void The_stacked_lstm_leaves_out_only_the_input_projection_of_its_first_layer()
    {
        long steps = 28, gates = 4 * 64;
        long first = 2 * steps * (28 * gates + 64 * gates), second = 2 * steps * (64 * gates + 64 * gates), head = 2L * 64 * 10;
        long step = 3 * (first + second + head) - 2 * steps * 28 * gates;
        Assert.Equal(step, TrainingFlops.StepPerSample(SeedModels.RowLstm()));
        Assert.Equal(9.06e6, step, 0.005e6);
    }

    [Fact]
    public void The_dcgan_step_runs_the_generator_once_and_the_discriminator_on_three_batches()
    {
        long dense = 2L * 100 * 7 * 7 * 128, deconv1 = 2L * 7 * 7 * 4 * 4 * 128 * 64, deconv2 = 2L * 14 * 14 * 4 * 4 * 64 * 1;
        long conv1 = 2L * 14 * 14 * 5 * 5 * 1 * 64, conv2 = 2L * 7 * 7 * 5 * 5 * 64 * 128, logit = 2L * 7 * 7 * 128;
        long g = dense + deconv1 + deconv2, d = conv1 + conv2 + logit;
        const int batch = 64;
        long generatorForward = batch * g;
        long discriminatorStep = 2L * batch * (3 * d - conv1);
        long generatorStep = batch * (2 * d + 2 * g - dense); // through D and back, then G's weight and input gradients
        long expected = generatorForward + discriminatorStep + generatorStep;

        var generator = GanModels.DcganGenerator();
        var discriminator = GanModels.DcganDiscriminator();
        Assert.Equal(g, TrainingFlops.ForwardPerSample(generator));
        Assert.Equal(d, TrainingFlops.ForwardPerSample(discriminator));
        Assert.Equal(expected, TrainingFlops.GanStep(generator, discriminator, batch));
        Assert.Equal(13.2e9, expected, 0.05e9);
    }

    [Fact]
    public void The_char_language_model_counts_its_first_lstm_whole_behind_the_trainable_embedding()
    {
        // The embedding is a gather (no product), and it trains: the gradient reaches it through the first LSTM's input.
        long steps = 100, gates = 4 * 256;
        long first = 2 * steps * (32 * gates + 256 * gates), second = 2 * steps * (256 * gates + 256 * gates), head = 2 * steps * 256 * 115;
        Assert.Equal(3 * (first + second + head), TrainingFlops.StepPerSample(CharLanguageModel.Build(115, 256, 100)));
    }

    [Fact]
    public void A_small_functional_resnet_counts_strided_and_shortcut_convolutions_and_leaves_out_the_stems_input_gradient()
    {
        // Stem 3×3 at 28×28 (4 filters), then stages of 8 at 14×14 and 16 at 7×7: each a strided 3×3, a 3×3 and a strided
        // 1×1 shortcut. Batch normalization, relu, Add and global average pooling are elementwise: not counted.
        long stem = 2L * 28 * 28 * (3 * 3 * 1 * 4);
        long stage1 = 2L * 14 * 14 * (3 * 3 * 4 * 8) + 2L * 14 * 14 * (3 * 3 * 8 * 8) + 2L * 14 * 14 * (1 * 1 * 4 * 8);
        long stage2 = 2L * 7 * 7 * (3 * 3 * 8 * 16) + 2L * 7 * 7 * (3 * 3 * 16 * 16) + 2L * 7 * 7 * (1 * 1 * 8 * 16);
        long dense = 2L * 16 * 10;
        long forward = stem + stage1 + stage2 + dense;
        var model = ResNetModel.Create(10, stemFilters: 4, stageFilters: [8, 16]);

        Assert.Equal(forward, TrainingFlops.ForwardPerSample(model));
        Assert.Equal(3 * forward - stem, TrainingFlops.StepPerSample(model));
    }

    [Fact]
    public void The_resnet_example_counts_135_8_megaflops_a_sample()
    {
        long stem = 2L * 28 * 28 * 9 * 32;
        long stage1 = 2L * 14 * 14 * (9 * 32 * 64 + 9 * 64 * 64 + 32 * 64), stage2 = 2L * 7 * 7 * (9 * 64 * 128 + 9 * 128 * 128 + 64 * 128);
        long step = 3 * (stem + stage1 + stage2 + 2L * 128 * 10) - stem;
        Assert.Equal(step, TrainingFlops.StepPerSample(ResNetModel.Create(10)));
        Assert.Equal(135.8e6, step, 0.05e6);
    }

    [Fact]
    public void A_small_vit_counts_the_patch_convolution_the_attention_products_and_the_mlp_three_times()
    {
        // 16 patches of 7×7 to 16 features; 4 heads of 4 features. The patch convolution reads the image's Reshape (a
        // weightless layer first, as the seed MLP's Flatten): its input gradient is counted. Position embedding, layer
        // normalization, Add and the mean over the patches are elementwise.
        long patches = 2L * 16 * (7 * 7 * 1 * 16);
        long projections = 4 * (2L * 16 * (16 * 4 * 4));         // query, key, value and output, each 16 features to 4 × 4
        long products = 2 * (2L * 4 * 16 * 16 * 4);              // per head q·kᵀ and weights·v, 16 × 16 steps of 4 features
        long mlp = 2L * 16 * 16 * 32 + 2L * 16 * 32 * 16;
        long head = 2L * 16 * 10;
        long forward = patches + 2 * (projections + products + mlp) + head;
        var model = SeedModels.Vit(10, blocks: 2, features: 16);

        Assert.Equal(forward, TrainingFlops.ForwardPerSample(model));
        Assert.Equal(3 * forward, TrainingFlops.StepPerSample(model));
    }

    [Fact]
    public void The_vit_example_counts_13_7_megaflops_a_sample()
    {
        long block = 4 * (2L * 16 * 64 * 64) + 2 * (2L * 4 * 16 * 16 * 16) + 2 * (2L * 16 * 64 * 128);
        long step = 3 * (2L * 16 * 49 * 64 + 4 * block + 2L * 64 * 10);
        Assert.Equal(step, TrainingFlops.StepPerSample(SeedModels.Vit(10)));
        Assert.Equal(13.7e6, step, 0.05e6);
    }

    [Fact]
    public void Attention_on_the_model_inputs_leaves_out_the_input_gradients_of_its_projections_only()
    {
        // Query of 5 steps × 6 features, value 7 × 3, key 7 × 4; 2 heads, keyDim 3, valueDim 5, 8 output features.
        long query = 2L * 5 * (6 * 2 * 3), key = 2L * 7 * (4 * 2 * 3), value = 2L * 7 * (3 * 2 * 5);
        long scores = 2L * 2 * 5 * 7 * 3, context = 2L * 2 * 5 * 7 * 5, output = 2L * 5 * (2 * 5 * 8);
        long forward = query + key + value + scores + context + output;
        var q = new Input([5, 6]);
        var v = new Input([7, 3]);
        var k = new Input([7, 4]);
        var attended = new MultiHeadAttention(2, 3, valueDim: 5, outputShape: 8).Call([q.Output, v.Output, k.Output]);
        var model = new Model([q.Output, v.Output, k.Output], [attended]);

        Assert.Equal(forward, TrainingFlops.ForwardPerSample(model));
        Assert.Equal(3 * forward - query - key - value, TrainingFlops.StepPerSample(model)); // q·kᵀ and weights·v: both gradients
    }

    [Fact]
    public void Self_attention_of_the_input_and_a_causal_mask_count_the_full_products()
    {
        // [x, x]: the key is the value; the causal mask is elementwise, the products are counted whole (the direct algorithm).
        long projection = 2L * 6 * (8 * 2 * 4);
        long products = 2 * (2L * 2 * 6 * 6 * 4);
        var x = new Input([6, 8]);
        var model = new Model(x.Output, new MultiHeadAttention(2, 4).Call([x.Output, x.Output], useCausalMask: true));

        Assert.Equal(4 * projection + products, TrainingFlops.ForwardPerSample(model));
        Assert.Equal(3 * (4 * projection + products) - 3 * projection, TrainingFlops.StepPerSample(model));
    }

    [Fact]
    public void The_seed_mlp_written_as_a_functional_model_counts_as_the_sequential_one()
    {
        var image = new Input([28, 28]);
        var hidden = new Dense(128, activation: "relu").Call(new Flatten().Call(image.Output));
        var model = new Model(image.Output, new Dense(10, activation: "softmax").Call(new Dropout(0.2).Call(hidden)));

        Assert.Equal(TrainingFlops.StepPerSample(SeedModels.Mlp()), TrainingFlops.StepPerSample(model));
    }

    [Fact]
    public void Dense_on_sequences_counts_every_step_and_a_nested_functional_model_its_own_calls()
    {
        // Dense on (5, 6): five rows of 6 × 4; layer normalization is elementwise. The first Dense reads the data.
        long first = 2L * 5 * 6 * 4, second = 2L * 5 * 4 * 3;
        var sequential = new Sequential(new Dense(4, inputShape: [5, 6]), new LayerNormalization(), new Dense(3));
        Assert.Equal(3 * (first + second) - first, TrainingFlops.StepPerSample(sequential));

        var inner = new Input([5, 6]);
        var block = new Model(inner.Output, new Dense(3).Call(new LayerNormalization().Call(new Dense(4).Call(inner.Output))));
        var outer = new Input([5, 6]);
        var model = new Model(outer.Output, block.Call(outer.Output));
        Assert.Equal(3 * (first + second) - first, TrainingFlops.StepPerSample(model));
    }

    [Fact]
    public void An_unbuilt_model_is_refused_with_its_name()
    {
        var model = new Sequential([new Dense(4)], name: "unbuilt");
        var error = Assert.Throws<ArgumentException>(() => TrainingFlops.StepPerSample(model));
        Assert.Contains("'unbuilt'", error.Message);
    }
}
