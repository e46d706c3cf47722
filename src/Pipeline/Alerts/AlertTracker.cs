namespace HeartStream.Pipeline.Alerts;

/// <summary>Onset/clear timers and the current episode of one alert type on one device (engine-internal).</summary>
internal sealed class AlertTracker
{
    public bool Active;
    public double PendingSince = double.NaN;
    public double ClearingSince = double.NaN;
    public string? Id;
    public double Onset;
    public double Raised;
    public bool Acknowledged;
    public double LastMetric;
    public double LastMessageTime;
    public int Sequence;
}
