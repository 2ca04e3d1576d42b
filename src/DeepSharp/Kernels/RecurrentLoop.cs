using System.Numerics.Tensors;

namespace DeepSharp.Kernels;

/// <summary>The recurrent cells the time loop runs; the value is the number of gates.</summary>
internal enum RecurrentCell
{
    SimpleRnn = 1,
    Gru = 3,
    Lstm = 4,
}

/// <summary>
/// The time loop of a fused recurrent sequence, forward or backward, over time-major buffers (step s holds rows
/// s·batch … s·batch + batch − 1). Each step is one recurrent GEMM and one fused gate pass.
/// <para>
/// Rows of a batch never meet inside the recurrence, so the batch is cut into <see cref="Parts"/> row ranges and
/// each worker runs every step of its own range, single-threaded. Splitting each step instead would wake the
/// workers twice per step for a few microseconds of work, and most of a small step would go on the handshakes.
/// </para>
/// <para>
/// When every thread has a part (<see cref="HoldsProjections"/>), the per-row work around the recurrence joins the
/// loop too: forward, each part copies its rows of the input to time-major order and projects them a step at a
/// time (z = x·W), and writes its rows of the output at the end; backward, each part computes its rows of the input
/// gradient (dZ·Wᵀ) a step at a time, straight into the batch-major gradient. Done apart, these are a parallel GEMM
/// each and single-threaded copies between batch-major and time-major order. Each element is the same sum either way.
/// </para>
/// </summary>
internal unsafe struct RecurrentLoop : IParallelBody
{
    /// <summary>Rows a part should have at least: a few of the GEMM micro-kernel's row tiles.</summary>
    private const int MinRowsPerPart = 32;

    public RecurrentCell Cell;
    public GateFunctionKind Activation, RecurrentActivation;
    public int Steps, Batch, Units, Parts;

    /// <summary>
    /// GRU only: the reset gate scales the recurrent product (Keras' reset_after, two biases); when false it scales
    /// h₋₁ before the candidate's product (one bias), which takes a second product per step.
    /// </summary>
    public bool ResetAfter;

    /// <summary>Pre-activations [steps, batch, gates·units]: the input projection in, the activated gates out.</summary>
    public float* Z;
    /// <summary>Hidden states [steps + 1, batch, units], the initial state first; cell states alike for the LSTM.</summary>
    public float* H, C;
    /// <summary>LSTM: act(c) per step; GRU: the recurrent candidate product r_h per step (r·h₋₁ without reset_after).</summary>
    public float* TC, RH;
    /// <summary>Hidden states scaled by the recurrent dropout mask [steps, batch, units], or null without one.</summary>
    public float* HM;
    /// <summary>The recurrent-dropout mask [batch, units], or null.</summary>
    public float* Drop;
    /// <summary>The step mask [batch, steps] (0 = skip), or null.</summary>
    public float* Mask;
    /// <summary>Bias [gates·units] (GRU: input bias, then recurrent bias).</summary>
    public float* Bias;
    /// <summary>Forward: the recurrent kernel [units, gates·units]. Backward: its transpose [gates·units, units].</summary>
    public float* Recurrent;
    /// <summary>
    /// <see cref="Recurrent"/> cut into the GEMM's panels once for the sequence (<see cref="Gemm.PackB(int, int, float*, int, float*)"/>),
    /// or null; not for a GRU without reset_after, whose products take parts of it.
    /// </summary>
    public float* PackedRecurrent;
    /// <summary>[batch, gates·units] (GRU forward: the recurrent product) or [batch, units] (backward with dropout).</summary>
    public float* Scratch;
    /// <summary>Backward of a GRU without reset_after: d(r·h₋₁) of a step, [batch, units].</summary>
    public float* ResetScratch;

