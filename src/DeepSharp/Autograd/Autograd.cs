namespace DeepSharp;

/// <summary>Switches for gradient recording: <c>using (Autograd.NoGrad()) { ... }</c> as PyTorch's <c>torch.no_grad()</c>.</summary>
public static class Autograd
{
    [ThreadStatic] private static int t_disabled;

    /// <summary>Whether ops on this thread record a graph for backward.</summary>
    public static bool IsGradEnabled => t_disabled == 0;

    /// <summary>Stops recording on this thread until the returned value is disposed.</summary>
    public static NoGradScope NoGrad()
    {
        t_disabled++;
        return new NoGradScope(active: true);
    }

    /// <summary>Ends a <see cref="NoGrad"/> region.</summary>
    public readonly struct NoGradScope : IDisposable
    {
        private readonly bool _active;

        internal NoGradScope(bool active) => _active = active;

        /// <summary>Restores gradient recording.</summary>
        public void Dispose()
        {
            if (_active) t_disabled--;
        }
    }
}
