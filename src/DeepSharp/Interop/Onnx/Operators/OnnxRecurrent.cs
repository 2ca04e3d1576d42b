namespace DeepSharp.Interop.Onnx;

/// <summary>The recurrent ops of <see cref="OnnxOperators"/>.</summary>
internal static class OnnxRecurrent
{
    public enum Cell { Rnn = 1, Gru = 3, Lstm = 4 }


    public static OnnxKernel Converter(OnnxNodeContext node, Cell cell)
    {
        var a = node.Attributes;
        int hidden = (int)a.Int("hidden_size", 0);
        node.Require(hidden > 0, $"{node.OpType} needs a positive hidden_size");
        string direction = a.String("direction", "forward");
        node.Require(direction is "forward" or "reverse" or "bidirectional", $"{node.OpType}: direction '{direction}' is not one ONNX defines");
        int directions = direction == "bidirectional" ? 2 : 1;
        string[] defaults = cell switch { Cell.Lstm => ["Sigmoid", "Tanh", "Tanh"], Cell.Gru => ["Sigmoid", "Tanh"], _ => ["Tanh"] };
        var names = a.Strings("activations") ?? [.. Enumerable.Range(0, directions).SelectMany(_ => defaults)];
        node.Require(names.Length == defaults.Length * directions, $"{node.OpType}: {names.Length} activations given; {defaults.Length * directions} are needed");
        var alphas = a.Floats("activation_alpha");
        var betas = a.Floats("activation_beta");
        var functions = new Func<Tensor, Tensor>[names.Length];
        for (int i = 0; i < names.Length; i++)
            functions[i] = Activation(node, names[i], alphas is not null && i < alphas.Length ? alphas[i] : null, betas is not null && i < betas.Length ? betas[i] : null);
        float? clip = a.Has("clip") ? a.Float("clip", 0f) : null;
        node.Require(clip is null or > 0f, $"{node.OpType}: clip must be positive");
        bool coupled = cell == Cell.Lstm && a.Int("input_forget", 0) != 0;
        bool linearBeforeReset = cell == Cell.Gru && a.Int("linear_before_reset", 0) != 0;
        bool batchMajor = a.Int("layout", 0) != 0;
        var spec = new Spec(cell, hidden, direction, functions, defaults.Length, clip, coupled, linearBeforeReset);
        return inputs => Run(spec, inputs, batchMajor, node.OpType);
    }

    private sealed record Spec(Cell Cell, int Hidden, string Direction, Func<Tensor, Tensor>[] Functions, int FunctionsPerDirection,
        float? Clip, bool Coupled, bool LinearBeforeReset);

    private static Func<Tensor, Tensor> Activation(OnnxNodeContext node, string name, float? alpha, float? beta) => name.ToLowerInvariant() switch
    {
        "sigmoid" => Ops.Sigmoid,
        "tanh" => Ops.Tanh,
        "relu" => Ops.Relu,
        "softsign" => Ops.Softsign,
        "softplus" => Ops.Softplus,
        "affine" => x => Ops.Add(Ops.Multiply(x, alpha ?? 1f), beta ?? 0f),
        "leakyrelu" => x => Ops.LeakyRelu(x, alpha ?? 0.01f),
        "thresholdedrelu" => x => Ops.Multiply(x, Ops.Greater(x, alpha ?? 1f)),
        "scaledtanh" => x => Ops.Multiply(Ops.Tanh(Ops.Multiply(x, beta ?? 1f)), alpha ?? 1f),
        "hardsigmoid" => x => Ops.Clip(Ops.Add(Ops.Multiply(x, alpha ?? 0.2f), beta ?? 0.5f), 0f, 1f),
        "elu" => x => Ops.Elu(x, alpha ?? 1f),
        _ => throw node.Unsupported($"{node.OpType}: activation '{name}' is not one ONNX defines"),
    };

