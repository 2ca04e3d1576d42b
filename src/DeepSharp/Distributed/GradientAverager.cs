using System.Numerics.Tensors;

namespace DeepSharp;

/// <summary>
/// Averages gradients over all ranks with few, large all-reduces: the gradients are packed into buckets, filled
/// in reverse variable order (the order backward produces them, so that a later version can send the first
/// bucket while backward still runs), each bucket is all-reduced once, and the averages are unpacked. Every
/// rank gets the same averages, bit for bit, so replicas that apply them stay identical.
/// </summary>
/// <remarks>
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
    public IReadOnlyList<Tensor?> Average(IReadOnlyList<Tensor?> gradients, IReadOnlyList<Tensor> variables)
    {
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
        EnsureLayout(variables);
        float scale = 1f / Communicator.Size;
        foreach (var bucket in _buckets)
        {
            Pack(bucket, gradients);
            Communicator.AllReduce(bucket.Values.AsSpan(0, bucket.Length), ReduceOperation.Sum);
            Unpack(bucket, gradients, variables, scale);
        }
        return _results;
    }

    private static void Pack(Bucket bucket, IReadOnlyList<Tensor?> gradients)
    {
        var values = bucket.Values.AsSpan();
        for (int j = 0; j < bucket.Variables.Length; j++)
        {
            var slice = values.Slice(bucket.Offsets[j], bucket.Sizes[j]);
            if (gradients[bucket.Variables[j]] is { } gradient)
            {
                values[j] = 1f;
                gradient.CopyTo(slice);
            }
            else
            {
                values[j] = 0f;
                slice.Clear();
            }
        }
    }

    private void Unpack(Bucket bucket, IReadOnlyList<Tensor?> gradients, IReadOnlyList<Tensor> variables, float scale)
    {
        var values = bucket.Values.AsSpan(0, bucket.Length);
        var sums = values[bucket.Variables.Length..];
        TensorPrimitives.Multiply(sums, scale, sums);
        for (int j = 0; j < bucket.Variables.Length; j++)
        {
            int i = bucket.Variables[j];
            if (values[j] == 0f)
            {
                _results[i] = null;    // no rank had a gradient
                continue;
            }
            var gradient = gradients[i];
            if (gradient is null || !gradient.IsContiguous) gradient = Tensor.Zeros(variables[i].Shape);
            gradient.CopyFrom(values.Slice(bucket.Offsets[j], bucket.Sizes[j]));
            _results[i] = gradient;
        }
    }

    /// <summary>Builds the buckets for these variables' sizes (kept while the sizes stay the same), after checking all ranks agree.</summary>
    private void EnsureLayout(IReadOnlyList<Tensor> variables)
    {
        bool same = _sizes.Length == variables.Count;
        for (int i = 0; same && i < variables.Count; i++) same = _sizes[i] == variables[i].Size;
        if (same) return;
        ReplicaLayout.Agree(Communicator, ReplicaLayout.Signature(variables), 0, "GradientAverager",
            s => $"{s[0]} variables of {s[1]:N0} values in all");
        _sizes = new int[variables.Count];
        for (int i = 0; i < variables.Count; i++) _sizes[i] = variables[i].Size;
        var buckets = new List<Bucket>();
        var members = new List<int>();
        long filled = 0;
        for (int i = variables.Count - 1; i >= 0; i--)
        {
            if (members.Count > 0 && filled + _sizes[i] > _bucketValues)
            {
                buckets.Add(new Bucket(members, _sizes));
                members.Clear();
                filled = 0;
            }
            members.Add(i);
            filled += _sizes[i];
        }
        if (members.Count > 0) buckets.Add(new Bucket(members, _sizes));
        _buckets = [.. buckets];
    }

    private static string Describe(Tensor variable) => variable.Name is null ? "" : $" ('{variable.Name}')";

    /// <summary>Some variables' gradients, after one flag per variable, in one pinned buffer.</summary>
    private sealed class Bucket
    {
        public readonly int[] Variables, Offsets, Sizes;
        public readonly float[] Values;
        public readonly int Length;

        public Bucket(List<int> variables, int[] sizes)
        {
            Variables = [.. variables];
            Offsets = new int[Variables.Length];
            Sizes = new int[Variables.Length];
            long length = Variables.Length;
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
