using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Live;
using System.Text.Json;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Mqtt;
using HeartStream.Pipeline.Mqtt.Service;
using HeartStream.Pipeline.Segmentation;
using HeartStream.TestSupport;

namespace HeartStream.IntegrationTests.Service;

/// <summary>Shared set-up of the service tests: the demo's alert profile, the shipped segmenter, sample recordings.</summary>
internal static class ServiceHarness
{
    /// <summary>circor/13918_AV: a real child's heart at about 103 bpm; tachycardic under an adult limit of 100 bpm.</summary>
    public static string FastRecording => Path.Combine(RepoPaths.Samples, "circor", "13918_AV.wav");

    /// <summary>physionet2016/a0035: a normal adult recording at about 67 bpm.</summary>
    public static string NormalRecording => Path.Combine(RepoPaths.Samples, "physionet2016", "a0035.wav");

    /// <summary>The adult profile with the classic 100 bpm tachycardia limit (what <c>heartstream demo</c> uses).</summary>
    public static AlertOptions Adult100()
    {
        AlertProfile profile = AlertProfile.CreateAdult();
        profile.Name = "adult-100";
        profile.TachycardiaRaiseBpm = 100;
        profile.TachycardiaClearBpm = 95;
        var options = new AlertOptions { DefaultProfile = "adult-100" };
        options.Profiles["adult-100"] = profile;
        return options;
    }

    /// <summary>The service's default live analysis: the shipped neural segmenter behind the cross-device batcher.</summary>
    public static NeuralAnalyzerFactory NeuralAnalyzers() =>
        NeuralAnalyzerFactory.Load(new ModelRegistry(RepoPaths.Models).Resolve("segmenter-tcn", FeatureSettings.Default.Hash()));

    public static SegmentationAnalyzerFactory Analyzers() =>
        new(SegmenterParameters.Load(Path.Combine(RepoPaths.Models, "baseline", "segmenter.json")));

    public static (string DeviceId, float[] Samples, int SampleRate) Device(string deviceId, string path)
    {
        WavAudio audio = WavReader.Read(path);
        return (deviceId, audio.Samples, audio.SampleRate);
    }

    public static async Task<MqttConnection> SubscriberAsync(MosquittoBroker broker, string id, string filter, bool persistent = false)
    {
        var client = new MqttConnection(new MqttClientOptions
        {
            Host = broker.Host,
            Port = broker.Port,
            ClientId = id,
            CleanStart = !persistent,
            SessionExpirySeconds = persistent ? 300u : 0u,
        });
        await client.ConnectAsync();
        return client;
    }

    public static MqttClientOptions ServiceOptions(MosquittoBroker broker) => new() { Host = broker.Host, Port = broker.Port };

    public static JsonElement Json(MqttMessageEventArgs message) => JsonDocument.Parse(message.Payload).RootElement.Clone();
}
