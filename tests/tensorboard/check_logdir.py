#!/usr/bin/env python3
"""Check what real TensorBoard serves for a logdir against a JSON manifest.

Usage: check_logdir.py LOGDIR MANIFEST.json [--timeout S] [--settle S]

Starts `python -m tensorboard.main` twice, with `--load_fast=true` (rustboard, the
Rust data server) and `--load_fast=false` (the Python multiplexer), and queries
TensorBoard's own HTTP API -- the same endpoints the web UI uses -- until the
served data equals the manifest, the served data has stopped changing for
`--settle` seconds (with --reload_interval 1 that is several reload cycles:
loading is done and it still differs), or `--timeout` passes. A wrong logdir
thus fails in seconds, not after the whole timeout. Both servers run
concurrently to halve the wall time.

Manifest (exact sets: extra runs, tags or steps are failures, and a plugin key
left out of a run means that run must have no tags of that plugin):

    {"runs": {"<run>": {
        "scalars": {"<tag>": [[step, value], ...]},
        "images":  {"<tag>": [{"step": 0, "width": 400, "height": 380}, ...]},
        "text":    {"<tag>": [{"step": 0, "contains": ["<td>12</td>"]}, ...]},
        "pr_curves": {"<tag>": [{"step": 0, "tp": [...], "fp": [...], "tn": [...],
                                 "fn": [...], "precision": [...], "recall": [...]}, ...]}}}}

    plus, optionally, the HParams tab's sessions (runs holding the hparams
    plugin's session_start_info), by run:

    {"hparams": {"<run>": {"hparams": {"lr": 0.01, "optimizer": "adam", "augment": true},
                           "status": "STATUS_SUCCESS"}}}

The hparams plugin is asked as the UI asks it, by POST to
/data/plugin/hparams/experiment and /data/plugin/hparams/session_groups (every
status allowed). Without an `experiment` summary the plugin infers the
experiment: it must list exactly the manifest's hyperparameter names with the
type (and discrete values or interval) their values imply, and one metric
column for every scalar tag of the session runs. The session groups must be
exactly the manifest's sessions (none when "hparams" is left out), each with
its hyperparameters, its status, and as metric values the latest step and
value of each of its run's scalars.

Scalar values are compared with the float32 rounding of the manifest value
(relative tolerance 1e-6); a value may also be the string "NaN", "Infinity"
or "-Infinity". Every served image is fetched, decoded with Pillow, must be a
PNG of the manifest's size, and the width/height blobs TensorBoard stores in
front of it (`[b"W", b"H", png]`) must name the same size. Text is fetched as
rendered HTML (Markdown on, as in the UI) and must contain every substring.
PR curves are fetched from the PR curves plugin's route
(/data/plugin/pr_curves/pr_curves?run=&tag=) and compared with the manifest's
six full-length rows the way the plugin serves them: trailing thresholds with
TP + FP = 0 trimmed, counts as integers, precision and recall as float32,
thresholds i/(N-1).

The same manifest is then checked through the readers scripts use instead of
TensorBoard's server: the classic `EventAccumulator` (size guidance 0, i.e.
keep everything, per run directory) must list exactly the manifest's scalars,
images (decoded with Pillow to the size it states) and text tags (rendered by
the text plugin's own `text_array_to_html`), with equal steps and values; a
raw walk of the events (`LegacyEventFileLoader`, no conversion) must find the
text plugin's metadata on every text value, as scripts classifying values one
by one need; and tbparse's `SummaryReader(logdir, pivot=False).scalars` must
list every scalar (tbparse reads images only with TensorFlow installed:
scripts/check_tf_reader.sh checks those).

Prints one line per check, then `N passed, N failed`. Exit status: 0 when every
reader matches, 1 when any check fails, 2 when TensorBoard cannot be started or
the arguments are bad. Servers are always stopped (whole process group, so
rustboard goes with its parent), also on errors and Ctrl-C.
"""

import argparse
import base64
import concurrent.futures
import io
import json
import math
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from PIL import Image
from tensorboard.backend.event_processing import event_accumulator, event_file_loader
from tensorboard.plugins.text.text_plugin import text_array_to_html
from tensorboard.util import tensor_util

PLUGINS = ("scalars", "images", "text", "pr_curves")
STATUSES = ("STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING")
HPARAMS_REQUEST_LIMIT = 100000
PR_ROWS = ("tp", "fp", "tn", "fn", "precision", "recall")
LOADERS = ("true", "false")
LOADER_NAMES = {"true": "rustboard", "false": "python"}
# Large enough that no reservoir (ingestion) or read-time downsampling drops a
# point; 0 would mean "show nothing" to the plugins (tfevents-format.md §5).
SAMPLES = "images=1000000,scalars=1000000,text=1000000,pr_curves=1000000"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HTTP_TIMEOUT_S = 15
POLL_INTERVAL_S = 0.5
# Image blobs are fetched a few at a time: one request each, three per image.
FETCH_THREADS = 4
REL_TOLERANCE = 1e-6
SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class SetupError(Exception):
    """TensorBoard could not be started or the inputs are unusable."""


