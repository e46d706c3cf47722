using System.Collections.Concurrent;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Evaluation;

namespace HeartStream.Training.Models;

/// <summary>
/// Scores an exported segmenter the way it is served: the ONNX bytes run in ORT through <see cref="OnnxEmissionModel"/>
/// (windows, overlap averaging), frame accuracy against the labels, then HSMM decoding and S1/S2 matching at the
/// tolerance on the first recordings. Also collects detected-minus-reference centre differences for the sound offset.
/// </summary>
public static class SegmenterValidation
{
    public static (double FrameAccuracy, double? F1, double MedianOffsetSeconds) Evaluate(
        byte[] onnxModel,
        IReadOnlyList<LabelledRecording> recordings,
        SegmenterParameters decoder,
        int windowFrames,
        int hopFrames,
        int decodeRecordings,
        double toleranceSeconds,
        int channels,
        (int Past, int Future)? context = null)
    {
        ArgumentNullException.ThrowIfNull(recordings);
        ArgumentNullException.ThrowIfNull(decoder);
        using OnnxSession session = OnnxSession.Load(onnxModel, new OnnxSessionOptions { IntraOpThreads = 1 }, "segmenter under training");
        long correct = 0, labelled = 0;
        var scores = new SoundScores[recordings.Count];
        var decoded = new bool[recordings.Count];
        var offsets = new ConcurrentBag<double>();
        object gate = new();
        int maxFrames = Math.Max(16, recordings.Max(r => r.Frames));
        Parallel.For(
            0,
            recordings.Count,
            new ParallelOptions { MaxDegreeOfParallelism = 2 },
            () => (Model: new OnnxEmissionModel(session, windowFrames, hopFrames, context: context), Segmenter: new SpringerSegmenter(maxFrames)),
            (i, _, worker) =>
            {
                LabelledRecording r = recordings[i];
                int frames = r.Frames;
                if (frames == 0)
                {
                    return worker;
                }

                var posteriors = new float[frames * LogisticEmissionModel.States];
                worker.Model.Predict(r.Features.AsSpan(0, frames * channels), posteriors);
                long c = 0, n = 0;
                for (int t = 0; t < frames; t++)
                {
                    if (r.Labels[t] < 0)
                    {
                        continue;
                    }

                    n++;
                    int arg = 0;
                    for (int s = 1; s < LogisticEmissionModel.States; s++)
                    {
                        if (posteriors[(t * LogisticEmissionModel.States) + s] > posteriors[(t * LogisticEmissionModel.States) + arg])
                        {
                            arg = s;
                        }
                    }

                    c += arg == r.Labels[t] ? 1 : 0;
                }

                lock (gate)
                {
                    correct += c;
                    labelled += n;
                }

                if (i < decodeRecordings && frames >= 2)
                {
                    var envelope = new float[frames];
                    for (int t = 0; t < frames; t++)
                    {
                        envelope[t] = r.Features[(t * channels) + (int)FeatureChannel.Homomorphic];
                    }

                    var states = new HeartState[frames];
                    var sounds = new List<HeartSound>();
                    worker.Segmenter.DecodePosteriors(posteriors, envelope, decoder, states, sounds);
                    var single = new SegmentationScoreAccumulator();
                    scores[i] = single.Add(r.Reference, sounds, toleranceSeconds, r.Span);
                    decoded[i] = true;
                    foreach (HeartSound d in sounds)
                    {
                        double best = double.MaxValue;
                        foreach (HeartSound reference in r.Reference)
                        {
                            double diff = d.CentreSeconds - reference.CentreSeconds;
                            if (reference.Type == d.Type && Math.Abs(diff) < Math.Abs(best))
                            {
                                best = diff;
                            }
                        }

                        if (Math.Abs(best) < 0.1)
                        {
                            offsets.Add(best);
                        }
                    }
                }

                return worker;
            },
            _ => { });

        var pool = new SegmentationScoreAccumulator();
        bool any = false;
        for (int i = 0; i < recordings.Count; i++)
        {
            if (decoded[i])
            {
                pool.Add(scores[i]);
                any = true;
            }
        }

        double[] sorted = [.. offsets.Order()];
        double median = sorted.Length == 0 ? 0 : sorted[sorted.Length / 2];
        return (labelled == 0 ? 0 : (double)correct / labelled, any ? pool.Total.Both.F1 : null, median);
    }
}
