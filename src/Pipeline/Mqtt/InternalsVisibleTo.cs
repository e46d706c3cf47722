using System.Runtime.CompilerServices;

// The integration tests use MqttConnection.SimulateConnectionLossAsync to end a connection the way a crash would.
[assembly: InternalsVisibleTo("HeartStream.IntegrationTests")]
