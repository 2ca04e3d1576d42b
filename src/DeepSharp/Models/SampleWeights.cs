namespace DeepSharp;

/// <summary>
/// The per-sample weights Fit and Evaluate train and score with: Keras' <c>sample_weight</c> as given, or
/// <c>class_weight</c> turned into one weight per sample from the targets' classes.
/// </summary>
internal static class SampleWeights
{
    /// <summary>One weight per sample of <paramref name="y"/> ([samples]), or null when neither argument is given.</summary>
    internal static Tensor? For(Tensor y, Tensor? sampleWeight, IReadOnlyDictionary<int, double>? classWeight, string caller)
    {
        if (sampleWeight is not null && classWeight is not null)
            throw new ArgumentException($"{caller}: pass either sampleWeight or classWeight, not both (Keras refuses both at once too).", nameof(classWeight));
        int samples = y.Shape[0];
        if (sampleWeight is not null)
        {
            bool oneColumn = sampleWeight.Rank == 1 || (sampleWeight.Rank == 2 && sampleWeight.Shape[1] == 1);
            if (!oneColumn || sampleWeight.Shape[0] != samples)
                throw new ArgumentException(
                    $"{caller}: sampleWeight must hold one weight per sample, shape ({samples}) or ({samples}, 1); got {sampleWeight.Shape}.", nameof(sampleWeight));
            var values = sampleWeight.ToArray();
            for (int i = 0; i < values.Length; i++)
                if (!float.IsFinite(values[i]) || values[i] < 0)
                    throw new ArgumentException($"{caller}: sampleWeight[{i}] is {values[i]}; weights must be finite and >= 0.", nameof(sampleWeight));
            return Tensor.FromArray(values, samples);
        }
        return classWeight is null ? null : FromClassWeights(y, classWeight, caller);
    }

    /// <summary>
    /// As Keras (class_weight_to_sample_weights): a sample's class is the arg-max of its target row when the
    /// targets have a last dimension above 1, else the target rounded; a class missing from the map weighs 1.
    /// </summary>
    internal static Tensor FromClassWeights(Tensor y, IReadOnlyDictionary<int, double> classWeight, string caller)
    {
        foreach (var (label, weight) in classWeight)
            if (!double.IsFinite(weight) || weight < 0)
                throw new ArgumentException($"{caller}: classWeight[{label}] is {weight}; weights must be finite and >= 0.", nameof(classWeight));
        int samples = y.Shape[0];
        var targets = y.ToArray();
        int width = targets.Length / Math.Max(1, samples);
        if (y.Rank > 2 || (y.Rank == 2 && width != y.Shape[1]))
            throw new ArgumentException($"{caller}: classWeight needs targets of shape (samples), (samples, 1) or (samples, classes); got {y.Shape}.", nameof(classWeight));
        var weights = new float[samples];
        for (int i = 0; i < samples; i++)
        {
            var row = targets.AsSpan(i * width, width);
            int label = width > 1 ? System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row) : (int)Math.Round(row[0], MidpointRounding.ToEven);
            weights[i] = classWeight.TryGetValue(label, out double w) ? (float)w : 1f;
        }
        return Tensor.FromArray(weights, samples);
    }
}
