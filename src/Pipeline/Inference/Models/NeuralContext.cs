namespace HeartStream.Pipeline.Inference.Models;

/// <summary>How much of a recording each frame's posteriors may see when a neural segmenter analyses it offline.</summary>
public enum NeuralContext
{
    /// <summary>
    /// As the live service serves the network (<see cref="LiveContextEmissionModel"/>, <see cref="Streaming.NeuralStreamingOptions.Default"/>):
    /// a recording analysed after the fact gets the sounds its live stream got, up to the decoder's heart-rate choice.
    /// The default of <c>heartstream analyze</c>.
    /// </summary>
    Live,

    /// <summary>Overlapping whole windows, tent-averaged (<see cref="OnnxEmissionModel"/>): the most context per frame.</summary>
    Full,
}
