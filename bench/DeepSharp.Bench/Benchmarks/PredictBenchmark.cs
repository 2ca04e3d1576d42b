using DeepSharp.Examples;
using Microsoft.ML.OnnxRuntime;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Inference, one thread each: DeepSharp's <see cref="Model.Predict(Tensor, Tensor)"/> against ONNX Runtime running
/// DeepSharp's own ONNX export (<see cref="Onnx.Export"/>) of the same model, the seed MLP and the seed CNN (seeded,
/// untrained) at batch 1 and 32, µs per call. DeepSharp runs with <see cref="Parallelism.Threads"/> = 1; ONNX Runtime
/// with one intra-op and one inter-op thread, sequential execution, all graph optimizations, and its inputs and outputs
/// bound once to preallocated buffers (IOBinding), its lowest-overhead way to run. Both outputs are compared before
/// timing. Also reported: DeepSharp's managed bytes per call once warm.
/// </summary>
internal sealed class PredictBenchmark : IBenchmark
{
    private static readonly int[] BatchSizes = [1, 32];

    public string Name => "predict";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        int savedThreads = Parallelism.Threads;
        Parallelism.Threads = 1;
        try
        {
            foreach (var (name, model) in new[] { ("mlp", (Model)Seeded(SeedModels.Mlp)), ("cnn", Seeded(SeedModels.Cnn)) })
            {
                var onnx = Onnx.Export(model);
                foreach (int batch in BatchSizes)
                {
                    using var ours = new DeepSharpSide(model, batch);
                    using var theirs = new OnnxRuntimeSide(onnx, ours.Input, ours.Output.Shape);
                    ours.Run();
                    theirs.Run();
                    theirs.CheckAgainst(ours.Output);
                    var (oursSeconds, theirsSeconds) = Measure.SecondsPerCall(ours.Run, theirs.Run);
                    yield return new BenchmarkResult($"predict {name} b{batch} t1", oursSeconds * 1e6, theirsSeconds * 1e6, BenchmarkUnit.Microseconds,
                        PeerName: BenchmarkResult.OnnxRuntime);
                    yield return new BenchmarkResult($"predict {name} bytes/call b{batch}", Measure.BytesPerCall(ours.Run), double.NaN, BenchmarkUnit.Bytes);
                }
            }
        }
        finally
        {
            Parallelism.Threads = savedThreads;
        }
    }

    private static Sequential Seeded(Func<int, Sequential> create)
    {
        RandomGenerator.SetSeed(1);
        return create(10);
    }

    /// <summary>DeepSharp's Predict into a preallocated output, on a fixed random batch.</summary>
    private sealed class DeepSharpSide : IDisposable
    {
        private readonly Model _model;

        public DeepSharpSide(Model model, int batch)
        {
            _model = model;
            var sample = model.DeclaredInputShape!.Value;
            Input = Tensor.RandomUniform([batch, .. sample.Dims], generator: new RandomGenerator(7));
            TensorShape outputShape;
            using (TensorScope.Begin())
            using (Autograd.NoGrad())
                outputShape = model.Call(Input).Shape;
            Output = Tensor.Zeros(outputShape);
        }

        public Tensor Input { get; }

        public Tensor Output { get; }

        public void Run() => _model.Predict(Input, Output);

        public void Dispose()
        {
            Input.Dispose();
            Output.Dispose();
        }
    }

    /// <summary>An ONNX Runtime session on one thread with the input and output bound once.</summary>
    private sealed class OnnxRuntimeSide : IDisposable
    {
        private readonly SessionOptions _options;
        private readonly InferenceSession _session;
        private readonly RunOptions _run = new();
        private readonly OrtValue _input, _output;
        private readonly OrtIoBinding _binding;
        private readonly float[] _outputValues;

        public OnnxRuntimeSide(byte[] model, Tensor input, TensorShape outputShape)
        {
            _options = new SessionOptions
            {
                IntraOpNumThreads = 1,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            };
            _session = new InferenceSession(model, _options);
            _input = OrtValue.CreateTensorValueFromMemory(input.ToArray(), input.Shape.ToArray().Select(d => (long)d).ToArray());
            _outputValues = new float[outputShape.Size];
            _output = OrtValue.CreateTensorValueFromMemory(_outputValues, outputShape.ToArray().Select(d => (long)d).ToArray());
            _binding = _session.CreateIoBinding();
            _binding.BindInput(_session.InputNames[0], _input);
            _binding.BindOutput(_session.OutputNames[0], _output);
        }

        public void Run() => _session.RunWithBinding(_run, _binding);

        /// <summary>Fails unless ONNX Runtime's outputs are DeepSharp's, to float rounding.</summary>
        public void CheckAgainst(Tensor ours)
        {
            var expected = ours.ToArray();
            for (int i = 0; i < expected.Length; i++)
                if (!(Math.Abs(expected[i] - _outputValues[i]) <= 1e-4 + 1e-4 * Math.Abs(expected[i])))
                    throw new InvalidOperationException($"predict: ONNX Runtime's output {i} is {_outputValues[i]}, DeepSharp's {expected[i]}.");
        }

        public void Dispose()
        {
            _binding.Dispose();
            _input.Dispose();
            _output.Dispose();
            _run.Dispose();
            _session.Dispose();
            _options.Dispose();
        }
    }
}
