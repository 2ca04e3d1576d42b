using DeepSharp.Kernels;

namespace DeepSharp.Tests.Kernels;

using Ops = global::DeepSharp.Ops;

/// <summary>
/// The recurrent gate passes compute their activations with the library's one tanh and sigmoid: an LSTM's gates
/// are <see cref="Ops.Tanh"/> and <see cref="Ops.Sigmoid"/> of the same inputs, bit for bit, at every width.
/// </summary>
public unsafe class GatePassTests
{
    private const int Batch = 3, Units = 37; // 37 columns: whole groups of every width and a tail

    private static readonly SimdLevel[] Levels = [SimdLevel.Vector512, SimdLevel.Vector256, SimdLevel.Vector128, SimdLevel.Scalar];

    private static float[] Inputs(int seed, int count)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 20 - 10) * (i % 5 == 0 ? 1e-3f : 1f);
        values[0] = 0f;
        values[1] = -0f;
        values[2] = 1e-20f;
        values[3] = 30f;
        return values;
    }

    private static float[] Block(float[] rows, int gates, int gate)
    {
        var block = new float[Batch * Units];
        for (int b = 0; b < Batch; b++) Array.Copy(rows, (b * gates + gate) * Units, block, b * Units, Units);
        return block;
    }

    private static void SameBits(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}[{i}]: the gate gives {actual[i]:G9}, the op {expected[i]:G9}.");
    }

    private static GateRows Rows(GateFunctionKind activation, GateFunctionKind recurrent) =>
        new() { Batch = Batch, Activation = activation, RecurrentActivation = recurrent };

    private static float[] Op(Func<Tensor, Tensor> op, float[] x) => op(Tensor.FromArray(x, x.Length)).ToArray();

    /// <summary>z + bias row by row, as the gate pass adds them before its activation.</summary>
    private static float[] PlusBias(float[] z, float[] bias)
    {
        var sum = new float[z.Length];
        for (int i = 0; i < z.Length; i++) sum[i] = z[i] + bias[i % bias.Length];
        return sum;
    }

    [Fact]
    public void An_lstm_gate_tanh_and_sigmoid_are_Ops_Tanh_and_Ops_Sigmoid_bit_for_bit()
    {
        var z0 = Inputs(1, Batch * 4 * Units);
        var bias0 = Inputs(3, 4 * Units);
        var pre = PlusBias(z0, bias0);
        foreach (var level in Levels)
            using (Simd.Force(level))
            {
                var z = (float[])z0.Clone();
                var bias = (float[])bias0.Clone();
                float[] cPrev = new float[Batch * Units], hPrev = new float[Batch * Units];
                float[] c = new float[Batch * Units], h = new float[Batch * Units], tc = new float[Batch * Units];
                fixed (float* pz = z, pb = bias, pcp = cPrev, php = hPrev, pc = c, ph = h, ptc = tc)
                    GatePass.Forward(new LstmStep
                    {
                        Gates = Rows(GateFunctionKind.Tanh, GateFunctionKind.Sigmoid),
                        Units = Units, Z = pz, Bias = pb, CPrev = pcp, HPrev = php, C = pc, H = ph, TC = ptc,
                    });
                SameBits(Op(Ops.Sigmoid, Block(pre, 4, 0)), Block(z, 4, 0), $"{level} input gate");
                SameBits(Op(Ops.Sigmoid, Block(pre, 4, 1)), Block(z, 4, 1), $"{level} forget gate");
                SameBits(Op(Ops.Tanh, Block(pre, 4, 2)), Block(z, 4, 2), $"{level} candidate");
                SameBits(Op(Ops.Sigmoid, Block(pre, 4, 3)), Block(z, 4, 3), $"{level} output gate");
                SameBits(Op(Ops.Tanh, c), tc, $"{level} tanh of the cell state");
            }
    }

    [Fact]
    public void A_simple_rnn_tanh_is_Ops_Tanh_bit_for_bit()
    {
        var z0 = Inputs(2, Batch * Units);
        var bias0 = Inputs(4, Units);
        foreach (var level in Levels)
            using (Simd.Force(level))
            {
                var z = (float[])z0.Clone();
                var bias = (float[])bias0.Clone();
                float[] hPrev = new float[Batch * Units], h = new float[Batch * Units];
                fixed (float* pz = z, pb = bias, php = hPrev, ph = h)
                    GatePass.Forward(new SimpleRnnStep { Gates = Rows(GateFunctionKind.Tanh, GateFunctionKind.Linear), Units = Units, Z = pz, Bias = pb, HPrev = php, H = ph });
                SameBits(Op(Ops.Tanh, PlusBias(z0, bias0)), h, $"{level} state");
            }
    }
}
