using Microsoft.ML.OnnxRuntime;

namespace DeepSharp.Interop.Tests;

/// <summary>Runs an ONNX model in ONNX Runtime (CPU) on DeepSharp tensors, inputs in the model's order.</summary>
internal static class OnnxRuntimeRunner
{
    public static Tensor[] Run(byte[] model, params Tensor[] inputs)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(model, options);
        Assert.Equal(session.InputNames.Count, inputs.Length);
        var feeds = inputs.Select((t, i) => NamedOnnxValue.CreateFromTensor(session.InputNames[i],
            new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(t.ToArray(), t.Shape.ToArray()))).ToList();
        using var results = session.Run(feeds);
        return session.OutputNames.Select(name =>
        {
            var output = results.First(r => r.Name == name).AsTensor<float>();
            return Tensor.FromArray(output.ToArray(), output.Dimensions.ToArray());
        }).ToArray();
    }

    public static Tensor[] Run(string path, params Tensor[] inputs) => Run(File.ReadAllBytes(path), inputs);

    /// <summary>max |a − b| over tensors of one shape.</summary>
    public static float MaxDifference(Tensor a, Tensor b)
    {
        Assert.Equal(a.Shape, b.Shape);
        return a.ToArray().Zip(b.ToArray(), (p, q) => MathF.Abs(p - q)).DefaultIfEmpty(0f).Max();
    }
}
