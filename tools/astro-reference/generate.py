#!/usr/bin/env python3
"""Reference table of sun events for Lanterne's Astronomy tests, from PyEphem.

Writes Tests/AstronomyTests/Fixtures/pyephem-reference.csv (or the path given as the first
argument). Regenerate with a throwaway virtualenv:

    python3 -m venv /tmp/astro-venv
    /tmp/astro-venv/bin/pip install ephem          # PyEphem 4.2.1 was used
    /tmp/astro-venv/bin/python tools/astro-reference/generate.py

Why this is an independent source: PyEphem wraps libastro (the engine of XEphem), which
computes the sun from the full VSOP87 planetary theory, with precession, IAU 1980 nutation,
aberration, light time, ΔT (TT − UT) and topocentric parallax, and finds risings, settings and
transits with its own iteration on that apparent position. Lanterne's Astronomy module uses the
NOAA / Meeus low-precision series (a few terms, no ΔT) and its own interpolating solver; no
code, constant table or intermediate value is shared. Differences between the two are the
error of Lanterne's model (PyEphem's own error for the sun is well under an arcsecond, i.e.
a fraction of a second of time).

Convention (U.S. Naval Observatory): no atmospheric refraction (pressure = 0), observer at
sea level, altitudes of the sun's centre (use_center=True): -0:50 (-0.8333 deg) for sunrise and
sunset, -6 deg for civil and -12 deg for nautical twilight.

Day window, as in Lanterne's `Sun.events`: the upper transit nearest to 12:00 local time (at
the zone's UTC offset in force at local noon), the rising crossing before it and the setting
crossing after it, each within 12 h of the transit. Every crossing PyEphem returns is checked
against a 5-minute scan of PyEphem's own altitude over the window (which also decides whether
a crossing exists and the day's status); the script stops if they disagree.

Columns: place, lat, lon (degrees, north and east positive), date (local, YYYY-MM-DD),
utc_offset_s (seconds east of UTC at local noon), event, utc_iso. Events: nauticalDawn,
civilDawn, sunrise, solarNoon, sunset, civilDusk, nauticalDusk, whose utc_iso is the UTC instant
(0.1 s, ending in Z) or empty when the event does not happen in the window; and `status`, whose
last column holds the day status for -0.833 deg: normal, polarNight or midnightSun.
"""

import csv
import datetime as dt
import math
import os
import sys
from zoneinfo import ZoneInfo

import ephem

# name, latitude, longitude (degrees), IANA zone
PLACES = [
    ("Montdidier", 49.648, 2.570, "Europe/Paris"),
    ("Paris", 48.8566, 2.3522, "Europe/Paris"),
    ("Quito", -0.1807, -78.4678, "America/Guayaquil"),
    ("Singapore", 1.3521, 103.8198, "Asia/Singapore"),
    ("Honolulu", 21.3069, -157.8583, "Pacific/Honolulu"),
    ("Apia", -13.8333, -171.7667, "Pacific/Apia"),          # UTC+13 at 172 W: offset vs longitude
    ("Suva", -18.1248, 178.4501, "Pacific/Fiji"),           # near the antimeridian
    ("LosAngeles", 34.0522, -118.2437, "America/Los_Angeles"),
    ("Sydney", -33.8688, 151.2093, "Australia/Sydney"),
    ("CapeTown", -33.9249, 18.4241, "Africa/Johannesburg"),
    ("Auckland", -36.8485, 174.7633, "Pacific/Auckland"),   # +12/+13 h
    ("Ushuaia", -54.8019, -68.3030, "America/Argentina/Ushuaia"),
    ("Oslo", 59.9139, 10.7522, "Europe/Oslo"),
    ("South60", -60.0, -45.0, "Etc/GMT+3"),                 # UTC-3 (POSIX sign)
    ("Anchorage", 61.2181, -149.9003, "America/Anchorage"),
    ("Reykjavik", 64.1466, -21.9426, "Atlantic/Reykjavik"),
    ("Davis", -68.5766, 77.9674, "Antarctica/Davis"),
    ("Tromso", 69.6496, 18.9560, "Europe/Oslo"),
]

# Solstices, equinoxes, perihelion/aphelion, DST changes (EU, US, AU, NZ), and fillers.
DATES = [
    "2025-06-21", "2025-07-15", "2025-08-20", "2025-09-22", "2025-10-26", "2025-11-02",
    "2025-11-15", "2025-12-21", "2026-01-03", "2026-01-20", "2026-02-14", "2026-03-08",
    "2026-03-20", "2026-03-29", "2026-04-05", "2026-04-25", "2026-05-15", "2026-06-21",
    "2026-07-04", "2026-08-10", "2026-09-23", "2026-09-27", "2026-10-04", "2026-10-25",
    "2026-11-01", "2026-12-21",
]

