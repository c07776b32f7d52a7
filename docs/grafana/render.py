#!/usr/bin/env python3
"""Render docs/grafana/tokenward-dashboard.json against a real Prometheus, without Grafana.

Runs every panel's PromQL (query_range for time series, query for stat panels) over the last N
minutes and writes one self-contained HTML page: the panels where the dashboard's gridPos puts
them, inline SVG line charts and stat numbers, in Grafana's dark colours. Python 3 standard
library only. Template variables are replaced by regexes (--var job=tokenward; All is ".*"),
$__rate_interval by --rate-interval.

    python3 docs/grafana/render.py --prometheus http://127.0.0.1:9090 --minutes 15 \
        --out /tmp/tokenward-dashboard.html
    chromium --headless --no-sandbox --disable-gpu --screenshot=docs/screenshots/grafana-dashboard.png \
        --window-size=1600,1400 file:///tmp/tokenward-dashboard.html
"""

import argparse
import datetime as dt
import html
import json
import math
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

TITLE = "Tokenward (rendered from docs/grafana/tokenward-dashboard.json against Prometheus)"

# Grafana's classic palette, in its order.
PALETTE = ["#73BF69", "#F2CC0C", "#8AB8FF", "#FF780A", "#F2495C", "#5794F2", "#B877D9", "#705DA0",
           "#37872D", "#FADE2A", "#447EBC", "#C15C17", "#890F02", "#0A437C", "#6D1F62", "#584477",
           "#B7DBAB", "#F4D598", "#70DBED", "#F9BA8F", "#F29191", "#82B5D8", "#E5A8E2", "#AEA2E0"]
NAMED = {"green": "#73BF69", "red": "#F2495C", "orange": "#FF9830", "yellow": "#FADE2A", "blue": "#5794F2",
         "purple": "#B877D9", "text": "#CCCCDC", "transparent": "transparent"}


def color(name):
    return NAMED.get(name, name)


# ---------------------------------------------------------------- Prometheus

