using System.Numerics.Tensors;
using DeepSharp.Kernels;

namespace DeepSharp;

/// <summary>What a fused recurrent sequence op computes and returns.</summary>
internal readonly record struct RecurrentOptions(
    RecurrentCellKind Cell, GateActivation Activation, GateActivation RecurrentActivation,
    bool ReturnSequences, bool ReturnState, bool GoBackwards, bool ResetAfter = true)
{
    /// <summary>Whether the cell is a GRU whose reset gate scales h₋₁ before the candidate's product (Keras' reset_after=False: one bias, two products a step).</summary>
    internal bool ResetBefore => Cell == RecurrentCellKind.Gru && !ResetAfter;

    /// <summary>Output slots along axis 1 of the packed result: the outputs (T or 1), then the final states.</summary>
    internal int Slots(int steps) => (ReturnSequences ? steps : 1) + (ReturnState ? StateCount : 0);

    /// <summary>States a cell carries: h, and c for the LSTM.</summary>
    internal int StateCount => Cell == RecurrentCellKind.Lstm ? 2 : 1;
}

public static unsafe partial class Ops
{
    [ThreadStatic] private static Tensor[]? t_recurrentInputs;

    /// <summary>
    /// A whole recurrent sequence as one differentiable op (back-propagation through time in its backward).
    /// Inputs are [batch, steps, features]; kernel [features, gates·units], recurrent kernel [units,
    /// gates·units], bias [gates·units] ([2, 3·units] for the GRU: input and recurrent bias), optional initial
    /// states [batch, units] ([3·units] for a GRU without reset_after), an optional step mask [batch, steps] (0 = skip the step: keep the state, output
    /// zeros) and an optional recurrent-dropout mask [batch, units] applied to the state entering the
    /// recurrent kernel. Returns [batch, slots, units]: the outputs of every step (or of the last), then the
    /// final states when asked (see <see cref="RecurrentOptions.Slots"/>).
    /// </summary>
    /// <remarks>
    /// The input projection of all steps is one GEMM; each step is one GEMM with the recurrent kernel and one
    /// fused gate pass; backward walks the steps in reverse with one GEMM a step and gathers the weight
    /// gradients into one GEMM each (an LSTM sums them inside the loop instead, a step at a time, per fixed chunk of
    /// rows). Work is time-major inside, so each step's rows are contiguous.
    /// </remarks>
    internal static Tensor RecurrentSequence(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias,
        Tensor? initialH, Tensor? initialC, Tensor? mask, Tensor? recurrentMask, in RecurrentOptions options, string layer)
    {
        var o = options;
        int gates = (int)o.Cell;
        CheckRecurrentInputs(x, kernel, recurrentKernel, bias, initialH, initialC, mask, recurrentMask, o, layer);
        int batch = x._shape[0], steps = x._shape[1], features = x._shape[2], units = recurrentKernel._shape[0];
        int gu = gates * units, slots = o.Slots(steps);
        var layout = new RecurrentLayout(o.Cell, steps, batch, features, units, recurrentMask is not null);

        var ws = Tensor.Uninitialized([layout.Total]);
        float* w = ws.Pointer;
        float* xt = w + layout.Xt, z = w + layout.Z, hs = w + layout.H, cs = w + layout.C, rh = w + layout.RH, hm = w + layout.HM, tc = w + layout.TC;
        int parts = RecurrentLoop.PartsFor(batch);
        // With a part for each thread, the loop also copies the input to time-major order, projects it and writes the output.
        bool joined = RecurrentLoop.HoldsProjections(parts);
        // An LSTM that sums its kernel gradient in the loop reads its input where it lies, forward and backward: no time-major copy.
        bool inputInPlace = joined && o.Cell == RecurrentCellKind.Lstm && RecurrentLoop.GradientsInLoop && RecurrentLoop.InputInPlace;
        var source = ContiguousOperand.Of(x);
        if (!joined)
        {
            TimeMajor(source.Pointer, xt, batch, steps, features, o.GoBackwards);
            ContiguousOperand.Release(source, x);
        }

        var wk = ContiguousOperand.Of(kernel);
        var rk = ContiguousOperand.Of(recurrentKernel);
        var bk = bias is null ? null : ContiguousOperand.Of(bias);
        var zeroBias = bk is null ? Tensor.Zeroed([2 * gu]) : null;
        float* biasPointer = bk is not null ? bk.Pointer : zeroBias!.Pointer;
        long stepRows = (long)batch * units;
        LoadState(initialH, hs, stepRows);
        if (o.Cell == RecurrentCellKind.Lstm) LoadState(initialC, cs, stepRows);
        var maskCopy = mask is null ? null : StepOrderedMask(mask, o.GoBackwards);
        var recurrentMaskCopy = recurrentMask is null ? null : recurrentMask.ContiguousCopy();
        float* maskPointer = maskCopy is null ? null : maskCopy.Pointer;
        float* dropPointer = recurrentMaskCopy is null ? null : recurrentMaskCopy.Pointer;

        if (!joined) Gemm.Multiply(false, false, steps * batch, gu, features, xt, features, wk.Pointer, gu, z, gu);
        var packedKernel = joined ? PackedOperand(features, gu, wk.Pointer) : null;
        var scratch = o.Cell == RecurrentCellKind.Gru ? Tensor.Uninitialized([batch * gu]) : null;
        // Every step multiplies by the same recurrent kernel: cut it into the GEMM's panels once.
        var packed = o.ResetBefore ? null : PackedOperand(units, gu, rk.Pointer);
        var y = Tensor.Uninitialized([batch, slots, units]);
        var output = new RecurrentOutput
        {
            Batch = batch, Steps = steps, Units = units, Slots = slots, ReturnSequences = o.ReturnSequences, ReturnState = o.ReturnState,
            CellState = o.Cell == RecurrentCellKind.Lstm,
        };
        new RecurrentLoop
        {
            Cell = o.Cell.ToKernel(), Activation = o.Activation.ToKernel(), RecurrentActivation = o.RecurrentActivation.ToKernel(),
            Steps = steps, Batch = batch, Units = units, Parts = parts, ResetAfter = o.ResetAfter,
            Z = z, H = hs, C = cs, TC = tc, RH = rh, HM = hm, Drop = dropPointer, Mask = maskPointer,
            Bias = biasPointer, Recurrent = rk.Pointer, PackedRecurrent = packed is null ? null : packed.Pointer,
            Scratch = scratch is null ? null : scratch.Pointer,
            Features = features, GoBackwards = o.GoBackwards, Input = joined ? source.Pointer : null, InputTimeMajor = inputInPlace ? null : xt,
            Kernel = wk.Pointer, PackedKernel = packedKernel is null ? null : packedKernel.Pointer,
            Output = joined ? y.Pointer : null, OutputShape = output,
        }.Run();
        if (joined) ContiguousOperand.Release(source, x);
        else output.Write(y.Pointer, hs, cs, maskPointer, 0, batch);
        packedKernel?.Recycle();
        packed?.Recycle();
        scratch?.Recycle();
        zeroBias?.Recycle();
        ContiguousOperand.Release(wk, kernel);
        ContiguousOperand.Release(rk, recurrentKernel);
        if (bk is not null) ContiguousOperand.Release(bk, bias!);

        var inputs = t_recurrentInputs ??= new Tensor[6];
        int count = 0;
        inputs[count++] = x;
        inputs[count++] = kernel;
        inputs[count++] = recurrentKernel;
        int biasIndex = bias is null ? -1 : count;
        if (bias is not null) inputs[count++] = bias;
        int hIndex = initialH is null ? -1 : count;
        if (initialH is not null) inputs[count++] = initialH;
        int cIndex = initialC is null ? -1 : count;
        if (initialC is not null) inputs[count++] = initialC;
        var node = Node.RecordMany("recurrent", RecurrentSequenceBackward, y, inputs.AsSpan(0, count));
        Array.Clear(inputs);
        if (node is null)
        {
            ws.Recycle();
            maskCopy?.Recycle();
            recurrentMaskCopy?.Recycle();
            return y;
        }
        node.Save(new RecurrentSaved(o, steps, batch, features, units, biasIndex, hIndex, cIndex, inputInPlace));
        node.Keep(ws, maskCopy, recurrentMaskCopy);
        return y;
    }

