namespace DeepSharp;

/// <summary>
/// How an augmented image is filled where its transform reads outside the input (Keras' <c>fill_mode</c>),
/// shown for a row <c>abcd</c>.
/// </summary>
public enum FillMode
{
    /// <summary><c>aaaa|abcd|dddd</c>: the nearest edge pixel (Keras' default).</summary>
    Nearest,

    /// <summary><c>kkkk|abcd|kkkk</c>: a constant value k (the generator's <c>cval</c>).</summary>
    Constant,

    /// <summary><c>dcba|abcd|dcba</c>: the image mirrored about its edges, edge pixels repeated.</summary>
    Reflect,

    /// <summary><c>abcd|abcd|abcd</c>: the image repeated periodically.</summary>
    Wrap,
}
