"""Report schemas: the dashboard's query filters and its JSON, and the export request."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .devices import StrictSchema

KINDS = ["laptop", "desktop", "tablet", "smartphone", "monitor", "other"]


class ReportQueryIn(StrictSchema):
    date_from = fields.Date(data_key="from", load_default=None,
                            metadata={"description": "Début de période (AAAA-MM-JJ)"})
    date_to = fields.Date(data_key="to", load_default=None)
    department = fields.Str(data_key="departement", load_default=None,
                            validate=validate.Length(min=2, max=3),
                            metadata={"example": "91"})
    region = fields.Str(load_default=None, validate=validate.Length(min=2, max=3),
                        metadata={"example": "11"})
    operator_id = fields.Int(data_key="operator", load_default=None)
    site_id = fields.Int(data_key="site", load_default=None)
    kind = fields.Str(load_default=None, validate=validate.OneOf(KINDS))


class DashboardQueryIn(ReportQueryIn):
    details = fields.Bool(load_default=False, metadata={
        "description": "Ajoute les délais par étape (médiane et 90e centile, exacts à la tranche "
                       "de durée près : voir LeadTimeOut), le rendement par donateur et par âge "
                       "(agrégats tenus par la tâche périodique, à jour à une ou deux minutes "
                       "près) et les appareils en attente (index des appareils)"})


class ExportIn(ReportQueryIn):
    """`kind` names the export here; the device kind filter is `device_kind`."""

    export_kind = fields.Str(data_key="kind", required=True,
                             validate=validate.OneOf(["devices", "pipeline", "opendata"]))
    format = fields.Str(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))
    kind = fields.Str(data_key="device_kind", load_default=None, validate=validate.OneOf(KINDS))


class RowsAsIs(fields.List):
    """A list of rows the service already shapes exactly like the nested schema: documented
    as that schema, sent as they are (dumping the ~4,500 stock rows of a national view field
    by field cost marshmallow about 20 ms a call)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else list(value)


class GoalOut(Schema):
    target = fields.Int()
    deadline = fields.Date()
    rule = fields.Str()
    count = fields.Int()
    share = fields.Float()
    rate_30 = fields.Float(metadata={"description": "Appareils remis par jour, 30 derniers jours"})
    rate_90 = fields.Float()
    projected_date = fields.Date(allow_none=True)
    needed_rate = fields.Float(allow_none=True)
    days_left = fields.Int()


class YieldOut(Schema):
    key = fields.Raw(allow_none=True)
    reusable = fields.Int()
    not_reusable = fields.Int()
    share = fields.Float(allow_none=True)


class StockOut(Schema):
    site_id = fields.Int()
    site = fields.Str()
    kind = fields.Str()
    grade = fields.Str(allow_none=True)
    count = fields.Int()


class TerritoryOut(Schema):
    code = fields.Str(allow_none=True)
    name = fields.Str()
    allocated = fields.Int()
    goal = fields.Int()
    ready = fields.Int()


class TerritoriesOut(Schema):
    departments = RowsAsIs(fields.Nested(TerritoryOut))
    regions = RowsAsIs(fields.Nested(TerritoryOut))


class LeadTimeOut(Schema):
    """Médiane et 90e centile lus dans un histogramme par tranches de durée (1, 2, 4, 8,
    12 heures ; 1, 2, 3, 5, 7, 10, 14, 21, 30, 45, 60, 90, 180, 365 jours ; plus) : chaque
    valeur est exacte à sa tranche près, dont les bornes sont données à côté."""

    stage = fields.Str()
    moves = fields.Int()
    median_days = fields.Float(metadata={
        "description": "Médiane (jours), interpolée dans sa tranche : la valeur exacte est "
                       "entre les bornes de `median_between`"})
    p90_days = fields.Float(metadata={
        "description": "90e centile (jours), exact à la tranche `p90_between` près"})
    median_between = fields.List(fields.Float(allow_none=True), metadata={
        "description": "Bornes (jours) de la tranche de la médiane ; null = plus d'un an"})
    p90_between = fields.List(fields.Float(allow_none=True), metadata={
        "description": "Bornes (jours) de la tranche du 90e centile ; null = plus d'un an"})


class WaitingOut(Schema):
    stage = fields.Str()
    limit_days = fields.Int()
    site_id = fields.Int()
    site = fields.Str()
    count = fields.Int()


class YieldDetailsOut(Schema):
    by_donor = fields.List(fields.Nested(YieldOut))
    by_age = fields.List(fields.Nested(YieldOut))


class DashboardOut(Schema):
    filters = fields.Function(lambda d: d["filters"].as_query())
    goal = fields.Nested(GoalOut)
    funnel = fields.Dict(keys=fields.Str(), values=fields.Int())
    pipeline = fields.Dict(keys=fields.Str(), values=fields.Int())
    stock = RowsAsIs(fields.Nested(StockOut))
    yield_by_kind = fields.List(fields.Nested(YieldOut))
    by_department = fields.Nested(TerritoriesOut)
    yield_details = fields.Nested(YieldDetailsOut)
    lead_times = fields.List(fields.Nested(LeadTimeOut))
    # ~2,000 rows nationally (stage × site), sent as the service shapes them (like the stock).
    waiting = RowsAsIs(fields.Nested(WaitingOut))
