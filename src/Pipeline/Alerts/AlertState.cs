namespace HeartStream.Pipeline.Alerts;

/// <summary>Lifecycle step of one alert episode: exactly one Raised, any number of Updated, at most one Cleared.</summary>
public enum AlertState
{
    /// <summary>The condition held for the onset delay; a new episode (new alert id) begins.</summary>
    Raised,

    /// <summary>The episode is still active and its evidence changed materially (never after acknowledgement).</summary>
    Updated,

    /// <summary>The condition was gone for the clear delay; the episode ends.</summary>
    Cleared,
}
