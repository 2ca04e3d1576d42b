namespace DeepSharp;

/// <summary>
/// Disposes, when it ends, every tensor created on this thread since it began: the way a training step
/// gives all its intermediate memory back to the pool and allocates nothing in steady state.
/// </summary>
/// <example>
/// <code>
/// using (TensorScope.Begin())
/// {
///     var loss = model.Call(x, training: true).Sum();
///     loss.Backward();
///     lossValue = loss.Item();      // read what you need before the scope ends
/// }
/// </code>
/// </example>
/// <remarks>
/// Scopes nest. Tensors created while a scope is suspended (<see cref="Suspend"/>), such as layer weights
/// built lazily during a step, and tensors passed to <see cref="Keep"/> are not disposed by the scope.
/// </remarks>
public readonly struct TensorScope : IDisposable
{
    [ThreadStatic] private static List<Tensor?>? t_owned;
    [ThreadStatic] private static int t_depth;
    [ThreadStatic] private static int t_suspended;

    private readonly int _start;
    private readonly int _depth;
    private readonly bool _suspends;

    private TensorScope(int start, int depth, bool suspends)
    {
        _start = start;
        _depth = depth;
        _suspends = suspends;
    }

    /// <summary>Starts a scope; dispose it (a <c>using</c> statement) to dispose its tensors.</summary>
    public static TensorScope Begin()
    {
        t_owned ??= new List<Tensor?>(1024);
        t_depth++;
        return new TensorScope(t_owned.Count, t_depth, suspends: false);
    }

    /// <summary>
    /// Until the returned value is disposed, tensors created on this thread belong to no scope (they live
    /// until disposed or collected): for weights, optimizer state and other long-lived values.
    /// </summary>
    public static TensorScope Suspend()
    {
        t_suspended++;
        return new TensorScope(0, 0, suspends: true);
    }

    /// <summary>Whether a scope (not suspended) will dispose tensors created now on this thread.</summary>
    public static bool IsActive => t_depth > 0 && t_suspended == 0;

    /// <summary>Takes <paramref name="tensor"/> out of its scope: it then lives until disposed or collected.</summary>
    public static Tensor Keep(Tensor tensor)
    {
        tensor.ThrowIfDisposed();
        Unregister(tensor);
        return tensor;
    }

    /// <summary>Ends the scope, disposing the tensors it owns (or ends a suspension).</summary>
    public void Dispose()
    {
        if (_suspends)
        {
            if (t_suspended > 0) t_suspended--; // a second Dispose of the same suspension must not unbalance the count
            return;
        }
        if (_depth == 0) return; // default(TensorScope)
        if (_depth != t_depth)
            throw new InvalidOperationException($"TensorScopes must end in the reverse order they began (ending depth {_depth}, innermost is {t_depth}).");
        var owned = t_owned!;
        for (int i = owned.Count - 1; i >= _start; i--)
        {
            var tensor = owned[i];
            if (tensor == null) continue;
            tensor._scopeSlot = -1;
            tensor.Recycle();
        }
        owned.RemoveRange(_start, owned.Count - _start);
        t_depth--;
    }

    internal static void Register(Tensor tensor)
    {
        if (t_depth == 0 || t_suspended > 0) return;
        var owned = t_owned!;
        tensor._scopeSlot = owned.Count;
        owned.Add(tensor);
    }

    internal static void Unregister(Tensor tensor)
    {
        int slot = tensor._scopeSlot;
        if (slot < 0) return;
        var owned = t_owned;
        // A tensor registered on another thread is not in this thread's list; leave that list alone.
        if (owned != null && slot < owned.Count && ReferenceEquals(owned[slot], tensor)) owned[slot] = null;
        tensor._scopeSlot = -1;
    }
}
