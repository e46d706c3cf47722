namespace HeartStream.TestSupport;

/// <summary>How <see cref="MosquittoBroker"/> configures its private mosquitto.</summary>
public sealed class MosquittoBrokerOptions
{
    /// <summary>Path of the broker executable (Debian package mosquitto).</summary>
    public string Executable { get; set; } = "/usr/sbin/mosquitto";

    /// <summary>Keep sessions and queued messages in the temp folder across a graceful stop (SIGTERM) and restart.</summary>
    public bool Persistence { get; set; }

    /// <summary>
    /// QoS&gt;0 messages the broker queues per client beyond those in flight. mosquitto's default (1000) silently
    /// drops messages for a subscriber that falls behind a burst; 0 means no limit.
    /// </summary>
    public int MaxQueuedMessages { get; set; } = 100_000;

    /// <summary>Extra mosquitto.conf lines appended after the listener line (e.g. TLS files, password_file).</summary>
    public IList<string> ListenerConfig { get; } = [];

    /// <summary>False when <see cref="ListenerConfig"/> sets up authentication.</summary>
    public bool AllowAnonymous { get; set; } = true;

    /// <summary>How long to wait for the broker to report it is running.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
