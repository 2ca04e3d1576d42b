using DeepSharp.Examples;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Models;

/// <summary>
/// A fused residual add + layer normalization writes the sum into the buffer of the branch it adds when nothing reads the
/// branch afterwards (<see cref="LayerNormalization.SumIntoOperand"/>): the vit's sums all do, training gives the bits of the
/// sums in new buffers at 1, 2 and 3 threads, and a branch that something still reads keeps its values (a model output,
/// a later layer, the same tensor in another slot, an activity regularizer, an op whose backward reads its output).
/// </summary>
public class ResidualSumBufferTests
{
    private static Setting<bool> IntoOperand(bool on) =>
        new(() => LayerNormalization.SumIntoOperand, v => LayerNormalization.SumIntoOperand = v, on);

    private static (Tensor X, Tensor Y) VitBatch(int samples)
    {
        var x = Tensor.RandomUniform([samples, 28, 28], 0f, 1f, new RandomGenerator(41));
        var labels = new float[samples];
        for (int i = 0; i < samples; i++) labels[i] = (i * 7) % 10;
        return (x, Tensor.FromArray(labels, samples));
    }

    /// <summary>Two vit blocks of 64 features on 64 samples (1,024 rows: the Dense ops take their row groups, the norms split).</summary>
    private static float[][] TrainVit(bool intoOperand, int steps = 2)
    {
        using var _ = IntoOperand(intoOperand);
        RandomGenerator.SetSeed(8);
        var model = SeedModels.Vit(10, blocks: 2, features: 64);
        model.Compile(new Adam(learningRate: 1e-2f), "sparse_categorical_crossentropy");
        var (x, y) = VitBatch(64);
        var losses = new float[steps];
        for (int s = 0; s < steps; s++) losses[s] = (float)model.TrainOnBatch(x, y)["loss"];
        return [losses, .. model.Weights.Select(w => w.ToArray()), model.Predict(x, verbose: 0).ToArray()];
    }

    [Fact]
    public void The_vit_trains_to_the_bits_of_sums_in_new_buffers_at_one_two_and_three_threads()
    {
        foreach (int threads in ThreadCounts.OneTwoThree)
            ThreadCounts.Identical($"vit, sums into the branch against new buffers, {threads} threads",
                ThreadCounts.At(threads, () => TrainVit(false)), ThreadCounts.At(threads, () => TrainVit(true)));
        ThreadCounts.SameBits("vit with sums into the branch", () => TrainVit(true));
    }

    [Fact]
    public void Every_residual_sum_of_the_vit_takes_its_branch_buffer()
    {
        RandomGenerator.SetSeed(8);
        var model = SeedModels.Vit(10, blocks: 3, features: 16);
        var (x, _) = VitBatch(4);
        using (TensorScope.Begin())
        {
            var sums = FusedSums(model.Call(x, training: true));
            Assert.Equal(6, sums.Count); // two a block; the position embedding's add is a broadcast, not fused
            Assert.All(sums, s => Assert.True(SharesBranch(s), "a vit residual sum has a buffer of its own"));
            using (IntoOperand(false))
                Assert.All(FusedSums(model.Call(x, training: true)), s => Assert.False(SharesBranch(s)));
        }
    }

    /// <summary>The add_layer_normalization nodes behind <paramref name="output"/>.</summary>
    private static List<Node> FusedSums(Tensor output)
    {
        var found = new List<Node>();
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<Tensor>([output]);
        while (pending.TryPop(out var t))
        {
            if (t._node is not { } node || !seen.Add(node)) continue;
            if (node.OpName == "add_layer_normalization") found.Add(node);
            for (int i = 0; i < node.InputCount; i++) pending.Push(node.Input(i));
        }
        return found;
    }

    private static bool SharesBranch(Node sum) => ReferenceEquals(sum.Output._storage, sum.B!._storage);

    /// <summary>Returns its input itself: the same tensor then sits in two slots of the graph.</summary>
    private sealed class PassThrough(string name) : Layer(name)
    {
        public override TensorShape ComputeOutputShape(TensorShape inputShape) => inputShape;

        protected override Tensor Forward(Tensor inputs, bool training) => inputs;
    }

    /// <summary>
    /// x → Dense (the branch) → x + branch → LayerNormalization → Dense, with the branch read again as
    /// <paramref name="variant"/> says: "plain" (not), "returned" (a second output), "read later" (multiplied with the
    /// output), "identity" (through <see cref="PassThrough"/>, and read later through its first slot), "regularized" (an
    /// activity regularizer on the branch), "relu" (a ReLU Dense, whose backward reads its output).
    /// </summary>
    private static Model Block(string variant)
    {
        var inputs = new Input([6, 16], name: "block_in");
        var dense = variant switch
        {
            "relu" => new Dense(16, activation: "relu", name: "branch"),
            "regularized" => new Dense(16, activityRegularizer: new L2(0.5f), name: "branch"),
            _ => new Dense(16, name: "branch"),
        };
        var branch = dense.Call(inputs);
        var operand = variant == "identity" ? new PassThrough("pass").Call(branch) : branch;
        var sum = new Add(name: "block_add").Call([inputs, operand]);
        var output = new Dense(16, name: "head").Call(new LayerNormalization(name: "block_norm").Call(sum));
        if (variant is "read later" or "identity") output = new Multiply(name: "later").Call([output, branch]);
        return variant == "returned" ? new Model([inputs], [output, branch]) : new Model([inputs], [output]);
    }

    private static float[][] TrainBlock(string variant, bool intoOperand)
    {
        using var _ = IntoOperand(intoOperand);
        RandomGenerator.SetSeed(3);
        var model = Block(variant);
        var x = Tensor.RandomNormal([5, 6, 16], generator: new RandomGenerator(9));
        bool shares;
        float[][] called;
        using (TensorScope.Begin())
        {
            var outputs = model.Call([x], training: true);
            shares = FusedSums(outputs[0]) is [var sum] && SharesBranch(sum);
            called = [.. outputs.Select(o => o.ToArray())];
        }
        if (intoOperand) Assert.Equal(variant == "plain", shares);
        if (variant == "returned") return called;
        model.Compile(new Adam(learningRate: 1e-2f), "mse");
        var y = Tensor.RandomNormal([5, 6, 16], generator: new RandomGenerator(10));
        var losses = new float[3];
        for (int s = 0; s < losses.Length; s++) losses[s] = (float)model.TrainOnBatch(x, y)["loss"];
        return [.. called, losses, .. model.Weights.Select(w => w.ToArray())];
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("returned")]
    [InlineData("read later")]
    [InlineData("identity")]
    [InlineData("regularized")]
    [InlineData("relu")]
    public void A_branch_still_read_keeps_its_buffer_and_the_values_match(string variant) =>
        ThreadCounts.Identical($"block '{variant}', sum into the branch against a new buffer", TrainBlock(variant, false), TrainBlock(variant, true));
}
