using System.Numerics.Tensors;

namespace DeepSharp;

/// <summary>
/// Averages gradients over all ranks with few, large all-reduces: the gradients are packed into buckets, filled
/// in reverse variable order (the order backward produces them), and each bucket is all-reduced as soon as all its
/// gradients are in, in the background, while backward computes the rest (as PyTorch's DistributedDataParallel and
/// Horovod do); the averages are unpacked when every bucket is back. Every rank gets the same averages, bit for bit,
/// so replicas that apply them stay identical.
/// </summary>
/// <remarks>
/// <para>A weighted average (<see cref="Average(IReadOnlyList{Tensor?}, IReadOnlyList{Tensor}, float, Span{float})"/>) lets
/// ranks with unequal shares of a batch average to the gradient of the whole batch's mean loss, and carries a few
/// sums (loss, samples) in the same all-reduce.</para>
/// Each bucket ends with one flag per variable (1 where this rank has a gradient): a variable whose gradient is
/// null on every rank stays null (its optimizer step is skipped, as in one process); one that has a gradient on
/// some rank gets the average over all ranks, counting the others as zeros. Buckets are kept between steps:
/// averaging allocates nothing once the layout exists (a rank without a gradient where another has one gets a
/// new tensor, in the current <see cref="TensorScope"/>).
/// <para>In Fit the buckets are where backward writes the gradients (each weight's spare gradient is its part of its
/// bucket, <see cref="GradientBuffer"/>): nothing is packed, and the averages are left there, so the weights' gradients
/// after the step are views of the buckets. Gradients passed in are copied in and out. Fit knows what the ranks' weights
/// add up to before the step and seeds backward with each rank's share of it, so that the all-reduce leaves the averages
/// themselves and no pass scales them (<see cref="BeginStep"/>'s total).</para>
/// </remarks>
public sealed class GradientAverager
{
    /// <summary>
    /// The default largest bucket: 16 Mi values (64 MiB). Buckets hold about an eighth of the model each (at least
    /// 64 Ki values), so that the first ones travel while backward computes the last gradients.
    /// </summary>
    public const int DefaultBucketValues = 16 << 20;

    /// <summary>The smallest bucket the automatic sizing makes: below this, an all-reduce costs more in latency than it overlaps.</summary>
    private const int SmallestAutomaticBucket = 1 << 16;

    private readonly int _bucketValues;

    /// <summary>
    /// Whether the automatic sizing cuts the model into several buckets so that the first travel while backward computes
    /// the last (the default), or makes as few as <c>bucketValues</c> allows. A rank whose kernel threads fill every core
    /// it may run on gets nothing from the overlap: its communication thread runs only once backward has ended, and then
    /// pays a wake-up and a call for every bucket.
    /// </summary>
    internal bool Overlaps { get; set; } = true;

    private Bucket[] _buckets = [];
    private int[] _sizes = [];
    private int[] _bucketOf = [];    // the bucket of each variable
    private int[] _slotOf = [];      // its place in that bucket
    private int _sumCount;
    private Tensor?[] _results = [];

    // The step in progress (BeginStep to EndStep).
    private IReadOnlyList<Tensor> _variables = [];
    private Tensor?[] _packed = [];  // each variable's gradient as this rank packed it
    private bool[] _ready = [];
    private int[] _missing = [];     // per bucket: variables not yet packed
    private CollectiveOperation?[] _running = [];
    private int _nextToStart;
    private float _weight;
    private float _total;            // > 0: the ranks' weights add up to this, known when the step began
    private bool _inStep;

