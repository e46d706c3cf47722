using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using HeartStream.Pipeline.Telemetry;

namespace HeartStream.Pipeline.Tests.Telemetry;

[Collection(AllocationCollection.Name)]
public sealed class PrometheusTextExporterTests
{
    private static readonly KeyValuePair<string, object?> StageA = new("stage", "a");
    private static readonly KeyValuePair<string, object?> DeviceKindX = new("kind", "x");

    [Fact]
    public void Collect_KnownMeasurements_MatchesGoldenText()
    {
        using var meter = new Meter(UniqueMeterName());
        using var exporter = CreateExporter(meter);
        Counter<double> requests = meter.CreateCounter<double>("test_requests", "{request}", "Requests handled.");
        UpDownCounter<int> queue = meter.CreateUpDownCounter<int>("test_queue_items", "{item}", "Items in the queue.");
        Histogram<double> latency = meter.CreateHistogram<double>("test_latency_seconds", "s", "Time taken per item.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.125, 1] });
        Gauge<long> last = meter.CreateGauge<long>("test_last_value", null, "Last value seen.");
        meter.CreateObservableGauge("test_temperature_celsius",
            () => new Measurement<double>(21.5, new KeyValuePair<string, object?>("room", "lab")), "Cel", "Room temperature.");

        requests.Add(2, new KeyValuePair<string, object?>("method", "get"));
        requests.Add(1, new KeyValuePair<string, object?>("method", "get"));
        requests.Add(1, new KeyValuePair<string, object?>("status", "200"), new KeyValuePair<string, object?>("method", "post"));
        queue.Add(5);
        queue.Add(-2);
        foreach (double v in new[] { 0.0625, 0.125, 0.5, 3.0 })
        {
            latency.Record(v, StageA);
        }

        last.Record(9);
        last.Record(7);

        const string expected =
            "# HELP test_last_value Last value seen.\n" +
            "# TYPE test_last_value gauge\n" +
            "test_last_value 7\n" +
            "# HELP test_latency_seconds Time taken per item.\n" +
            "# TYPE test_latency_seconds histogram\n" +
            "test_latency_seconds_bucket{stage=\"a\",le=\"0.125\"} 2\n" +
            "test_latency_seconds_bucket{stage=\"a\",le=\"1\"} 3\n" +
            "test_latency_seconds_bucket{stage=\"a\",le=\"+Inf\"} 4\n" +
            "test_latency_seconds_sum{stage=\"a\"} 3.6875\n" +
            "test_latency_seconds_count{stage=\"a\"} 4\n" +
            "# HELP test_queue_items Items in the queue.\n" +
            "# TYPE test_queue_items gauge\n" +
            "test_queue_items 3\n" +
            "# HELP test_requests_total Requests handled.\n" +
            "# TYPE test_requests_total counter\n" +
            "test_requests_total{method=\"get\"} 3\n" +
            "test_requests_total{method=\"post\",status=\"200\"} 1\n" +
            "# HELP test_temperature_celsius Room temperature.\n" +
            "# TYPE test_temperature_celsius gauge\n" +
            "test_temperature_celsius{room=\"lab\"} 21.5\n";
        string actual = exporter.Collect();
        Assert.Equal(expected, actual);
        Promtool.AssertValid(actual);
    }

    [Fact]
    public void Collect_LabelValueWithBackslashQuoteNewline_IsEscaped()
    {
        using var meter = new Meter(UniqueMeterName());
        using var exporter = CreateExporter(meter);
        Counter<long> counter = meter.CreateCounter<long>("test.dotted-name", null, "Help with a \\ backslash\nand a newline.");
        counter.Add(1, new KeyValuePair<string, object?>("my-label", "a\\b\"c\nd"));

        string actual = exporter.Collect();

        Assert.Equal(
            "# HELP test_dotted_name_total Help with a \\\\ backslash\\nand a newline.\n" +
            "# TYPE test_dotted_name_total counter\n" +
            "test_dotted_name_total{my_label=\"a\\\\b\\\"c\\nd\"} 1\n",
            actual);
        Promtool.AssertValid(actual);
    }

    [Fact]
    public void Record_SameTagsInAnyOrder_AggregateIntoOneSeries()
    {
        using var meter = new Meter(UniqueMeterName());
        using var exporter = CreateExporter(meter);
        Counter<int> counter = meter.CreateCounter<int>("test_pairs", null, "Pairs.");
        counter.Add(1, StageA, DeviceKindX);
        counter.Add(2, DeviceKindX, StageA);

        Assert.Contains("test_pairs_total{kind=\"x\",stage=\"a\"} 3\n", exporter.Collect(), StringComparison.Ordinal);
    }

    [Fact]
    public void Record_NegativeCounterIncrementOrTooManySeries_IsDroppedAndCounted()
    {
        using var meter = new Meter(UniqueMeterName());
        var options = new PrometheusExporterOptions { IncludeProcessMetrics = false, MaxSeriesPerMetric = 2 };
        options.MeterNames.Clear();
        options.MeterNames.Add(meter.Name);
        using var exporter = new PrometheusTextExporter(options);
        Counter<long> counter = meter.CreateCounter<long>("test_things", null, "Things.");

        counter.Add(-1);
        counter.Add(1, new KeyValuePair<string, object?>("k", "1"));
        counter.Add(1, new KeyValuePair<string, object?>("k", "2"));
        counter.Add(1, new KeyValuePair<string, object?>("k", "3"));

        string text = exporter.Collect();
        Assert.Equal(2, exporter.DroppedMeasurements);
        Assert.DoesNotContain("k=\"3\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("test_things_total -1", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Collect_OtherMeter_IsNotExported()
    {
        using var meter = new Meter(UniqueMeterName());
        using var other = new Meter(UniqueMeterName());
        using var exporter = CreateExporter(meter);
        other.CreateCounter<long>("test_elsewhere", null, "Not ours.").Add(1);

        Assert.Equal(string.Empty, exporter.Collect());
    }

    [Fact]
    public void Histogram_RandomValues_BucketsAreCumulativeAndMatchBruteForce()
    {
        Prop.ForAll<double[]>(raw =>
        {
            double[] values = [.. raw.Where(double.IsFinite)];
            double[] bounds = [-1, 0, 0.5, 2, 100];
            using var meter = new Meter(UniqueMeterName());
            using var exporter = CreateExporter(meter);
            Histogram<double> histogram = meter.CreateHistogram<double>("test_values", null, "Values.",
                advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = bounds });
            foreach (double v in values)
            {
                histogram.Record(v);
            }

            string text = exporter.Collect();
            if (values.Length == 0)
            {
                return !text.Contains("_bucket", StringComparison.Ordinal);
            }

            var buckets = Regex.Matches(text, "^test_values_bucket\\{le=\"([^\"]+)\"\\} (\\d+)$", RegexOptions.Multiline)
                .Select(m => (Le: m.Groups[1].Value == "+Inf" ? double.PositiveInfinity : double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                    Count: long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)))
                .ToArray();
            long count = long.Parse(Regex.Match(text, "^test_values_count (\\d+)$", RegexOptions.Multiline).Groups[1].Value, CultureInfo.InvariantCulture);
            bool shape = buckets.Length == bounds.Length + 1 && double.IsPositiveInfinity(buckets[^1].Le) && buckets[^1].Count == count && count == values.Length;
            bool cumulative = buckets.Zip(buckets.Skip(1)).All(p => p.First.Count <= p.Second.Count);
            bool exact = buckets.All(b => b.Count == values.LongCount(v => v <= b.Le));
            return shape && cumulative && exact;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Record_ZeroOneTwoTags_AllocatesNothingPerMeasurement()
    {
        using var meter = new Meter(UniqueMeterName());
        using var exporter = CreateExporter(meter);
        Counter<long> counter = meter.CreateCounter<long>("test_alloc_items", null, "Items.");
        Counter<double> seconds = meter.CreateCounter<double>("test_alloc_seconds", "s", "Seconds.");
        Histogram<double> histogram = meter.CreateHistogram<double>("test_alloc_latency_seconds", "s", "Latency.");
        UpDownCounter<long> upDown = meter.CreateUpDownCounter<long>("test_alloc_depth", null, "Depth.");
        const int Iterations = 10_000;

        void Run()
        {
            for (int i = 0; i < Iterations; i++)
            {
                counter.Add(1);
                counter.Add(1, StageA);
                counter.Add(1, StageA, DeviceKindX);
                seconds.Add(0.02, StageA);
                histogram.Record(0.003 * (i % 100));
                histogram.Record(0.01, StageA);
                histogram.Record(0.2, StageA, DeviceKindX);
                upDown.Add(i % 2 == 0 ? 1 : -1, DeviceKindX);
            }
        }

        Run(); // creates the series: allocation here is expected, once
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Contains($"test_alloc_items_total{{stage=\"a\"}} {2 * Iterations}\n", exporter.Collect(), StringComparison.Ordinal);
    }

    [Fact]
    public void Record_ConcurrentThreads_LosesNoIncrements()
    {
        using var meter = new Meter(UniqueMeterName());
        using var exporter = CreateExporter(meter);
        Counter<double> counter = meter.CreateCounter<double>("test_parallel", null, "Parallel adds.");
        Histogram<int> histogram = meter.CreateHistogram<int>("test_parallel_sizes", null, "Parallel sizes.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2] });

        Parallel.For(0, 4, _ =>
        {
            for (int i = 0; i < 50_000; i++)
            {
                counter.Add(0.5, StageA);
                histogram.Record(2);
            }
        });

        string text = exporter.Collect();
        Assert.Contains("test_parallel_total{stage=\"a\"} 100000\n", text, StringComparison.Ordinal);
        Assert.Contains("test_parallel_sizes_bucket{le=\"2\"} 200000\n", text, StringComparison.Ordinal);
        Assert.Contains("test_parallel_sizes_sum 400000\n", text, StringComparison.Ordinal);
    }

    private static string UniqueMeterName() => "HeartStream.Tests." + Guid.NewGuid().ToString("N");

    private static PrometheusTextExporter CreateExporter(Meter meter)
    {
        var options = new PrometheusExporterOptions { IncludeProcessMetrics = false };
        options.MeterNames.Clear();
        options.MeterNames.Add(meter.Name);
        return new PrometheusTextExporter(options);
    }
}
