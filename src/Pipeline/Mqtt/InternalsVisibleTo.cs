using System.Runtime.CompilerServices;

// The integration tests use MosquittoClient.SimulateConnectionLoss to cut a connection the way a crash would.
[assembly: InternalsVisibleTo("HeartStream.IntegrationTests")]
