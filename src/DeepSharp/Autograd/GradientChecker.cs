namespace DeepSharp;

/// <summary>The outcome of <see cref="GradientChecker.Check"/>: the worst disagreement found and where.</summary>
/// <param name="Passed">Whether every element agreed within tolerance.</param>
/// <param name="MaxError">The largest |analytic − numeric| found, scaled by the tolerance it was allowed (≤ 1 passes).</param>
/// <param name="Input">Which input held the worst element.</param>
/// <param name="Index">The flat index of that element.</param>
/// <param name="Analytic">The gradient backward computed there.</param>
/// <param name="Numeric">The finite-difference estimate there.</param>
public readonly record struct GradientCheckResult(bool Passed, double MaxError, int Input, int Index, double Analytic, double Numeric)
{
    /// <summary>A one-line account, for test failure messages.</summary>
    public override string ToString() =>
        $"{(Passed ? "passed" : "FAILED")}: worst at input {Input}, element {Index}: analytic {Analytic:G6}, numeric {Numeric:G6} (error/allowed {MaxError:G3})";
}

/// <summary>
/// Checks a differentiable function's backward against central finite differences. The function's output
/// is reduced to a scalar with fixed random weights, so every output element takes part; each input
/// element is nudged by ±<c>epsilon</c> and the change in that scalar compared with the gradient backward
/// computed. Float32 arithmetic limits how small epsilon and the tolerances can usefully be.
/// </summary>
public static class GradientChecker
{
    /// <summary>Runs the check; inputs that do not require grad are held constant.</summary>
    /// <param name="function">The function under test, called with <paramref name="inputs"/>.</param>
    /// <param name="inputs">The points at which to check; their values are restored afterwards.</param>
    /// <param name="epsilon">The finite-difference step.</param>
    /// <param name="absoluteTolerance">Allowed absolute difference.</param>
    /// <param name="relativeTolerance">Allowed difference relative to the numeric gradient.</param>
    /// <param name="seed">Seed of the weights that reduce the output to a scalar.</param>
    public static GradientCheckResult Check(Func<Tensor[], Tensor> function, Tensor[] inputs,
        float epsilon = 1e-2f, double absoluteTolerance = 2e-2, double relativeTolerance = 2e-2, long seed = 1234)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(inputs);
        foreach (var input in inputs) input.ZeroGrad();

        var output = function(inputs);
        var weights = Tensor.RandomUniform(output.Shape, -1f, 1f, new RandomGenerator(seed));
        output.Backward(weights);
        var analytic = inputs.Select(x => x.RequiresGrad ? x.Grad?.ToArray() ?? new float[x.Size] : null).ToArray();

        double worst = -1;
        var result = new GradientCheckResult(true, 0, -1, -1, 0, 0);
        using var noGrad = Autograd.NoGrad();
        var w = weights.ToArray();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (analytic[i] is null) continue;
            var x = inputs[i];
            for (int e = 0; e < x.Size; e++)
            {
                float original = GetFlat(x, e);
                SetFlat(x, e, original + epsilon);
                double plus = WeightedSum(function(inputs), w);
                SetFlat(x, e, original - epsilon);
                double minus = WeightedSum(function(inputs), w);
                SetFlat(x, e, original);
                double numeric = (plus - minus) / (2.0 * epsilon);
                double a = analytic[i]![e];
                double allowed = absoluteTolerance + relativeTolerance * Math.Abs(numeric);
                double error = Math.Abs(a - numeric) / allowed;
                if (double.IsNaN(error)) error = double.PositiveInfinity;
                if (error > worst)
                {
                    worst = error;
                    result = new GradientCheckResult(error <= 1, error, i, e, a, numeric);
                }
            }
        }
        return result;
    }

    private static double WeightedSum(Tensor output, float[] weights)
    {
        var values = output.ToArray();
        double sum = 0;
        for (int i = 0; i < values.Length; i++) sum += (double)values[i] * weights[i];
        return sum;
    }

    private static float GetFlat(Tensor x, int flat) => x[Unflatten(x, flat, stackalloc int[x.Rank])];

    private static void SetFlat(Tensor x, int flat, float value) => x[Unflatten(x, flat, stackalloc int[x.Rank])] = value;

    private static ReadOnlySpan<int> Unflatten(Tensor x, int flat, Span<int> index)
    {
        for (int d = x.Rank - 1; d >= 0; d--)
        {
            index[d] = flat % x.Shape[d];
            flat /= x.Shape[d];
        }
        return index;
    }
}