    /// <summary>
    /// What a recurrent sequence keeps for backward besides its tensors: the options, the sizes, where the optional
    /// inputs (bias, initial h and c) sit among the node's inputs (-1 when absent), and whether the forward left the
    /// time-major copy of the input unwritten (<see cref="RecurrentLoop.InputInPlace"/>).
    /// </summary>
    private readonly record struct RecurrentSaved(RecurrentOptions Options, int Steps, int Batch, int Features, int Units,
        int BiasIndex, int HIndex, int CIndex, bool InputInPlace);

    private static void RecurrentSequenceBackward(Node n, Tensor g)
    {
        var (o, steps, batch, features, units, biasIndex, hIndex, cIndex, inputInPlace) = n.State<RecurrentSaved>();
        var (workspace, stepMask, dropMask) = n.Kept;
        int gates = (int)o.Cell, gu = gates * units, slots = o.Slots(steps);
        Tensor x = n.Input(0), kernel = n.Input(1), recurrentKernel = n.Input(2);
        Tensor? bias = biasIndex < 0 ? null : n.Input(biasIndex);
        Tensor? initialH = hIndex < 0 ? null : n.Input(hIndex);
        Tensor? initialC = cIndex < 0 ? null : n.Input(cIndex);
        var layout = new RecurrentLayout(o.Cell, steps, batch, features, units, dropMask is not null);
        float* w = workspace!.Pointer;
        float* xt = w + layout.Xt, z = w + layout.Z, hs = w + layout.H, cs = w + layout.C, rh = w + layout.RH, hm = w + layout.HM, tc = w + layout.TC;
        float* maskPointer = stepMask is null ? null : stepMask.Pointer;
        float* dropPointer = dropMask is null ? null : dropMask.Pointer;
        long stepRows = (long)batch * units;
        bool gru = o.Cell == RecurrentCellKind.Gru;

        // An LSTM sums its weight gradients a step at a time inside the loop, while the step's dZ is in cache: dZ then
        // holds one step, and the cost of writing and re-reading the whole sequence's (3.7 MB a layer in the seed LSTM) goes.
        bool stepGradients = o.Cell == RecurrentCellKind.Lstm && RecurrentLoop.GradientsInLoop;
        // The kernel gradient reads the input in place when the forward did not copy it; the products after the loop need
        // the copy (the switch turned off between forward and backward).
        bool kernelGradient = kernel._requiresGrad;
        var source = inputInPlace && kernelGradient ? ContiguousOperand.Of(x) : null;
        if (source is not null && !stepGradients)
        {
            TimeMajor(source.Pointer, xt, batch, steps, features, o.GoBackwards);
            ContiguousOperand.Release(source, x);
            source = null;
        }
        // Backward buffers: dZ (and dRec for the GRU) for every step (one step's), dh and dc carried between steps, scratch
        // (and d(r·h₋₁) for a GRU without reset_after).
        long zSize = stepGradients ? (long)batch * gu : (long)steps * batch * gu;
        var buffers = Tensor.Uninitialized([(int)(zSize * (gru ? 2 : 1) + (o.ResetBefore ? 4 : 3) * stepRows)]);
        float* dz = buffers.Pointer, dRec = gru ? dz + zSize : dz, dh = dz + zSize * (gru ? 2 : 1), dc = dh + stepRows, scratch = dc + stepRows;
        new Span<float>(dh, (int)(2 * stepRows)).Clear();
        var gradient = ContiguousOperand.Of(g);
        float* gp = gradient.Pointer;
        long slotStride = (long)slots * units;
        int stateSlot = o.ReturnSequences ? steps : 1;
        for (int b = 0; b < batch; b++)
        {
            var dhRow = new Span<float>(dh + b * units, units);
            float* gRow = gp + b * slotStride;
            if (!o.ReturnSequences) TensorPrimitives.Add(dhRow, new ReadOnlySpan<float>(gRow, units), dhRow);
            if (o.ReturnState)
            {
                TensorPrimitives.Add(dhRow, new ReadOnlySpan<float>(gRow + stateSlot * units, units), dhRow);
                if (o.Cell == RecurrentCellKind.Lstm)
                    new ReadOnlySpan<float>(gRow + (stateSlot + 1) * units, units).CopyTo(new Span<float>(dc + b * units, units));
            }
        }

        // Rᵀ once for the whole sequence: each step's dRec·Rᵀ then reads it in place.
        var rkT = Tensor.Uninitialized([gu, units]);
        var rk = ContiguousOperand.Of(recurrentKernel);
        bool lean = RecurrentLoop.LeanSerialWork;
        Transpose(rk.Pointer, units, gu, rkT.Pointer, lean);
        ContiguousOperand.Release(rk, recurrentKernel);
        int chunks = stepGradients ? RecurrentLoop.GradientChunks(batch) : 0;
        int parts = stepGradients ? RecurrentLoop.PartsForChunks(chunks) : RecurrentLoop.PartsFor(batch);
        int groups = RecurrentLoop.SumGroups(batch), biasSize = gru && o.ResetAfter ? 2 * gu : gu;
        bool biasGradient = bias is not null && bias._requiresGrad;
        var biasSums = biasGradient ? Tensor.Zeroed([groups * biasSize]) : null;
        var packed = o.ResetBefore ? null : PackedOperand(gu, units, rkT.Pointer);
        // With a part for each thread (or with one step's dZ), the loop also computes the input gradient, a step at a time:
        // Wᵀ once, cut into panels.
        bool joined = x._requiresGrad && (stepGradients || RecurrentLoop.HoldsProjections(parts));
        // Each chunk's partial weight gradients: [chunks, features, gu] for the kernel, then [chunks, units, gu].
        bool recurrentGradient = recurrentKernel._requiresGrad;
        var dk = kernelGradient ? Tensor.Uninitialized(kernel._shape) : null;
        var dr = recurrentGradient ? Tensor.Uninitialized(recurrentKernel._shape) : null;
        // The lean way, chunk 0 sums straight into the gradients and the partials hold the other chunks'.
        int partialChunks = lean ? chunks - 1 : chunks;
        long kernelPartials = stepGradients && kernelGradient ? (long)partialChunks * features * gu : 0;
        long recurrentPartials = stepGradients && recurrentGradient ? (long)partialChunks * units * gu : 0;
        var partials = kernelPartials + recurrentPartials > 0 ? Tensor.Uninitialized([checked((int)(kernelPartials + recurrentPartials))]) : null;
        var dx = x._requiresGrad ? Tensor.Uninitialized(x._shape) : null;
        var wk = dx is null ? null : ContiguousOperand.Of(kernel);
        var kernelT = joined ? Tensor.Uninitialized([gu, features]) : null;
        if (joined) Transpose(wk!.Pointer, features, gu, kernelT!.Pointer, lean);
        var packedKernelT = joined ? PackedOperand(gu, features, kernelT!.Pointer) : null;
        new RecurrentLoop
        {
            Cell = o.Cell.ToKernel(), Activation = o.Activation.ToKernel(), RecurrentActivation = o.RecurrentActivation.ToKernel(),
            Steps = steps, Batch = batch, Units = units, Parts = parts, ResetAfter = o.ResetAfter,
            Z = z, H = hs, C = cs, TC = tc, RH = rh, HM = hm, Drop = dropPointer, Mask = maskPointer,
            Recurrent = rkT.Pointer, PackedRecurrent = packed is null ? null : packed.Pointer, Scratch = scratch, ResetScratch = o.ResetBefore ? scratch + stepRows : null,
            Backward = true, GradientOutput = gp, SlotStride = (int)slotStride, ReturnSequences = o.ReturnSequences,
            DZ = dz, DRec = dRec, DH = dh, DC = dc, BiasSums = biasSums is null ? null : biasSums.Pointer,
            Features = features, GoBackwards = o.GoBackwards, Kernel = joined ? kernelT!.Pointer : null,
            PackedKernel = packedKernelT is null ? null : packedKernelT.Pointer, InputGradient = joined ? dx!.Pointer : null,
            StepGradients = stepGradients, Chunks = chunks,
            Input = source is null ? null : source.Pointer, InputTimeMajor = source is null ? xt : null,
            KernelGradients = kernelPartials > 0 ? partials!.Pointer : null,
            RecurrentGradients = recurrentPartials > 0 ? partials!.Pointer + kernelPartials : null,
            KernelGradient = stepGradients && lean && dk is not null ? dk.Pointer : null,
            RecurrentGradient = stepGradients && lean && dr is not null ? dr.Pointer : null,
        }.Run();
        if (source is not null) ContiguousOperand.Release(source, x);
        packedKernelT?.Recycle();
        kernelT?.Recycle();
        packed?.Recycle();
        rkT.Recycle();
        ContiguousOperand.Release(gradient, g);

        // The weight gradients (and the input gradient when the loop did not compute it) read every step's dZ: one job.
        // Summed in the loop, they are each chunk's partial sums added in chunk order.
        int rows = steps * batch;
        var products = new GemmGroup();
        if (stepGradients)
        {
            if (dk is not null) AddChunks(partials is null ? null : partials.Pointer, chunks, dk, lean);
            if (dr is not null) AddChunks(partials is null ? null : partials.Pointer + kernelPartials, chunks, dr, lean);
            partials?.Recycle();
        }
        else if (dk is not null) products.Add(true, false, features, gu, rows, xt, features, dz, gu, dk.Pointer, gu);
        if (dr is not null && !stepGradients)
        {
            float* hIn = dropPointer == null ? hs : hm;
            if (!o.ResetBefore) products.Add(true, false, units, gu, rows, hIn, units, dRec, gu, dr.Pointer, gu);
            else
            {
                // [R_z R_r] multiplied h₋₁, R_h multiplied r·h₋₁.
                products.Add(true, false, units, 2 * units, rows, hIn, units, dRec, gu, dr.Pointer, gu);
                products.Add(true, false, units, units, rows, rh, units, dRec + 2 * units, gu, dr.Pointer + 2 * units, gu);
            }
        }
        // dX = dZ·Wᵀ for all steps in one GEMM (time-major), then back to the input's layout.
        var dxt = dx is not null && !joined ? Tensor.Uninitialized([rows, features]) : null;
        if (dxt is not null) products.Add(false, true, rows, features, gu, dz, gu, wk!.Pointer, gu, dxt.Pointer, features);
        products.Run(together: RecurrentLoop.Joined);
        if (wk is not null) ContiguousOperand.Release(wk, kernel);

        if (initialH is not null && initialH._requiresGrad) GradientEngine.Accumulate(initialH, CopyToTensor(dh, [batch, units]));
        if (initialC is not null && initialC._requiresGrad) GradientEngine.Accumulate(initialC, CopyToTensor(dc, [batch, units]));
        if (dk is not null) GradientEngine.Accumulate(kernel, dk);
        if (dr is not null) GradientEngine.Accumulate(recurrentKernel, dr);
        if (biasSums is not null)
        {
            // The sum of the row groups' column sums, in group order: the same whatever the parts were.
            var db = Tensor.Uninitialized(bias!._shape);
            var total = db.Span;
            biasSums.Span[..biasSize].CopyTo(total);
            for (int group = 1; group < groups; group++) TensorPrimitives.Add(total, biasSums.Span.Slice(group * biasSize, biasSize), total);
            biasSums.Recycle();
            GradientEngine.Accumulate(bias, db);
        }
        if (dx is not null)
        {
            if (dxt is not null)
            {
                BatchMajor(dxt.Pointer, dx.Pointer, batch, steps, features, o.GoBackwards);
                dxt.Recycle();
            }
            GradientEngine.Accumulate(x, dx);
        }
        buffers.Recycle();
    }

