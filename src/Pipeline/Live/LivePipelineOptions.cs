namespace HeartStream.Pipeline.Live;

/// <summary>
/// Sizes and rates of the live pipeline; bound from the "Pipeline" configuration section
/// (HEARTSTREAM_Pipeline__CaptureQueueChunks etc.) and validated at start-up.
/// </summary>
public sealed class LivePipelineOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Pipeline";

    /// <summary>
    /// Chunks each device's capture channel holds before the oldest is dropped (with the chunk length, how much audio a
    /// device may run ahead of its analysis: 64 × 100 ms = 6.4 s). 64 rather than 32 because a cold start of 1,000
    /// devices at once kept the process up to ~3.5 s behind while the devices were set up: with 3.2 s, 3 of 10 such
    /// starts lost 0.1–0.6 s at the start of some streams; with 6.4 s none of 8 did (`bench streams --count 1000`,
    /// docs/PERFORMANCE.md). It costs 32 more pooled chunks per device (51 KB at 4 kHz), and only a device already behind
    /// waits longer.
    /// </summary>
    public int CaptureQueueChunks { get; set; } = 64;

    /// <summary>
    /// Request ONNX Runtime's CUDA execution provider for the neural models (HEARTSTREAM_Pipeline__UseCuda=true). It
    /// needs the CUDA build (<c>dotnet build -p:HeartStreamCuda=true</c>, docs/operations.md) and a CUDA 13 / cuDNN 9
    /// machine; otherwise the models run on CPU and one line at start-up says why.
    /// </summary>
    public bool UseCuda { get; set; }

    /// <summary>
    /// Most devices streaming to this instance at once (gateway ingest): audio from one more device id is refused and
    /// counted (<c>heartstream_capture_rejected_frames_total{reason="device_limit"}</c>) so a flood of new ids cannot
    /// exhaust the instance; the devices already streaming are not affected. 2048 is above the ~1,200 devices one
    /// 2-core instance keeps up with (docs/PERFORMANCE.md): the limit guards memory, capacity is planned by sharding.
    /// </summary>
    public int MaxDevices { get; set; } = 2048;

    /// <summary>
    /// A gateway device that has sent nothing for this long is ended as if it had stopped (status offline, its alerts
    /// cleared) and its place under <see cref="MaxDevices"/> freed; it rejoins with its next frame. 600 s is far past
    /// the device-signal-lost alarm, so that technical alarm has been raised and seen first. 0 = never.
    /// </summary>
    public int IdleDeviceSeconds { get; set; } = 600;

    /// <summary>
    /// Most audio one gateway device may send, in seconds of audio per wall-clock second (a real device sends 1; a
    /// gateway catching up after a reconnect more). Frames beyond it, once <see cref="DeviceAudioBurstSeconds"/> are
    /// used up, are dropped and counted (reason <c>rate_limit</c>), so one device cannot take the instance's CPU from
    /// the others. 0 = no limit.
    /// </summary>
    public double DeviceAudioRateLimit { get; set; } = 4;

    /// <summary>Audio a device may send at once above <see cref="DeviceAudioRateLimit"/> (a gateway's backlog), in seconds.</summary>
    public double DeviceAudioBurstSeconds { get; set; } = 60;

    /// <summary>
    /// Above 0: every device also emits a display envelope of its audio (<see cref="Events.WaveformEvent"/>, this many
    /// peaks per second, two blocks a second) for the web bedside view; 0 = none. `run` and `demo` set 50 when the web
    /// view is on.
    /// </summary>
    public int WaveformPointsPerSecond { get; set; }

    /// <summary>Length of a capture chunk (one source read at most), in milliseconds of device audio.</summary>
    public int ChunkMilliseconds { get; set; } = 100;

    /// <summary>Events the shared events channel holds before analysis waits for the sinks.</summary>
    public int EventQueueCapacity { get; set; } = 4096;

    /// <summary>Stream seconds between two vitals events of a device.</summary>
    public double VitalsIntervalSeconds { get; set; } = 1.0;

    /// <summary>Trailing window the vitals are computed over, in seconds.</summary>
    public double VitalsWindowSeconds { get; set; } = 10.0;

    /// <summary>
    /// Streaming decoder look-ahead in seconds (0 = the decoder's default, 2 s): a sound is final this long after its
    /// end. Lower means less latency and less agreement with the offline analysis.
    /// </summary>
    public double DecoderLookaheadSeconds { get; set; }

    /// <summary>Seconds of new audio between two streaming decodes (0 = the decoder's default). Latency grows by up to one step.</summary>
    public double DecoderStepSeconds { get; set; }

    /// <summary>Neural segmenter: frames per live window (0 = the default of <c>NeuralStreamingOptions</c>).</summary>
    public int NeuralWindowFrames { get; set; }

    /// <summary>Neural segmenter: new frames between windows (0 = the default).</summary>
    public int NeuralHopFrames { get; set; }

    /// <summary>Neural segmenter: future frames a frame needs in its window before its posteriors are used (-1 = the default).</summary>
    public int NeuralLookaheadFrames { get; set; } = -1;

    /// <summary>Neural segmenter: least future frames of a window averaged into a frame's posteriors (-1 = one window; null = the default).</summary>
    public int? NeuralAveragingLookaheadFrames { get; set; }

    /// <summary>Neural segmenter: least mean posterior of a decoded sound's type for it to be reported (0 = every decoded sound; null = the default).</summary>
    public double? NeuralMinSoundPosterior { get; set; }

    /// <summary>Segmenter parameters JSON; empty = the shipped baseline next to the executable.</summary>
    public string SegmenterParameters { get; set; } = "";

    /// <summary>
    /// Live segmenter: "neural" (the registered neural segmenter through the cross-device batched ONNX stage; the
    /// baseline when it cannot load) or "baseline" (the per-device logistic model of <see cref="SegmenterParameters"/>).
    /// </summary>
    public string Segmenter { get; set; } = "neural";

    /// <summary>
    /// Vitals count a decoded sound only when the audio around it stands out of the stream's own noise (adaptive
    /// signal/noise peak thresholds), so a stethoscope on a silent chest reads "no heart sounds" instead of the decoder's
    /// best-fitting rhythm in the noise. Chosen from `heartstream bench alerts` (docs/ALERTS.md).
    /// </summary>
    public bool HeardBeatGate { get; set; }

    /// <summary>Problems with these options, each a sentence naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (CaptureQueueChunks is < 2 or > 10_000)
        {
            errors.Add($"{SectionName}:CaptureQueueChunks must be 2..10000; got {CaptureQueueChunks}.");
        }

        if (MaxDevices is < 1 or > 100_000)
        {
            errors.Add($"{SectionName}:MaxDevices must be 1..100000; got {MaxDevices}.");
        }

        if (IdleDeviceSeconds is < 0 or > 86_400)
        {
            errors.Add($"{SectionName}:IdleDeviceSeconds must be 0..86400 (0 = never); got {IdleDeviceSeconds}.");
        }

        if (!(DeviceAudioRateLimit >= 0 && DeviceAudioRateLimit <= 1000))
        {
            errors.Add($"{SectionName}:DeviceAudioRateLimit must be 0..1000 seconds of audio per second (0 = off); got {DeviceAudioRateLimit}.");
        }

        if (!(DeviceAudioBurstSeconds >= 1 && DeviceAudioBurstSeconds <= 3600))
        {
            errors.Add($"{SectionName}:DeviceAudioBurstSeconds must be 1..3600; got {DeviceAudioBurstSeconds}.");
        }

        if (ChunkMilliseconds is < 5 or > 2000)
        {
            errors.Add($"{SectionName}:ChunkMilliseconds must be 5..2000; got {ChunkMilliseconds}.");
        }

        if (WaveformPointsPerSecond is < 0 or > 1000)
        {
            errors.Add($"{SectionName}:WaveformPointsPerSecond must be 0..1000 (0 = none); got {WaveformPointsPerSecond}.");
        }

        if (EventQueueCapacity is < 1 or > 1_000_000)
        {
            errors.Add($"{SectionName}:EventQueueCapacity must be 1..1000000; got {EventQueueCapacity}.");
        }

        if (!(VitalsIntervalSeconds >= 0.1 && VitalsIntervalSeconds <= 60))
        {
            errors.Add($"{SectionName}:VitalsIntervalSeconds must be 0.1..60; got {VitalsIntervalSeconds}.");
        }

        if (!(VitalsWindowSeconds >= VitalsIntervalSeconds && VitalsWindowSeconds <= 60))
        {
            errors.Add($"{SectionName}:VitalsWindowSeconds must be between VitalsIntervalSeconds and 60; got {VitalsWindowSeconds}.");
        }

        if (!(DecoderLookaheadSeconds >= 0 && DecoderLookaheadSeconds <= 2))
        {
            errors.Add($"{SectionName}:DecoderLookaheadSeconds must be 0 (default) .. 2; got {DecoderLookaheadSeconds}.");
        }

        if (!(DecoderStepSeconds >= 0 && DecoderStepSeconds <= 5))
        {
            errors.Add($"{SectionName}:DecoderStepSeconds must be 0 (default) .. 5; got {DecoderStepSeconds}.");
        }

        if (NeuralWindowFrames is < 0 or > 4096)
        {
            errors.Add($"{SectionName}:NeuralWindowFrames must be 0 (default) .. 4096; got {NeuralWindowFrames}.");
        }

        if (NeuralHopFrames is < 0 or > 4096)
        {
            errors.Add($"{SectionName}:NeuralHopFrames must be 0 (default) .. 4096; got {NeuralHopFrames}.");
        }

        if (NeuralLookaheadFrames is < -1 or > 4096)
        {
            errors.Add($"{SectionName}:NeuralLookaheadFrames must be -1 (default) .. 4096; got {NeuralLookaheadFrames}.");
        }

        if (NeuralMinSoundPosterior is double posterior && !(posterior is >= 0 and < 1))
        {
            errors.Add($"{SectionName}:NeuralMinSoundPosterior must lie in 0..1 (exclusive); got {NeuralMinSoundPosterior}.");
        }

        if (NeuralAveragingLookaheadFrames is < -1 or > 4096)
        {
            errors.Add($"{SectionName}:NeuralAveragingLookaheadFrames must be -1 (one window) .. 4096 or unset (default); got {NeuralAveragingLookaheadFrames}.");
        }

        if (Segmenter is not ("neural" or "baseline"))
        {
            errors.Add($"{SectionName}:Segmenter must be 'neural' or 'baseline'; got '{Segmenter}'.");
        }

        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem.</summary>
    public void ThrowIfInvalid()
    {
        IReadOnlyList<string> errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors));
        }
    }
}
