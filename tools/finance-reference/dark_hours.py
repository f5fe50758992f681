#!/usr/bin/env python3
"""Independent reference for Lanterne's `DarkHours` (Sources/Ledger/Savings/DarkHours.swift):
the hours the sun's centre spends below -0.8333 deg (sunset to sunrise, USNO convention, no
refraction) in each local calendar month, from PyEphem.

    python3 -m venv /tmp/fin
    /tmp/fin/bin/pip install ephem            # PyEphem 4.2.1 was used
    /tmp/fin/bin/python tools/finance-reference/dark_hours.py

PyEphem computes the sun from VSOP87 with its own rising/setting search (see
tools/astro-reference/generate.py for why it is independent of Lanterne's Astronomy module).
Here the dark time of [start, end) is found by walking PyEphem's alternating settings and
risings from `start`, with whether it is dark at `start` from PyEphem's own altitude.
"""

import datetime as dt
import math
from zoneinfo import ZoneInfo

import ephem

HORIZON = "-0:50"          # -0.8333 deg, centre of the sun


def observer(lat, lon):
    o = ephem.Observer()
    o.lat, o.lon = str(lat), str(lon)
    o.elevation = 0
    o.pressure = 0          # no refraction
    o.horizon = HORIZON
    return o


def dark_hours(lat, lon, start_utc, end_utc):
    o = observer(lat, lon)
    sun = ephem.Sun()
    t = ephem.Date(start_utc)
    end = ephem.Date(end_utc)
    o.date = t
    sun.compute(o)
    dark = sun.alt < math.radians(-50 / 60)
    total = 0.0
    while t < end:
        try:
            nxt = o.next_rising(sun, start=t, use_center=True) if dark else o.next_setting(sun, start=t, use_center=True)
        except (ephem.AlwaysUpError, ephem.NeverUpError):
            nxt = end
        nxt = min(ephem.Date(nxt), end)
        if dark:
            total += (nxt - t) * 24
        t = ephem.Date(nxt + ephem.second * 0.001) if nxt < end else end
        dark = not dark
    return total


def months(year, zone):
    z = ZoneInfo(zone)
    for m in range(1, 13):
        a = dt.datetime(year, m, 1, tzinfo=z)
        b = dt.datetime(year + (m == 12), m % 12 + 1, 1, tzinfo=z)
        yield m, a.astimezone(dt.timezone.utc).replace(tzinfo=None), b.astimezone(dt.timezone.utc).replace(tzinfo=None)


for name, lat, lon, zone, wanted in [("Montdidier", 49.648, 2.570, "Europe/Paris", range(1, 13)),
                                     ("Tromso", 69.6496, 18.9560, "Europe/Oslo", [6, 12])]:
    total = 0.0
    for m, a, b in months(2026, zone):
        h = dark_hours(lat, lon, a, b)
        total += h
        if m in wanted:
            print(f"{name} 2026-{m:02d} ({a:%Y-%m-%dT%H:%M}Z .. {b:%Y-%m-%dT%H:%M}Z): {h:.4f} h")
    if name == "Montdidier":
        print(f"{name} 2026 total: {total:.4f} h")
