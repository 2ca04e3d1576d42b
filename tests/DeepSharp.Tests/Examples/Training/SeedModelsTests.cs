using DeepSharp.Examples;

namespace DeepSharp.Tests.Examples.Training;

public class SeedModelsTests
{
    [Fact]
    public void The_plain_seed_cnn_has_no_batch_norm_and_the_variant_normalizes_after_each_convolution_and_the_dense_layer()
    {
        var plain = SeedModels.Cnn(10, batchNorm: false);
        var normalized = SeedModels.Cnn(10, batchNorm: true);

        Assert.DoesNotContain(plain.Layers, layer => layer is BatchNormalization);
        var names = normalized.Layers.Select(layer => layer.GetType().Name).ToList();
        Assert.Equal(["Conv2D", "BatchNormalization", "Activation", "MaxPooling2D", "Conv2D", "BatchNormalization", "Activation",
            "MaxPooling2D", "Flatten", "Dense", "BatchNormalization", "Activation", "Dense"], names);
    }
}
