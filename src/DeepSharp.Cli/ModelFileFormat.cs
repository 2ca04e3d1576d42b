namespace DeepSharp.Cli;

/// <summary>The kinds of model file <see cref="ModelFile"/> tells apart.</summary>
public enum ModelFileFormat
{
    /// <summary>DeepSharp's own: safetensors weights with the model's JSON in the metadata (<c>Model.Save</c>).</summary>
    DeepSharp,

    /// <summary>An ONNX model (a serialized ModelProto).</summary>
    Onnx,

    /// <summary>A Keras 3 <c>.keras</c> archive (a zip of config.json and model.weights.h5).</summary>
    KerasArchive,

    /// <summary>A Keras 2 <c>.h5</c> file (HDF5).</summary>
    KerasHdf5,
}
