using Microsoft.Extensions.Logging;

namespace HeartStream.Service;

/// <summary>Source-generated log messages of `heartstream run` (start-up and shutdown only).</summary>
internal static partial class ServiceLog
{
    [LoggerMessage(200, LogLevel.Information, "HTTP endpoints listening at {Address} (/metrics, /healthz, /readyz).")]
    public static partial void Listening(ILogger logger, Uri address);

    [LoggerMessage(201, LogLevel.Information, "Live pipeline started with {Devices} device(s).")]
    public static partial void Started(ILogger logger, int devices);

    [LoggerMessage(202, LogLevel.Information, "Stopping: draining the live pipeline.")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(203, LogLevel.Information, "Every source has ended; stopping.")]
    public static partial void SourcesEnded(ILogger logger);

    [LoggerMessage(204, LogLevel.Error, "The live pipeline failed; stopping with exit code 1.")]
    public static partial void PipelineFailed(ILogger logger, Exception exception);

    [LoggerMessage(205, LogLevel.Information, "Connected to MQTT broker {Host}:{Port} as instance {Instance}; ingesting gateway audio.")]
    public static partial void BrokerConnected(ILogger logger, string host, int port, string instance);

    [LoggerMessage(206, LogLevel.Information, "Segmenter parameters reload {Outcome}: {Message}")]
    public static partial void ParametersReload(ILogger logger, string outcome, string message);

    [LoggerMessage(207, LogLevel.Warning, "{Message}")]
    public static partial void ClassifierSkipped(ILogger logger, string message);

    [LoggerMessage(208, LogLevel.Information, "Live classification: {Models}, every {IntervalSeconds} s per device.")]
    public static partial void ClassifiersLoaded(ILogger logger, string models, double intervalSeconds);

    [LoggerMessage(209, LogLevel.Warning, "{Message}")]
    public static partial void NeuralUnavailable(ILogger logger, string message);

    [LoggerMessage(210, LogLevel.Information, "Live segmenter: {Segmenter}.")]
    public static partial void SegmenterChosen(ILogger logger, string segmenter);

    [LoggerMessage(211, LogLevel.Information, "Model reload accepted: {Message}")]
    public static partial void ModelReloaded(ILogger logger, string message);

    [LoggerMessage(212, LogLevel.Warning, "Model reload rejected: {Message}")]
    public static partial void ModelRejected(ILogger logger, string message);

    /// <summary>One hot-reload attempt: accepted at information level, rejected as a warning.</summary>
    public static void ModelReload(ILogger logger, bool accepted, string message)
    {
        if (accepted)
        {
            ModelReloaded(logger, message);
        }
        else
        {
            ModelRejected(logger, message);
        }
    }
}
