"""Zones and geofences from geodesic distances (WGS-84, via geopy).

Coordinates out of range (latitude beyond ±90) raise ``ValueError``: the importer and the
location handler validate them before they get here.
"""

from __future__ import annotations

import math

from geopy.distance import geodesic

from fieldbot.domain.model import Zone


def check_coordinates(lat: float, lon: float) -> None:
    """Raise ``ValueError`` unless ``lat``/``lon`` are finite and within ±90/±180."""
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"coordinates out of range: {lat}, {lon}")


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance in metres between two points."""
    check_coordinates(lat1, lon1)
    check_coordinates(lat2, lon2)
    return float(geodesic((lat1, lon1), (lat2, lon2)).meters)


def zone_for(
    site_lat: float,
    site_lon: float,
    branch_lat: float,
    branch_lon: float,
    urban_radius_km: float,
) -> Zone:
    """Urban within ``urban_radius_km`` of the branch (inclusive), suburban beyond."""
    distance = distance_m(site_lat, site_lon, branch_lat, branch_lon)
    return Zone.URBAN if distance <= urban_radius_km * 1000 else Zone.SUBURBAN


def within_geofence(
    lat: float, lon: float, site_lat: float, site_lon: float, radius_m: float
) -> bool:
    """Whether a reported location is within ``radius_m`` of the site (inclusive)."""
    return distance_m(lat, lon, site_lat, site_lon) <= radius_m