    private static Tensor[] Run(Spec s, Tensor?[] inputs, bool batchMajor, string op)
    {
        var x = inputs.Required(0, op);
        var w = inputs.Required(1, op);
        var r = inputs.Required(2, op);
        var bias = inputs.Optional(3);
        var lengths = inputs.Optional(4);
        var initialH = inputs.Optional(5);
        var initialC = s.Cell == Cell.Lstm ? inputs.Optional(6) : null;
        var peepholes = s.Cell == Cell.Lstm ? inputs.Optional(7) : null;
        if (x.Rank != 3) throw new ArgumentException($"{op}: X must be 3-D; got {x.Shape}.");
        if (batchMajor)
        {
            x = Ops.Permute(x, 1, 0, 2);
            if (initialH is not null) initialH = Ops.Permute(initialH, 1, 0, 2);
            if (initialC is not null) initialC = Ops.Permute(initialC, 1, 0, 2);
        }
        int steps = x.Shape[0], batch = x.Shape[1], gates = (int)s.Cell, h = s.Hidden;
        int directions = s.Direction == "bidirectional" ? 2 : 1;
        if (w.Rank != 3 || w.Shape[0] != directions || w.Shape[1] != gates * h || w.Shape[2] != x.Shape[2])
            throw new ArgumentException($"{op}: W has shape {w.Shape}; [{directions}, {gates * h}, {x.Shape[2]}] is needed.");
        if (r.Rank != 3 || r.Shape[0] != directions || r.Shape[1] != gates * h || r.Shape[2] != h)
            throw new ArgumentException($"{op}: R has shape {r.Shape}; [{directions}, {gates * h}, {h}] is needed.");
        var masks = lengths is null ? null : StepMasks(OnnxValues.Longs(lengths), steps, batch);

        var ys = new Tensor[directions];
        var finalH = new Tensor[directions];
        var finalC = new Tensor[directions];
        for (int d = 0; d < directions; d++)
        {
            bool reverse = s.Direction == "reverse" || d == 1;
            var wd = Ops.Squeeze(Ops.Slice(w, 0, d, d + 1), 0);
            var rd = Ops.Squeeze(Ops.Slice(r, 0, d, d + 1), 0);
            Tensor? wb = null, rb = null;
            if (bias is not null)
            {
                var bd = Ops.Squeeze(Ops.Slice(bias, 0, d, d + 1), 0);
                wb = Ops.Slice(bd, 0, 0, gates * h);
                rb = Ops.Slice(bd, 0, gates * h, 2 * gates * h);
            }
            var projected = Ops.MatMul(x, Ops.Transpose(wd)); // [T, B, G·H]
            if (wb is not null) projected = Ops.Add(projected, wb);
            var state = initialH is null ? Tensor.Zeros(batch, h) : Ops.Squeeze(Ops.Slice(initialH, 0, d, d + 1), 0);
            var cellState = s.Cell != Cell.Lstm ? null : initialC is null ? Tensor.Zeros(batch, h) : Ops.Squeeze(Ops.Slice(initialC, 0, d, d + 1), 0);
            var functions = s.Functions.AsSpan(d * s.FunctionsPerDirection, s.FunctionsPerDirection).ToArray();
            Tensor[]? peep = peepholes is null ? null : Ops.Split(Ops.Squeeze(Ops.Slice(peepholes, 0, d, d + 1), 0), 3, 0);
            var outputs = new Tensor[steps];
            for (int i = 0; i < steps; i++)
            {
                int t = reverse ? steps - 1 - i : i;
                var input = Ops.Squeeze(Ops.Slice(projected, 0, t, t + 1), 0);
                var (next, nextCell) = s.Cell switch
                {
                    Cell.Lstm => LstmStep(s, functions, input, state, cellState!, rd, rb, peep),
                    Cell.Gru => (GruStep(s, functions, input, state, rd, rb), null),
                    _ => (RnnStep(s, functions[0], input, state, rd, rb), (Tensor?)null),
                };
                if (masks is not null)
                {
                    var m = masks[t];
                    var keep = Ops.ReverseSubtract(1f, m);
                    outputs[t] = Ops.Multiply(next, m);
                    state = Ops.Add(outputs[t], Ops.Multiply(state, keep));
                    if (nextCell is not null) cellState = Ops.Add(Ops.Multiply(nextCell, m), Ops.Multiply(cellState!, keep));
                }
                else
                {
                    outputs[t] = next;
                    state = next;
                    if (nextCell is not null) cellState = nextCell;
                }
            }
            ys[d] = steps == 0 ? Tensor.Zeros(0, batch, h) : Ops.Stack(outputs, 0);
            finalH[d] = state;
            if (cellState is not null) finalC[d] = cellState;
        }
        var y = Ops.Stack(ys, 1);                // [T, D, B, H]
        var yh = Ops.Stack(finalH, 0);           // [D, B, H]
        var yc = s.Cell == Cell.Lstm ? Ops.Stack(finalC, 0) : null;
        if (batchMajor)
        {
            y = Ops.Permute(y, 2, 0, 1, 3);      // [B, T, D, H]
            yh = Ops.Permute(yh, 1, 0, 2);       // [B, D, H]
            if (yc is not null) yc = Ops.Permute(yc, 1, 0, 2);
        }
        return yc is null ? [y, yh] : [y, yh, yc];
    }

