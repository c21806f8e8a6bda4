"""Fixtures of the workshop tests: a device walked through its records."""

from __future__ import annotations

import pytest

from collecte.services import workshop


@pytest.fixture
def records(db):
    """Helpers that fill a device's workshop records through the services, as a technician."""

    class Records:
        @staticmethod
        def diagnose(user, device, *media_types: str):
            return workshop.record_diagnosis(
                user, device.code, cpu="i5-8250U", ram_gb=8,
                media=[workshop.MediumIn(t, serial=f"S{i}-{device.id}", capacity_gb=256)
                       for i, t in enumerate(media_types or ("ssd",))])

        @staticmethod
        def erase_all(user, device, level: str = "purge"):
            media = workshop.list_media(device)
            return workshop.record_erasures(user, device.code, workshop.ErasureBatch(
                technique="block_erase", tool="nwipe", tool_version="0.37",
                entries=[workshop.ErasureIn(m.id, level, "passed") for m in media]))

        @staticmethod
        def check(user, device, grade: str = "B"):
            return workshop.record_check(user, device.code, grade=grade,
                                         checklist={i: True for i in workshop.CHECK_ITEMS})

    return Records()
