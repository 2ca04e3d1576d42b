using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Ops;

using Ops = global::DeepSharp.Ops;

/// <summary>
/// The fused recurrent sequence op against finite differences: every cell, with and without bias, initial
/// states, a step mask, a recurrent-dropout mask, returnSequences, returnState and goBackwards; unit counts
/// that reach the 16-lane, 8-lane and single-lane paths.
/// </summary>
public class RecurrentOpsTests
{
    public static TheoryData<string, int, bool, bool, bool, bool> Cases()
    {
        var data = new TheoryData<string, int, bool, bool, bool, bool>();
        foreach (var cell in new[] { "lstm", "gru", "simple_rnn" })
        {
            data.Add(cell, 3, false, false, false, false);
            data.Add(cell, 3, true, true, true, false);
            data.Add(cell, 11, true, false, true, true);
            data.Add(cell, 3, false, true, false, true);
        }
        data.Add("lstm", 17, true, true, false, true);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sequence_op_passes_gradient_checks(string cell, int units, bool sequences, bool state, bool backwards, bool masks)
    {
        var kind = RecurrentOperands.Kind(cell);
        var options = new RecurrentOptions(kind, GateActivation.Tanh, GateActivation.Sigmoid, sequences, state, backwards);
        var o = new RecurrentOperands(0, kind, SmallBatch, SmallSteps, features: 3, units);
        var (mask, drop) = masks ? SmallMasks(units) : (null, null);
        OpAssert.GradientChecks(
            t => Ops.RecurrentSequence(t[0], t[1], t[2], t[3], t[4], o.C0 is null ? null : t[5], mask, drop, options, "test"),
            o.C0 is null ? [o.X, o.Kernel, o.Recurrent, o.Bias, o.H0] : [o.X, o.Kernel, o.Recurrent, o.Bias, o.H0, o.C0]);
    }

    [Theory]
    [InlineData(3, false, false, false, false, true)]
    [InlineData(3, true, true, true, false, true)]
    [InlineData(11, true, false, true, true, true)]
    [InlineData(17, false, true, false, true, true)]
    [InlineData(5, true, true, false, true, false)]
    public void Gru_without_reset_after_passes_gradient_checks(int units, bool sequences, bool state, bool backwards, bool masks, bool withBias)
    {
        var options = new RecurrentOptions(RecurrentCellKind.Gru, GateActivation.Tanh, GateActivation.Sigmoid, sequences, state, backwards, ResetAfter: false);
        var (x, kernel, recurrent, bias, h0) = new RecurrentOperands(40, RecurrentCellKind.Gru, SmallBatch, SmallSteps, features: 3, units, resetAfter: false);
        var (mask, drop) = masks ? SmallMasks(units) : (null, null);
        if (withBias)
            OpAssert.GradientChecks(t => Ops.RecurrentSequence(t[0], t[1], t[2], t[3], t[4], null, mask, drop, options, "test"), x, kernel, recurrent, bias, h0);
        else
            OpAssert.GradientChecks(t => Ops.RecurrentSequence(t[0], t[1], t[2], null, t[3], null, mask, drop, options, "test"), x, kernel, recurrent, h0);
        var e = Assert.Throws<ArgumentException>(() =>
            Ops.RecurrentSequence(x, kernel, recurrent, Tensor.Zeros(2, 3 * units), null, null, null, null, options, "Layer 'g' (GRU)"));
        Assert.Contains($"bias must be ({3 * units},); got (2, {3 * units})", e.Message);
    }

    [Fact]
    public void Gru_without_reset_after_gives_the_same_bits_on_one_and_two_threads()
    {
        int batch = 100, steps = 5, units = 20;
        var options = new RecurrentOptions(RecurrentCellKind.Gru, GateActivation.Tanh, GateActivation.Sigmoid, true, true, false, ResetAfter: false);
        var (x, kernel, recurrent, bias, h0) = new RecurrentOperands(50, RecurrentCellKind.Gru, batch, steps, features: 3, units, resetAfter: false);
        var mask = RecurrentOperands.Mask(batch, steps, every: 7, at: 3);
        var drop = RecurrentOperands.Mask(batch, units, every: 5, at: 2, 1.25f);
        // Rows never meet in the recurrence: the outputs and the input gradient are row-wise, the same bits at any split.
        ThreadCounts.SameBits("gru without reset after", () => RecurrentOperands.OutputAndGradients(
            () => Ops.RecurrentSequence(x, kernel, recurrent, bias, h0, null, mask, drop, options, "test"), 57, x), 1, 2);
    }

    [Theory]
    [InlineData("relu", "hard_sigmoid")]
    [InlineData("linear", "tanh")]
    [InlineData("sigmoid", "linear")]
    public void Other_activations_pass_gradient_checks(string activation, string recurrentActivation)
    {
        var options = new RecurrentOptions(RecurrentCellKind.Lstm, GateActivations.FromName(activation)!.Value,
            GateActivations.FromName(recurrentActivation)!.Value, true, false, false);
        var x = OpAssert.Random(11, -1f, 1f, 2, 3, 2);
        var kernel = OpAssert.Random(12, -0.7f, 0.7f, 2, 12);
        var recurrent = OpAssert.Random(13, -0.7f, 0.7f, 3, 12);
        var bias = OpAssert.Random(14, 0.1f, 0.4f, 12);
        OpAssert.GradientChecks(t => Ops.RecurrentSequence(t[0], t[1], t[2], t[3], null, null, null, null, options, "test"), x, kernel, recurrent, bias);
    }

    [Fact]
    public void Without_bias_or_states_and_with_retained_graph_twice()
    {
        var options = new RecurrentOptions(RecurrentCellKind.Gru, GateActivation.Tanh, GateActivation.Sigmoid, true, true, true);
        var x = OpAssert.Random(21, -1f, 1f, 2, 5, 3);
        var kernel = OpAssert.Random(22, -0.5f, 0.5f, 3, 12);
        var recurrent = OpAssert.Random(23, -0.5f, 0.5f, 4, 12);
        OpAssert.GradientChecks(t => Ops.RecurrentSequence(t[0], t[1], t[2], null, null, null, null, null, options, "test"), x, kernel, recurrent);

        // A second backward through the same graph gives the same gradients (saved buffers are not overwritten).
        x.ZeroGrad();
        var y = Ops.RecurrentSequence(x, kernel, recurrent, null, null, null, null, null, options, "test");
        var g = Tensor.RandomUniform(y.Shape, -1f, 1f, new RandomGenerator(24));
        y.Backward(g, retainGraph: true);
        var first = x.Grad!.ToArray();
        x.ZeroGrad();
        y.Backward(g);
        Assert.Equal(first, x.Grad!.ToArray());
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    [InlineData("simple_rnn")]
    public void A_batch_split_over_threads_computes_what_one_thread_does(string cell)
    {
        // 100 rows: two parts on two threads, three on three, with a ragged last micro-kernel tile; a step mask,
        // recurrent dropout, every step returned plus the states, so every pointer offset of a part is exercised.
        var kind = RecurrentOperands.Kind(cell);
        int batch = 100, steps = 5, units = 20;
        var options = new RecurrentOptions(kind, GateActivation.Tanh, GateActivation.Sigmoid, true, true, false);
        var o = new RecurrentOperands(30, kind, batch, steps, features: 3, units);
        var mask = RecurrentOperands.Mask(batch, steps, every: 7, at: 3);
        var drop = RecurrentOperands.Mask(batch, units, every: 5, at: 2, 1.25f);
        Tensor[] inputs = o.C0 is null ? [o.X, o.Kernel, o.Recurrent, o.Bias, o.H0] : [o.X, o.Kernel, o.Recurrent, o.Bias, o.H0, o.C0];
        float[][] Run(int threads) => ThreadCounts.At(threads, () => RecurrentOperands.OutputAndGradients(
            () => Ops.RecurrentSequence(o.X, o.Kernel, o.Recurrent, o.Bias, o.H0, o.C0, mask, drop, options, "test"), 37, inputs));

        var single = Run(1);
        foreach (int threads in new[] { 2, 3 })
        {
            var split = Run(threads);
            OpAssert.Close(single[0], split[0]);
            // The gradients agree bit for bit (the next test); within rounding is what this one asks.
            for (int i = 1; i < split.Length; i++) OpAssert.Close(single[i], split[i], absolute: 2e-5);
        }
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    [InlineData("simple_rnn")]
    public void Outputs_and_gradients_have_the_same_bits_at_any_thread_count(string cell)
    {
        // 100 rows: one, two or three parts; the bias sums are kept per group of rows, whatever the parts.
        var kind = RecurrentOperands.Kind(cell);
        var options = new RecurrentOptions(kind, GateActivation.Tanh, GateActivation.Sigmoid, true, false, false);
        var o = new RecurrentOperands(40, kind, batch: 100, steps: 6, features: 5, units: 24);
        ThreadCounts.SameBits(cell, () => RecurrentOperands.OutputAndGradients(
            () => Ops.RecurrentSequence(o.X, o.Kernel, o.Recurrent, o.Bias, null, null, null, null, options, "test"), 45, o.X, o.Kernel, o.Recurrent, o.Bias));
    }

    [Theory]
    [InlineData("lstm", false)]
    [InlineData("lstm", true)]
    [InlineData("gru", true)]
    public void A_long_sequence_gives_the_bits_of_its_rows_run_a_few_at_a_time(string cell, bool backwards)
    {
        // Rows never meet: the whole batch (two parts on two threads, both reading the recurrent kernel packed once)
        // must give each row's outputs and input gradient the bits that a few rows at a time (one part) give.
        var kind = RecurrentOperands.Kind(cell);
        int batch = 72, steps = 30, features = 33, units = 32, slice = 8;
        var options = new RecurrentOptions(kind, GateActivation.Tanh, GateActivation.Sigmoid, true, true, backwards);
        var (x, kernel, recurrent, bias, _) = new RecurrentOperands(50, kind, batch, steps, features, units, range: 0.4f);
        var mask = RecurrentOperands.Mask(batch, steps, every: 11, at: 4);
        var gradient = OpAssert.Random(55, -1f, 1f, batch, options.Slots(steps), units);

        (float[] Output, float[] InputGradient) Run(int first, int rows)
        {
            var xs = Tensor.FromArray(x.ToArray()[(first * steps * features)..((first + rows) * steps * features)], rows, steps, features).WithRequiresGrad();
            var ms = Tensor.FromArray(mask.ToArray()[(first * steps)..((first + rows) * steps)], rows, steps);
            int slots = options.Slots(steps);
            var gs = Tensor.FromArray(gradient.ToArray()[(first * slots * units)..((first + rows) * slots * units)], rows, slots, units);
            var y = Ops.RecurrentSequence(xs, kernel, recurrent, bias, null, null, ms, null, options, "test");
            y.Backward(gs);
            return (y.ToArray(), xs.Grad!.ToArray());
        }

        ThreadCounts.At(2, () =>
        {
            var (output, inputGradient) = Run(0, batch);
            var sliced = Enumerable.Range(0, batch / slice).Select(i => Run(i * slice, slice)).ToArray();
            ThreadCounts.Identical($"{cell}, backwards {backwards}",
                [sliced.SelectMany(r => r.Output).ToArray(), sliced.SelectMany(r => r.InputGradient).ToArray()], [output, inputGradient]);
        });
    }

    public static TheoryData<string, int, int, int, int, bool, bool, bool, bool, bool> JoinedCases() => new()
    {
        // cell, batch, steps, features, units, returnSequences, returnState, goBackwards, masks (step mask, recurrent
        // dropout and initial states), input gradient: the seed LSTM's two layers (the first has no input gradient in
        // training), then odd sizes, batch 1 and ragged parts.
        { "lstm", 128, 28, 28, 64, true, false, false, false, false },
        { "lstm", 128, 28, 64, 64, false, false, false, false, true },
        { "lstm", 100, 5, 3, 20, true, true, true, true, true },
        { "lstm", 1, 4, 5, 7, false, true, false, true, true },
        { "lstm", 67, 6, 33, 17, true, false, true, false, true },
        { "gru", 100, 5, 3, 20, true, true, false, true, true },
        { "gru", 64, 7, 9, 12, false, false, true, false, false },
        { "gru_reset_before", 100, 5, 3, 20, true, true, true, true, true },
        { "gru_reset_before", 2, 3, 4, 6, false, false, false, false, true },
        { "simple_rnn", 100, 6, 5, 24, true, false, false, true, true },
        { "simple_rnn", 3, 3, 2, 5, true, true, false, false, true },
    };

    [Theory]
    [MemberData(nameof(JoinedCases))]
    public void The_loop_holding_the_projections_gives_the_bits_of_the_separate_passes(string cell, int batch, int steps, int features,
        int units, bool sequences, bool state, bool backwards, bool masks, bool inputGradient)
    {
        // Forward: the time-major copy, the input projection and the packed output inside each part's loop; backward:
        // the input gradient a step at a time, and the weight gradients as one job of bands. Every value must keep the
        // bits of the separate GEMMs and copies, at one, two and three threads.
        var kind = RecurrentOperands.Kind(cell);
        var sequence = JoinedSequence.Of(60, cell, batch, steps, features, units, sequences, state, backwards, masks, inputGradient);

        float[][] Run(bool joined)
        {
            bool saved = RecurrentLoop.Joined;
            RecurrentLoop.Joined = joined;
            try
            {
                return sequence.OutputAndGradients(67);
            }
            finally
            {
                RecurrentLoop.Joined = saved;
            }
        }

        // An LSTM sums its weight gradients in the loop by default; the products after the loop are checked too.
        bool savedGradients = RecurrentLoop.GradientsInLoop;
        try
        {
            foreach (bool inLoop in kind == RecurrentCellKind.Lstm ? new[] { true, false } : [savedGradients])
            {
                RecurrentLoop.GradientsInLoop = inLoop;
                ThreadCounts.SameBits($"{cell}, weight gradients in the loop {inLoop}", () =>
                {
                    var joined = Run(true);
                    ThreadCounts.Identical($"{cell}, batch {batch}: joined against separate, {Parallelism.Threads} threads", Run(false), joined);
                    return joined;
                });
            }
        }
        finally
        {
            RecurrentLoop.GradientsInLoop = savedGradients;
        }
    }

    public static TheoryData<int, int, int, int, bool, bool, bool, bool> StepGradientCases() => new()
    {
        // batch, steps, features, units, returnSequences, goBackwards, masks (step mask, recurrent dropout, initial states),
        // input gradient: the seed LSTM's two layers (two chunks of 64 rows), then one chunk, ragged chunks and parts.
        { 128, 28, 28, 64, true, false, false, false },
        { 128, 28, 64, 64, false, false, false, true },
        { 100, 5, 3, 20, true, true, true, true },
        { 1, 4, 5, 7, false, false, true, true },
        { 67, 6, 33, 17, true, true, false, true },
        { 200, 3, 9, 16, false, false, true, true },
    };

    [Theory]
    [MemberData(nameof(StepGradientCases))]
    public void Lstm_weight_gradients_summed_in_the_loop_are_the_same_at_any_thread_count(int batch, int steps, int features, int units,
        bool sequences, bool backwards, bool masks, bool inputGradient)
    {
        // The kernel and recurrent-kernel gradients summed a step at a time per chunk of rows, then the chunks in order:
        // the same bits at one, two and three threads. Against the products after the loop (k in other blocks, another
        // order) they agree within rounding; every other output and gradient keeps its bits.
        int gu = 4 * units;
        var options = new RecurrentOptions(RecurrentCellKind.Lstm, GateActivation.Tanh, GateActivation.Sigmoid, sequences, true, backwards);
        var x = OpAssert.Random(71, -1f, 1f, batch, steps, features).WithRequiresGrad(inputGradient);
        var kernel = OpAssert.Random(72, -0.5f, 0.5f, features, gu);
        var recurrent = OpAssert.Random(73, -0.5f, 0.5f, units, gu);
        var bias = OpAssert.Random(74, -0.5f, 0.5f, gu);
        var h0 = masks ? OpAssert.Random(75, -0.5f, 0.5f, batch, units) : null;
        var c0 = masks ? OpAssert.Random(76, -0.5f, 0.5f, batch, units) : null;
        var mask = masks ? RecurrentOperands.Mask(batch, steps, every: 7, at: 3) : null;
        var drop = masks ? RecurrentOperands.Mask(batch, units, every: 5, at: 2, 1.25f) : null;
        Tensor[] others = [.. inputGradient ? [x] : Array.Empty<Tensor>(), bias, .. h0 is null ? Array.Empty<Tensor>() : [h0, c0!]];
        Tensor[] weights = [kernel, recurrent];

        float[][] Run(bool inLoop)
        {
            bool saved = RecurrentLoop.GradientsInLoop;
            RecurrentLoop.GradientsInLoop = inLoop;
            try
            {
                foreach (var t in others.Concat(weights)) t.ZeroGrad();
                var y = Ops.RecurrentSequence(x, kernel, recurrent, bias, h0, c0, mask, drop, options, "test");
                y.Backward(Tensor.RandomUniform(y.Shape, -1f, 1f, new RandomGenerator(77)));
                return [y.ToArray(), .. others.Select(t => t.Grad!.ToArray()), .. weights.Select(t => t.Grad!.ToArray())];
            }
            finally
            {
                RecurrentLoop.GradientsInLoop = saved;
            }
        }

        ThreadCounts.SameBits($"lstm, batch {batch}", () =>
        {
            var inLoop = Run(true);
            var after = Run(false);
            int kept = 1 + others.Length;
            ThreadCounts.Identical($"batch {batch}: in the loop against after it, {Parallelism.Threads} threads", after[..kept], inLoop[..kept]);
            for (int i = kept; i < inLoop.Length; i++) OpAssert.Close(after[i], inLoop[i], absolute: 1e-4, relative: 1e-4);
            return inLoop;
        });
    }

    [Theory]
    [MemberData(nameof(StepGradientCases))]
    public void Lstm_input_read_in_place_gives_the_bits_of_its_time_major_copy(int batch, int steps, int features, int units,
        bool sequences, bool backwards, bool masks, bool inputGradient)
    {
        // The forward projection and the kernel gradient read the input where it lies instead of a time-major copy: the same
        // products of the same values, so every output and gradient keeps its bits, at one, two and three threads. A
        // forward that read in place followed by a backward with the weight gradients after the loop (the switch turned
        // off in between) makes the copy then, and gives the bits of that path.
        int gu = 4 * units;
        var options = new RecurrentOptions(RecurrentCellKind.Lstm, GateActivation.Tanh, GateActivation.Sigmoid, sequences, true, backwards);
        var x = OpAssert.Random(81, -1f, 1f, batch, steps, features).WithRequiresGrad(inputGradient);
        var kernel = OpAssert.Random(82, -0.5f, 0.5f, features, gu);
        var recurrent = OpAssert.Random(83, -0.5f, 0.5f, units, gu);
        var bias = OpAssert.Random(84, -0.5f, 0.5f, gu);
        var h0 = masks ? OpAssert.Random(85, -0.5f, 0.5f, batch, units) : null;
        var c0 = masks ? OpAssert.Random(86, -0.5f, 0.5f, batch, units) : null;
        var mask = masks ? RecurrentOperands.Mask(batch, steps, every: 7, at: 3) : null;
        var drop = masks ? RecurrentOperands.Mask(batch, units, every: 5, at: 2, 1.25f) : null;
        Tensor[] inputs = [.. inputGradient ? [x] : Array.Empty<Tensor>(), kernel, recurrent, bias, .. h0 is null ? Array.Empty<Tensor>() : [h0, c0!]];

        float[][] Run(bool inPlace, bool gradientsInLoopForward, bool gradientsInLoopBackward)
        {
            bool savedInPlace = RecurrentLoop.InputInPlace, savedGradients = RecurrentLoop.GradientsInLoop;
            try
            {
                RecurrentLoop.InputInPlace = inPlace;
                foreach (var t in inputs) t.ZeroGrad();
                RecurrentLoop.GradientsInLoop = gradientsInLoopForward;
                var y = Ops.RecurrentSequence(x, kernel, recurrent, bias, h0, c0, mask, drop, options, "test");
                RecurrentLoop.GradientsInLoop = gradientsInLoopBackward;
                y.Backward(Tensor.RandomUniform(y.Shape, -1f, 1f, new RandomGenerator(87)));
                return [y.ToArray(), .. inputs.Select(t => t.Grad!.ToArray())];
            }
            finally
            {
                RecurrentLoop.InputInPlace = savedInPlace;
                RecurrentLoop.GradientsInLoop = savedGradients;
            }
        }

        ThreadCounts.SameBits($"lstm, batch {batch}", () =>
        {
            var inPlace = Run(true, true, true);
            ThreadCounts.Identical($"batch {batch}: in place against the copy, {Parallelism.Threads} threads", Run(false, true, true), inPlace);
            ThreadCounts.Identical($"batch {batch}: in place, then the gradients after the loop, against the copy, {Parallelism.Threads} threads",
                Run(false, false, false), Run(true, true, false));
            return inPlace;
        });
    }

    public static TheoryData<string, int, int, int, int, bool, bool, bool, bool, bool> LeanCases()
    {
        // The joined cases, and an LSTM whose batch makes three gradient chunks (chunk 0 summed where the gradient goes, two
        // others added to it).
        var data = JoinedCases();
        data.Add("lstm", 200, 3, 9, 16, false, true, true, true, true);
        return data;
    }

    [Theory]
    [MemberData(nameof(LeanCases))]
    public void Shared_gradient_panels_lean_serial_work_and_bias_sums_in_the_gate_pass_keep_every_bit(string cell, int batch, int steps, int features,
        int units, bool sequences, bool state, bool backwards, bool masks, bool inputGradient)
    {
        // The LSTM's in-loop weight gradients against panels of dZ cut once; the kernels' transposes by register blocks with
        // chunk 0's weight gradients summed in place; the LSTM's bias sums added by the backward gate pass: every output and
        // gradient keeps its bits, each switch alone and all three, at one, two and three threads.
        var sequence = JoinedSequence.Of(90, cell, batch, steps, features, units, sequences, state, backwards, masks, inputGradient);

        float[][] Run(bool shared, bool lean, bool biasInPass)
        {
            bool savedShared = RecurrentLoop.SharedPanels, savedLean = RecurrentLoop.LeanSerialWork, savedBias = RecurrentLoop.BiasInGatePass;
            RecurrentLoop.SharedPanels = shared;
            RecurrentLoop.LeanSerialWork = lean;
            RecurrentLoop.BiasInGatePass = biasInPass;
            try
            {
                return sequence.OutputAndGradients(97);
            }
            finally
            {
                RecurrentLoop.SharedPanels = savedShared;
                RecurrentLoop.LeanSerialWork = savedLean;
                RecurrentLoop.BiasInGatePass = savedBias;
            }
        }

        ThreadCounts.SameBits($"{cell}, batch {batch}", () =>
        {
            var all = Run(true, true, true);
            int threads = Parallelism.Threads;
            ThreadCounts.Identical($"{cell}, batch {batch}: all against none, {threads} threads", Run(false, false, false), all);
            ThreadCounts.Identical($"{cell}, batch {batch}: all against the panels alone, {threads} threads", Run(true, false, false), all);
            ThreadCounts.Identical($"{cell}, batch {batch}: all against the lean serial work alone, {threads} threads", Run(false, true, false), all);
            ThreadCounts.Identical($"{cell}, batch {batch}: all against the bias sums in the gate pass alone, {threads} threads", Run(false, false, true), all);
            return all;
        });
    }

    /// <summary>
    /// One case of the joined-loop tests: a cell's operands from <see cref="RecurrentOperands"/> (the initial states, a
    /// step mask and recurrent dropout when <c>masks</c>), and its output with the gradients of every input that takes one.
    /// </summary>
    private sealed class JoinedSequence
    {
        private RecurrentOptions _options;
        private Tensor _x = null!, _kernel = null!, _recurrent = null!, _bias = null!;
        private Tensor? _h0, _c0, _mask, _drop;
        private Tensor[] _inputs = [];

        public static JoinedSequence Of(int seed, string cell, int batch, int steps, int features, int units, bool sequences, bool state,
            bool backwards, bool masks, bool inputGradient)
        {
            var kind = RecurrentOperands.Kind(cell);
            bool resetAfter = cell != "gru_reset_before";
            var o = new RecurrentOperands(seed, kind, batch, steps, features, units, range: 0.5f, resetAfter);
            var s = new JoinedSequence
            {
                _options = new RecurrentOptions(kind, GateActivation.Tanh, GateActivation.Sigmoid, sequences, state, backwards, resetAfter),
                _x = o.X.WithRequiresGrad(inputGradient), _kernel = o.Kernel, _recurrent = o.Recurrent, _bias = o.Bias,
                _h0 = masks ? o.H0 : null, _c0 = masks ? o.C0 : null,
                _mask = masks ? RecurrentOperands.Mask(batch, steps, every: 7, at: 3) : null,
                _drop = masks ? RecurrentOperands.Mask(batch, units, every: 5, at: 2, 1.25f) : null,
            };
            s._inputs = [.. inputGradient ? [s._x] : Array.Empty<Tensor>(), s._kernel, s._recurrent, s._bias,
                .. s._h0 is null ? Array.Empty<Tensor>() : [s._h0], .. s._c0 is null ? Array.Empty<Tensor>() : [s._c0]];
            return s;
        }

        /// <summary>The output, then each input's gradient under an output gradient drawn from <paramref name="gradientSeed"/>.</summary>
        public float[][] OutputAndGradients(int gradientSeed) => RecurrentOperands.OutputAndGradients(
            () => Ops.RecurrentSequence(_x, _kernel, _recurrent, _bias, _h0, _c0, _mask, _drop, _options, "test"), gradientSeed, _inputs);
    }

    private const int SmallBatch = 2, SmallSteps = 4;

    /// <summary>The gradient checks' step mask (a step of each row skipped) and recurrent dropout (a third of the units dropped).</summary>
    private static (Tensor? Mask, Tensor? Drop) SmallMasks(int units) =>
        (Tensor.FromArray([1f, 0f, 1f, 1f, 1f, 1f, 1f, 0f], SmallBatch, SmallSteps), RecurrentOperands.Mask(SmallBatch, units, every: 3, at: 1, 1.5f));

    [Fact]
    public void Lstm_weight_gradients_summed_in_the_loop_pass_gradient_checks_over_several_chunks()
    {
        // 64 rows: two chunks of 32 rows each with its partial sums; a step mask and recurrent dropout.
        int batch = 64, steps = 3, features = 2, units = 3;
        var options = new RecurrentOptions(RecurrentCellKind.Lstm, GateActivation.Tanh, GateActivation.Sigmoid, true, false, false);
        Assert.Equal(2, RecurrentLoop.GradientChunks(batch));
        var x = OpAssert.Random(81, -1f, 1f, batch, steps, features);
        var kernel = OpAssert.Random(82, -0.6f, 0.6f, features, 4 * units);
        var recurrent = OpAssert.Random(83, -0.6f, 0.6f, units, 4 * units);
        var bias = OpAssert.Random(84, -0.5f, 0.5f, 4 * units);
        var mask = Tensor.FromArray(Enumerable.Range(0, batch * steps).Select(i => i % 7 == 3 ? 0f : 1f).ToArray(), batch, steps);
        var drop = Tensor.FromArray(Enumerable.Range(0, batch * units).Select(i => i % 5 == 2 ? 0f : 1.25f).ToArray(), batch, units);
        OpAssert.GradientChecks(t => Ops.RecurrentSequence(x, t[0], t[1], bias, null, null, mask, drop, options, "test"), [kernel, recurrent]);
    }

    [Fact]
    public void Lstm_weight_gradients_after_the_loop_still_pass_gradient_checks()
    {
        // The path kept for A/B comparisons (DEEPSHARP_RECURRENT_GRADIENTS=after).
        bool saved = RecurrentLoop.GradientsInLoop;
        RecurrentLoop.GradientsInLoop = false;
        try
        {
            Sequence_op_passes_gradient_checks("lstm", 11, true, false, true, true);
        }
        finally
        {
            RecurrentLoop.GradientsInLoop = saved;
        }
    }

    [Fact]
    public void Bad_shapes_are_named()
    {
        var options = new RecurrentOptions(RecurrentCellKind.Lstm, GateActivation.Tanh, GateActivation.Sigmoid, false, false, false);
        var x = Tensor.Zeros(2, 3, 4);
        var e = Assert.Throws<ArgumentException>(() =>
            Ops.RecurrentSequence(x, Tensor.Zeros(5, 8), Tensor.Zeros(2, 8), null, null, null, null, null, options, "Layer 'l' (LSTM)"));
        Assert.Contains("kernel must be (4, 8)", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            Ops.RecurrentSequence(x, Tensor.Zeros(4, 8), Tensor.Zeros(2, 8), Tensor.Zeros(6), null, null, null, null, options, "Layer 'l' (LSTM)"));
        Assert.Contains("bias must be (8,)", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            Ops.RecurrentSequence(x, Tensor.Zeros(4, 8), Tensor.Zeros(2, 8), null, null, null, Tensor.Ones(2, 4), null, options, "Layer 'l' (LSTM)"));
        Assert.Contains("mask must be [batch, timesteps] = (2, 3)", e.Message);
    }
}