class Prometheus:
    def __init__(self, base, timeout):
        self.base = base.rstrip("/")
        self.timeout = timeout

    def get(self, path, params):
        url = f"{self.base}{path}?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as r:
                body = json.load(r)
        except urllib.error.HTTPError as e:
            try:
                body = json.load(e)
            except ValueError:
                return None, f"HTTP {e.code}"
        except (urllib.error.URLError, OSError) as e:
            return None, str(e)
        if body.get("status") != "success":
            return None, f"{body.get('errorType', 'error')}: {body.get('error', '?')}"
        return body["data"], None

    def range(self, expr, start, end, step):
        return self.get("/api/v1/query_range", {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step}s"})

    def instant(self, expr, at):
        return self.get("/api/v1/query", {"query": expr, "time": f"{at:.3f}"})


def substitute(expr, variables, rate_interval, minutes, step):
    expr = expr.replace("$__rate_interval", rate_interval).replace("${__rate_interval}", rate_interval)
    expr = expr.replace("$__interval", f"{step}s").replace("${__interval}", f"{step}s")
    expr = expr.replace("$__range", f"{minutes}m").replace("${__range}", f"{minutes}m")
    for name in sorted(variables, key=len, reverse=True):
        expr = expr.replace("${" + name + "}", variables[name]).replace("$" + name, variables[name])
    return expr


def legend(fmt, metric):
    if not fmt or fmt == "__auto":
        name = metric.get("__name__", "")
        labels = ", ".join(f'{k}="{v}"' for k, v in sorted(metric.items()) if k != "__name__")
        return f"{name}{{{labels}}}" if labels else (name or "value")
    return re.sub(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}", lambda m: metric.get(m.group(1), ""), fmt).strip()


def to_float(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


# ---------------------------------------------------------------- formatting

def fmt_value(v, unit, decimals=None):
    if v is None:
        return "–"
    if unit == "s":
        a = abs(v)
        if a == 0:
            return "0 s"
        if a < 1e-3:
            return f"{v * 1e6:.0f} µs"
        if a < 1:
            return f"{v * 1e3:.{0 if a >= 0.1 else 1}f} ms"
        if a < 120:
            return f"{v:.{decimals if decimals is not None else 1}f} s"
        if a < 7200:
            return f"{v / 60:.1f} min"
        if a < 172800:
            return f"{v / 3600:.1f} hour"
        return f"{v / 86400:.1f} day"
    suffix = {"reqps": " req/s", "ops": " ops/s", "percent": "%"}.get(unit, "")
    a = abs(v)
    if decimals is not None:
        text = f"{v:.{decimals}f}"
    elif a >= 1e6:
        text = f"{v / 1e6:.2f}M"
    elif a >= 1e4:
        text = f"{v / 1e3:.1f}K"
    elif a == 0 or a >= 100 or float(v).is_integer():
        text = f"{v:.0f}"
    elif a >= 1:
        text = f"{v:.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{v:.3g}"
    return text + suffix


def nice_ticks(lo, hi, count=4, min_step=0.0):
    if hi <= lo:
        hi = lo + 1
    raw = max((hi - lo) / count, min_step)
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        step = m * mag
        if step >= raw:
            break
    start = math.floor(lo / step) * step
    ticks = []
    t = start
    while t <= hi + step * 1e-9:
        if t >= lo - step * 1e-9:
            ticks.append(round(t, 12))
        t += step
    return ticks, step


# ---------------------------------------------------------------- panels

def fetch_panel(prom, panel, variables, args, start, end, step):
    series, errors = [], []
    instant = panel.get("type") == "stat"
    for target in panel.get("targets", []):
        if target.get("hide"):
            continue
        expr = substitute(target.get("expr", ""), variables, args.rate_interval, args.minutes, step)
        if instant:
            data, err = prom.instant(expr, end)
        else:
            data, err = prom.range(expr, start, end, step)
        if err:
            errors.append(f"{target.get('refId', '?')}: {err}")
            continue
        for r in data.get("result", []):
            name = legend(target.get("legendFormat", ""), r["metric"])
            if instant:
                points = [(float(r["value"][0]), to_float(r["value"][1]))] if "value" in r else []
            else:
                points = [(float(t), to_float(v)) for t, v in r.get("values", [])]
            series.append({"name": name, "points": points})
    return series, errors


def threshold_color(steps, v):
    c = steps[0]["color"] if steps else "green"
    for s in steps or []:
        if s.get("value") is None or (v is not None and v >= s["value"]):
            c = s["color"]
    return color(c)


def mapped(mappings, v):
    for m in mappings or []:
        if m.get("type") == "value" and v is not None:
            key = fmt_value(v, "short", 0) if float(v).is_integer() else str(v)
            opt = m.get("options", {}).get(key)
            if opt:
                return opt.get("text"), opt.get("color")
    return None, None


def render_stat(panel, series, w, h):
    d = panel.get("fieldConfig", {}).get("defaults", {})
    unit, decimals = d.get("unit", "short"), d.get("decimals")
    steps = d.get("thresholds", {}).get("steps", [])
    show_name = panel.get("options", {}).get("textMode") in ("value_and_name", "name")
    values = [(s["name"], next((v for _, v in reversed(s["points"]) if v is not None), None)) for s in series]
    if not values:
        text = d.get("noValue", "No data")
        return (f'<div class="stat" style="background:#22252b"><div class="sv" style="font-size:{min(h * 0.42, 40):.0f}px;color:#8e8e9e">'
                f'{html.escape(text)}</div></div>')
    cells = []
    for name, v in values[:4]:
        text, mcolor = mapped(d.get("mappings"), v)
        bg = color(mcolor) if mcolor else threshold_color(steps, v)
        text = text or fmt_value(v, unit, decimals)
        size = min(h * (0.40 if show_name and name else 0.5), w / max(len(values), 1) / max(len(text), 1) * 1.6, 48)
        label = f'<div class="sn">{html.escape(name)}</div>' if show_name and name else ""
        cells.append(f'<div class="stat" style="background:{bg}"><div class="sv" style="font-size:{size:.0f}px">{html.escape(text)}</div>{label}</div>')
    return '<div class="stats">' + "".join(cells) + "</div>"


def render_timeseries(panel, series, w, h, start, end):
    d = panel.get("fieldConfig", {}).get("defaults", {})
    custom = d.get("custom", {})
    unit, decimals = d.get("unit", "short"), d.get("decimals")
    stacked = custom.get("stacking", {}).get("mode", "none") != "none"
    fill = custom.get("fillOpacity", 0) / 100.0
    stepped = custom.get("lineInterpolation") == "stepAfter"
    if not series:
        return f'<svg width="{w}" height="{h}"><text x="{w / 2}" y="{h / 2}" class="nodata" text-anchor="middle">No data</text></svg>', ""

    series = sorted(series, key=lambda s: s["name"])
    for i, s in enumerate(series):
        s["color"] = PALETTE[i % len(PALETTE)]
    # Stacking: add up the series at each timestamp, in order.
    if stacked:
        base = {}
        for s in series:
            pts = []
            for t, v in s["points"]:
                lo = base.get(t, 0.0)
                hi = lo + (v or 0.0) if v is not None else None
                pts.append((t, hi, lo))
                if hi is not None:
                    base[t] = hi
            s["draw"] = pts
    else:
        for s in series:
            s["draw"] = [(t, v, 0.0) for t, v in s["points"]]

    values = [v for s in series for _, v, _ in s["draw"] if v is not None]
    lo = d.get("min", min(values) if values else 0)
    hi = d.get("max", max(values) if values else 1)
    if values:
        lo = min(lo, min(values)) if "min" not in d else lo
        hi = max(hi, max(values)) if "max" not in d else hi
    if hi == lo:
        hi = lo + (abs(lo) or 1)
    ticks, _ = nice_ticks(lo, hi, min_step=1.0 if decimals == 0 else 0.0)
    hi = max(hi, ticks[-1])
    lo = min(lo, ticks[0])

    left = 10 + max(len(fmt_value(t, unit, decimals)) for t in ticks) * 6.4
    right, top, bottom = 8, 6, 18
    pw, ph = w - left - right, h - top - bottom

    def X(t):
        return left + (t - start) / (end - start) * pw

    def Y(v):
        return top + ph - (v - lo) / (hi - lo) * ph

    out = [f'<svg width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">']
    for t in ticks:
        out.append(f'<line x1="{left:.1f}" x2="{w - right:.1f}" y1="{Y(t):.1f}" y2="{Y(t):.1f}" class="grid"/>')
        out.append(f'<text x="{left - 6:.1f}" y="{Y(t) + 3.5:.1f}" class="ax" text-anchor="end">{html.escape(fmt_value(t, unit, decimals))}</text>')
    # Time axis: a label every "nice" number of minutes.
    span = end - start
    every = next((m for m in (1, 2, 5, 10, 15, 30, 60, 120, 360, 720, 1440) if span / (m * 60) <= max(2, pw / 70)), 1440) * 60
    t = math.ceil(start / every) * every
    while t <= end:
        label = dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%H:%M")
        out.append(f'<line x1="{X(t):.1f}" x2="{X(t):.1f}" y1="{top}" y2="{top + ph}" class="grid"/>')
        out.append(f'<text x="{X(t):.1f}" y="{h - 4}" class="ax" text-anchor="middle">{label}</text>')
        t += every
    for st in d.get("thresholds", {}).get("steps", []) if custom.get("thresholdsStyle", {}).get("mode", "off") != "off" else []:
        if st.get("value") is not None and lo <= st["value"] <= hi:
            out.append(f'<line x1="{left:.1f}" x2="{w - right:.1f}" y1="{Y(st["value"]):.1f}" y2="{Y(st["value"]):.1f}" '
                       f'stroke="{color(st["color"])}" stroke-dasharray="6 4" stroke-width="1"/>')

    gap = 2.5 * (series[0]["draw"][1][0] - series[0]["draw"][0][0]) if len(series[0]["draw"]) > 1 else 1e18
    for s in (reversed(series) if stacked else series):
        # Split into runs without gaps (missing samples break the line, as Grafana does).
        runs, run, prev = [], [], None
        for t, v, b in s["draw"]:
            if v is None or (prev is not None and t - prev > gap):
                if run:
                    runs.append(run)
                run = []
            if v is not None:
                run.append((t, v, b))
                prev = t
        if run:
            runs.append(run)
        for run in runs:
            pts = []
            for i, (t, v, b) in enumerate(run):
                if stepped and i > 0:
                    pts.append((X(t), Y(run[i - 1][1])))
                pts.append((X(t), Y(v)))
            if len(run) == 1:
                x0, y0 = pts[0]
                out.append(f'<circle cx="{x0:.1f}" cy="{y0:.1f}" r="1.5" fill="{s["color"]}"/>')
                continue
            line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            if fill > 0:
                basepts = []
                for i, (t, v, b) in reversed(list(enumerate(run))):
                    basepts.append((X(t), Y(max(b, lo) if stacked else max(lo, min(0, hi)) if lo <= 0 else lo)))
                    if stepped and i > 0 and stacked:
                        basepts.append((X(t), Y(max(run[i - 1][2], lo))))
                poly = line + " " + " ".join(f"{x:.1f},{y:.1f}" for x, y in basepts)
                out.append(f'<polygon points="{poly}" fill="{s["color"]}" fill-opacity="{fill:.2f}" stroke="none"/>')
            out.append(f'<polyline points="{line}" fill="none" stroke="{s["color"]}" stroke-width="{custom.get("lineWidth", 1)}"/>')
    out.append("</svg>")

    # The legend in the dashboard's order (options.legend.sortBy: Max, Mean, Last *), by name otherwise.
    opts = panel.get("options", {}).get("legend", {})
    key = {"Max": lambda s: max((v for _, v in s["points"] if v is not None), default=-math.inf),
           "Mean": lambda s: sum(v for _, v in s["points"] if v is not None) / max(1, sum(1 for _, v in s["points"] if v is not None)),
           "Last *": lambda s: next((v for _, v in reversed(s["points"]) if v is not None), -math.inf)}.get(opts.get("sortBy"))
    ordered = sorted(series, key=key, reverse=bool(opts.get("sortDesc"))) if key else series
    items = []
    for s in ordered:
        last = next((v for _, v in reversed(s["points"]) if v is not None), None)
        items.append(f'<span class="li"><i style="background:{s["color"]}"></i>{html.escape(s["name"] or "value")}'
                     f' <b>{html.escape(fmt_value(last, unit, decimals))}</b></span>')
    return "".join(out), "".join(items)


def fit_legend(items_html, lines, width):
    """Keeps the legend items that fit `lines` lines of `width` px (about 6.2 px a character), then "+N more"."""
    items = re.findall(r'<span class="li">.*?</span>', items_html)
    budget, used, kept = lines * max(width - 16, 1), 0.0, []
    for i, item in enumerate(items):
        text = re.sub(r"<[^>]+>", "", item)
        cost = (len(html.unescape(text)) + 4) * 6.2
        if used + cost > budget - (70 if i < len(items) - 1 else 0):
            return "".join(kept) + f'<span class="li more">+{len(items) - i} more</span>'
        used += cost
        kept.append(item)
    return "".join(kept)


# ---------------------------------------------------------------- page

CSS = """
*{box-sizing:border-box}
body{margin:0;background:#111217;color:#ccccdc;font:12px/1.35 Inter,"Helvetica Neue",Arial,sans-serif}
header{height:46px;padding:6px 12px;border-bottom:1px solid #2c3235;display:flex;align-items:center;gap:18px}
header h1{font-size:15px;font-weight:500;margin:0;color:#d8d9da;white-space:nowrap}
header .meta{color:#8e8e9e;font-size:11px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
header .var{background:#181b1f;border:1px solid #2c3235;border-radius:2px;padding:2px 6px;color:#ccccdc}
.grid-area{position:relative;margin:6px}
.row{position:absolute;font-size:13px;font-weight:500;color:#d8d9da;padding-top:7px;border-bottom:1px solid #22252b}
.panel{position:absolute;background:#181b1f;border:1px solid #2c3235;border-radius:2px;overflow:hidden;display:flex;flex-direction:column}
.panel h2{font-size:12px;font-weight:500;margin:0;padding:4px 8px 0;height:22px;color:#d8d9da;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.body{flex:1;position:relative;min-height:0}
.legend{padding:0 8px 3px;max-height:40px;overflow:hidden;font-size:10.5px;line-height:14px;color:#ccccdc}
.li{display:inline-block;margin-right:10px;white-space:nowrap}.li i{display:inline-block;width:12px;height:3px;margin:0 4px 2px 0;vertical-align:middle}
.li b{font-weight:400;color:#8e8e9e}.more{color:#8e8e9e}
.grid{stroke:#2c3235;stroke-width:1}
.ax{fill:#8e8e9e;font-size:10px}
.nodata{fill:#8e8e9e;font-size:13px}
.stats{display:flex;gap:4px;height:100%;padding:0 6px 6px}
.stat{flex:1;border-radius:2px;display:flex;flex-direction:column;align-items:center;justify-content:center;height:100%;margin:0 6px 6px;color:#fff}
.stats .stat{margin:0}
.sv{font-weight:500;line-height:1.1}
.sn{font-size:12px;opacity:.9}
.err{color:#F2495C;font-size:10.5px;padding:0 8px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
"""


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dashboard", default=os.path.join(here, "tokenward-dashboard.json"))
    p.add_argument("--prometheus", default="http://127.0.0.1:9090", help="base URL of the Prometheus HTTP API")
    p.add_argument("--minutes", type=int, default=30, help="time range: the last N minutes (default 30)")
    p.add_argument("--end", type=float, default=None, help="end of the range, Unix seconds (default now)")
    p.add_argument("--step", type=int, default=None, help="query_range step in seconds (default: range / 240, at least 5)")
    p.add_argument("--rate-interval", default="1m", help="what $__rate_interval becomes (default 1m: 4 scrapes at 15s)")
    p.add_argument("--var", action="append", default=[], metavar="NAME=REGEX", help="template variable value (default .* = All)")
    p.add_argument("--width", type=int, default=1588, help="page width in pixels (default 1588: a 1600 window)")
    p.add_argument("--row-height", type=int, default=28, help="pixels per grid row (Grafana: 30 + 8 margin)")
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--out", default="tokenward-dashboard.html")
    args = p.parse_args()

    dash = json.load(open(args.dashboard, encoding="utf-8"))
    variables = {v["name"]: v.get("allValue") or ".*" for v in dash.get("templating", {}).get("list", [])}
    for kv in args.var:
        k, _, v = kv.partition("=")
        variables[k] = v
    end = args.end or time.time()
    start = end - args.minutes * 60
    step = args.step or max(5, int(args.minutes * 60 / 240))
    prom = Prometheus(args.prometheus, args.timeout)

    W = args.width - 12
    col = W / 24.0
    rh = args.row_height
    pad = 4
    parts, bottom, failures = [], 0, 0
    for panel in dash.get("panels", []):
        g = panel.get("gridPos", {})
        x, y, pw, ph = g.get("x", 0) * col, g.get("y", 0) * rh, g.get("w", 12) * col, g.get("h", 8) * rh
        bottom = max(bottom, y + ph)
        if panel.get("type") == "row":
            parts.append(f'<div class="row" style="left:{x + pad / 2:.0f}px;top:{y:.0f}px;width:{pw - pad:.0f}px;height:{ph:.0f}px">'
                         f'{html.escape(panel.get("title", ""))}</div>')
            continue
        series, errors = fetch_panel(prom, panel, variables, args, start, end, step)
        failures += len(errors)
        for e in errors:
            print(f"{panel.get('title')}: {e}", file=sys.stderr)
        bw, bh = pw - pad - 2, ph - pad - 2 - 22
        legend_html = ""
        if panel.get("type") == "stat":
            body = render_stat(panel, series, bw, bh)
        elif panel.get("type") == "timeseries":
            lines = 0
            if series:  # room for the legend: about 7 px a character, at most 3 lines
                chars = sum(len(s["name"]) + 12 for s in series)
                lines = min(3, math.ceil(chars * 6.2 / max(bw - 16, 1)))
            svg, legend_html = render_timeseries(panel, series, bw, bh - lines * 14 - (3 if lines else 0), start, end)
            legend_html = fit_legend(legend_html, lines, bw)
            body = svg
        else:
            body = f'<div class="err">panel type {html.escape(panel.get("type", "?"))} is not rendered</div>'
        err = "".join(f'<div class="err" title="{html.escape(e)}">⚠ {html.escape(e)}</div>' for e in errors)
        parts.append(
            f'<div class="panel" style="left:{x + pad / 2:.0f}px;top:{y + pad / 2:.0f}px;width:{pw - pad:.0f}px;height:{ph - pad:.0f}px" '
            f'title="{html.escape(panel.get("description", ""))}"><h2>{html.escape(panel.get("title", ""))}</h2>{err}'
            f'<div class="body">{body}</div>' + (f'<div class="legend">{legend_html}</div>' if legend_html else "") + "</div>")

    def when(t):
        return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    var_html = " ".join(f'<span class="var">{html.escape(k)} = {html.escape(v)}</span>' for k, v in variables.items())
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(TITLE)}</title><style>{CSS}</style></head>
<body><header><h1>{html.escape(TITLE)}</h1>
<div class="meta">{html.escape(when(start))} → {html.escape(when(end))} · step {step}s · $__rate_interval = {html.escape(args.rate_interval)} · {html.escape(args.prometheus)} · {var_html}</div></header>
<div class="grid-area" style="height:{bottom + 4:.0f}px">{''.join(parts)}</div></body></html>
"""
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(page)
    print(f"wrote {args.out}: {sum(1 for p in dash['panels'] if p.get('type') != 'row')} panels, "
          f"{when(start)} to {when(end)}, {failures} failed queries", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
