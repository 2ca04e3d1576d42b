namespace DeepSharp;

/// <summary>The outcome of <see cref="GradientChecker.Check"/>: the worst disagreement found and where.</summary>
/// <param name="Passed">Whether every element agreed within tolerance.</param>
/// <param name="MaxError">The largest |analytic − numeric| found, scaled by the tolerance it was allowed (≤ 1 passes).</param>
/// <param name="Input">Which input held the worst element.</param>
/// <param name="Index">The flat index of that element.</param>
/// <param name="Analytic">The gradient backward computed there.</param>
/// <param name="Numeric">The finite-difference estimate there.</param>
/// <param name="InputShape">The shape of that input, to name the element by its position.</param>
public readonly record struct GradientCheckResult(bool Passed, double MaxError, int Input, int Index, double Analytic, double Numeric,
    TensorShape InputShape = default)
{
    /// <summary>A one-line account, for test failure messages: which input and element, both gradients, and the error.</summary>
    public override string ToString() =>
        $"{(Passed ? "passed" : "FAILED")}: worst at input {Input} of shape {InputShape}, element {Index} {Position()}: " +
        $"analytic {Analytic:G6}, numeric {Numeric:G6} (error/allowed {MaxError:G3})";

    private string Position()
    {
        if (InputShape.Rank == 0 || Index < 0) return "[]";
        var index = new int[InputShape.Rank];
        int flat = Index;
        for (int d = InputShape.Rank - 1; d >= 0; d--)
        {
            index[d] = flat % InputShape[d];
            flat /= InputShape[d];
        }
        return $"[{string.Join(", ", index)}]";
    }
}

/// <summary>
/// Checks a differentiable function's backward against finite differences. The function's output is reduced
/// to a scalar with fixed random weights (summed in double), so every output element takes part; each input
/// element is nudged by ±h and ±2h and the change in that scalar compared with the gradient backward computed.
/// </summary>
/// <remarks>
/// The nudged value is a float32, so the step actually taken is measured in double rather than assumed.
/// Two central differences, D(h) and D(2h), are combined as (4·D(h) − D(2h)) / 3 (Richardson), which cancels
/// the h² truncation error: with h = 1e-2 the estimate is limited by the float32 rounding of the function's
/// outputs (about 1e-7 relative, divided by h), not by curvature. That is what lets the default tolerances be
/// 1e-3 absolute + 1e-3 relative, tight enough to fail a gradient that is off by a few tenths of a per cent in
/// one element. Where D(h) and D(2h) disagree (a kink within 2h) the step shrinks for that element; still keep
/// inputs away from kinks where you can, since float32 noise grows as the step shrinks.
/// </remarks>
public static class GradientChecker
{
    /// <summary>The default finite-difference step.</summary>
    public const float DefaultEpsilon = 1e-2f;

    /// <summary>The default allowed absolute difference.</summary>
    public const double DefaultAbsoluteTolerance = 1e-3;

    /// <summary>The default allowed difference relative to the numeric gradient.</summary>
    public const double DefaultRelativeTolerance = 1e-3;

    /// <summary>Runs the check; inputs that do not require grad are held constant.</summary>
    /// <param name="function">The function under test, called with <paramref name="inputs"/>.</param>
    /// <param name="inputs">The points at which to check; their values are restored afterwards.</param>
    /// <param name="epsilon">The finite-difference step h (the check also uses 2h).</param>
    /// <param name="absoluteTolerance">Allowed absolute difference.</param>
    /// <param name="relativeTolerance">Allowed difference relative to the numeric gradient.</param>
    /// <param name="seed">Seed of the weights that reduce the output to a scalar.</param>
    public static GradientCheckResult Check(Func<Tensor[], Tensor> function, Tensor[] inputs,
        float epsilon = DefaultEpsilon, double absoluteTolerance = DefaultAbsoluteTolerance,
        double relativeTolerance = DefaultRelativeTolerance, long seed = 1234)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(inputs);
        if (!(epsilon > 0) || float.IsInfinity(epsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "GradientChecker: epsilon must be positive and finite.");
        if (!(absoluteTolerance >= 0) || !(relativeTolerance >= 0) || absoluteTolerance + relativeTolerance == 0)
            throw new ArgumentOutOfRangeException(nameof(absoluteTolerance),
                $"GradientChecker: tolerances must be non-negative and not both zero; got absolute {absoluteTolerance}, relative {relativeTolerance}.");
        bool any = false;
        foreach (var input in inputs)
        {
            input.ZeroGrad();
            any |= input.RequiresGrad;
        }
        if (!any)
            throw new ArgumentException("GradientChecker: no input requires grad, so there is nothing to check; set RequiresGrad on the inputs to differentiate.", nameof(inputs));

        var output = function(inputs);
        var weights = Tensor.RandomUniform(output.Shape, -1f, 1f, new RandomGenerator(seed));
        output.Backward(weights);
        var analytic = new float[inputs.Length][];
        for (int i = 0; i < inputs.Length; i++)
            analytic[i] = inputs[i].RequiresGrad ? inputs[i].Grad?.ToArray() ?? new float[inputs[i].Size] : [];

        double worst = -1;
        var result = new GradientCheckResult(true, 0, -1, -1, 0, 0);
        using var noGrad = Autograd.NoGrad();
        var w = weights.ToArray();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!inputs[i].RequiresGrad) continue;
            var x = inputs[i];
            for (int e = 0; e < x.Size; e++)
            {
                double numeric = Derivative(function, inputs, x, e, epsilon, w, absoluteTolerance, relativeTolerance);
                double a = analytic[i][e];
                double allowed = absoluteTolerance + relativeTolerance * Math.Abs(numeric);
                double error = Math.Abs(a - numeric) / allowed;
                if (double.IsNaN(error)) error = double.PositiveInfinity;
                if (error > worst)
                {
                    worst = error;
                    result = new GradientCheckResult(error <= 1, error, i, e, a, numeric, x.Shape);
                }
            }
        }
        return result;
    }

    /// <summary>
    /// d(weighted sum)/d(x[flat]) by Richardson-extrapolated central differences over the steps taken. When
    /// D(h) and D(2h) disagree by more than the tolerance, the function is not smooth at that scale (a kink of
    /// relu, abs or max within 2h): the step shrinks by 4, at most twice, and the most consistent estimate wins.
    /// Only the numeric side adapts, so a wrong backward cannot pass through it.
    /// </summary>
    private static double Derivative(Func<Tensor[], Tensor> function, Tensor[] inputs, Tensor x, int flat, float epsilon, float[] weights,
        double absoluteTolerance, double relativeTolerance)
    {
        float original = GetFlat(x, flat);
        double Central(float step)
        {
            float up = original + step, down = original - step;
            SetFlat(x, flat, up);
            double plus = WeightedSum(function(inputs), weights);
            SetFlat(x, flat, down);
            double minus = WeightedSum(function(inputs), weights);
            SetFlat(x, flat, original);
            return (plus - minus) / ((double)up - down);
        }
        double best = double.NaN, bestGap = double.PositiveInfinity;
        float h = epsilon;
        for (int attempt = 0; attempt < 3; attempt++, h /= 4)
        {
            double near = Central(h), far = Central(2 * h);
            double estimate = (4 * near - far) / 3, gap = Math.Abs(near - far);
            if (gap < bestGap || double.IsNaN(best))
            {
                best = estimate;
                bestGap = gap;
            }
            if (gap <= absoluteTolerance + relativeTolerance * Math.Abs(estimate)) break;
        }
        return best;
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
