using System.Runtime.InteropServices;
using DeepSharp.Kernels;

namespace DeepSharp;

/// <summary>
/// The variables of one optimizer step, gathered so that one parallel pass updates them all
/// (<see cref="ParameterUpdateKernel.RunAll{TOp}"/>): each variable, the gradient it is updated from (a contiguous copy
/// of a strided one) and its state tensors. Its optimizer keeps it and fills it anew each step; once its arrays have
/// grown it allocates nothing.
/// </summary>
internal sealed unsafe class ParameterUpdateSet
{
    private ParameterUpdateTarget[] _targets = new ParameterUpdateTarget[16];
    private Tensor[] _variables = new Tensor[16];
    private Tensor[] _gradients = new Tensor[16];
    private Tensor?[] _copies = new Tensor?[16];
    private MemoryRange[] _ranges = new MemoryRange[64];
    private MemoryRange[] _sorted = new MemoryRange[64];
    private int _rangeCount;

    // The ranges the last check looked at and what it found: a training loop presents the same memory every step
    // (a leaf's gradient is written into the buffer its last gradient left), so the sort is rarely needed.
    private MemoryRange[] _checked = new MemoryRange[64];
    private int _checkedCount = -1;
    private bool _checkedOverlap;

    /// <summary>Variables gathered so far this step.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// When set, the factor f of the decoupled weight decay w ·= 1 − f that the pass applies before each update (for the
    /// optimizers whose own update does not fold it in).
    /// </summary>
    public float? DecayFactor { get; set; }

    /// <summary>The targets the kernel runs over.</summary>
    internal ReadOnlySpan<ParameterUpdateTarget> Targets => _targets.AsSpan(0, Count);

    /// <summary>Variable <paramref name="index"/>.</summary>
    public Tensor Variable(int index) => _variables[index];

    /// <summary>The gradient variable <paramref name="index"/> is updated from: its own, or its contiguous copy.</summary>
    public Tensor Gradient(int index) => _gradients[index];

    /// <summary>Empties the set for a new step (the copies of the last one must have been released).</summary>
    public void Clear()
    {
        Array.Clear(_variables, 0, Count);
        Array.Clear(_gradients, 0, Count);
        Count = 0;
        _rangeCount = 0;
        DecayFactor = null;
    }

    /// <summary>
    /// Adds a variable and its gradient (same shape, checked by the caller); a strided gradient is copied to contiguous
    /// memory. Refuses a strided variable, as the update of one variable does. Returns the variable's index in the set.
    /// </summary>
    public int Add(Tensor variable, Tensor gradient, string optimizer)
    {
        if (!variable.IsContiguous)
            throw new ArgumentException($"{optimizer}: updates need contiguous tensors; got a strided view of shape {variable.Shape}" +
                (variable.Name is null ? "." : $" ('{variable.Name}')."), nameof(variable));
        if (Count == _targets.Length) Grow();
        int index = Count++;
        var copy = gradient.IsContiguous ? null : gradient.ContiguousCopy();
        var used = copy ?? gradient;
        _variables[index] = variable;
        _gradients[index] = used;
        _copies[index] = copy;
        _targets[index] = new ParameterUpdateTarget { Weight = variable.Pointer, Gradient = used.Pointer, Length = variable.Size };
        AddRange(variable.Pointer, variable.Size);
        // A strided gradient is read where it lies (into the copy) before any variable is updated: its whole storage counts.
        if (copy is null) AddRange(gradient.Pointer, gradient.Size);
        else AddRange(gradient.Storage.Pointer, gradient.Storage.Capacity);
        return index;
    }

    /// <summary>Sets the state tensors of variable <paramref name="index"/> (null for those its update does not use).</summary>
    public void SetState(int index, Tensor? state0, Tensor? state1 = null, Tensor? state2 = null, string optimizer = "")
    {
        ref var target = ref _targets[index];
        target.State0 = State(state0, target.Length, optimizer);
        target.State1 = State(state1, target.Length, optimizer);
        target.State2 = State(state2, target.Length, optimizer);
    }

    /// <summary>
    /// Whether any two of the memory ranges the step reads or writes overlap (a variable listed twice, a gradient shared by
    /// two variables or lying in a variable, a view of another variable): one pass over all of them at once could then
    /// give other values than variable after variable, so the caller goes variable by variable.
    /// </summary>
    public bool Overlaps()
    {
        var ranges = _ranges.AsSpan(0, _rangeCount);
        if (_checkedCount == _rangeCount &&
            MemoryMarshal.AsBytes(ranges).SequenceEqual(MemoryMarshal.AsBytes(_checked.AsSpan(0, _checkedCount)))) return _checkedOverlap;
        if (_checked.Length < _rangeCount) _checked = new MemoryRange[_ranges.Length];
        if (_sorted.Length < _rangeCount) _sorted = new MemoryRange[_ranges.Length];
        ranges.CopyTo(_checked);
        _checkedCount = _rangeCount;
        var sorted = _sorted.AsSpan(0, _rangeCount);
        ranges.CopyTo(sorted);
        sorted.Sort();
        _checkedOverlap = false;
        nuint end = 0;
        foreach (var range in sorted)
        {
            if (range.Start < end)
            {
                _checkedOverlap = true;
                break;
            }
            end = Math.Max(end, range.End);
        }
        return _checkedOverlap;
    }

    /// <summary>Returns the contiguous copies of strided gradients to the pool.</summary>
    public void ReleaseCopies()
    {
        for (int i = 0; i < Count; i++)
        {
            _copies[i]?.Recycle();
            _copies[i] = null;
        }
    }

    private float* State(Tensor? state, int length, string optimizer)
    {
        if (state is null) return null;
        if (!state.IsContiguous || state.Size != length)
            throw new ArgumentException($"{optimizer}: a state tensor has shape {state.Shape} but the variable has {length} elements.", nameof(state));
        AddRange(state.Pointer, length);
        return state.Pointer;
    }

    private void AddRange(float* start, int length)
    {
        if (length == 0) return;
        if (_rangeCount == _ranges.Length) Array.Resize(ref _ranges, 2 * _ranges.Length);
        _ranges[_rangeCount++] = new MemoryRange((nuint)start, (nuint)(start + length));
    }

    private void Grow()
    {
        int size = 2 * _targets.Length;
        Array.Resize(ref _targets, size);
        Array.Resize(ref _variables, size);
        Array.Resize(ref _gradients, size);
        Array.Resize(ref _copies, size);
    }

    /// <summary>Addresses [Start, End) of memory a step touches; ordered by start.</summary>
    private readonly record struct MemoryRange(nuint Start, nuint End) : IComparable<MemoryRange>
    {
        public int CompareTo(MemoryRange other) => Start.CompareTo(other.Start);
    }
}
