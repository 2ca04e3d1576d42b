namespace DeepSharp.Tests.Autograd;

public class GradientReadyListenerTests
{
    /// <summary>Records, for each source told ready, the order and its gradient's values at that moment.</summary>
    private sealed class Recorder(IReadOnlyList<Tensor> sources) : IGradientReadyListener
    {
        public readonly List<int> Order = [];
        public readonly Dictionary<int, float[]?> AtReady = [];

        public void GradientReady(int index)
        {
            Order.Add(index);
            AtReady[index] = sources[index].Grad?.ToArray();
        }
    }

    [Fact]
    public void Each_source_is_told_once_as_soon_as_its_gradient_is_complete_last_layer_first()
    {
        var x = Tensor.FromArray([1f, -2f, 0.5f, 3f], 2, 2);
        var w1 = Tensor.FromArray([0.5f, -1f, 2f, 0.25f], 2, 2).WithRequiresGrad();
        var w2 = Tensor.FromArray([1.5f, -0.5f], 2, 1).WithRequiresGrad();
        var shared = Tensor.FromArray([2f]).WithRequiresGrad();         // read by the first and the last op
        var unused = Tensor.FromArray([7f]).WithRequiresGrad();         // not in the graph
        var hidden = DeepSharp.Ops.Relu(DeepSharp.Ops.MatMul(x, w1) * shared);
        var loss = DeepSharp.Ops.Sum(DeepSharp.Ops.MatMul(hidden, w2) * shared);
        Tensor[] sources = [w1, w2, shared, unused];
        var recorder = new Recorder(sources);

        GradientEngine.BackwardTo(loss, null, retainGraph: false, sources, results: null, recorder);

        // Backward runs: sum, · shared, matmul(hidden, w2), relu, · shared, matmul(x, w1). w2 is complete after the
        // third, shared only after its second use (the fifth), w1 after the sixth, the unused source at the end.
        Assert.Equal([1, 2, 0, 3], recorder.Order.ToArray());
        for (int i = 0; i < 3; i++) Assert.Equal(sources[i].Grad!.ToArray(), recorder.AtReady[i]!);   // nothing came after
        Assert.Null(recorder.AtReady[3]);
    }

    [Fact]
    public void A_root_without_a_graph_tells_every_source_at_the_end()
    {
        var w = Tensor.FromArray([1f, 2f]).WithRequiresGrad();
        var other = Tensor.FromArray([3f]).WithRequiresGrad();
        var recorder = new Recorder([w, other]);
        GradientEngine.BackwardTo(w, Tensor.Ones(2), retainGraph: false, [w, other], results: null, recorder);
        Assert.Equal([0, 1], recorder.Order.ToArray());
        Assert.Equal([1f, 1f], recorder.AtReady[0]!);
    }
}
