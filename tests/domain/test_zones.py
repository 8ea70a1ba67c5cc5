"""Zones (urban within the branch's radius) and the arrival geofence, geodesic distances."""

from __future__ import annotations

import pytest

from fieldbot.domain.model import Zone
from fieldbot.domain.zones import distance_m, within_geofence, zone_for

SH01 = (31.2304, 121.4737)  # People's Square
SH02 = (31.0303, 121.2277)  # Songjiang


def test_distance_between_the_two_sample_branches_is_about_32_km() -> None:
    assert distance_m(*SH01, *SH02) == pytest.approx(32_290, abs=50)
    assert distance_m(*SH01, *SH01) == 0


def test_the_site_of_the_branch_itself_is_urban() -> None:
    assert zone_for(*SH01, *SH01, 15) is Zone.URBAN


def test_a_site_more_than_15_km_away_is_suburban() -> None:
    assert zone_for(*SH01, *SH02, 15) is Zone.SUBURBAN
    assert zone_for(*SH02, *SH01, 15) is Zone.SUBURBAN


def test_a_site_about_10_km_away_is_urban() -> None:
    site = (31.2304 + 0.09, 121.4737)  # ~10 km north
    assert 9_000 < distance_m(*site, *SH01) < 11_000
    assert zone_for(*site, *SH01, 15) is Zone.URBAN


def test_the_urban_radius_is_a_parameter_and_inclusive() -> None:
    distance = distance_m(*SH01, *SH02)
    assert zone_for(*SH02, *SH01, 40) is Zone.URBAN
    assert zone_for(*SH02, *SH01, distance / 1000) is Zone.URBAN
    assert zone_for(*SH02, *SH01, distance / 1000 - 0.001) is Zone.SUBURBAN


def test_a_location_within_500_m_is_inside_the_geofence() -> None:
    near = (31.2304 + 0.003, 121.4737)  # ~333 m
    far = (31.2304 + 0.006, 121.4737)  # ~666 m
    assert within_geofence(*near, *SH01, 500)
    assert not within_geofence(*far, *SH01, 500)


def test_out_of_range_coordinates_raise_value_error() -> None:
    with pytest.raises(ValueError):
        distance_m(91.0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        zone_for(31.0, float("nan"), *SH01, 15)