    // Backward only.
    public bool Backward;
    /// <summary>The gradient of the packed output: row b at b·<see cref="SlotStride"/>, step s's output at s·units when every step is returned.</summary>
    public float* GradientOutput;
    public int SlotStride;
    public bool ReturnSequences;
    /// <summary>Gradients of the pre-activations [steps, batch, gates·units] (GRU: also of the recurrent products, in <see cref="DRec"/>).</summary>
    public float* DZ, DRec;
    /// <summary>Gradients of the hidden (and cell) state carried between steps [batch, units].</summary>
    public float* DH, DC;
    /// <summary>
    /// Column sums of <see cref="DZ"/> (then, for the GRU, of <see cref="DRec"/>) per group of <see cref="RowGroup"/>
    /// rows: [<see cref="SumGroups"/>, bias size], zeroed by the caller, or null. Summed while a step's gradients are
    /// still in cache rather than re-read afterwards; per group rather than per part, so that the sums (added in group
    /// order by the caller) do not depend on how many parts the threads cut.
    /// </summary>
    public float* BiasSums;

    // Per-row work that joins the loop (see HoldsProjections); null pointers leave it to the caller.
    public int Features;
    /// <summary>
    /// The input [batch, steps, features], read in step order (last step first when <see cref="GoBackwards"/>), or null.
    /// Forward: projected a step at a time; backward, when <see cref="InputTimeMajor"/> is null: the rows of the kernel
    /// gradient's steps, read where they lie.
    /// </summary>
    public float* Input;
    /// <summary>
    /// The time-major copy of <see cref="Input"/> [steps, batch, features]: forward fills it (kept for the kernel's gradient),
    /// backward reads it. Null when the products read <see cref="Input"/> in place, its rows a step's
    /// <c>steps·features</c> apart (<see cref="InputInPlace"/>).
    /// </summary>
    public float* InputTimeMajor;
    /// <summary>Forward: the input kernel [features, gates·units] cut into panels (<see cref="Gemm.PackB(int, int, float*, int, float*)"/>); backward: its transpose [gates·units, features], cut likewise.</summary>
    public float* PackedKernel;
    /// <summary>Forward: the input kernel; backward: its transpose.</summary>
    public float* Kernel;
    public bool GoBackwards;
    /// <summary>Forward: the packed output [batch, slots, units] to write (see <see cref="RecurrentOutput"/>), or null.</summary>
    public float* Output;
    public RecurrentOutput OutputShape;
    /// <summary>Backward: the input's gradient [batch, steps, features] to write, or null.</summary>
    public float* InputGradient;

    // Weight gradients inside the backward loop (see StepGradients).
    /// <summary>
    /// Backward: <see cref="DZ"/> holds one step, [batch, gates·units], rather than the whole sequence, and the weight
    /// gradients are summed a step at a time while that step's dZ is in cache, each <see cref="Chunks"/> row range into
    /// its own partial sums. Parts are then made of whole chunks.
    /// </summary>
    public bool StepGradients;
    /// <summary>Row ranges of the batch with partial weight gradients of their own: <see cref="GradientChunks"/>, or 0.</summary>
    public int Chunks;
    /// <summary>
    /// Partial kernel gradients [chunks, features, gates·units] (x_tᵀ·dZ_t summed over the steps), or null; without chunk 0's
    /// when <see cref="KernelGradient"/> holds it ([chunks − 1, …]).
    /// </summary>
    public float* KernelGradients;
    /// <summary>Partial recurrent-kernel gradients [chunks, units, gates·units] (h_{t-1}ᵀ·dZ_t), or null; likewise without chunk 0's.</summary>
    public float* RecurrentGradients;
    /// <summary>
    /// Chunk 0's partial kernel (recurrent-kernel) gradient, written where the gradient itself goes, so that the sum of the
    /// chunks after the loop adds the others to it instead of copying it first; or null (chunk 0's in <see cref="KernelGradients"/>).
    /// </summary>
    public float* KernelGradient, RecurrentGradient;

    /// <summary>Rows that stay together: parts begin on multiples of it, and the bias sums are kept per group of it.</summary>
    internal const int RowGroup = 4;