# (horizon for PyEphem, degrees, morning event, evening event)
HORIZONS = [
    ("-12", -12.0, "nauticalDawn", "nauticalDusk"),
    ("-6", -6.0, "civilDawn", "civilDusk"),
    ("-0:50", -50.0 / 60.0, "sunrise", "sunset"),
]
ORDER = ["nauticalDawn", "civilDawn", "sunrise", "solarNoon", "sunset", "civilDusk", "nauticalDusk"]

STEP = 5 * ephem.minute
HALF_DAY = 0.5


def iso(date):
    """ephem.Date -> 'YYYY-MM-DDTHH:MM:SS.sZ' (UTC, 0.1 s)."""
    t = ephem.Date(date).datetime()
    t = (t + dt.timedelta(microseconds=50_000)).replace(tzinfo=None)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%dZ" % (t.microsecond // 100_000)


def observer(lat, lon):
    o = ephem.Observer()
    o.lat = str(lat)          # strings are degrees in PyEphem
    o.lon = str(lon)
    o.elevation = 0
    o.pressure = 0            # no refraction (USNO convention)
    return o


def altitude(o, sun, when):
    o.date = when
    sun.compute(o)
    return float(sun.alt)     # radians, apparent topocentric, unrefracted (pressure = 0)


def refine(o, sun, lo, hi, target, rising):
    """Bisection on PyEphem's altitude: the crossing in [lo, hi] to 1 ms."""
    while hi - lo > 1e-8:
        mid = (lo + hi) / 2
        above = altitude(o, sun, mid) >= target
        if above == rising:
            hi = mid
        else:
            lo = mid
    return ephem.Date((lo + hi) / 2)


def day_rows(name, lat, lon, zone, date_text):
    y, m, d = map(int, date_text.split("-"))
    local_noon = dt.datetime(y, m, d, 12, tzinfo=ZoneInfo(zone))
    offset = int(local_noon.utcoffset().total_seconds())
    noon_utc = ephem.Date(local_noon.astimezone(dt.timezone.utc).replace(tzinfo=None))

    o = observer(lat, lon)
    sun = ephem.Sun()
    before = o.previous_transit(sun, start=noon_utc)
    after = o.next_transit(sun, start=noon_utc)
    transit = before if noon_utc - before <= after - noon_utc else after

    # Altitude scan over the window, shared by all horizons.
    n = int(round(HALF_DAY / STEP))
    times = [transit + k * STEP for k in range(-n, n + 1)]
    times[0], times[-1] = transit - HALF_DAY, transit + HALF_DAY
    alts = [altitude(o, sun, t) for t in times]

    events = {"solarNoon": iso(transit)}
    status = None
    for horizon, degrees, morning, evening in HORIZONS:
        target = math.radians(degrees)
        # Last upward crossing before the transit, first downward crossing after it.
        up = None
        for k in range(n):
            if alts[k] < target <= alts[k + 1]:
                up = (times[k], times[k + 1])
        down = None
        for k in range(n, 2 * n):
            if alts[k] >= target > alts[k + 1]:
                down = (times[k], times[k + 1])
                break
        o.horizon = horizon
        for label, bracket, rising in ((morning, up, True), (evening, down, False)):
            if bracket is None:
                events[label] = ""
                continue
            try:
                if rising:
                    found = o.previous_rising(sun, start=transit, use_center=True)
                else:
                    found = o.next_setting(sun, start=transit, use_center=True)
            except (ephem.AlwaysUpError, ephem.NeverUpError):
                found = None
            exact = refine(o, sun, bracket[0], bracket[1], target, rising)
            if found is None or abs(found - exact) > 1 * ephem.second:
                sys.exit("PyEphem's %s for %s %s (%s) disagrees with the altitude scan (%s)"
                         % (label, name, date_text, found and iso(found), iso(exact)))
            events[label] = iso(found)
        if degrees > -1:
            if up is None and down is None:
                status = "midnightSun" if alts[n] >= target and min(alts) >= target else "polarNight"
            else:
                status = "normal"

    rows = [[name, lat, lon, date_text, offset, "status", status]]
    rows += [[name, lat, lon, date_text, offset, e, events[e]] for e in ORDER]
    return rows


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "Tests", "AstronomyTests", "Fixtures", "pyephem-reference.csv")
    path = os.path.normpath(sys.argv[1] if len(sys.argv) > 1 else default)
    with open(path, "w", newline="") as f:
        f.write("# Sun events from PyEphem %s (VSOP87), USNO convention: no refraction, centre at\n"
                "# -0:50 / -6 / -12 deg. Generated by tools/astro-reference/generate.py; do not edit.\n"
                % ephem.__version__)
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["place", "lat", "lon", "date", "utc_offset_s", "event", "utc_iso"])
        count = 0
        for name, lat, lon, zone in PLACES:
            for date_text in DATES:
                rows = day_rows(name, lat, lon, zone, date_text)
                w.writerows(rows)
                count += len(rows)
    print("wrote %d rows to %s" % (count, path))


if __name__ == "__main__":
    main()
