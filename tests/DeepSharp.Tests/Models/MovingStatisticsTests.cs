namespace DeepSharp.Tests.Models;

public class MovingStatisticsTests
{
    [Fact]
    public void The_moving_statistics_of_trainable_batch_normalization_layers_nested_models_included()
    {
        var inner = new BatchNormalization();
        var frozen = new BatchNormalization { Trainable = false };
        var nested = new Sequential(new Dense(3, inputShape: [3]), inner);
        var model = new Sequential(new Dense(3, inputShape: [2]), nested, frozen, new BatchNormalization(), new Dense(1));
        model.EnsureBuilt([2]);
        var last = (BatchNormalization)model.Layers[3];

        var found = MovingStatistics.Of(model);

        Assert.Equal([inner.MovingMean, inner.MovingVariance, last.MovingMean, last.MovingVariance], found);
        Assert.Empty(MovingStatistics.Of(new Sequential(new Dense(2, inputShape: [2]))));
    }
}