class Fetch(Exception):
    """A transient failure while querying a server; retried until the deadline."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------
# Manifest


def load_manifest(path):
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        raise SetupError("cannot read manifest %s: %s" % (path, e))
    runs = manifest.get("runs") if isinstance(manifest, dict) else None
    if not isinstance(runs, dict):
        raise SetupError('manifest %s: top level must be {"runs": {...}}' % path)
    sessions = manifest.get("hparams", {})
    if not isinstance(sessions, dict):
        raise SetupError('manifest %s: "hparams" must be {run: {"hparams": {...}, "status": ...}}' % path)
    for run, session in sessions.items():
        if run not in runs:
            raise SetupError("manifest hparams: session %r is not a run of the manifest" % run)
        if not isinstance(session, dict) or session.get("status") not in STATUSES:
            raise SetupError("manifest hparams %r: expected a status among %s" % (run, list(STATUSES)))
        values = session.get("hparams")
        if not isinstance(values, dict) or not values:
            raise SetupError("manifest hparams %r: expected a non-empty object of hyperparameters" % run)
        for name, value in values.items():
            if not isinstance(value, (str, bool, int, float)):
                raise SetupError("manifest hparams %r: %r = %r is not a string, number or boolean" % (run, name, value))
    for run, plugins in runs.items():
        if not isinstance(plugins, dict):
            raise SetupError("manifest run %r: expected an object of plugins" % run)
        unknown = set(plugins) - set(PLUGINS)
        if unknown:
            raise SetupError(
                "manifest run %r: unknown plugin(s) %s; expected some of %s"
                % (run, sorted(unknown), list(PLUGINS))
            )
        for plugin, tags in plugins.items():
            if not isinstance(tags, dict):
                raise SetupError("manifest run %r %s: expected {tag: [...]}" % (run, plugin))
            for tag, points in tags.items():
                where = "manifest %r/%s/%r" % (run, plugin, tag)
                if not isinstance(points, list):
                    raise SetupError("%s: expected a list of points" % where)
                try:
                    steps = [validate_point(plugin, p) for p in points]
                except (TypeError, KeyError, IndexError, ValueError) as e:
                    raise SetupError("%s: malformed point (%s: %s); see the schema in check_logdir.py" % (where, type(e).__name__, e))
                if len(set(steps)) != len(steps):
                    raise SetupError("%s: duplicate steps %s" % (where, steps))
    return runs, sessions


def validate_point(plugin, point):
    """Raises on a malformed manifest point; returns its step."""
    if plugin == "scalars":
        step, value = point
        manifest_float(value)
    elif plugin == "images":
        step = point["step"]
        if not (isinstance(point["width"], int) and isinstance(point["height"], int)):
            raise ValueError("width and height must be integers")
    elif plugin == "pr_curves":
        step = point["step"]
        lengths = {len(point[row]) for row in PR_ROWS}
        if len(lengths) != 1 or lengths == {0}:
            raise ValueError("tp, fp, tn, fn, precision and recall must be lists of one equal length")
        for row in PR_ROWS:
            for value in point[row]:
                manifest_float(value)
    else:
        step = point["step"]
        if not all(isinstance(c, str) for c in point.get("contains", [])):
            raise ValueError("contains must be a list of strings")
    if not isinstance(step, int):
        raise ValueError("step %r is not an integer" % (step,))
    return step


def manifest_float(value):
    if isinstance(value, str):
        if value not in SPECIAL_FLOATS:
            raise ValueError("scalar %r: expected a number or one of %s" % (value, list(SPECIAL_FLOATS)))
        return SPECIAL_FLOATS[value]
    return float(value)


def to_float32(value):
    if math.isnan(value) or math.isinf(value):
        return value
    try:
        return struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def served_float(value):
    # TensorBoard's JSON encoder writes non-finite floats as these strings.
    if isinstance(value, str):
        return SPECIAL_FLOATS.get(value, math.nan)
    return float(value)


def floats_equal(got, want):
    if math.isnan(want):
        return math.isnan(got)
    if math.isinf(want) or math.isinf(got):
        return got == want
    return abs(got - want) <= REL_TOLERANCE * max(abs(want), abs(got)) or got == want


# --------------------------------------------------------------------------
# Server lifecycle


class Server:
    """One `tensorboard.main` process in its own process group."""

    def __init__(self, logdir, load_fast, workdir):
        self.load_fast = load_fast
        self.name = LOADER_NAMES[load_fast]
        self.log_path = os.path.join(workdir, "tensorboard-%s.log" % self.name)
        self.proc = None
        self.base = None
        self._logdir = logdir

    def start(self):
        cmd = [
            sys.executable, "-m", "tensorboard.main",
            "--logdir", self._logdir,
            "--host", "127.0.0.1",
            "--port", "0",  # the OS picks a free port; read back from the banner
            "--load_fast=%s" % self.load_fast,
            "--samples_per_plugin", SAMPLES,
            "--reload_interval", "1",
        ]
        log = open(self.log_path, "wb")
        try:
            # A new session makes the server the leader of its own process group, so
            # stop() also reaches the rustboard child it spawns.
            self.proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as e:
            raise SetupError("cannot start %s: %s" % (" ".join(cmd), e))
        finally:
            log.close()

    def log_text(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def wait_ready(self, deadline):
        banner = re.compile(r"TensorBoard \S+ at (http://[^/\s]+)/")
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SetupError(
                    "TensorBoard (--load_fast=%s) exited with status %s before serving:\n%s"
                    % (self.load_fast, self.proc.returncode, self.log_text())
                )
            match = banner.search(self.log_text())
            if match:
                self.base = match.group(1)
                try:
                    get_json(self.base + "/data/runs")
                    return
                except Fetch:
                    pass
            time.sleep(0.1)
        raise SetupError(
            "TensorBoard (--load_fast=%s) did not answer in time; log:\n%s"
            % (self.load_fast, self.log_text())
        )

    def stop(self):
        """SIGTERM the whole group, wait for the leader, then SIGKILL what is left."""
        if self.proc is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                continue
        # The leader is gone; the group id still reaches a rustboard child that
        # outlived it (it is not ours to wait for: init reaps it).


# --------------------------------------------------------------------------
# HTTP


def get_bytes(url):
    try:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT_S) as response:
            return response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        body = e.read()[:300].decode("utf-8", "replace")
        raise Fetch("GET %s -> HTTP %s: %s" % (url, e.code, body))
    except (urllib.error.URLError, OSError) as e:
        raise Fetch("GET %s -> %s" % (url, e))


def get_json(url):
    body, _ = get_bytes(url)
    try:
        return json.loads(body)
    except ValueError as e:
        raise Fetch("GET %s -> invalid JSON: %s" % (url, e))


def post_json(url, body):
    """POSTs `body` as JSON, as the hparams dashboard does, and decodes the answer."""
    request = urllib.request.Request(
        url, data=json.dumps(body).encode("utf-8"), method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            data = response.read()
    except urllib.error.HTTPError as e:
        raise Fetch("POST %s -> HTTP %s: %s" % (url, e.code, e.read()[:300].decode("utf-8", "replace")))
    except (urllib.error.URLError, OSError) as e:
        raise Fetch("POST %s -> %s" % (url, e))
    try:
        return json.loads(data)
    except ValueError as e:
        raise Fetch("POST %s -> invalid JSON: %s" % (url, e))


def query(base, path, **params):
    return "%s%s?%s" % (base, path, urllib.parse.urlencode(params))


# --------------------------------------------------------------------------
# Reading what a server shows


def tag_map(plugin, body):
    """{run: set(tags)} from a plugin's /tags response, dropping tagless runs."""
    if not isinstance(body, dict):
        raise Fetch("%s/tags: expected an object, got %r" % (plugin, type(body).__name__))
    # text answers {run: [tags]}; scalars and images answer {run: {tag: info}}.
    return {run: set(tags) for run, tags in body.items() if tags}


