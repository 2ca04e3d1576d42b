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

    [Theory]
    [InlineData(1, 7)]
    [InlineData(3, 37)]
    [InlineData(5, 16)]
    [InlineData(64, 64)]
    public void An_lstm_step_gives_the_cell_and_hidden_state_of_the_ops_bit_for_bit(int batch, int units)
    {
        // c = f·c₋₁ + i·g, act(c) and h = o·act(c) from a nonzero previous state, every width, whole lane groups and
        // tails; a step mask skips every third row, which keeps its previous states.
        var z0 = Inputs(5, batch * 4 * units);
        var bias0 = Inputs(6, 4 * units);
        var cPrev0 = Inputs(7, batch * units);
        var hPrev0 = Inputs(8, batch * units);
        var mask = Enumerable.Range(0, batch).Select(b => b % 3 == 1 ? 0f : 1f).ToArray();
        var pre = new float[z0.Length];
        for (int n = 0; n < pre.Length; n++) pre[n] = z0[n] + bias0[n % (4 * units)];
        float[] Gate(int gate, Func<Tensor, Tensor> op)
        {
            var block = new float[batch * units];
            for (int b = 0; b < batch; b++) Array.Copy(pre, (b * 4 + gate) * units, block, b * units, units);
            return Op(op, block);
        }
        float[] i = Gate(0, Ops.Sigmoid), f = Gate(1, Ops.Sigmoid), g = Gate(2, Ops.Tanh), o = Gate(3, Ops.Sigmoid);
        var cell = new float[batch * units];
        for (int k = 0; k < cell.Length; k++) cell[k] = f[k] * cPrev0[k] + i[k] * g[k];
        var tanhCell = Op(Ops.Tanh, cell);
        foreach (var level in Levels)
            using (Simd.Force(level))
            {
                var z = (float[])z0.Clone();
                float[] c = new float[batch * units], h = new float[batch * units], tc = new float[batch * units];
                fixed (float* pz = z, pb = bias0, pcp = cPrev0, php = hPrev0, pc = c, ph = h, ptc = tc, pm = mask)
                    GatePass.Forward(new LstmStep
                    {
                        Gates = new GateRows { Batch = batch, Mask = pm, MaskStride = 1, Activation = GateFunctionKind.Tanh, RecurrentActivation = GateFunctionKind.Sigmoid },
                        Units = units, Z = pz, Bias = pb, CPrev = pcp, HPrev = php, C = pc, H = ph, TC = ptc,
                    });
                for (int b = 0; b < batch; b++)
                    for (int j = 0; j < units; j++)
                    {
                        int k = b * units + j;
                        string at = $"{level}, batch {batch}, units {units}, row {b}, unit {j}";
                        if (mask[b] == 0f)
                        {
                            SameBits([cPrev0[k], hPrev0[k]], [c[k], h[k]], $"{at}: a skipped row's states");
                            continue;
                        }
                        float[] gates = [z[(b * 4) * units + j], z[(b * 4 + 1) * units + j], z[(b * 4 + 2) * units + j], z[(b * 4 + 3) * units + j]];
                        SameBits([i[k], f[k], g[k], o[k]], gates, $"{at}: gates");
                        SameBits([cell[k], tanhCell[k], o[k] * tanhCell[k]], [c[k], tc[k], h[k]], $"{at}: c, act(c), h");
                    }
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
