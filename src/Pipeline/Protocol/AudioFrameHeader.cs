namespace HeartStream.Pipeline.Protocol;

/// <summary>
/// The fixed header of a gateway audio frame (layout in docs/mqtt.md). A value type so parsing allocates nothing.
/// </summary>
/// <param name="HeaderLength">Bytes before the samples (≥ <see cref="AudioFrameCodec.HeaderSize"/>; larger values are future extensions, skipped).</param>
/// <param name="Encoding">Sample encoding.</param>
/// <param name="Channels">Always 1.</param>
/// <param name="SampleRate">Hz, 1000..48000.</param>
/// <param name="Sequence">Per-device frame counter; wraps at 2^32.</param>
/// <param name="DeviceTimestampMicros">Device clock at the first sample, microseconds since the Unix epoch.</param>
/// <param name="SampleCount">Samples in this frame.</param>
public readonly record struct AudioFrameHeader(
    int HeaderLength,
    AudioEncoding Encoding,
    int Channels,
    uint SampleRate,
    uint Sequence,
    long DeviceTimestampMicros,
    uint SampleCount)
{
    /// <summary>Bytes per sample of <see cref="Encoding"/>.</summary>
    public int BytesPerSample => Encoding == AudioEncoding.Pcm16 ? 2 : 4;
}
