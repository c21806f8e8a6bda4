"""Every model, imported here so that metadata and Alembic see them all."""

from .base import Base, utcnow
from .devices import Device, DeviceKind
from .documents import Document as Document
from .documents import DocumentKind as DocumentKind
from .events import APPEND_ONLY_TABLES, StageEvent, StatusEvent
from .jobs import Job, JobState, OutboxMail, ProcessHeartbeat
from .people import ROLES_BY_ORG_KIND, ApiToken, Organisation, OrgKind, Role, Site, User
from .pledges import Pledge, PledgeStatus
from .printing import PrinterProfile as PrinterProfile
from .reports import CounterAllTime as CounterAllTime
from .reports import CounterDelta as CounterDelta
from .reports import CounterNationalDay as CounterNationalDay
from .reports import CounterTerritory as CounterTerritory
from .reports import CounterTerritoryDay as CounterTerritoryDay
from .reports import CounterTotal as CounterTotal
from .reports import Department as Department
from .reports import Region as Region
from .requests import Allocation, AllocationRequest, Beneficiary, RequestStatus
from .requests import BeneficiaryAccess as BeneficiaryAccess
from .requests import PickupAttempt as PickupAttempt
from .rollups import LeadTimeNationalDay as LeadTimeNationalDay
from .rollups import LeadTimeSiteDay as LeadTimeSiteDay
from .rollups import LeadTimeTerritoryDay as LeadTimeTerritoryDay
from .rollups import RollupMark as RollupMark
from .rollups import YieldNationalDonor as YieldNationalDonor
from .rollups import YieldNationalYear as YieldNationalYear
from .rollups import YieldSite as YieldSite
from .rollups import YieldTerritory as YieldTerritory
from .workshop import (
    Diagnosis,
    ErasureLevel,
    ErasureRecord,
    FunctionalCheck,
    ResetRecord,
    StorageMedium,
)

__all__ = [
    "APPEND_ONLY_TABLES", "ROLES_BY_ORG_KIND", "Allocation", "AllocationRequest", "ApiToken",
    "Base", "Beneficiary", "Device", "DeviceKind", "Diagnosis", "ErasureLevel", "ErasureRecord",
    "FunctionalCheck", "Job", "JobState", "OrgKind", "Organisation", "OutboxMail", "Pledge",
    "ProcessHeartbeat", "PledgeStatus", "RequestStatus", "ResetRecord", "Role", "Site",
    "StageEvent", "StatusEvent", "StorageMedium", "User", "utcnow",
]