    /// <summary>
    /// <paramref name="sum"/> = the <paramref name="chunks"/> partial sums at <paramref name="partials"/> (each its size), added
    /// in order; when <paramref name="firstInSum"/>, chunk 0's is already in <paramref name="sum"/> and the partials hold the others'.
    /// </summary>
    private static void AddChunks(float* partials, int chunks, Tensor sum, bool firstInSum)
    {
        int size = sum._shape.Size;
        var total = sum.Span;
        if (!firstInSum) new ReadOnlySpan<float>(partials, size).CopyTo(total);
        else partials -= size;
        for (int chunk = 1; chunk < chunks; chunk++) TensorPrimitives.Add(total, new ReadOnlySpan<float>(partials + (long)chunk * size, size), total);
    }

    /// <summary>
    /// <paramref name="destination"/> [columns, rows] = the transpose of <paramref name="source"/> [rows, columns]: by 8×8 register
    /// blocks when <paramref name="blocked"/>, else element by element (the old way, kept for A/B comparisons).
    /// </summary>
    private static void Transpose(float* source, int rows, int columns, float* destination, bool blocked)
    {
        if (blocked) GemmTile.AddTransposed(source, columns, rows, columns, destination, rows, add: false);
        else StridedCopy.ToContiguous(source, [columns, rows], [1, columns], destination);
    }

