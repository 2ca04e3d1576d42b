namespace DeepSharp.Tests.Distributed;

public class GradientAveragerOverlapTests
{
    [Fact]
    public void Buckets_start_in_order_as_soon_as_their_gradients_are_in_and_are_waited_for_at_the_end()
    {
        Tensor[] variables = [Tensor.Zeros(6), Tensor.Zeros(4), Tensor.Zeros(1), Tensor.Zeros(5)];
        var gradients = variables.Select((v, i) => Tensor.FromArray(Enumerable.Range(0, v.Size).Select(k => i * 10f + k).ToArray())).ToArray();
        var communicator = new TwoIdenticalRanks();
        var averager = new GradientAverager(communicator, bucketValues: 6);    // buckets: {3, 2} | {1} | {0}
        Span<float> sums = [3f];

        averager.BeginStep(variables, 1f, sums);
        averager.Ready(1, gradients[1]);            // the second bucket is complete, but the first is not: nothing starts
        Assert.Empty(communicator.Log);
        averager.Ready(3, gradients[3]);
        averager.Ready(2, gradients[2]);            // the first bucket (1 weight + 1 sum + 2 flags + 6 values), then the second
        Assert.Equal(["start 10", "start 5"], communicator.Log);
        averager.Ready(0, gradients[0]);
        Assert.Equal(["start 10", "start 5", "start 7"], communicator.Log);
        var averaged = averager.EndStep(sums);

        Assert.Equal(["start 10", "start 5", "start 7", "wait 10", "wait 5", "wait 7"], communicator.Log);
        Assert.Equal(6f, sums[0]);                  // summed over the two ranks
        for (int i = 0; i < variables.Length; i++)
        {
            Assert.Same(gradients[i], averaged[i]);
            Assert.Equal(Enumerable.Range(0, variables[i].Size).Select(k => i * 10f + k).ToArray(), averaged[i]!.ToArray());
        }
    }

    [Fact]
    public void A_step_that_never_ended_is_refused_rather_than_overwriting_buffers_still_travelling()
    {
        Tensor[] variables = [Tensor.Zeros(2)];
        var averager = new GradientAverager(new TwoIdenticalRanks());
        averager.BeginStep(variables, 1f, default);
        var e = Assert.Throws<InvalidOperationException>(() => averager.BeginStep(variables, 1f, default));
        Assert.Contains("never ended", e.Message);
    }
}
