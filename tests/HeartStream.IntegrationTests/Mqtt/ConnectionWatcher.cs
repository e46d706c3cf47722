using HeartStream.Pipeline.Mqtt;

namespace HeartStream.IntegrationTests.Mqtt;

/// <summary>Lets a test await the next Connected / Disconnected event of a client.</summary>
internal sealed class ConnectionWatcher
{
    private readonly Lock _gate = new();
    private TaskCompletionSource<MqttConnectionEventArgs> _connected = New();
    private TaskCompletionSource<MqttConnectionEventArgs> _disconnected = New();

    public ConnectionWatcher(MqttConnection client)
    {
        client.Connected += (_, e) =>
        {
            lock (_gate)
            {
                _connected.TrySetResult(e);
            }
        };
        client.Disconnected += (_, e) =>
        {
            lock (_gate)
            {
                _disconnected.TrySetResult(e);
            }
        };
    }

    /// <summary>Forget earlier events; the next Wait* calls see only later ones.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _connected = New();
            _disconnected = New();
        }
    }

    public Task<MqttConnectionEventArgs> NextConnected()
    {
        lock (_gate)
        {
            return _connected.Task.WaitAsync(MessageCollector.Guard);
        }
    }

    public Task<MqttConnectionEventArgs> NextDisconnected()
    {
        lock (_gate)
        {
            return _disconnected.Task.WaitAsync(MessageCollector.Guard);
        }
    }

    private static TaskCompletionSource<MqttConnectionEventArgs> New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
