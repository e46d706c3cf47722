using Microsoft.ML.OnnxRuntime;

namespace HeartStream.Pipeline.Inference;

/// <summary>
/// What makes <see cref="OnnxSession"/>'s preallocated Run free of managed allocations on top of the managed ORT API:
/// a slot is a pinned input and output buffer of one shape pair, wrapped once as <see cref="OrtValue"/>s and bound once
/// to an <see cref="OrtIoBinding"/>. A Run rents an idle slot of its shapes (one is made on first use), copies in, runs
/// the binding, copies out and returns it. Concurrent Runs of one shape each get their own slot. A live model sees a
/// handful of shapes (batch sizes up to the batcher's maximum), so the pool stays small; past
/// <see cref="MaxIdleSlots"/> the oldest idle slot is freed.
/// </summary>
internal sealed class OnnxRunSlots : IDisposable
{
    /// <summary>Idle slots kept at most (each a few hundred KB at a batch of 64 windows of 4 x 256 frames).</summary>
    internal const int MaxIdleSlots = 128;

    private const int MaxRank = 16;

    private readonly InferenceSession _session;
    private readonly List<Slot> _idle = [];
    private bool _disposed;

    internal OnnxRunSlots(InferenceSession session) => _session = session;

    /// <summary>Number of idle slots (for tests).</summary>
    internal int IdleCount
    {
        get
        {
            lock (_idle)
            {
                return _idle.Count;
            }
        }
    }

    internal Slot Rent(int inputIndex, ReadOnlySpan<long> inputShape, int outputIndex, ReadOnlySpan<long> outputShape)
    {
        lock (_idle)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            for (int i = _idle.Count - 1; i >= 0; i--)
            {
                Slot slot = _idle[i];
                if (slot.Matches(inputIndex, inputShape, outputIndex, outputShape))
                {
                    _idle.RemoveAt(i);
                    return slot;
                }
            }
        }

        return new Slot(_session, inputIndex, inputShape.ToArray(), outputIndex, outputShape.ToArray());
    }

    internal void Return(Slot slot)
    {
        Slot? evicted = null;
        lock (_idle)
        {
            if (_disposed)
            {
                evicted = slot;
            }
            else
            {
                _idle.Add(slot);
                if (_idle.Count > MaxIdleSlots)
                {
                    evicted = _idle[0];
                    _idle.RemoveAt(0);
                }
            }
        }

        evicted?.Dispose();
    }

    public void Dispose()
    {
        Slot[] idle;
        lock (_idle)
        {
            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
        }

        foreach (Slot slot in idle)
        {
            slot.Dispose();
        }
    }

    internal static long CheckedElementCount(ReadOnlySpan<long> shape, string name)
    {
        if (shape.Length > MaxRank)
        {
            throw new ArgumentException($"Tensor '{name}' has rank {shape.Length}; at most {MaxRank} is supported.");
        }

        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Tensor '{name}' has a negative dimension ({d}); give concrete sizes when running.");
            }

            count = checked(count * d);
        }

        if (count > int.MaxValue)
        {
            throw new ArgumentException($"Tensor '{name}' has {count} elements, more than a managed buffer can hold.");
        }

        return count;
    }

    /// <summary>One pinned input/output pair of fixed shapes, bound to the session.</summary>
    internal sealed class Slot : IDisposable
    {
        private readonly int _inputIndex;
        private readonly long[] _inputShape;
        private readonly int _outputIndex;
        private readonly long[] _outputShape;
        private readonly float[] _input;
        private readonly float[] _output;
        private readonly OrtValue _inputValue;
        private readonly OrtValue _outputValue;

        internal Slot(InferenceSession session, int inputIndex, long[] inputShape, int outputIndex, long[] outputShape)
        {
            _inputIndex = inputIndex;
            _inputShape = inputShape;
            _outputIndex = outputIndex;
            _outputShape = outputShape;
            _input = GC.AllocateArray<float>((int)CheckedElementCount(inputShape, "input"), pinned: true);
            _output = GC.AllocateArray<float>((int)CheckedElementCount(outputShape, "output"), pinned: true);
            _inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _input.AsMemory(), inputShape);
            _outputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _output.AsMemory(), outputShape);
            Binding = session.CreateIoBinding();
            Binding.BindInput(session.InputNames[inputIndex], _inputValue);
            Binding.BindOutput(session.OutputNames[outputIndex], _outputValue);
        }

        internal OrtIoBinding Binding { get; }

        internal Span<float> Input => _input;

        internal ReadOnlySpan<float> Output => _output;

        internal bool Matches(int inputIndex, ReadOnlySpan<long> inputShape, int outputIndex, ReadOnlySpan<long> outputShape) =>
            inputIndex == _inputIndex && outputIndex == _outputIndex
            && inputShape.SequenceEqual(_inputShape) && outputShape.SequenceEqual(_outputShape);

        public void Dispose()
        {
            Binding.Dispose();
            _inputValue.Dispose();
            _outputValue.Dispose();
        }
    }
}