def blob_key_variant(blob_key, index):
    """The blob key of blob `index` of the same step.

    TensorBoard 2.21 exposes no width/height in the image API; both loaders encode
    blob keys as unpadded URL-safe base64 of a compact JSON array ending in the
    blob index (data_provider.py `_encode_blob_key`, rustboard `blob_key.rs`).
    The round trip is verified so a format change fails loudly instead of
    fetching the wrong blob.
    """
    try:
        fields = json.loads(base64.urlsafe_b64decode(blob_key + "=" * (-len(blob_key) % 4)))
    except ValueError as e:
        raise Fetch("blob key %r is not base64 JSON: %s" % (blob_key, e))

    def encode(values):
        text = json.dumps(values, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")

    if not isinstance(fields, list) or not fields or not isinstance(fields[-1], int) or encode(fields) != blob_key:
        raise Fetch("blob key %r has an unknown layout %r" % (blob_key, fields))
    return encode(fields[:-1] + [index])


class Reader:
    """Fetches a server's data; blobs are cached by key (keys are immutable)."""

    def __init__(self, base, pool):
        self.base = base
        self.blobs = {}
        self.pool = pool

    def blob(self, blob_key):
        if blob_key not in self.blobs:
            self.blobs[blob_key] = get_bytes(
                query(self.base, "/data/plugin/images/individualImage", blob_key=blob_key)
            )[0]
        return self.blobs[blob_key]

    def image_info(self, entry):
        """Decoded format and size of one served image, and its width/height blobs."""
        params = urllib.parse.parse_qs(entry.get("query", ""))
        if "blob_key" not in params:
            raise Fetch("image entry without blob_key: %r" % entry)
        blob_key = params["blob_key"][0]
        data = self.blob(blob_key)
        header = []
        for index in (0, 1):
            raw = self.blob(blob_key_variant(blob_key, index))
            try:
                header.append(int(raw.decode("ascii")))
            except (UnicodeDecodeError, ValueError):
                header.append(None)
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                return {
                    "format": image.format,
                    "size": image.size,
                    "header": tuple(header),
                    "signature": data[:8] == PNG_SIGNATURE,
                }
        except Exception as e:  # Pillow raises many types for undecodable data
            return {"format": None, "size": None, "header": tuple(header), "error": str(e)}

    def snapshot(self):
        runs = get_json(self.base + "/data/runs")
        tags, tag_bodies = {}, {}
        for plugin in PLUGINS:
            tag_bodies[plugin] = get_json(self.base + "/data/plugin/%s/tags" % plugin)
            tags[plugin] = tag_map(plugin, tag_bodies[plugin])
        series = {}
        for run, tag in sorted((r, t) for r, ts in tags["scalars"].items() for t in ts):
            body = get_json(query(self.base, "/data/plugin/scalars/scalars", run=run, tag=tag))
            series[("scalars", run, tag)] = [(p[1], served_float(p[2])) for p in body]
        for run, tag in sorted((r, t) for r, ts in tags["images"].items() for t in ts):
            info = tag_bodies["images"][run][tag]
            body = get_json(query(self.base, "/data/plugin/images/images", run=run, tag=tag, sample=0))
            series[("images", run, tag)] = {
                "samples": info.get("samples"),
                "points": [(p["step"], info) for p, info in zip(body, self.pool.map(self.image_info, body))],
            }
        for run, tag in sorted((r, t) for r, ts in tags["text"].items() for t in ts):
            body = get_json(query(self.base, "/data/plugin/text/text", run=run, tag=tag))
            series[("text", run, tag)] = [(p["step"], p["text"]) for p in body]
        for run, tag in sorted((r, t) for r, ts in tags["pr_curves"].items() for t in ts):
            body = get_json(query(self.base, "/data/plugin/pr_curves/pr_curves", run=run, tag=tag))
            if not isinstance(body, dict) or not isinstance(body.get(run), list):
                raise Fetch("pr_curves run=%r tag=%r: expected {run: [entries]}, got %r" % (run, tag, body))
            series[("pr_curves", run, tag)] = [(p["step"], p) for p in body[run]]
        return {"runs": sorted(runs), "tags": tags, "series": series, "hparams": self.hparams()}

    def hparams(self):
        """The HParams tab's experiment and session groups, asked as its UI asks."""
        experiment = post_json(self.base + "/data/plugin/hparams/experiment", {"experimentName": ""})
        groups = post_json(self.base + "/data/plugin/hparams/session_groups", {
            "experimentName": "",
            "allowedStatuses": list(STATUSES),
            "colParams": [],
            "startIndex": 0,
            "sliceSize": HPARAMS_REQUEST_LIMIT,
        })
        if not isinstance(experiment, dict) or not isinstance(groups, dict):
            raise Fetch("hparams: expected JSON objects, got %r and %r" % (experiment, groups))
        return {"experiment": experiment, "groups": groups.get("sessionGroups", [])}


# --------------------------------------------------------------------------
# Comparing


def step_checks(label, served_steps, wanted_steps):
    """Exact step set, each step once."""
    problems = []
    missing = sorted(set(wanted_steps) - set(served_steps))
    extra = sorted(set(served_steps) - set(wanted_steps))
    repeated = sorted({s for s in served_steps if served_steps.count(s) > 1})
    if missing:
        problems.append("missing steps %s" % missing)
    if extra:
        problems.append("unexpected steps %s" % extra)
    if repeated:
        problems.append("steps served more than once %s" % repeated)
    return (label + " steps", not problems, "; ".join(problems) or "%d steps" % len(wanted_steps))


def hparam_type(values):
    """The DataType the plugin infers for these values (backend_context.py)."""
    kinds = {"DATA_TYPE_BOOL" if isinstance(v, bool) else
             "DATA_TYPE_STRING" if isinstance(v, str) else "DATA_TYPE_FLOAT64" for v in values}
    return kinds.pop() if len(kinds) == 1 else "DATA_TYPE_STRING"


def latest_scalars(points_by_tag):
    """{tag: (step, float32 value)} of each scalar's last step."""
    latest = {}
    for tag, points in points_by_tag.items():
        if points:
            step, value = max(points, key=lambda p: p[0])
            latest[tag] = (step, to_float32(manifest_float(value)))
    return latest


def hparams_checks(served, manifest_runs, sessions):
    """The HParams tab: experiment columns and one group per session."""
    results = []
    experiment, groups = served["experiment"], served["groups"]
    values_by_name = {}
    for session in sessions.values():
        for name, value in session["hparams"].items():
            values_by_name.setdefault(name, []).append(value)
    infos = {info.get("name"): info for info in experiment.get("hparamInfos", [])}
    results.append(tag_checks("hparams experiment hparam names", set(infos), set(values_by_name)))
    for name in sorted(set(infos) & set(values_by_name)):
        info, values = infos[name], values_by_name[name]
        want_type = hparam_type(values)
        problems = []
        if info.get("type") != want_type:
            problems.append("type %s, expected %s" % (info.get("type"), want_type))
        elif want_type == "DATA_TYPE_FLOAT64":
            interval = info.get("domainInterval", {})
            want = (min(values), max(values))
            got = (interval.get("minValue"), interval.get("maxValue"))
            if got != want:
                problems.append("interval %r, expected %r" % (got, want))
        elif want_type == "DATA_TYPE_BOOL" or all(isinstance(v, str) for v in values):
            got = sorted(info.get("domainDiscrete", []))
            if got != sorted(set(values)):
                problems.append("discrete values %r, expected %r" % (got, sorted(set(values))))
        if info.get("differs") != (len(set(values)) > 1):
            problems.append("differs %r with values %r" % (info.get("differs"), values))
        results.append(("hparams experiment hparam %r" % name, not problems, "; ".join(problems) or want_type))

    want_metrics = {tag for run in sessions for tag in manifest_runs[run].get("scalars", {})}
    got_metrics = set()
    for info in experiment.get("metricInfos", []):
        name = info.get("name", {})
        if name.get("group", ""):
            got_metrics.add("%s (group %s)" % (name.get("tag"), name.get("group")))
        else:
            got_metrics.add(name.get("tag"))
    results.append(tag_checks("hparams experiment metric columns", got_metrics, want_metrics))

    by_name = {}
    for group in groups:
        by_name.setdefault(group.get("name"), []).append(group)
    results.append(tag_checks("hparams session groups", set(by_name), set(sessions)))
    for run in sorted(set(by_name) & set(sessions)):
        label = "hparams session %r" % run
        found, want = by_name[run], sessions[run]
        if len(found) != 1 or len(found[0].get("sessions", [])) != 1:
            results.append((label, False, "expected one group of one session, got %r" % found))
            continue
        group = found[0]
        session = group["sessions"][0]
        problems = []
        got_hparams = group.get("hparams", {})
        if got_hparams != want["hparams"] or any(
                isinstance(got_hparams.get(k), bool) != isinstance(v, bool) for k, v in want["hparams"].items()):
            problems.append("hyperparameters %r, expected %r" % (got_hparams, want["hparams"]))
        if session.get("name") != run:
            problems.append("session name %r" % session.get("name"))
        status = session.get("status", "STATUS_UNKNOWN")
        if status != want["status"]:
            problems.append("status %s, expected %s" % (status, want["status"]))
        results.append((label, not problems, "; ".join(problems) or "%d hyperparameters, %s" % (len(want["hparams"]), status)))

        latest = latest_scalars(manifest_runs[run].get("scalars", {}))
        served_metrics = {}
        for metric in session.get("metricValues", []):
            name = metric.get("name", {})
            served_metrics[name.get("tag")] = (metric.get("trainingStep", 0), served_float(metric.get("value", 0.0)))
        wrong = []
        if set(served_metrics) != set(latest):
            wrong.append("metrics %s missing, %s unexpected" % (
                sorted(set(latest) - set(served_metrics)), sorted(set(served_metrics) - set(latest))))
        for tag in sorted(set(served_metrics) & set(latest)):
            (got_step, got_value), (want_step, want_value) = served_metrics[tag], latest[tag]
            if got_step != want_step or not floats_equal(got_value, want_value):
                wrong.append("%s: step %s value %r, expected step %s value %r" % (tag, got_step, got_value, want_step, want_value))
        results.append((label + " metric values", not wrong, "; ".join(wrong[:10]) or "%d latest values" % len(latest)))
    return results


def compare(snapshot, manifest_runs, sessions):
    """List of (check name, ok, detail)."""
    results = hparams_checks(snapshot["hparams"], manifest_runs, sessions)
    want_runs = sorted(manifest_runs)
    got_runs = snapshot["runs"]
    results.append((
        "runs",
        got_runs == want_runs,
        "served %s, expected %s" % (got_runs, want_runs),
    ))
    all_runs = sorted(set(want_runs) | set(got_runs) | {r for p in PLUGINS for r in snapshot["tags"][p]})
    for plugin in PLUGINS:
        for run in all_runs:
            want = set(manifest_runs.get(run, {}).get(plugin, {}))
            got = snapshot["tags"][plugin].get(run, set())
            if not want and not got:
                continue
            detail = []
            if want - got:
                detail.append("missing %s" % sorted(want - got))
            if got - want:
                detail.append("unexpected %s" % sorted(got - want))
            results.append((
                "%s tags run=%r" % (plugin, run),
                not detail,
                "; ".join(detail) or "%s" % sorted(want),
            ))

    for run in want_runs:
        plugins = manifest_runs[run]
        for tag, points in sorted(plugins.get("scalars", {}).items()):
            label = "scalars run=%r tag=%r" % (run, tag)
            served = snapshot["series"].get(("scalars", run, tag))
            if served is None:
                continue  # already reported by the tags check
            results.append(step_checks(label, [s for s, _ in served], [p[0] for p in points]))
            got_values = dict(served)
            wrong = []
            for step, value in points:
                if step not in got_values:
                    continue
                want = to_float32(manifest_float(value))
                if not floats_equal(got_values[step], want):
                    wrong.append("step %s: served %r, expected %r" % (step, got_values[step], want))
            results.append((label + " values", not wrong, "; ".join(wrong) or "%d values" % len(got_values)))

        for tag, points in sorted(plugins.get("images", {}).items()):
            label = "images run=%r tag=%r" % (run, tag)
            served = snapshot["series"].get(("images", run, tag))
            if served is None:
                continue
            results.append((
                label + " samples per step",
                served["samples"] == 1,
                "served %r, expected 1" % served["samples"],
            ))
            results.append(step_checks(label, [s for s, _ in served["points"]], [p["step"] for p in points]))
            wanted = {p["step"]: (p["width"], p["height"]) for p in points}
            for step, info in served["points"]:
                problems = []
                want = wanted.get(step)
                if info.get("error"):
                    problems.append("not decodable: %s" % info["error"])
                elif info["format"] != "PNG" or not info.get("signature"):
                    problems.append("format %s, expected PNG" % info["format"])
                elif want is not None and tuple(info["size"]) != want:
                    problems.append("decoded %dx%d, expected %dx%d" % (info["size"] + want))
                if want is not None and info["header"] != want:
                    problems.append("width/height blobs %r, expected %r" % (info["header"], want))
                detail = "; ".join(problems) or "PNG %dx%d" % tuple(info["size"])
                results.append(("%s step=%s image" % (label, step), not problems, detail))

        for tag, points in sorted(plugins.get("text", {}).items()):
            label = "text run=%r tag=%r" % (run, tag)
            served = snapshot["series"].get(("text", run, tag))
            if served is None:
                continue
            results.append(step_checks(label, [s for s, _ in served], [p["step"] for p in points]))
            texts = dict(served)
            for point in points:
                if point["step"] not in texts:
                    continue
                html = texts[point["step"]]
                absent = [s for s in point.get("contains", []) if s not in html]
                detail = ("missing %r in %r" % (absent, html[:400])) if absent else "%d substrings" % len(point.get("contains", []))
                results.append(("%s step=%s content" % (label, point["step"]), not absent, detail))
        for tag, points in sorted(plugins.get("pr_curves", {}).items()):
            label = "pr_curves run=%r tag=%r" % (run, tag)
            served = snapshot["series"].get(("pr_curves", run, tag))
            if served is None:
                continue
            results.append(step_checks(label, [s for s, _ in served], [p["step"] for p in points]))
            entries = dict(served)
            for point in points:
                if point["step"] not in entries:
                    continue
                problems = pr_curve_problems(entries[point["step"]], point)
                detail = "; ".join(problems) or "%d thresholds" % len(entries[point["step"]]["thresholds"])
                results.append(("%s step=%s curve" % (label, point["step"]), not problems, detail))
    return results


def served_pr_curve(point):
    """What the PR curves plugin serves for a manifest point (pr_curves_plugin.py
    _make_pr_entry): float32 values, trailing TP + FP = 0 thresholds trimmed,
    counts as ints."""
    rows = {row: [to_float32(manifest_float(v)) for v in point[row]] for row in PR_ROWS}
    n = len(rows["tp"])
    end = n - 1
    while end > 0 and int(rows["tp"][end]) + int(rows["fp"][end]) == 0:
        end -= 1
    want = {row: rows[row][: end + 1] for row in PR_ROWS}
    for row in ("tp", "fp", "tn", "fn"):
        want[row] = [int(v) for v in want[row]]
    want["thresholds"] = [i / (n - 1) for i in range(end + 1)]
    return want


def pr_curve_problems(entry, point):
    want = served_pr_curve(point)
    names = {"tp": "true_positives", "fp": "false_positives", "tn": "true_negatives",
             "fn": "false_negatives", "precision": "precision", "recall": "recall",
             "thresholds": "thresholds"}
    problems = []
    for row, key in sorted(names.items()):
        got = entry.get(key)
        if not isinstance(got, list) or len(got) != len(want[row]):
            problems.append("%s: served %s values, expected %d" % (
                key, len(got) if isinstance(got, list) else repr(got), len(want[row])))
            continue
        wrong = [i for i, (g, w) in enumerate(zip(got, want[row])) if not floats_equal(served_float(g), float(w))]
        if wrong:
            i = wrong[0]
            problems.append("%s: %d values differ, first at threshold %d: served %r, expected %r" % (
                key, len(wrong), i, got[i], want[row][i]))
    return problems


def poll(server, manifest_runs, sessions, deadline, settle, pool):
    """Poll until the served data matches, settles, or the deadline passes."""
    reader = Reader(server.base, pool)
    last = None
    stable_since = time.monotonic()
    while True:
        try:
            snapshot = reader.snapshot()
            results = compare(snapshot, manifest_runs, sessions)
        except Fetch as e:
            snapshot = None
            results = [("query", False, e.message)]
        if all(ok for _, ok, _ in results):
            return results
        now = time.monotonic()
        if snapshot != last:
            last, stable_since = snapshot, now
        # An empty server is the state before the first load, not a settled one.
        elif snapshot is not None and snapshot["runs"] and now - stable_since >= settle:
            return results
        if now >= deadline:
            return results + [("loaded in time", False, "gave up after the timeout; last state shown above")]
        if server.proc.poll() is not None:
            return results + [("server alive", False, "exited with %s:\n%s" % (server.proc.returncode, server.log_text()))]
        time.sleep(POLL_INTERVAL_S)


# --------------------------------------------------------------------------
# Readers other than TensorBoard's server

# Size guidance 0 keeps every value of that kind.
KEEP_EVERYTHING = {
    kind: 0
    for kind in (
        event_accumulator.COMPRESSED_HISTOGRAMS, event_accumulator.IMAGES,
        event_accumulator.AUDIO, event_accumulator.SCALARS,
        event_accumulator.HISTOGRAMS, event_accumulator.TENSORS,
    )
}


def run_directories(logdir):
    """{run name: directory} for every directory holding an event file."""
    runs = {}
    for directory, _, files in os.walk(logdir):
        if any("tfevents" in name for name in files):
            rel = os.path.relpath(directory, logdir)
            runs[rel.replace(os.sep, "/")] = directory
    return runs


def value_checks(label, served, points):
    """Steps and float32 values of one scalar series: served [(step, value)]."""
    results = [step_checks(label, [s for s, _ in served], [p[0] for p in points])]
    got = dict(served)
    wrong = []
    for step, value in points:
        want = to_float32(manifest_float(value))
        if step in got and not floats_equal(got[step], want):
            wrong.append("step %s: served %r, expected %r" % (step, got[step], want))
    results.append((label + " values", not wrong, "; ".join(wrong) or "%d values" % len(got)))
    return results


def tag_checks(label, got, want):
    detail = []
    if want - got:
        detail.append("missing %s" % sorted(want - got))
    if got - want:
        detail.append("unexpected %s" % sorted(got - want))
    return (label, not detail, "; ".join(detail) or "%s" % sorted(want))


def event_accumulator_checks(logdir, manifest_runs):
    """What the classic EventAccumulator lists, per run directory."""
    results = []
    directories = run_directories(logdir)
    accumulators = {}
    for run, directory in sorted(directories.items()):
        accumulator = event_accumulator.EventAccumulator(directory, size_guidance=KEEP_EVERYTHING)
        accumulator.Reload()
        accumulators[run] = accumulator
    listed = {
        run: acc for run, acc in accumulators.items()
        if acc.Tags()["scalars"] or acc.Tags()["images"] or text_tags(acc)
    }
    results.append((
        "runs", sorted(listed) == sorted(manifest_runs),
        "listed %s, expected %s" % (sorted(listed), sorted(manifest_runs)),
    ))
    for run in sorted(set(manifest_runs) & set(accumulators)):
        acc, plugins = accumulators[run], manifest_runs[run]
        scalars, images, texts = (plugins.get(p, {}) for p in ("scalars", "images", "text"))
        results.append(tag_checks("scalars tags run=%r" % run, set(acc.Tags()["scalars"]), set(scalars)))
        for tag in sorted(set(scalars) & set(acc.Tags()["scalars"])):
            served = [(e.step, e.value) for e in acc.Scalars(tag)]
            results += value_checks("scalars run=%r tag=%r" % (run, tag), served, scalars[tag])
        results.append(tag_checks("images tags run=%r" % run, set(acc.Tags()["images"]), set(images)))
        for tag in sorted(set(images) & set(acc.Tags()["images"])):
            label = "images run=%r tag=%r" % (run, tag)
            events = acc.Images(tag)
            results.append(step_checks(label, [e.step for e in events], [p["step"] for p in images[tag]]))
            wanted = {p["step"]: (p["width"], p["height"]) for p in images[tag]}
            wrong = []
            for e in events:
                want = wanted.get(e.step)
                try:
                    with Image.open(io.BytesIO(e.encoded_image_string)) as image:
                        image.load()
                        decoded = (image.format, image.size)
                except Exception as error:  # Pillow raises many types for undecodable data
                    wrong.append("step %s: not decodable: %s" % (e.step, error))
                    continue
                if want is None:
                    continue  # reported by the steps check
                if decoded[0] != "PNG":
                    wrong.append("step %s: format %s, expected PNG" % (e.step, decoded[0]))
                elif tuple(decoded[1]) != want:
                    wrong.append("step %s: decoded %dx%d, expected %dx%d" % ((e.step,) + decoded[1] + want))
                if (e.width, e.height) != want:
                    wrong.append("step %s: stated %dx%d, expected %dx%d" % ((e.step, e.width, e.height) + want))
            results.append((label + " decoded", not wrong, "; ".join(wrong) or "%d PNGs" % len(events)))
        results.append(tag_checks("text tags run=%r" % run, text_tags(acc), set(texts)))
        for tag in sorted(set(texts) & text_tags(acc)):
            label = "text run=%r tag=%r" % (run, tag)
            events = acc.Tensors(tag)
            results.append(step_checks(label, [e.step for e in events], [p["step"] for p in texts[tag]]))
            html = {e.step: text_array_to_html(tensor_util.make_ndarray(e.tensor_proto), True) for e in events}
            wrong = []
            for point in texts[tag]:
                absent = [s for s in point.get("contains", []) if s not in html.get(point["step"], "")]
                if point["step"] in html and absent:
                    wrong.append("step %s: missing %r" % (point["step"], absent))
            results.append((label + " content", not wrong, "; ".join(wrong) or "%d texts" % len(html)))
    return results


def text_tags(accumulator):
    try:
        return set(accumulator.PluginTagToContent("text"))
    except KeyError:  # no value of the plugin at all
        return set()


def per_value_metadata_checks(logdir, manifest_runs):
    """A raw walk: every text value names its plugin in its own metadata."""
    results = []
    for run, directory in sorted(run_directories(logdir).items()):
        texts = manifest_runs.get(run, {}).get("text", {})
        if not texts:
            continue
        described = {}
        for name in sorted(os.listdir(directory)):
            if "tfevents" not in name:
                continue
            loader = event_file_loader.LegacyEventFileLoader(os.path.join(directory, name))
            for event in loader.Load():
                for value in event.summary.value:
                    if value.tag in texts:
                        own = value.metadata.plugin_data.plugin_name == "text"
                        described.setdefault(value.tag, []).append((event.step, own))
        for tag, points in sorted(texts.items()):
            seen = described.get(tag, [])
            bare = [step for step, own in seen if not own]
            results.append((
                "text run=%r tag=%r metadata on every value" % (run, tag),
                len(seen) == len(points) and not bare,
                "%d values, %d without the text plugin's metadata %s, expected %d"
                % (len(seen), len(bare), bare[:10], len(points)),
            ))
    return results


def tbparse_checks(logdir, manifest_runs):
    """tbparse's scalars: every manifest scalar, nothing else."""
    from tbparse import SummaryReader  # imports pandas: only when used

    frame = SummaryReader(logdir, pivot=False, extra_columns={"dir_name"}, event_types={"scalars"}).scalars
    served = {}
    for row in frame.itertuples(index=False):
        run = row.dir_name or "."
        served.setdefault((run, row.tag), []).append((int(row.step), float(row.value)))
    wanted = {(run, tag): points for run, plugins in manifest_runs.items()
              for tag, points in plugins.get("scalars", {}).items()}
    results = [tag_checks("scalars (run, tag)", set(served), set(wanted))]
    for key in sorted(set(served) & set(wanted)):
        results += value_checks("scalars run=%r tag=%r" % key, served[key], wanted[key])
    return results


def python_reader_checks(logdir, manifest_runs):
    """{reader name: [(check, ok, detail)]}; a crash is a failed check, never lost."""
    outcome = {}
    for name, checks in (
        ("event_accumulator", event_accumulator_checks),
        ("per_value_metadata", per_value_metadata_checks),
        ("tbparse", tbparse_checks),
    ):
        started = time.monotonic()
        try:
            outcome[name] = checks(logdir, manifest_runs)
        except Exception as e:
            outcome[name] = [("reader", False, "%s: %s" % (type(e).__name__, e))]
        outcome[name].append(("INFO", True, "%.1f s" % (time.monotonic() - started)))
    return outcome


# --------------------------------------------------------------------------
# Main


def run(logdir, manifest_runs, sessions, timeout, settle):
    """Returns (passed, failed)."""
    with tempfile.TemporaryDirectory(prefix="tbconfusion-check-") as workdir:
        servers = [Server(logdir, load_fast, workdir) for load_fast in LOADERS]
        outcome, seconds = {}, {}
        started = time.monotonic()
        try:
            for server in servers:
                server.start()
            deadline = time.monotonic() + timeout
            for server in servers:
                server.wait_ready(deadline)

            def worker(server):
                try:
                    with concurrent.futures.ThreadPoolExecutor(FETCH_THREADS) as pool:
                        outcome[server.name] = poll(server, manifest_runs, sessions, deadline, settle, pool)
                    seconds[server.name] = time.monotonic() - started
                except Exception as e:  # reported as a failed check, never lost
                    outcome[server.name] = [("checker", False, "%s: %s" % (type(e).__name__, e))]

            # Daemon threads: after Ctrl-C the servers are gone and nothing waits for them.
            threads = [threading.Thread(target=worker, args=(s,), daemon=True) for s in servers]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            for server in servers:
                server.stop()
        passed = failed = 0
        for reader, results in python_reader_checks(logdir, manifest_runs).items():
            for name, ok, detail in results:
                if name == "INFO":
                    print("INFO [%s] took %s" % (reader, detail))
                    continue
                print("%s [%s] %s: %s" % ("PASS" if ok else "FAIL", reader, name, detail))
                passed += ok
                failed += not ok
        for server in servers:
            for name, ok, detail in outcome[server.name]:
                print("%s [%s] %s: %s" % ("PASS" if ok else "FAIL", server.name, name, detail))
                passed += ok
                failed += not ok
            if server.name in seconds:
                print("INFO [%s] finished %.1f s after start-up" % (server.name, seconds[server.name]))
            if not all(ok for _, ok, _ in outcome[server.name]):
                print("--- last TensorBoard log (%s) ---\n%s" % (server.name, server.log_text()[-3000:]))
        return passed, failed


def _interrupt(signum, frame):
    # SIGTERM takes the same clean-up path as Ctrl-C, so servers are stopped.
    raise KeyboardInterrupt()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("logdir")
    parser.add_argument("manifest")
    parser.add_argument("--timeout", type=float, default=90.0,
                        help="seconds to wait for both loaders to match (default 90)")
    parser.add_argument("--settle", type=float, default=5.0,
                        help="give up on a loader once its data has not changed for this long (default 5)")
    args = parser.parse_args(argv)

    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if not os.path.isdir(args.logdir):
            raise SetupError("logdir %s is not a directory" % args.logdir)
        manifest_runs, sessions = load_manifest(args.manifest)
        passed, failed = run(os.path.abspath(args.logdir), manifest_runs, sessions, args.timeout, args.settle)
    except SetupError as e:
        print("ERROR: %s" % e)
        print("0 passed, 1 failed")
        return 2
    except KeyboardInterrupt:
        print("interrupted")
        print("0 passed, 1 failed")
        return 130
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
