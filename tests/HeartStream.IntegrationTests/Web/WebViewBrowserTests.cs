using System.Collections.Concurrent;
using System.Text.Json;
using HeartStream.IntegrationTests.Service;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Mqtt;
using HeartStream.Pipeline.Mqtt.Service;
using HeartStream.TestSupport;
using HeartStream.Web;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace HeartStream.IntegrationTests.Web;

/// <summary>
/// The web views in a real headless Chromium (Debian's, driven by Playwright) against a real service: a real
/// mosquitto, the MQTT pipeline with the neural segmenter, and the gateway simulator streaming real recordings (one a
/// tachycardic child under the adult 100-bpm limit, so a medium-priority alert is raised over MQTT). Set
/// HEARTSTREAM_SCREENSHOTS to a folder to keep screenshots of both views (docs/ holds the committed ones).
/// </summary>
public sealed class WebViewBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly List<IAsyncDisposable> _owned = [];
    private MosquittoBroker _broker = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run scripts/setup.sh (installs Debian chromium)");
        _broker = await MosquittoBroker.StartAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        await _broker.DisposeAsync();
    }

    [Fact]
    public async Task CentralStation_DevicesAppear_AlertOnItsTileInItsColour_AcknowledgedFromThePageReachesMqtt()
    {
        (WebServer web, MqttPipelineService service, string[] devices) = await StartAsync();
        var acks = new ConcurrentQueue<(string AlertId, bool Acknowledged)>();
        MqttConnection observer = Own(await ServiceHarness.SubscriberAsync(_broker, "web-observer", "-"));
        observer.MessageReceived += (_, m) =>
        {
            if (m.Topic.EndsWith("/alert-state", StringComparison.Ordinal) && !m.Payload.IsEmpty)
            {
                foreach (JsonElement a in ServiceHarness.Json(m).GetProperty("active").EnumerateArray())
                {
                    acks.Enqueue((a.GetProperty("alert_id").GetString()!, a.GetProperty("acknowledged").GetBoolean()));
                }
            }
        };
        await observer.SubscribeAsync("heartstream/v1/devices/+/alert-state", 1);

        IPage page = await NewPageAsync();
        var opened = System.Diagnostics.Stopwatch.StartNew();
        await page.GotoAsync(web.BaseAddress.ToString());
        await page.WaitForFunctionAsync($"document.querySelectorAll('article.tile').length === {devices.Length}", null, new PageWaitForFunctionOptions { Timeout = 5000 });
        output.WriteLine($"{devices.Length} tiles after {opened.Elapsed.TotalSeconds:F1} s");

        // The tachycardic child (sim-0001) raises a medium alert over MQTT: its tile shows it, yellow and flashing, on top.
        ILocator alert = page.Locator("article.tile[data-device='sim-0001'] .alert.medium.flash");
        await alert.WaitForAsync(new LocatorWaitForOptions { Timeout = (float)Guard.TotalMilliseconds });
        Assert.Equal("rgb(242, 194, 0)", await alert.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
        Assert.Equal("sim-0001", await page.Locator("article.tile").First.GetAttributeAsync("data-device"));
        string alertId = (await page.Locator("article.tile[data-device='sim-0001']").GetAttributeAsync("data-alert"))!;
        Assert.Contains("tachycardia", alertId, StringComparison.Ordinal);
        Assert.True(service.Alerts.IsActive("sim-0001", Pipeline.Alerts.AlertType.Tachycardia));
        await Screenshot(page, "web-central.png");

        await page.Locator("article.tile[data-device='sim-0001'] button.ack").ClickAsync();
        await UntilAsync(() => acks.Any(a => a.AlertId == alertId && a.Acknowledged), "the acknowledgement on the alert-state topic");
        await page.Locator("article.tile[data-device='sim-0001'] .alert .acked").WaitForAsync(new LocatorWaitForOptions { Timeout = 5000 });
        Assert.Equal(0, await page.Locator("article.tile[data-device='sim-0001'] .alert.flash").CountAsync());
    }

    [Fact]
    public async Task Demo_ItsDevicesAppearInItsCentralStationWithin5Seconds()
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetTempPath(), RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "heartstream.dll"));
        start.ArgumentList.Add("demo");
        start.ArgumentList.Add("--seconds");
        start.ArgumentList.Add("40");
        start.Environment.Remove("HEARTSTREAM_Mqtt__Host");
        start.Environment["HEARTSTREAM_Web__Port"] = "0";
        using var demo = System.Diagnostics.Process.Start(start)!;
        var started = System.Diagnostics.Stopwatch.StartNew();
        var address = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        int devices = 0;
        demo.OutputDataReceived += (_, e) =>
        {
            System.Text.RegularExpressions.Match m = System.Text.RegularExpressions.Regex.Match(e.Data ?? "", @"web views: central station (http://\S+/),");
            if (m.Success)
            {
                address.TrySetResult(m.Groups[1].Value);
            }

            System.Text.RegularExpressions.Match d = System.Text.RegularExpressions.Regex.Match(e.Data ?? "", @" (\d+) simulated device\(s\)");
            if (d.Success)
            {
                devices = int.Parse(d.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        };
        demo.BeginOutputReadLine();
        demo.BeginErrorReadLine();
        try
        {
            string url = await address.Task.WaitAsync(Guard);
            Assert.True(devices > 0, "the demo says how many devices it simulates");
            IPage page = await NewPageAsync();
            var opened = System.Diagnostics.Stopwatch.StartNew();
            await page.GotoAsync(url);
            await page.WaitForFunctionAsync($"document.querySelectorAll('article.tile').length === {devices}", null, new PageWaitForFunctionOptions { Timeout = 5000 });
            output.WriteLine($"{devices} demo tiles {opened.Elapsed.TotalSeconds:F1} s after the page opened, {started.Elapsed.TotalSeconds:F1} s after the demo started");
            Assert.Equal("live", await page.Locator("#connection").TextContentAsync());
        }
        finally
        {
            demo.Kill(entireProcessTree: true);
            await demo.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Bedside_WaveformAdvances_WithS1AndS2Marked()
    {
        (WebServer web, _, _) = await StartAsync();
        IPage page = await NewPageAsync();
        await page.GotoAsync(web.BaseAddress + "bedside#sim-0002");
        ILocator canvas = page.Locator("#waveform");
        await page.WaitForFunctionAsync("Number(document.getElementById('waveform').dataset.marks || 0) >= 4", null, new PageWaitForFunctionOptions { Timeout = (float)Guard.TotalMilliseconds });
        double first = double.Parse((await canvas.GetAttributeAsync("data-head"))!, System.Globalization.CultureInfo.InvariantCulture);
        await page.WaitForFunctionAsync($"Number(document.getElementById('waveform').dataset.head) > {first + 1}", null, new PageWaitForFunctionOptions { Timeout = 10_000 });
        Assert.NotEqual("--", await page.Locator("#hr").TextContentAsync());

        // S1 and S2 are both marked (the canvas draws labels from the beats the stream sent).
        string beats = await page.EvaluateAsync<string>("() => [...new Set(beats.map(b => b.type))].sort().join(',')");
        Assert.Equal("S1,S2", beats);
        await Screenshot(page, "web-bedside.png");
    }

    [Fact]
    public async Task OffLoopback_WithoutUsers_RefusesToStart_AndWithUsersAPageWithoutCredentialsIsRefused()
    {
        var open = new WebOptions { BindAddress = "0.0.0.0", Port = 0 };
        OptionsValidationException refused = await Assert.ThrowsAsync<OptionsValidationException>(
            () => WebServer.StartAsync(open, new StationState(), null, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));
        Assert.Contains("Web:Users", refused.Message, StringComparison.Ordinal);

        var options = new WebOptions
        {
            BindAddress = "0.0.0.0",
            Port = 0,
            RequireTls = false,
            Users = [new WebUser { Name = "nurse", PasswordHash = WebPassword.Hash("correct horse", 20_000) }],
        };
        WebServer web = Own(await WebServer.StartAsync(options, new StationState(), null, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));
        string local = $"http://127.0.0.1:{web.BaseAddress.Port}/";
        // Without credentials: 401 with a basic challenge (the browser, unable to ask anyone, gives up on the page).
        IAPIRequestContext http = await _playwright.APIRequest.NewContextAsync();
        IAPIResponse denied = await http.GetAsync(local);
        Assert.Equal(401, denied.Status);
        Assert.StartsWith("Basic", denied.Headers["www-authenticate"], StringComparison.Ordinal);
        Assert.Equal(401, (await http.GetAsync(local + "api/station")).Status);
        await http.DisposeAsync();
        IPage anonymous = await _browser.NewPageAsync();
        PlaywrightException notShown = await Assert.ThrowsAsync<PlaywrightException>(() => anonymous.GotoAsync(local));
        Assert.Matches("ERR_(INVALID_AUTH_CREDENTIALS|HTTP_RESPONSE_CODE_FAILURE)", notShown.Message);

        IAPIRequestContext wrong = await _playwright.APIRequest.NewContextAsync(new APIRequestNewContextOptions { HttpCredentials = new HttpCredentials { Username = "nurse", Password = "wrong" } });
        Assert.Equal(401, (await wrong.GetAsync(local)).Status);
        await wrong.DisposeAsync();

        await using IBrowserContext nurse = await _browser.NewContextAsync(new BrowserNewContextOptions { HttpCredentials = new HttpCredentials { Username = "nurse", Password = "correct horse" } });
        IPage page = await nurse.NewPageAsync();
        IResponse? allowed = await page.GotoAsync(local);
        Assert.Equal(200, allowed!.Status);
        Assert.Equal("HeartStream central station", await page.TitleAsync());
    }

    private async Task<(WebServer Web, MqttPipelineService Service, string[] Devices)> StartAsync()
    {
        NeuralAnalyzerFactory neural = ServiceHarness.NeuralAnalyzers();
        var station = new StationState();
        MqttPipelineService service = Own(await MqttPipelineService.StartAsync(
            ServiceHarness.ServiceOptions(_broker), "it-web", ServiceHarness.Adult100(), new LivePipelineOptions { WaveformPointsPerSecond = WebViews.WaveformPointsPerSecond }, neural, [station]));
        WebServer web = Own(await WebViews.StartAsync(new WebOptions { Port = 0 }, station, service, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None));
        MqttConnection gateway = Own(await ServiceHarness.SubscriberAsync(_broker, "web-gw", "-"));
        (string, float[], int)[] devices =
        [
            ServiceHarness.Device("sim-0001", ServiceHarness.FastRecording),
            ServiceHarness.Device("sim-0002", ServiceHarness.NormalRecording),
            ServiceHarness.Device("sim-0003", ServiceHarness.NormalRecording),
        ];
        var simulator = new GatewaySimulator(gateway, devices, speed: 2);
        var stop = new CancellationTokenSource();
        Task running = simulator.RunAsync(stop.Token);
        _owned.Add(new AsyncDisposer(async () =>
        {
            await stop.CancelAsync();
            await running;
            stop.Dispose();
            neural.Dispose();
        }));
        await UntilAsync(() => station.DeviceCount == devices.Length, "every device seen by the service");
        return (web, service, [.. devices.Select(d => d.Item1)]);
    }

    /// <summary>A page whose test-side waits may evaluate expressions (the views' Content-Security-Policy forbids eval).</summary>
    private async Task<IPage> NewPageAsync()
    {
        IBrowserContext context = await _browser.NewContextAsync(new BrowserNewContextOptions { BypassCSP = true });
        _owned.Add(context);
        return await context.NewPageAsync();
    }

    private async Task Screenshot(IPage page, string name)
    {
        string? folder = Environment.GetEnvironmentVariable("HEARTSTREAM_SCREENSHOTS");
        if (!string.IsNullOrEmpty(folder))
        {
            await page.SetViewportSizeAsync(1280, 800);
            await Task.Delay(1500); // a few more updates drawn
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name) });
            output.WriteLine($"screenshot {Path.Combine(folder, name)}");
        }
    }

    private T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        DateTime end = DateTime.UtcNow + Guard;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < end, $"timed out waiting for: {what}");
            await Task.Delay(50);
        }
    }

    private sealed class AsyncDisposer(Func<Task> dispose) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await dispose();
    }
}