    /// <summary>A k×n row-major matrix cut into the GEMM's panels (<see cref="Gemm.PackB(int, int, float*, int, float*)"/>).</summary>
    private static Tensor PackedOperand(int k, int n, float* b)
    {
        var packed = Tensor.Uninitialized([checked((int)Gemm.PackedBSize(k, n))]);
        Gemm.PackB(k, n, b, n, packed.Pointer);
        return packed;
    }

    /// <summary>Offsets (in floats) of the saved forward buffers inside one pooled workspace.</summary>
    private readonly struct RecurrentLayout
    {
        public readonly long Xt, Z, H, C, TC, RH, HM;
        public readonly int Total;

        public RecurrentLayout(RecurrentCellKind cell, int steps, int batch, int features, int units, bool recurrentDropout)
        {
            long rows = (long)steps * batch, gu = (long)cell * units;
            Xt = 0;
            Z = Xt + rows * features;
            H = Z + rows * gu;
            C = H + (rows + batch) * units;
            TC = C + (cell == RecurrentCellKind.Lstm ? (rows + batch) * units : 0);
            RH = TC + (cell == RecurrentCellKind.Lstm ? rows * units : 0);
            HM = RH + (cell == RecurrentCellKind.Gru ? rows * units : 0);
            long total = HM + (recurrentDropout ? rows * units : 0);
            if (total > int.MaxValue)
                throw new ArgumentException($"recurrent: a sequence of {steps} steps × batch {batch} × {units} units needs {total} floats of workspace, more than one buffer can hold; use smaller batches.");
            Total = (int)total;
        }
    }

