namespace DeepSharp;

/// <summary>One file of a dataset as its publisher distributes it: the file name and its checksum.</summary>
/// <param name="FileName">The name on the publisher's server and on disk, e.g. <c>train-images-idx3-ubyte.gz</c>.</param>
/// <param name="Checksum">The published hash; files found on disk or downloaded are checked against it.</param>
public sealed record DatasetFile(string FileName, Checksum Checksum);
