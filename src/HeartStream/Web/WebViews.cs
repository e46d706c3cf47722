using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Mqtt.Service;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace HeartStream.Web;

/// <summary>How `run` and `demo` attach the web views to their pipeline (one place for both).</summary>
public static class WebViews
{
    /// <summary>Display envelope points per second the bedside view draws.</summary>
    public const int WaveformPointsPerSecond = 50;

    /// <summary>With the views on and no explicit setting, devices emit the bedside view's display envelope.</summary>
    public static void EnableWaveform(LivePipelineOptions options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        var web = new WebOptions();
        configuration.GetSection(WebOptions.SectionName).Bind(web);
        if (web.Enabled && options.WaveformPointsPerSecond == 0 && configuration[$"{LivePipelineOptions.SectionName}:WaveformPointsPerSecond"] is null)
        {
            options.WaveformPointsPerSecond = WaveformPointsPerSecond;
        }
    }

    /// <summary>
    /// Starts the views over <paramref name="station"/> (already a sink of the pipeline); acknowledgements go to the
    /// MQTT service's alert stage, exactly as an MQTT acknowledgement does (none without MQTT: no alert engine runs).
    /// </summary>
    public static async Task<WebServer> StartAsync(WebOptions options, StationState station, MqttPipelineService? mqtt, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(station);
        Func<string, string, bool>? acknowledge = null;
        if (mqtt is not null)
        {
            mqtt.Alerts.AlertAcknowledged += station.MarkAcknowledged;
            if (mqtt.Router is not null)
            {
                mqtt.Router.DeviceTakenOver += station.MarkHandover;
            }

            acknowledge = (alertId, _) => mqtt.Alerts.Acknowledge(alertId); // counted there, as an MQTT acknowledgement is
        }

        WebServer server = await WebServer.StartAsync(options, station, acknowledge, logger, cancellationToken).ConfigureAwait(false);
        WebLog.Listening(logger, server.BaseAddress);
        return server;
    }
}