    /// <summary>For each step, a [B, 1] mask: 1 where the step is within that sequence's length.</summary>
    private static Tensor[] StepMasks(long[] lengths, int steps, int batch)
    {
        if (lengths.Length != batch) throw new ArgumentException($"sequence_lens has {lengths.Length} values for a batch of {batch}.");
        var masks = new Tensor[steps];
        for (int t = 0; t < steps; t++)
        {
            var values = new float[batch];
            for (int b = 0; b < batch; b++) values[b] = t < lengths[b] ? 1f : 0f;
            masks[t] = Tensor.FromArray(values, batch, 1);
        }
        return masks;
    }

    /// <summary>The activation of a gate's pre-activation, clipped first when the node asks.</summary>
    private static Tensor Gated(Spec s, Func<Tensor, Tensor> f, Tensor z) =>
        f(s.Clip is { } c ? Ops.Clip(z, -c, c) : z);

    private static Tensor RnnStep(Spec s, Func<Tensor, Tensor> f, Tensor input, Tensor state, Tensor r, Tensor? rb)
    {
        var z = Ops.Add(input, Ops.MatMul(state, Ops.Transpose(r)));
        if (rb is not null) z = Ops.Add(z, rb);
        return Gated(s, f, z);
    }

    // i, o, f, c in ONNX's order: i = σ(xi + h·Ri + Pi⊙c), f likewise, c' = f⊙c + i⊙g(xc + h·Rc), o = σ(xo + h·Ro + Po⊙c'), h' = o⊙h(c').
    private static (Tensor, Tensor?) LstmStep(Spec s, Func<Tensor, Tensor>[] f, Tensor input, Tensor state, Tensor cell, Tensor r, Tensor? rb, Tensor[]? peep)
    {
        var z = Ops.Add(input, Ops.MatMul(state, Ops.Transpose(r)));
        if (rb is not null) z = Ops.Add(z, rb);
        var parts = Ops.Split(z, 4, 1);
        Tensor zi = parts[0], zo = parts[1], zf = parts[2], zc = parts[3];
        if (peep is not null)
        {
            zi = Ops.Add(zi, Ops.Multiply(peep[0], cell));
            zf = Ops.Add(zf, Ops.Multiply(peep[2], cell));
        }
        var i = Gated(s, f[0], zi);
        var forget = s.Coupled ? Ops.ReverseSubtract(1f, i) : Gated(s, f[0], zf);
        var next = Ops.Add(Ops.Multiply(forget, cell), Ops.Multiply(i, Gated(s, f[1], zc)));
        if (peep is not null) zo = Ops.Add(zo, Ops.Multiply(peep[1], next));
        var o = Gated(s, f[0], zo);
        return (Ops.Multiply(o, f[2](next)), next);
    }

    // z, r, h in ONNX's order: z = σ(xz + h·Rz), r = σ(xr + h·Rr), ĥ = g(xh + (r⊙h)·Rh + Rbh) or, with
    // linear_before_reset, g(xh + r⊙(h·Rh + Rbh)); h' = (1 − z)⊙ĥ + z⊙h.
    private static Tensor GruStep(Spec s, Func<Tensor, Tensor>[] f, Tensor input, Tensor state, Tensor r, Tensor? rb)
    {
        var inputs = Ops.Split(input, 3, 1);
        var weights = Ops.Split(r, 3, 0);
        var biases = rb is null ? null : Ops.Split(rb, 3, 0);
        Tensor Recurrent(Tensor hState, int gate)
        {
            var product = Ops.MatMul(hState, Ops.Transpose(weights[gate]));
            return biases is null ? product : Ops.Add(product, biases[gate]);
        }
        var update = Gated(s, f[0], Ops.Add(inputs[0], Recurrent(state, 0)));
        var reset = Gated(s, f[0], Ops.Add(inputs[1], Recurrent(state, 1)));
        var candidate = s.LinearBeforeReset
            ? Gated(s, f[1], Ops.Add(inputs[2], Ops.Multiply(reset, Recurrent(state, 2))))
            : Gated(s, f[1], Ops.Add(inputs[2], Recurrent(Ops.Multiply(reset, state), 2)));
        return Ops.Add(Ops.Multiply(Ops.ReverseSubtract(1f, update), candidate), Ops.Multiply(update, state));
    }
}