    /// <summary>Creates an averager over <paramref name="communicator"/>'s ranks.</summary>
    /// <param name="communicator">The run's communicator.</param>
    /// <param name="bucketValues">
    /// The most values in one bucket (a larger variable gets a bucket of its own); > 0. Buckets hold an eighth of the
    /// model's values, but at least 64 Ki, when that is less.
    /// </param>
    public GradientAverager(ICommunicator communicator, int bucketValues = DefaultBucketValues)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        if (bucketValues <= 0)
            throw new ArgumentOutOfRangeException(nameof(bucketValues), bucketValues, $"GradientAverager: bucketValues must be > 0; got {bucketValues}.");
        Communicator = communicator;
        _bucketValues = bucketValues;
    }

    /// <summary>The ranks the gradients are averaged over.</summary>
    public ICommunicator Communicator { get; }

    /// <summary>The number of all-reduces per step (0 before the first step, and with one rank).</summary>
    public int BucketCount => _buckets.Length;

    /// <summary>
    /// Averages the gradients over all ranks (a collective: every rank calls it with gradients of the same variables).
    /// Returns one gradient per variable: this rank's gradient tensor, overwritten with the average, or a new tensor
    /// where this rank had none and another rank had one, or null where no rank had one. The returned list is reused
    /// by the next call.
    /// </summary>
    /// <param name="gradients">This rank's gradients, one per variable (null: the loss does not depend on it).</param>
    /// <param name="variables">The variables, in the same order on every rank.</param>
    public IReadOnlyList<Tensor?> Average(IReadOnlyList<Tensor?> gradients, IReadOnlyList<Tensor> variables) =>
        Average(gradients, variables, 1f, default);

    /// <summary>
    /// The weighted average over all ranks, Σ weight·gradient / Σ weight, with <paramref name="sums"/> added up over the
    /// ranks in the same all-reduce (a collective: every rank calls it with the same variables and as many sums). When
    /// each rank's gradients are those of its mean loss over <paramref name="weight"/> samples, the result is the
    /// gradient of the mean loss over all the ranks' samples, whatever their shares. Returns as
    /// <see cref="Average(IReadOnlyList{Tensor?}, IReadOnlyList{Tensor})"/> does (all null when every weight is 0).
    /// </summary>
    /// <param name="gradients">This rank's gradients, one per variable (null: the loss does not depend on it).</param>
    /// <param name="variables">The variables, in the same order on every rank.</param>
    /// <param name="weight">This rank's weight, finite and >= 0: the samples its gradients were averaged over (0: none).</param>
    /// <param name="sums">Values to add up over the ranks (a loss times its samples, a count); replaced by the sums.</param>
    public IReadOnlyList<Tensor?> Average(IReadOnlyList<Tensor?> gradients, IReadOnlyList<Tensor> variables, float weight, Span<float> sums)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        ArgumentNullException.ThrowIfNull(variables);
        if (gradients.Count != variables.Count)
            throw new ArgumentException($"GradientAverager: {gradients.Count} gradients were given for {variables.Count} variables; they must pair up one to one.", nameof(gradients));
        for (int i = 0; i < variables.Count; i++)
            if (gradients[i] is { } g && variables[i] is { } v && g.Shape != v.Shape)
                throw new ArgumentException($"GradientAverager: variable {i}{Describe(v)} has shape {v.Shape} but its gradient has shape {g.Shape}.", nameof(gradients));
        BeginStep(variables, weight, sums);
        for (int i = variables.Count - 1; i >= 0; i--) Ready(i, gradients[i]);
        return EndStep(sums);
    }

    /// <summary>
    /// Starts a step of <see cref="Average(IReadOnlyList{Tensor?}, IReadOnlyList{Tensor}, float, Span{float})"/> whose gradients
    /// arrive one by one (<see cref="Ready"/>, as backward completes them) and end with <see cref="EndStep"/>.
    /// </summary>
    /// <param name="variables">The variables, in the same order on every rank.</param>
    /// <param name="weight">This rank's weight (see <see cref="Average(IReadOnlyList{Tensor?}, IReadOnlyList{Tensor}, float, Span{float})"/>).</param>
    /// <param name="sums">Values to add up over the ranks.</param>
    /// <param name="slots">
    /// How many of the first variables get their gradients from backward into <see cref="Tensor.Grad"/>: each of them that
    /// has no gradient yet gets its part of its bucket as the buffer backward writes its gradient into (its spare gradient),
    /// so that the gradient is in the bucket already when it is ready, and the average is left there.
    /// </param>
    /// <param name="total">
    /// When > 0, what every rank's weights add up to, known before the step (Fit's shares of a batch): each rank packs its
    /// gradients multiplied by weight / total, so that the all-reduce's sums are the averages and no pass scales them after.
    /// Gradients backward writes into the buckets must then come multiplied by it already (backward seeded with weight /
    /// total). 0: the total is found by the all-reduce and the averages are scaled after it.
    /// </param>
    internal void BeginStep(IReadOnlyList<Tensor> variables, float weight, ReadOnlySpan<float> sums, int slots = 0, float total = 0)
    {
        if (!(float.IsFinite(weight) && weight >= 0))
            throw new ArgumentOutOfRangeException(nameof(weight), weight, $"GradientAverager: weight must be a finite number >= 0; got {weight}.");
        if (!(float.IsFinite(total) && total >= 0))
            throw new ArgumentOutOfRangeException(nameof(total), total, $"GradientAverager: total must be a finite number >= 0 (0: unknown); got {total}.");
        ArgumentNullException.ThrowIfNull(variables);
        if (_inStep)
            throw new InvalidOperationException("GradientAverager: the previous step was started and never ended (it failed before its end); " +
                "its all-reduces may still be running, so this averager cannot start another.");
        for (int i = 0; i < variables.Count; i++)
            if (variables[i] is null) throw new ArgumentNullException(nameof(variables), $"GradientAverager: variable {i} is null.");
        int count = variables.Count;
        if (_results.Length != count) (_results, _packed, _ready) = (new Tensor?[count], new Tensor?[count], new bool[count]);
        Array.Clear(_ready);
        _variables = variables;
        _weight = weight;
        _total = total;
        _inStep = true;
        if (Communicator.Size == 1) return;
        try
        {
            EnsureLayout(variables, sums.Length);
        }
        catch
        {
            _inStep = false;
            throw;
        }
        for (int b = 0; b < _buckets.Length; b++)
        {
            _missing[b] = _buckets[b].Variables.Length;
            _running[b] = null;
        }
        _nextToStart = 0;
        for (int i = 0; i < slots; i++) _buckets[_bucketOf[i]].Gradients.Lend(variables[i], _buckets[_bucketOf[i]].Offsets[_slotOf[i]]);
        var first = _buckets[0].Values.Span;
        first[0] = weight;
        sums.CopyTo(first[1..]);
        StartCompleteBuckets(); // a bucket of no variables (none at all) goes at once
    }

    /// <summary>
    /// Variable <paramref name="index"/>'s gradient on this rank is final (null: the loss does not depend on it): it is
    /// packed, and its bucket starts its all-reduce if it was the last one missing (buckets start in order).
    /// </summary>
    internal void Ready(int index, Tensor? gradient)
    {
        if (!_inStep) throw new InvalidOperationException("GradientAverager: Ready outside a step.");
        if (_ready[index]) return; // told twice (a variable listed twice): the first gradient counts
        _ready[index] = true;
        _packed[index] = gradient;
        if (Communicator.Size == 1) return;
        int b = _bucketOf[index];
        var bucket = _buckets[b];
        int j = _slotOf[index];
        var values = bucket.Values.Span;
        var slice = values.Slice(bucket.Offsets[j], bucket.Sizes[j]);
        var flag = values.Slice(bucket.Flags, bucket.Variables.Length);
        if (gradient is null)
        {
            flag[j] = 0f;
            slice.Clear();
        }
        else
        {
            flag[j] = 1f;
            if (!bucket.Gradients.Holds(gradient, bucket.Offsets[j])) gradient.CopyTo(slice, _total > 0 ? _weight / _total : _weight);
            else if (_total == 0 && _weight != 1f) TensorPrimitives.Multiply(slice, _weight, slice); // backward wrote it in place (with a total, scaled)
        }
        if (--_missing[b] == 0) StartCompleteBuckets();
    }

    /// <summary>
    /// Waits for every bucket's all-reduce and returns the averages, as <see cref="Average(IReadOnlyList{Tensor?}, IReadOnlyList{Tensor}, float, Span{float})"/>
    /// does; <paramref name="sums"/> receives the sums. Every variable must have been <see cref="Ready"/>.
    /// </summary>
    internal IReadOnlyList<Tensor?> EndStep(Span<float> sums)
    {
        if (!_inStep) throw new InvalidOperationException("GradientAverager: EndStep outside a step.");
        _inStep = false;
        for (int i = 0; i < _ready.Length; i++)
            if (!_ready[i]) throw new InvalidOperationException($"GradientAverager: the step ended before variable {i}'s gradient was ready.");
        if (Communicator.Size == 1)
        {
            Array.Copy(_packed, _results, _packed.Length);
            Array.Clear(_packed);
            _variables = [];
            return _results;
        }
        float scale = 0, total = 0;
        for (int b = 0; b < _buckets.Length; b++)
        {
            var bucket = _buckets[b];
            _running[b]!.Wait();
            _running[b] = null;
            if (b == 0)
            {
                // The first bucket sent carries the weights and the sums: the total weight is known before any unpacking.
                // With the total given at the start, every rank packed its gradients divided by it: the sums are the averages.
                total = bucket.Values.Span[0];
                scale = total > 0 ? _total > 0 ? 1f : 1f / total : 0;
                bucket.Values.Span.Slice(1, sums.Length).CopyTo(sums);
            }
            Unpack(bucket, scale);
        }
        Array.Clear(_packed);
        _variables = [];
        if (_total > 0 && total > 0 && Math.Abs(total - _total) > 1e-4f * _total)
            throw new InvalidOperationException($"GradientAverager: the ranks' weights add up to {total}, not to the total of {_total} the step was begun with; " +
                "the averages of this step are wrong.");
        return _results;
    }

    /// <summary>Starts, in bucket order, every bucket whose gradients are all packed.</summary>
    private void StartCompleteBuckets()
    {
        while (_nextToStart < _buckets.Length && _missing[_nextToStart] == 0)
        {
            var bucket = _buckets[_nextToStart];
            _running[_nextToStart] = Communicator.StartAllReduce(bucket.Values, ReduceOperation.Sum);
            _nextToStart++;
        }
    }

    private void Unpack(Bucket bucket, float scale)
    {
        var values = bucket.Values.Span;
        var flags = values.Slice(bucket.Flags, bucket.Variables.Length);
        for (int j = 0; j < bucket.Variables.Length; j++)
        {
            int i = bucket.Variables[j];
            if (flags[j] == 0f || scale == 0)
            {
                _results[i] = null;    // no rank had a gradient (or every weight was 0)
                continue;
            }
            var gradient = _packed[i];
            var average = values.Slice(bucket.Offsets[j], bucket.Sizes[j]);
            if (gradient is not null && bucket.Gradients.Holds(gradient, bucket.Offsets[j]))
            {
                if (scale != 1f) TensorPrimitives.Multiply(average, scale, average); // backward wrote the gradient here: scaled in place
            }
            else
            {
                if (gradient is null || !gradient.IsContiguous) gradient = Tensor.Zeros(_variables[i].Shape);
                gradient.CopyFrom(average, scale);
            }
            _results[i] = gradient;
        }
    }

    /// <summary>Builds the buckets for these variables' sizes and this many sums (kept while they stay the same), after checking all ranks agree.</summary>
    private void EnsureLayout(IReadOnlyList<Tensor> variables, int sumCount)
    {
        bool same = _sizes.Length == variables.Count && _sumCount == sumCount;
        for (int i = 0; same && i < variables.Count; i++) same = _sizes[i] == variables[i].Size;
        if (same) return;
        ReplicaLayout.Agree(Communicator, ReplicaLayout.Signature(variables, sumCount), 0, "GradientAverager",
            s => $"{s[0]} variables of {s[1]:N0} values in all" + (s[3] > 0 ? $" and {s[3]} sums" : ""));
        _sumCount = sumCount;
        _sizes = new int[variables.Count];
        long all = 0;
        for (int i = 0; i < variables.Count; i++) all += _sizes[i] = variables[i].Size;
        long cap = Overlaps ? Math.Min(_bucketValues, Math.Max(all / 8, SmallestAutomaticBucket)) : _bucketValues;
        var buckets = new List<Bucket>();
        var members = new List<int>();
        long filled = 0;
        for (int i = variables.Count - 1; i >= 0; i--)
        {
            if (members.Count > 0 && filled + _sizes[i] > cap)
            {
                buckets.Add(new Bucket(members, _sizes, buckets.Count == 0 ? 1 + sumCount : 0));
                members.Clear();
                filled = 0;
            }
            members.Add(i);
            filled += _sizes[i];
        }
        if (members.Count > 0 || buckets.Count == 0) buckets.Add(new Bucket(members, _sizes, buckets.Count == 0 ? 1 + sumCount : 0));
        _buckets = [.. buckets];
        (_bucketOf, _slotOf) = (new int[variables.Count], new int[variables.Count]);
        for (int b = 0; b < _buckets.Length; b++)
            for (int j = 0; j < _buckets[b].Variables.Length; j++) (_bucketOf[_buckets[b].Variables[j]], _slotOf[_buckets[b].Variables[j]]) = (b, j);
        _missing = new int[_buckets.Length];
        _running = new CollectiveOperation?[_buckets.Length];
    }

    private static string Describe(Tensor variable) => variable.Name is null ? "" : $" ('{variable.Name}')";

    /// <summary>
    /// Some variables' gradients, then one flag per variable, in one pinned buffer that backward writes the gradients
    /// into (<see cref="GradientBuffer.Lend"/>); the first bucket starts with the weight and the sums (<see cref="Extras"/>
    /// values). The gradients come first: the largest ones then start on a 64-byte boundary, as pooled tensors do.
    /// </summary>
    private sealed class Bucket
    {
        public readonly int[] Variables, Offsets, Sizes;
        public readonly GradientBuffer Gradients;
        public readonly Memory<float> Values;
        public readonly int Length, Extras, Flags;

        public Bucket(List<int> variables, int[] sizes, int extras)
        {
            Variables = [.. variables];
            Extras = extras;
            Offsets = new int[Variables.Length];
            Sizes = new int[Variables.Length];
            long length = extras;
            for (int j = 0; j < Variables.Length; j++)
            {
                Offsets[j] = (int)Math.Min(length, int.MaxValue);
                Sizes[j] = sizes[Variables[j]];
                length += Sizes[j];
            }
            Flags = (int)Math.Min(length, int.MaxValue);
            length += Variables.Length;
            if (length > Array.MaxLength - 15)
                throw new InvalidOperationException($"GradientAverager: a variable of {Sizes.Max():N0} values does not fit a bucket.");
            Length = (int)length;
            // Pinned: the communication thread hands its address to MPI.
            Gradients = new GradientBuffer(Length);
            Values = Gradients.Values;
        }
    }
}