    private static void CheckRecurrentInputs(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias,
        Tensor? initialH, Tensor? initialC, Tensor? mask, Tensor? recurrentMask, in RecurrentOptions o, string layer)
    {
        x.ThrowIfDisposed();
        if (x.Rank != 3)
            throw new ArgumentException(
                $"{layer} needs 3-D inputs [batch, timesteps, features]; got shape {x._shape}. " +
                "A 2-D [batch, features] input has no time axis: reshape it to [batch, timesteps, features] (Reshape layer), " +
                "or if it comes from a recurrent layer, set returnSequences: true on that layer.", nameof(x));
        int batch = x._shape[0], steps = x._shape[1], features = x._shape[2];
        if (steps == 0)
            throw new ArgumentException($"{layer} received a sequence with zero time steps (input shape {x._shape}); a recurrent layer needs at least one step.", nameof(x));
        int units = recurrentKernel._shape[0], gu = (int)o.Cell * units;
        if (kernel._shape != new TensorShape(features, gu))
            throw new ArgumentException($"{layer}: kernel must be {new TensorShape(features, gu)} for {features} input features; got {kernel._shape}.", nameof(kernel));
        if (recurrentKernel._shape != new TensorShape(units, gu))
            throw new ArgumentException($"{layer}: recurrent kernel must be {new TensorShape(units, gu)}; got {recurrentKernel._shape}.", nameof(recurrentKernel));
        var biasShape = o.Cell == RecurrentCellKind.Gru && o.ResetAfter ? new TensorShape(2, gu) : new TensorShape(gu);
        if (bias is not null && bias._shape != biasShape)
            throw new ArgumentException($"{layer}: bias must be {biasShape}; got {bias._shape}.", nameof(bias));
        var stateShape = new TensorShape(batch, units);
        if (initialH is not null && initialH._shape != stateShape)
            throw new ArgumentException(
                $"{layer}: the initial state must be [batch, units] = {stateShape} for inputs {x._shape}; got {initialH._shape}.", nameof(initialH));
        if (initialC is not null && initialC._shape != stateShape)
            throw new ArgumentException(
                $"{layer}: the initial cell state must be [batch, units] = {stateShape} for inputs {x._shape}; got {initialC._shape}.", nameof(initialC));
        if (mask is not null && mask._shape != new TensorShape(batch, steps))
            throw new ArgumentException($"{layer}: the mask must be [batch, timesteps] = {new TensorShape(batch, steps)}; got {mask._shape}.", nameof(mask));
        if (recurrentMask is not null && recurrentMask._shape != stateShape)
            throw new ArgumentException($"{layer}: the recurrent dropout mask must be {stateShape}; got {recurrentMask._shape}.", nameof(recurrentMask));
    }

