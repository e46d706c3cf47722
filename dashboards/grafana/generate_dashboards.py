#!/usr/bin/env python3
"""Writes heartstream-fleet.json and heartstream-pipeline.json (Grafana 10/11, schemaVersion 39).

Why a generator: both dashboards share the datasource/instance variables, the datasource reference on every
panel and target, and the grid layout; writing them from one place keeps them consistent. The JSON files are
committed and are what Grafana imports; after editing this script, run it and commit both outputs:

    python3 dashboards/grafana/generate_dashboards.py

Every PromQL expression here is checked by tests/HeartStream.IntegrationTests/Dashboards against a real
Prometheus, and every metric name against docs/metrics.md.
"""
import json
import pathlib

DS = {"type": "prometheus", "uid": "${datasource}"}
INST = 'instance=~"$instance"'
RI = "$__rate_interval"
# Process metrics are generic names every exporter uses; "and on (instance, job)" keeps only targets that also
# export HeartStream's own metrics, so the panels stay right even if the instance variable matches other jobs.
IS_HEARTSTREAM = "and on (instance, job) heartstream_mqtt_broker_connected"


class Layout:
    """Places panels left to right on Grafana's 24-column grid and starts rows."""

    def __init__(self):
        self.panels = []
        self.x = 0
        self.y = 0
        self.row_height = 0
        self.next_id = 1

    def _id(self):
        value = self.next_id
        self.next_id += 1
        return value

    def row(self, title):
        self._newline()
        self.panels.append({"type": "row", "title": title, "id": self._id(), "collapsed": False,
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.y += 1

    def _newline(self):
        if self.x > 0:
            self.y += self.row_height
            self.x = 0
            self.row_height = 0

    def add(self, panel, w, h):
        if self.x + w > 24:
            self._newline()
        panel["id"] = self._id()
        panel["gridPos"] = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.panels.append(panel)
        self.x += w
        self.row_height = max(self.row_height, h)


def target(expr, legend="__auto", ref="A", instant=False, fmt="time_series"):
    return {"datasource": DS, "editorMode": "code", "expr": expr, "legendFormat": legend, "refId": ref,
            "range": not instant, "instant": instant, "format": fmt}


def targets(*pairs):
    return [target(expr, legend, chr(ord("A") + i)) for i, (expr, legend) in enumerate(pairs)]


def timeseries(title, description, tgts, unit="short", minimum=0, maximum=None, thresholds=None, stack=False):
    defaults = {
        "unit": unit,
        "color": {"mode": "palette-classic"},
        "custom": {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never",
                   "spanNulls": False, "stacking": {"mode": "normal" if stack else "none", "group": "A"},
                   "thresholdsStyle": {"mode": "line+area" if thresholds else "off"}},
        "thresholds": {"mode": "absolute", "steps": thresholds or [{"color": "green", "value": None}]},
    }
    if minimum is not None:
        defaults["min"] = minimum
    if maximum is not None:
        defaults["max"] = maximum
    return {"type": "timeseries", "title": title, "description": description, "datasource": DS,
            "targets": tgts, "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                        "tooltip": {"mode": "multi", "sort": "desc"}}}


def stat(title, description, expr, unit="short", thresholds=None, mappings=None, decimals=None):
    defaults = {"unit": unit, "color": {"mode": "thresholds"}, "mappings": mappings or [],
                "thresholds": {"mode": "absolute", "steps": thresholds or [{"color": "green", "value": None}]}}
    if decimals is not None:
        defaults["decimals"] = decimals
    return {"type": "stat", "title": title, "description": description, "datasource": DS,
            "targets": [target(expr, legend="__auto")],
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "colorMode": "value", "graphMode": "area", "justifyMode": "auto",
                        "orientation": "auto", "textMode": "auto"}}


def variables(extra=()):
    return {"list": [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
         "current": {}, "hide": 0, "includeAll": False, "multi": False, "options": [], "refresh": 1, "regex": ""},
        query_variable("instance", "Instance", "label_values(heartstream_devices_active, instance)"),
        *extra,
    ]}


def query_variable(name, label, definition, all_value=None):
    # Without a custom allValue "All" becomes a regex of the values found: for instance that keeps generic metrics
    # (process_*, up) to HeartStream targets. Device labels exist only on HeartStream's gauges, so ".*" is safe
    # there and keeps the regex short for a fleet of up to 1024 devices.
    variable = {"name": name, "label": label, "type": "query", "datasource": DS, "definition": definition,
            "query": {"query": definition, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
            "hide": 0, "includeAll": True, "multi": True, "options": [], "refresh": 2, "regex": "", "sort": 1}
    if all_value is not None:
        variable["allValue"] = all_value
    return variable


def dashboard(uid, title, description, layout, templating):
    return {
        "__requires": [
            {"type": "grafana", "id": "grafana", "name": "Grafana", "version": "10.4.0"},
            {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"},
        ],
        "annotations": {"list": [{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True, "hide": True,
            "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard"}]},
        "description": description,
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "id": None,
        "links": [{"title": "HeartStream", "type": "dashboards", "tags": ["heartstream"], "asDropdown": True,
                   "includeVars": True, "keepTime": True, "icon": "external link", "targetBlank": False,
                   "tooltip": "", "url": ""}],
        "liveNow": False,
        "panels": layout.panels,
        "refresh": "10s",
        "schemaVersion": 39,
        "tags": ["heartstream"],
        "templating": templating,
        "time": {"from": "now-1h", "to": "now"},
        "timepicker": {},
        "timezone": "browser",
        "title": title,
        "uid": uid,
        "version": 1,
        "weekStart": "",
    }


def fleet():
    dev = 'device=~"$device"'
    layout = Layout()
    layout.row("Fleet")
    layout.add(stat("Devices online", "Devices streaming audio now, summed over the selected instances "
                    "(heartstream_devices_active).",
                    f"sum(heartstream_devices_active{{{INST}}})"), 6, 4)
    layout.add(stat("Instances up", "Selected HeartStream instances that Prometheus scraped successfully.",
                    f'sum(up{{job="heartstream", {INST}}})',
                    thresholds=[{"color": "red", "value": None}, {"color": "green", "value": 1}]), 6, 4)
    layout.add(stat("Alerts raised (time range)", "Alerts raised by the alert engine over the dashboard's time range.",
                    f"sum(increase(heartstream_alerts_raised_total{{{INST}}}[$__range]))", decimals=0), 6, 4)
    layout.add(stat("Beats per second", "Heart sounds (S1 + S2) detected per second across the selected instances.",
                    f"sum(rate(heartstream_segmentation_beats_detected_total{{{INST}}}[{RI}]))", unit="none",
                    decimals=1), 6, 4)
    layout.add(timeseries("Devices online", "Devices streaming audio, per instance.",
                          targets((f"sum by (instance) (heartstream_devices_active{{{INST}}})", "{{instance}}"))),
               12, 8)
    layout.add(timeseries("Alerts raised by priority", "Alerts per second raised by the alert engine, by priority.",
                          targets((f"sum by (priority) (rate(heartstream_alerts_raised_total{{{INST}}}[{RI}]))",
                                   "{{priority}}")), unit="ops", stack=True), 12, 8)
    layout.add(timeseries("Alerts raised by type", "Alerts per second raised by the alert engine, by alert type "
                          "and priority.",
                          targets((f"sum by (type, priority) (rate(heartstream_alerts_raised_total{{{INST}}}[{RI}]))",
                                   "{{type}} ({{priority}})")), unit="ops", stack=True), 12, 8)
    layout.add(timeseries("Beats per second", "Heart sounds detected by segmentation per second, by type.",
                          targets((f"sum by (type) (rate(heartstream_segmentation_beats_detected_total{{{INST}}}[{RI}]))",
                                   "{{type}}")), unit="none"), 12, 8)
    layout.add(timeseries("Live classifications per minute", "Live window classification results per minute, by "
                          "classifier model (about 12 per device and model while devices stream; 0 means the "
                          "murmur and abnormal alerts have no input).",
                          targets((f"sum by (model) (rate(heartstream_classifications_total{{{INST}}}[{RI}])) * 60",
                                   "{{model}}")), unit="none"), 24, 8)
    layout.row("Devices")
    layout.add(timeseries("Heart rate per device", "Most recent heart rate estimate of each device (beats per "
                          "minute). A device without an estimate yet has no line.",
                          targets((f"heartstream_device_heart_rate_bpm{{{INST}, {dev}}}", "{{device}}")),
                          unit="none", minimum=None,
                          thresholds=[{"color": "blue", "value": None}, {"color": "green", "value": 50},
                                      {"color": "orange", "value": 100}, {"color": "red", "value": 150}]), 12, 9)
    layout.add(timeseries("Signal quality per device", "Most recent signal quality of each device, from 0 "
                          "(unusable) to 1 (clean).",
                          targets((f"heartstream_device_signal_quality_ratio{{{INST}, {dev}}}", "{{device}}")),
                          unit="percentunit", maximum=1,
                          thresholds=[{"color": "red", "value": None}, {"color": "orange", "value": 0.5},
                                      {"color": "green", "value": 0.8}]), 12, 9)
    worst = {"type": "table", "title": "Lowest signal quality", "description": "The ten devices with the lowest "
             "signal quality right now, with their heart rate.", "datasource": DS,
             "targets": [
                 target(f"bottomk(10, heartstream_device_signal_quality_ratio{{{INST}, {dev}}})", ref="A",
                        instant=True, fmt="table"),
                 target(f"heartstream_device_heart_rate_bpm{{{INST}, {dev}}}", ref="B", instant=True, fmt="table"),
             ],
             "transformations": [
                 {"id": "merge", "options": {}},
                 {"id": "filterByValue", "options": {"filters": [{"fieldName": "Value #A", "config": {"id": "isNotNull", "options": {}}}],
                                                      "type": "include", "match": "any"}},
                 {"id": "organize", "options": {"excludeByName": {"Time": True, "__name__": True, "job": True},
                                                "renameByName": {"Value #A": "signal quality", "Value #B": "heart rate (bpm)"}}},
                 {"id": "sortBy", "options": {"sort": [{"field": "signal quality", "desc": False}]}},
             ],
             "fieldConfig": {"defaults": {"custom": {"align": "auto"}}, "overrides": [
                 {"matcher": {"id": "byName", "options": "signal quality"},
                  "properties": [{"id": "unit", "value": "percentunit"}]}]},
             "options": {"showHeader": True, "cellHeight": "sm"}}
    layout.add(worst, 24, 8)
    device = query_variable("device", "Device",
                            'label_values(heartstream_device_signal_quality_ratio{instance=~"$instance"}, device)', all_value=".*")
    return dashboard("heartstream-fleet", "HeartStream / Fleet",
                     "Devices streaming to HeartStream: how many, their heart rate and signal quality, beats and "
                     "alerts. Metrics: docs/metrics.md.", layout, variables([device]))


def quantiles(metric, by, legend_prefix, extra_labels=""):
    group = f"{by}, le" if by else "le"
    sel = f"{{{INST}{extra_labels}}}"
    return [(f"histogram_quantile({q}, sum by ({group}) (rate({metric}_bucket{sel}[{RI}])))",
             f"{legend_prefix}p{int(q * 100)}") for q in (0.5, 0.99)]


def pipeline():
    layout = Layout()
    layout.row("Throughput")
    layout.add(timeseries("Audio processed per second", "Seconds of device audio the analysis pipeline processes "
                          "per second of wall time; about the number of devices streaming in real time.",
                          targets((f"sum by (instance) (rate(heartstream_audio_processed_seconds_total{{{INST}}}[{RI}]))",
                                   "{{instance}}")), unit="none"), 12, 8)
    layout.add(timeseries("Inference batches per second", "Inference batches run per second, per instance.",
                          targets((f"sum by (instance) (rate(heartstream_inference_duration_seconds_count{{{INST}}}[{RI}]))",
                                   "{{instance}}")), unit="ops"), 12, 8)
    layout.row("Latency")
    stage_legend = "{{stage}} "
    layout.add(timeseries("Stage latency p50 / p99", "Time one pipeline stage spends on one item, by stage.",
                          targets(*quantiles("heartstream_pipeline_stage_latency_seconds", "stage", stage_legend)),
                          unit="s"), 12, 8)
    layout.add(timeseries("End-to-end latency p50 / p99", "From a sample's arrival to the beat event it produced. "
                          "The HeartStreamLagging alert fires when p99 stays above 2.5 s for 5 minutes.",
                          targets(*quantiles("heartstream_pipeline_end_to_end_latency_seconds", "", "")),
                          unit="s", thresholds=[{"color": "transparent", "value": None}, {"color": "red", "value": 2.5}]),
               12, 8)
    layout.row("Backpressure and drops")
    layout.add(timeseries("Samples dropped by reason", "Audio samples per second dropped at capture (the only edge "
                          "allowed to drop), by reason. Anything above zero loses audio.",
                          targets((f"sum by (reason) (rate(heartstream_capture_dropped_samples_total{{{INST}}}[{RI}]))",
                                   "{{reason}}")), unit="none", stack=True), 8, 8)
    layout.add(timeseries("Drop ratio", "Dropped samples as a share of the samples processed (2000 samples per "
                          "second of audio).",
                          targets((f"sum by (instance) (rate(heartstream_capture_dropped_samples_total{{{INST}}}[{RI}])) / "
                                   f"(2000 * sum by (instance) (rate(heartstream_audio_processed_seconds_total{{{INST}}}[{RI}])))",
                                   "{{instance}}")), unit="percentunit"), 8, 8)
    layout.add(timeseries("Frames rejected by reason", "Incoming audio frames per second rejected as malformed or "
                          "unusable, by reason.",
                          targets((f"sum by (reason) (rate(heartstream_capture_rejected_frames_total{{{INST}}}[{RI}]))",
                                   "{{reason}}")), unit="ops", stack=True), 8, 8)
    layout.add(timeseries("Channel depth by stage", "Items waiting in each stage's input channel (largest over the "
                          "selected instances). A channel that stays full means that stage is the bottleneck.",
                          targets((f"max by (stage) (heartstream_pipeline_channel_depth_items{{{INST}}})", "{{stage}}")),
                          unit="short"), 24, 8)
    layout.row("Inference")
    layout.add(timeseries("Inference batch size p50 / p99", "Analysis windows per inference batch.",
                          targets(*quantiles("heartstream_inference_batch_size_windows", "", "")), unit="short"), 8, 8)
    layout.add(timeseries("Inference duration", "Wall-clock time of one inference batch in the model runtime: "
                          "p50, p99 and mean.",
                          targets(*quantiles("heartstream_inference_duration_seconds", "", ""),
                                  (f"sum(rate(heartstream_inference_duration_seconds_sum{{{INST}}}[{RI}])) / "
                                   f"sum(rate(heartstream_inference_duration_seconds_count{{{INST}}}[{RI}]))", "mean")),
                          unit="s"), 8, 8)
    models = {"type": "table", "title": "Loaded models", "description": "Model, version and inference provider "
              "loaded on each instance (heartstream_model_info).", "datasource": DS,
              "targets": [target(f"max by (instance, model, version, provider) (heartstream_model_info{{{INST}}})",
                                 ref="A", instant=True, fmt="table")],
              "transformations": [{"id": "organize", "options": {
                  "excludeByName": {"Time": True, "Value": True},
                  "indexByName": {"instance": 0, "model": 1, "version": 2, "provider": 3}}}],
              "fieldConfig": {"defaults": {"custom": {"align": "auto"}}, "overrides": []},
              "options": {"showHeader": True, "cellHeight": "sm"}}
    layout.add(models, 8, 8)
    layout.row("Broker and process")
    connected = timeseries("MQTT broker connected", "1 while the MQTT client is connected to the broker. While "
                           "disconnected, alerts are not delivered (HeartStreamBrokerDisconnected fires after 1 minute).",
                           targets((f"heartstream_mqtt_broker_connected{{{INST}}}", "{{instance}}")), maximum=1)
    connected["type"] = "state-timeline"
    connected["fieldConfig"]["defaults"]["mappings"] = [{"type": "value", "options": {
        "0": {"text": "disconnected", "color": "red", "index": 0},
        "1": {"text": "connected", "color": "green", "index": 1}}}]
    connected["fieldConfig"]["defaults"]["color"] = {"mode": "thresholds"}
    connected["fieldConfig"]["defaults"]["custom"] = {"fillOpacity": 80, "lineWidth": 0}
    connected["options"] = {"showValue": "auto", "mergeValues": True, "rowHeight": 0.9, "alignValue": "left",
                            "legend": {"displayMode": "list", "placement": "bottom", "showLegend": False},
                            "tooltip": {"mode": "single", "sort": "none"}}
    layout.add(connected, 12, 6)
    layout.add(timeseries("Shards owned", "Shards each instance owns when Mqtt:Shards is on (0 when it is off). The "
                          "instances' values add up to the shard count once membership has settled; a step is a member "
                          "joining, leaving or dying.",
                          targets((f"heartstream_shards_owned{{{INST}}}", "{{instance}}"))), 12, 6)
    layout.add(timeseries("Shard moves", "Shards gained or lost per minute, per instance (membership changes).",
                          targets((f"sum by (instance) (increase(heartstream_shard_moves_total{{{INST}}}[1m]))",
                                   "{{instance}}"))), 12, 6)
    layout.add(timeseries("Shard handover time (p95)", "95th percentile over 5 minutes of the time an instance took to "
                          "take over gained shards (read their alert state, subscribe), after the settle delay.",
                          targets((f"histogram_quantile(0.95, sum by (instance, le) (rate(heartstream_shard_handover_seconds_bucket{{{INST}}}[5m])))",
                                   "{{instance}}")), unit="s"), 12, 6)
    layout.add(timeseries("Frames missing across shard moves", "Audio frames per 5 minutes between a moved device's "
                          "last frame at its previous owner and its first frame at the new one. 0 on planned moves "
                          "(SIGTERM, a join: the broker queues them in the shard's session); after a crash some of "
                          "these the dead instance analysed. A lasting non-zero value on planned moves is a bug or a "
                          "broker queue limit (max_queued_messages) too small.",
                          targets((f"sum by (instance) (increase(heartstream_shard_handover_missing_frames_total{{{INST}}}[5m]))",
                                   "{{instance}}"))), 12, 6)
    layout.add(stat("Uptime", "Time since each selected process started.",
                    f"min(time() - (process_start_time_seconds{{{INST}}} {IS_HEARTSTREAM}))", unit="s"), 12, 6)
    layout.add(timeseries("CPU", "CPU time used per second (1 = one core busy), per instance.",
                          targets((f"rate(process_cpu_seconds_total{{{INST}}}[{RI}]) {IS_HEARTSTREAM}", "{{instance}}")),
                          unit="percentunit"), 8, 8)
    layout.add(timeseries("Memory", "Resident memory and the managed heap, per instance.",
                          targets((f"process_resident_memory_bytes{{{INST}}} {IS_HEARTSTREAM}", "{{instance}} resident"),
                                  (f"dotnet_gc_heap_size_bytes{{{INST}}} {IS_HEARTSTREAM}", "{{instance}} GC heap")),
                          unit="bytes"), 8, 8)
    layout.add(timeseries("GC and thread pool", "Managed allocation rate, collections per second by generation and "
                          "thread pool threads. Steady-state allocation should stay near zero on the per-frame paths.",
                          targets((f"rate(dotnet_gc_allocated_bytes_total{{{INST}}}[{RI}]) {IS_HEARTSTREAM}",
                                   "{{instance}} allocated/s"),
                                  (f"sum by (instance, generation) (rate(dotnet_gc_collections_total{{{INST}}}[{RI}]) {IS_HEARTSTREAM})",
                                   "{{instance}} gen {{generation}} GCs/s"),
                                  (f"dotnet_threadpool_threads{{{INST}}} {IS_HEARTSTREAM}", "{{instance}} threads")),
                          unit="short"), 8, 8)
    return dashboard("heartstream-pipeline", "HeartStream / Pipeline",
                     "Pipeline health: throughput, stage and end-to-end latency, drops and backpressure, inference, "
                     "broker connection and process resources. Metrics: docs/metrics.md.", layout, variables())


def main():
    here = pathlib.Path(__file__).resolve().parent
    for name, board in (("heartstream-fleet.json", fleet()), ("heartstream-pipeline.json", pipeline())):
        (here / name).write_text(json.dumps(board, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
