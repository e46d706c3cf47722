namespace HeartStream.Hosting;

/// <summary>Answer of a readiness check: ready, or not ready with a short reason for operators (shown by /readyz).</summary>
public readonly record struct ReadinessStatus(bool IsReady, string Reason)
{
    /// <summary>Ready to serve.</summary>
    public static ReadinessStatus Ready { get; } = new(true, "ready");

    /// <summary>Not ready, because of <paramref name="reason"/>.</summary>
    public static ReadinessStatus NotReady(string reason) => new(false, reason);
}