    /// <summary>[batch, steps, features] → [steps, batch, features], steps reversed when going backwards.</summary>
    private static void TimeMajor(float* x, float* xt, int batch, int steps, int features, bool reverse)
    {
        for (int t = 0; t < steps; t++)
        {
            int source = reverse ? steps - 1 - t : t;
            for (int b = 0; b < batch; b++)
                new ReadOnlySpan<float>(x + ((long)b * steps + source) * features, features)
                    .CopyTo(new Span<float>(xt + ((long)t * batch + b) * features, features));
        }
    }

    /// <summary>The inverse of <see cref="TimeMajor"/>.</summary>
    private static void BatchMajor(float* xt, float* x, int batch, int steps, int features, bool reverse)
    {
        for (int t = 0; t < steps; t++)
        {
            int target = reverse ? steps - 1 - t : t;
            for (int b = 0; b < batch; b++)
                new ReadOnlySpan<float>(xt + ((long)t * batch + b) * features, features)
                    .CopyTo(new Span<float>(x + ((long)b * steps + target) * features, features));
        }
    }

    private static void LoadState(Tensor? state, float* destination, long count)
    {
        var span = new Span<float>(destination, (int)count);
        if (state is null) span.Clear();
        else state.CopyTo(span);
    }

    private static Tensor StepOrderedMask(Tensor mask, bool reverse)
    {
        var copy = Tensor.Uninitialized(mask._shape);
        mask.CopyTo(copy.Span);
        if (reverse)
        {
            int steps = mask._shape[1];
            for (int b = 0; b < mask._shape[0]; b++) copy.Span.Slice(b * steps, steps).Reverse();
        }
        return copy;
    }

    private static Tensor CopyToTensor(float* source, TensorShape shape)
    {
        var t = Tensor.Uninitialized(shape);
        new ReadOnlySpan<float>(source, shape.Size).CopyTo(t.Span);
        return t;
    }
}