    /// <summary>
    /// Whether the per-row work around the recurrence may join the loop (see the remarks of this type); false keeps it
    /// apart, for A/B comparisons. Starts false when the environment variable <c>DEEPSHARP_RECURRENT</c> is <c>separate</c>.
    /// </summary>
    internal static bool Joined { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_RECURRENT"), "separate", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether a loop of <paramref name="parts"/> parts takes the input projection, the output and the input gradient:
    /// when each thread has a part. With fewer parts than threads, a separate GEMM shares them out better.
    /// </summary>
    internal static bool HoldsProjections(int parts) => Joined && parts == Parallelism.Threads;

    /// <summary>How many row ranges to cut <paramref name="batch"/> into for the current thread count.</summary>
    internal static int PartsFor(int batch) => Math.Max(1, Math.Min(Parallelism.Threads, batch / MinRowsPerPart));

    /// <summary>
    /// Whether an LSTM backward sums its weight gradients inside the loop, a step at a time (<see cref="StepGradients"/>);
    /// false keeps the whole sequence's dZ and multiplies it after the loop, for A/B comparisons. Starts false when the
    /// environment variable <c>DEEPSHARP_RECURRENT_GRADIENTS</c> is <c>after</c>.
    /// </summary>
    internal static bool GradientsInLoop { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_RECURRENT_GRADIENTS"), "after", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Row ranges with partial weight gradients of their own, set by the batch alone so that the sums (each range's over
    /// the steps, then the ranges in order) are the same at any thread count: rows of 64 or so, at least two from 64 rows
    /// on (two threads), at most 16.
    /// </summary>
    internal static int GradientChunks(int batch) => batch < 2 * MinRowsPerPart ? 1 : Math.Clamp(batch / 64, 2, 16);

    /// <summary>Parts of a loop with <paramref name="chunks"/> gradient chunks: whole chunks, one part a thread at most.</summary>
    internal static int PartsForChunks(int chunks) => Math.Min(Parallelism.Threads, chunks);

    /// <summary>The groups of <see cref="RowGroup"/> rows of <paramref name="batch"/>: rows of <see cref="BiasSums"/>.</summary>
    internal static int SumGroups(int batch) => (batch + RowGroup - 1) / RowGroup;

    /// <summary>
    /// Whether an LSTM whose weight gradients are summed in the loop reads its input where it lies ([batch, steps,
    /// features], a step's rows <c>steps·features</c> apart) in the forward projection and the kernel gradient, rather
    /// than copying it to time-major order first: the same products of the same values, without writing and re-reading
    /// a copy of the input. False keeps the copy, for A/B comparisons; starts false when the environment variable
    /// <c>DEEPSHARP_RECURRENT_INPUT</c> is <c>copy</c>.
    /// </summary>
    internal static bool InputInPlace { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_RECURRENT_INPUT"), "copy", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether an LSTM's in-loop weight gradients run as one <see cref="StepWeightGradients"/> call a chunk (the step's dZ
    /// cut into panels once for both products) rather than two GEMM calls that each read dZ where it lies: the same bits.
    /// False keeps the two calls, for A/B comparisons; starts false when the environment variable
    /// <c>DEEPSHARP_RECURRENT_WEIGHTS</c> is <c>gemm</c>.
    /// </summary>
    internal static bool SharedPanels { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_RECURRENT_WEIGHTS"), "gemm", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether a recurrent op's single-threaded work around its loops is done the lean way: the backward's transposes of
    /// the kernels by 8×8 register blocks rather than element by element, and the first chunk's weight gradients summed
    /// where the gradient goes rather than copied there after the loop. The same bits. False keeps the old way, for A/B
    /// comparisons; starts false when the environment variable <c>DEEPSHARP_RECURRENT_SERIAL</c> is <c>old</c>.
    /// </summary>
    internal static bool LeanSerialWork { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_RECURRENT_SERIAL"), "old", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether an LSTM's backward gate pass adds each row of dZ to the bias sums as it writes it (<see cref="LstmStep.BiasSums"/>)
    /// rather than a pass over the step's dZ after it: the same additions in the same order, one read of dZ less a step.
    /// False keeps the pass after, for A/B comparisons; starts false when the environment variable
    /// <c>DEEPSHARP_RECURRENT_BIAS</c> is <c>after</c>.
    /// </summary>
    internal static bool BiasInGatePass { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_RECURRENT_BIAS"), "after", StringComparison.OrdinalIgnoreCase);

    /// <summary>Runs every part, on the workers when there are several.</summary>
    internal void Run()
    {
        if (Parts <= 1) Execute(0);
        else WorkerPool.For(Parts, ref this);
    }

    public readonly void Execute(int part)
    {
        // Ranges in multiples of 4 rows, the smallest tile the GEMM reads in place, so no part ends on a padded tile it need not have.
        int first = RowBoundary(part), end = RowBoundary(part + 1);
        if (first >= end) return;
        if (Backward) RunBackward(first, end, part);
        else
        {
            RunForward(first, end);
            if (Output != null) OutputShape.Write(Output, H, C, Mask, first, end);
        }
    }

    /// <summary>
    /// sums[g·stride + j] += rows[r, j] for the <paramref name="count"/> rows of <paramref name="columns"/> starting at
    /// batch row <paramref name="first"/>, g being the row's group.
    /// </summary>
    private static void AddRows(float* rows, int first, int count, int columns, float* sums, int stride) =>
        RowGroupSums.Add(rows, first, count, columns, sums, stride, RowGroup);

    /// <summary>A step's rows (the mask of step s at <paramref name="stepMask"/>, rows <see cref="Steps"/> apart) and activations.</summary>
    private readonly GateRows Gates(int rows, float* stepMask) => new()
    {
        Batch = rows, Mask = stepMask, MaskStride = Steps, Activation = Activation,
        // A SimpleRNN has no gates: one compiled pass whatever the layer's recurrent activation.
        RecurrentActivation = Cell == RecurrentCell.SimpleRnn ? GateFunctionKind.Linear : RecurrentActivation,
    };

    private readonly int RowBoundary(int part)
    {
        if (part >= Parts) return Batch;
        if (Chunks > 0) return ChunkBoundary(FirstChunk(part));
        int tiles = (Batch + RowGroup - 1) / RowGroup;
        return Math.Min(Batch, (int)((long)tiles * part / Parts) * RowGroup);
    }

    /// <summary>The first chunk of part <paramref name="part"/>.</summary>
    private readonly int FirstChunk(int part) => (int)((long)Chunks * part / Parts);

    /// <summary>The first row of chunk <paramref name="chunk"/> (<see cref="Batch"/> for <see cref="Chunks"/>), on a multiple of <see cref="RowGroup"/>.</summary>
    private readonly int ChunkBoundary(int chunk)
    {
        if (chunk >= Chunks) return Batch;
        int tiles = (Batch + RowGroup - 1) / RowGroup;
        return Math.Min(Batch, (int)((long)tiles * chunk / Chunks) * RowGroup);
    }

    private readonly void RunForward(int first, int end)
    {
        int gu = (int)Cell * Units, rows = end - first;
        long stepRows = (long)Batch * Units;
        float* mask = Mask == null ? null : Mask + (long)first * Steps;
        for (int s = 0; s < Steps; s++)
        {
            float* hPrev = H + s * stepRows + (long)first * Units, h = hPrev + stepRows;
            float* zs = Z + ((long)s * Batch + first) * gu;
            if (Input != null) Project(s, first, rows, zs);
            float* hIn = hPrev;
            if (Drop != null)
            {
                hIn = HM + s * stepRows + (long)first * Units;
                int count = rows * Units;
                TensorPrimitives.Multiply(new ReadOnlySpan<float>(hPrev, count),
                    new ReadOnlySpan<float>(Drop + (long)first * Units, count), new Span<float>(hIn, count));
            }
            var gates = Gates(rows, mask == null ? null : mask + s);
            switch (Cell)
            {
                case RecurrentCell.Lstm:
                    Gemm.Multiply(false, false, rows, gu, Units, hIn, Units, Recurrent, gu, zs, gu, accumulate: true, PackedRecurrent);
                    GatePass.Forward(new LstmStep
                    {
                        Gates = gates, Units = Units, Z = zs, Bias = Bias,
                        CPrev = C + s * stepRows + (long)first * Units, C = C + (s + 1) * stepRows + (long)first * Units,
                        HPrev = hPrev, H = h, TC = TC + s * stepRows + (long)first * Units,
                    });
                    break;
                case RecurrentCell.Gru when !ResetAfter:
                {
                    // h₋₁·[R_z R_r], the gates and r·h₋₁, then (r·h₋₁)·R_h and the candidate.
                    float* products = Scratch + (long)first * gu, rh = RH + s * stepRows + (long)first * Units;
                    Gemm.Multiply(false, false, rows, 2 * Units, Units, hIn, Units, Recurrent, gu, products, gu);
                    GatePass.Forward(new GruGateStep { Gates = gates, Units = Units, Z = zs, Rec = products, BiasX = Bias, HIn = hIn, RH = rh });
                    Gemm.Multiply(false, false, rows, Units, Units, rh, Units, Recurrent + 2 * Units, gu, products + 2 * Units, gu);
                    GatePass.Forward(new GruStep<GruResetBefore> { Gates = gates, Units = Units, Z = zs, Rec = products, BiasX = Bias, HPrev = hPrev, H = h });
                    break;
                }
                case RecurrentCell.Gru:
                    float* rec = Scratch + (long)first * gu;
                    Gemm.Multiply(false, false, rows, gu, Units, hIn, Units, Recurrent, gu, rec, gu, packedB: PackedRecurrent);
                    GatePass.Forward(new GruStep<GruResetAfter>
                    {
                        Gates = gates, Units = Units, Z = zs, Rec = rec, BiasX = Bias, BiasR = Bias + gu,
                        HPrev = hPrev, H = h, RH = RH + s * stepRows + (long)first * Units,
                    });
                    break;
                default:
                    Gemm.Multiply(false, false, rows, gu, Units, hIn, Units, Recurrent, gu, zs, gu, accumulate: true, PackedRecurrent);
                    GatePass.Forward(new SimpleRnnStep { Gates = gates, Units = Units, Z = zs, Bias = Bias, HPrev = hPrev, H = h });
                    break;
            }
        }
    }

    /// <summary>
    /// Step s of rows [first, first + rows): z = x·W, the inputs read in place or first copied to time-major order
    /// (<see cref="InputTimeMajor"/>).
    /// </summary>
    private readonly void Project(int s, int first, int rows, float* zs)
    {
        int gu = (int)Cell * Units;
        float* xs = StepInput(s, first);
        if (InputTimeMajor != null)
        {
            float* source = Input + ((long)first * Steps + SourceStep(s)) * Features;
            for (int r = 0; r < rows; r++)
                new ReadOnlySpan<float>(source + (long)r * Steps * Features, Features).CopyTo(new Span<float>(xs + (long)r * Features, Features));
        }
        Gemm.Multiply(false, false, rows, gu, Features, xs, StepInputStride, Kernel, gu, zs, gu, packedB: PackedKernel);
    }

    /// <summary>The step of the input that loop step <paramref name="s"/> reads.</summary>
    private readonly int SourceStep(int s) => GoBackwards ? Steps - 1 - s : s;

    /// <summary>Row <paramref name="row"/> of step s's inputs: in the time-major copy, or in place.</summary>
    private readonly float* StepInput(int s, int row) => InputTimeMajor != null
        ? InputTimeMajor + ((long)s * Batch + row) * Features
        : Input + ((long)row * Steps + SourceStep(s)) * Features;

    /// <summary>The distance between a step's input rows (see <see cref="StepInput"/>).</summary>
    private readonly int StepInputStride => InputTimeMajor != null ? Features : Steps * Features;

    /// <summary>Step s's input gradient of rows [first, first + rows): dZ·Wᵀ, written to the batch-major gradient.</summary>
    private readonly void InputGradientStep(int s, int first, int rows, float* dzs)
    {
        int gu = (int)Cell * Units;
        float* dx = InputGradient + ((long)first * Steps + SourceStep(s)) * Features;
        Gemm.Multiply(false, false, rows, Features, gu, dzs, gu, Kernel, Features, dx, Steps * Features, packedB: PackedKernel);
    }

    /// <summary>
    /// Adds step s's x_tᵀ·dZ_t and h_{t-1}ᵀ·dZ_t to the partial weight gradients of each chunk of part
    /// <paramref name="part"/> (<paramref name="dzs"/>: the step's dZ from row <paramref name="first"/> on). The last
    /// step, which backward meets first, writes them.
    /// </summary>
    private readonly void AddWeightGradients(int s, int part, int first, float* dzs)
    {
        int gu = (int)Cell * Units;
        bool add = s != Steps - 1;
        float* states = Drop == null ? H : HM;
        for (int chunk = FirstChunk(part), last = FirstChunk(part + 1); chunk < last; chunk++)
        {
            int c0 = ChunkBoundary(chunk), rows = ChunkBoundary(chunk + 1) - c0;
            float* dz = dzs + (long)(c0 - first) * gu;
            float* kernelSums = ChunkSums(KernelGradient, KernelGradients, chunk, (long)Features * gu);
            float* recurrentSums = ChunkSums(RecurrentGradient, RecurrentGradients, chunk, (long)Units * gu);
            float* x = StepInput(s, c0), h = states + ((long)s * Batch + c0) * Units;
            if (SharedPanels)
            {
                StepWeightGradients.Add(rows, gu, dz,
                    new StepWeightGradients.Side { A = x, Lda = StepInputStride, M = Features, C = kernelSums },
                    new StepWeightGradients.Side { A = h, Lda = Units, M = Units, C = recurrentSums }, add);
                continue;
            }
            if (kernelSums != null) Gemm.Multiply(true, false, Features, gu, rows, x, StepInputStride, dz, gu, kernelSums, gu, accumulate: add);
            if (recurrentSums != null) Gemm.Multiply(true, false, Units, gu, rows, h, Units, dz, gu, recurrentSums, gu, accumulate: add);
        }
    }

    /// <summary>
    /// Where chunk <paramref name="chunk"/>'s partial sums go: chunk 0's in <paramref name="first"/> when it is set (the
    /// others then from <paramref name="rest"/> on), else every chunk's in <paramref name="rest"/>; null when neither is set.
    /// </summary>
    private static float* ChunkSums(float* first, float* rest, int chunk, long size)
    {
        if (first != null) return chunk == 0 ? first : rest + (chunk - 1) * size;
        return rest == null ? null : rest + chunk * size;
    }

    private readonly void RunBackward(int first, int end, int part)
    {
        int gu = (int)Cell * Units, rows = end - first, count = rows * Units;
        long stepRows = (long)Batch * Units;
        float* mask = Mask == null ? null : Mask + (long)first * Steps;
        float* dh = DH + (long)first * Units, dc = DC + (long)first * Units;
        float* gradient = GradientOutput + (long)first * SlotStride;
        bool recurrentBias = Cell == RecurrentCell.Gru && ResetAfter;
        int biasSize = recurrentBias ? 2 * gu : gu;
        // Parts begin on a group's first row, so the LSTM's gate pass finds a row's group from its index in the part.
        bool sumsInPass = Cell == RecurrentCell.Lstm && BiasSums != null && BiasInGatePass && first % RowGroup == 0;
        float* partSums = sumsInPass ? BiasSums + (long)(first / RowGroup) * biasSize : null;
        for (int s = Steps - 1; s >= 0; s--)
        {
            long zOffset = ((long)s * Batch + first) * gu, stateOffset = s * stepRows + (long)first * Units;
            float* zs = Z + zOffset, dzs = StepGradients ? DZ + (long)first * gu : DZ + zOffset;
            float* dRecs = StepGradients ? dzs : DRec + zOffset; // one step's dZ: cells without a separate dRec only
            var gates = Gates(rows, mask == null ? null : mask + s);
            float* dy = ReturnSequences ? gradient + (long)s * Units : null;
            if (Cell == RecurrentCell.Gru && !ResetAfter)
            {
                ResetBeforeBackward(gates, first, rows, stateOffset, dy, dh, zs, dzs, dRecs);
                if (BiasSums != null) AddRows(dzs, first, rows, gu, BiasSums, biasSize);
                if (InputGradient != null) InputGradientStep(s, first, rows, dzs);
                continue;
            }
            switch (Cell)
            {
                case RecurrentCell.Lstm:
                    GatePass.Backward(new LstmStep
                    {
                        Gates = gates, Units = Units, Z = zs, CPrev = C + stateOffset, C = C + stateOffset + stepRows, TC = TC + stateOffset,
                        DY = dy, DYStride = SlotStride, DH = dh, DC = dc, DZ = dzs, BiasSums = partSums, SumGroup = RowGroup,
                    });
                    break;
                case RecurrentCell.Gru:
                    GatePass.Backward(new GruStep<GruResetAfter>
                    {
                        Gates = gates, Units = Units, Z = zs, HPrev = H + stateOffset, RH = RH + stateOffset,
                        DY = dy, DYStride = SlotStride, DH = dh, DZ = dzs, DRec = dRecs,
                    });
                    break;
                default:
                    GatePass.Backward(new SimpleRnnStep { Gates = gates, Units = Units, Z = zs, DY = dy, DYStride = SlotStride, DH = dh, DZ = dzs });
                    break;
            }
            if (BiasSums != null && !sumsInPass)
            {
                AddRows(dzs, first, rows, gu, BiasSums, biasSize);
                if (recurrentBias) AddRows(dRecs, first, rows, gu, BiasSums + gu, biasSize);
            }
            // dh₋₁ += dRec·Rᵀ (masked by the recurrent dropout mask that scaled h₋₁ on its way into R). Rᵀ is
            // stored row-major, so the product reads it in place instead of transposing R again every step.
            if (Drop == null)
                Gemm.Multiply(false, false, rows, Units, gu, dRecs, gu, Recurrent, Units, dh, Units, accumulate: true, PackedRecurrent);
            else
            {
                float* scratch = Scratch + (long)first * Units;
                Gemm.Multiply(false, false, rows, Units, gu, dRecs, gu, Recurrent, Units, scratch, Units, packedB: PackedRecurrent);
                var drop = new ReadOnlySpan<float>(Drop + (long)first * Units, count);
                TensorPrimitives.FusedMultiplyAdd(new ReadOnlySpan<float>(scratch, count), drop,
                    new ReadOnlySpan<float>(dh, count), new Span<float>(dh, count));
            }
            if (InputGradient != null) InputGradientStep(s, first, rows, dzs);
            if (StepGradients) AddWeightGradients(s, part, first, dzs);
        }
    }

    /// <summary>
    /// One step of a reset_before GRU backward: the candidate's gradients, d(r·h₋₁) = dĥ·R_hᵀ, the reset gate's
    /// gradient and the part of dh₋₁ through r·h₋₁, then dh₋₁ += [dz dr]·[R_z R_r]ᵀ (masked by the recurrent dropout mask).
    /// </summary>
    private readonly void ResetBeforeBackward(in GateRows gates, int first, int rows, long stateOffset, float* dy, float* dh, float* zs, float* dzs, float* dRecs)
    {
        int u = Units, gu = 3 * u, count = rows * u;
        float* drh = ResetScratch + (long)first * u;
        float* hIn = Drop == null ? H + stateOffset : HM + stateOffset;
        GatePass.Backward(new GruStep<GruResetBefore>
        {
            Gates = gates, Units = u, Z = zs, HPrev = H + stateOffset, DY = dy, DYStride = SlotStride, DH = dh, DZ = dzs, DRec = dRecs,
        });
        Gemm.Multiply(false, false, rows, u, u, dRecs + 2 * u, gu, Recurrent + 2L * u * u, u, drh, u);
        GatePass.Backward(new GruGateStep
        {
            Gates = gates, Units = u, Z = zs, HIn = hIn, DRH = drh, Drop = Drop == null ? null : Drop + (long)first * u,
            DZ = dzs, DRec = dRecs, DH = dh,
        });
        if (Drop == null)
            Gemm.Multiply(false, false, rows, u, 2 * u, dRecs, gu, Recurrent, u, dh, u, accumulate: true);
        else
        {
            float* scratch = Scratch + (long)first * u;
            Gemm.Multiply(false, false, rows, u, 2 * u, dRecs, gu, Recurrent, u, scratch, u);
            var drop = new ReadOnlySpan<float>(Drop + (long)first * u, count);
            TensorPrimitives.FusedMultiplyAdd(new ReadOnlySpan<float>(scratch, count), drop, new ReadOnlySpan<float>(dh, count), new Span<float>(dh, count));
        }
    }
}
