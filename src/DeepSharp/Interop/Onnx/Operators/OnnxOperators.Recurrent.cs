namespace DeepSharp.Interop.Onnx;

// RNN, GRU and LSTM with everything ONNX defines for them — both directions, sequence lengths, initial
// states, peepholes, clipping, coupled gates, any of ONNX's activations, GRU's linear_before_reset of 0 or 1,
// both layouts — composed step by step from differentiable Ops. The importer replaces the common forms
// (PyTorch's and Keras') by DeepSharp's fused LSTM/GRU/SimpleRNN layers; this is the general path.
internal static partial class OnnxOperators
{
    private static void AddRecurrent(Action<string, int, OnnxConverter> add)
    {
        add("RNN", 1, node => OnnxRecurrent.Converter(node, OnnxRecurrent.Cell.Rnn));
        add("GRU", 1, node => OnnxRecurrent.Converter(node, OnnxRecurrent.Cell.Gru));
        add("LSTM", 1, node => OnnxRecurrent.Converter(node, OnnxRecurrent.Cell.Lstm));
    }
}
