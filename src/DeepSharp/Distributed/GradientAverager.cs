using System.Numerics.Tensors;

namespace DeepSharp;

/// <summary>
/// Averages gradients over all ranks with few, large all-reduces: the gradients are packed into buckets, filled
/// in reverse variable order (the order backward produces them, so that a later version can send the first
/// bucket while backward still runs), each bucket is all-reduced once, and the averages are unpacked. Every
/// rank gets the same averages, bit for bit, so replicas that apply them stay identical.
/// </summary>
/// <remarks>
/// <para>A weighted average (<see cref="Average(IReadOnlyList{Tensor?}, IReadOnlyList{Tensor}, float, Span{float})"/>) lets
/// ranks with unequal shares of a batch average to the gradient of the whole batch's mean loss, and carries a few
/// sums (loss, samples) in the same all-reduce.</para>
/// Each bucket starts with one flag per variable (1 where this rank has a gradient): a variable whose gradient is
/// null on every rank stays null (its optimizer step is skipped, as in one process); one that has a gradient on
/// some rank gets the average over all ranks, counting the others as zeros. Buckets are kept between steps:
/// averaging allocates nothing once the layout exists (a rank without a gradient where another has one gets a
/// new tensor, in the current <see cref="TensorScope"/>).
/// </remarks>
public sealed class GradientAverager
{
    /// <summary>The default bucket size: 16 Mi values (64 MiB), so that most models need one all-reduce per step.</summary>
    public const int DefaultBucketValues = 16 << 20;

    private readonly int _bucketValues;
    private Bucket[] _buckets = [];
    private int[] _sizes = [];
    private int _sumCount;
    private Tensor?[] _results = [];

    /// <summary>Creates an averager over <paramref name="communicator"/>'s ranks.</summary>
    /// <param name="communicator">The run's communicator.</param>
    /// <param name="bucketValues">The most values in one bucket (a larger variable gets a bucket of its own); > 0.</param>
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
        if (!(float.IsFinite(weight) && weight >= 0))
            throw new ArgumentOutOfRangeException(nameof(weight), weight, $"GradientAverager: weight must be a finite number >= 0; got {weight}.");
        ArgumentNullException.ThrowIfNull(gradients);
        ArgumentNullException.ThrowIfNull(variables);
        if (gradients.Count != variables.Count)
            throw new ArgumentException($"GradientAverager: {gradients.Count} gradients were given for {variables.Count} variables; they must pair up one to one.", nameof(gradients));
        for (int i = 0; i < variables.Count; i++)
        {
            var variable = variables[i] ?? throw new ArgumentNullException(nameof(variables), $"GradientAverager: variable {i} is null.");
            if (gradients[i] is { } g && g.Shape != variable.Shape)
                throw new ArgumentException($"GradientAverager: variable {i}{Describe(variable)} has shape {variable.Shape} but its gradient has shape {g.Shape}.", nameof(gradients));
        }
        if (_results.Length != variables.Count) _results = new Tensor?[variables.Count];
        if (Communicator.Size == 1)
        {
            for (int i = 0; i < gradients.Count; i++) _results[i] = gradients[i];
            return _results;
        }
        EnsureLayout(variables, sums.Length);
        float scale = 0;
        foreach (var bucket in _buckets)
        {
            Pack(bucket, gradients, weight, sums);
            Communicator.AllReduce(bucket.Values.AsSpan(0, bucket.Length), ReduceOperation.Sum);
            if (bucket.Extras > 0)
            {
                // The first bucket sent carries the weights and the sums: the total weight is known before any unpacking.
                float total = bucket.Values[0];
                scale = total > 0 ? 1f / total : 0;
                bucket.Values.AsSpan(1, sums.Length).CopyTo(sums);
            }
            Unpack(bucket, gradients, variables, scale);
        }
        return _results;
    }

    private static void Pack(Bucket bucket, IReadOnlyList<Tensor?> gradients, float weight, ReadOnlySpan<float> sums)
    {
        var values = bucket.Values.AsSpan();
        if (bucket.Extras > 0)
        {
            values[0] = weight;
            sums.CopyTo(values[1..]);
        }
        var flags = values.Slice(bucket.Extras, bucket.Variables.Length);
        for (int j = 0; j < bucket.Variables.Length; j++)
        {
            var slice = values.Slice(bucket.Offsets[j], bucket.Sizes[j]);
            if (gradients[bucket.Variables[j]] is { } gradient)
            {
                flags[j] = 1f;
                gradient.CopyTo(slice);
                if (weight != 1f) TensorPrimitives.Multiply(slice, weight, slice);
            }
            else
            {
                flags[j] = 0f;
                slice.Clear();
            }
        }
    }

    private void Unpack(Bucket bucket, IReadOnlyList<Tensor?> gradients, IReadOnlyList<Tensor> variables, float scale)
    {
        var values = bucket.Values.AsSpan(0, bucket.Length);
        var flags = values.Slice(bucket.Extras, bucket.Variables.Length);
        var sums = values[(bucket.Extras + bucket.Variables.Length)..];
        TensorPrimitives.Multiply(sums, scale, sums);
        for (int j = 0; j < bucket.Variables.Length; j++)
        {
            int i = bucket.Variables[j];
            if (flags[j] == 0f || scale == 0)
            {
                _results[i] = null;    // no rank had a gradient (or every weight was 0)
                continue;
            }
            var gradient = gradients[i];
            if (gradient is null || !gradient.IsContiguous) gradient = Tensor.Zeros(variables[i].Shape);
            gradient.CopyFrom(values.Slice(bucket.Offsets[j], bucket.Sizes[j]));
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
        for (int i = 0; i < variables.Count; i++) _sizes[i] = variables[i].Size;
        var buckets = new List<Bucket>();
        var members = new List<int>();
        long filled = 0;
        for (int i = variables.Count - 1; i >= 0; i--)
        {
            if (members.Count > 0 && filled + _sizes[i] > _bucketValues)
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
    }

    private static string Describe(Tensor variable) => variable.Name is null ? "" : $" ('{variable.Name}')";

    /// <summary>
    /// Some variables' gradients, after one flag per variable, in one pinned buffer; the first bucket starts with the
    /// weight and the sums (<see cref="Extras"/> values).
    /// </summary>
    private sealed class Bucket
    {
        public readonly int[] Variables, Offsets, Sizes;
        public readonly float[] Values;
        public readonly int Length, Extras;

        public Bucket(List<int> variables, int[] sizes, int extras)
        {
            Variables = [.. variables];
            Extras = extras;
            Offsets = new int[Variables.Length];
            Sizes = new int[Variables.Length];
            long length = extras + Variables.Length;
            for (int j = 0; j < Variables.Length; j++)
            {
                Offsets[j] = (int)length;
                Sizes[j] = sizes[Variables[j]];
                length += Sizes[j];
            }
            if (length > Array.MaxLength)
                throw new InvalidOperationException($"GradientAverager: a variable of {Sizes.Max():N0} values does not fit a bucket.");
            Length = (int)length;
            // Pinned: the communication thread hands its address to MPI.
            Values = GC.AllocateUninitializedArray<float>(Length, pinned: true);
        }
    }
}
